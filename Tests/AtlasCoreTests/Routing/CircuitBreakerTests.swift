import Testing
@testable import AtlasCore

@Suite("CircuitBreaker")
struct CircuitBreakerTests {
    @Test("the 5th consecutive failure opens and alerts; a success resets the count")
    func opensAtThreshold() {
        let clock = ManualClock(nowMicros: t0)
        let b = CircuitBreaker(clock: clock)
        for _ in 0..<4 { b.recordFailure() }
        #expect(b.state == .closed(consecutiveFailures: 4))
        #expect(b.alerts.isEmpty)
        b.recordSuccess()
        #expect(b.state == .closed(consecutiveFailures: 0))
        for _ in 0..<4 { b.recordFailure() }
        #expect(b.alerts.isEmpty)
        b.recordFailure()
        #expect(b.state == .open(sinceMicros: t0))
        #expect(b.isAlerting)
        #expect(b.alerts == [BreakerAlert(kind: .replicaLagCritical, atMicros: t0, consecutiveFailures: 5)])
        #expect(b.counters.opens == 1)
    }

    @Test("open skips replicas until the cool-down, then admits one probe")
    func coolDownThenHalfOpen() {
        let clock = ManualClock(nowMicros: t0)
        let b = CircuitBreaker(clock: clock, config: .init(failureThreshold: 2, coolDownMicros: 30 * second))
        b.recordFailure()
        b.recordFailure()
        clock.nowMicros = t0 + 30 * second - 1
        #expect(b.admission() == .skipReplicas)
        #expect(b.counters.readsWhileOpen == 1)
        clock.nowMicros = t0 + 30 * second
        #expect(b.admission() == .probe)
        #expect(b.state == .halfOpen)
    }

    @Test("a successful probe closes and records the recovery")
    func probeSuccessCloses() {
        let clock = ManualClock(nowMicros: t0)
        let b = CircuitBreaker(clock: clock, config: .init(failureThreshold: 1, coolDownMicros: 10 * second))
        b.recordFailure()
        clock.nowMicros = t0 + 10 * second
        #expect(b.admission() == .probe)
        b.recordSuccess()
        #expect(b.state == .closed(consecutiveFailures: 0))
        #expect(!b.isAlerting)
        #expect(b.alerts.map(\.kind) == [.replicaLagCritical, .replicaLagRecovered])
        #expect(b.counters.probeSuccesses == 1)
        #expect(b.admission() == .tryReplicas)
    }

    @Test("a failed probe re-opens for a full cool-down without a second alert")
    func probeFailureReopens() {
        let clock = ManualClock(nowMicros: t0)
        let b = CircuitBreaker(clock: clock, config: .init(failureThreshold: 1, coolDownMicros: 10 * second))
        b.recordFailure()
        clock.nowMicros = t0 + 12 * second
        #expect(b.admission() == .probe)
        b.recordFailure()
        #expect(b.state == .open(sinceMicros: t0 + 12 * second))
        #expect(b.alerts.count == 1)
        #expect(b.counters.reopens == 1 && b.counters.probeFailures == 1)
        clock.nowMicros = t0 + 22 * second - 1
        #expect(b.admission() == .skipReplicas)
        clock.nowMicros = t0 + 22 * second
        #expect(b.admission() == .probe)
    }

    @Test("failures reported while open do not stack up or re-alert")
    func failuresWhileOpenIgnored() {
        let clock = ManualClock(nowMicros: t0)
        let b = CircuitBreaker(clock: clock, config: .init(failureThreshold: 1))
        b.recordFailure()
        b.recordFailure()
        b.recordSuccess()
        #expect(b.state == .open(sinceMicros: t0))
        #expect(b.alerts.count == 1)
    }
}
