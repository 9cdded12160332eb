import AtlasCore
import Testing
@testable import AtlasSim

@Suite struct SimKernelTests {
    @Test func eventsRunInTimeThenInsertionOrder() {
        let k = SimKernel()
        var order: [Int64] = []
        let kind = k.register("e") { order.append($0) }
        k.schedule(kind, atNanos: 30, payload: 1)
        k.schedule(kind, atNanos: 10, payload: 2)
        k.schedule(kind, atNanos: 30, payload: 3)
        k.schedule(kind, atNanos: 10, payload: 4)
        k.schedule(kind, atNanos: 20, payload: 5)
        k.runToCompletion()
        #expect(order == [2, 4, 5, 1, 3])
        #expect(k.nowNanos == 30)
        #expect(k.eventCounts == ["e": 5])
    }

    @Test func cancelAndReschedule() {
        let k = SimKernel()
        var order: [Int64] = []
        let kind = k.register("e") { order.append($0) }
        let a = k.schedule(kind, atNanos: 10, payload: 1)
        let b = k.schedule(kind, atNanos: 20, payload: 2)
        let c = k.schedule(kind, atNanos: 30, payload: 3)
        #expect(k.cancel(b))
        #expect(!k.cancel(b), "a cancelled event cannot be cancelled twice")
        #expect(k.reschedule(a, atNanos: 40))
        #expect(k.pendingCount == 2)
        k.runToCompletion()
        #expect(order == [3, 1])
        #expect(!k.cancel(c), "an event that ran cannot be cancelled")
        #expect(!k.reschedule(c, atNanos: 50))
    }

    @Test func staleIDsDoNotTouchReusedSlots() {
        let k = SimKernel()
        var ran: [Int64] = []
        let kind = k.register("e") { ran.append($0) }
        let a = k.schedule(kind, atNanos: 1, payload: 1)
        k.runToCompletion()
        _ = k.schedule(kind, atNanos: 2, payload: 2) // reuses a's slot
        #expect(!k.cancel(a))
        k.runToCompletion()
        #expect(ran == [1, 2])
    }

    @Test func rescheduledEventSortsAfterOthersAtTheSameInstant() {
        let k = SimKernel()
        var order: [Int64] = []
        let kind = k.register("e") { order.append($0) }
        let a = k.schedule(kind, atNanos: 5, payload: 1)
        k.schedule(kind, atNanos: 10, payload: 2)
        k.reschedule(a, atNanos: 10)
        k.runToCompletion()
        #expect(order == [2, 1])
    }

    @Test func runUntilIncludesTheEndAndMovesTheClock() {
        let k = SimKernel(startNanos: 1_000)
        var ran = 0
        let kind = k.register("e") { _ in ran += 1 }
        k.schedule(kind, atNanos: 2_000)
        k.schedule(kind, atNanos: 3_000)
        k.schedule(kind, atNanos: 3_001)
        k.run(untilNanos: 3_000)
        #expect(ran == 2)
        #expect(k.nowNanos == 3_000)
        k.run(forNanos: 5_000)
        #expect(ran == 3 && k.nowNanos == 8_000)
        #expect(k.clock.nowMicros == 8)
    }

    @Test func closuresAndStop() {
        let k = SimKernel()
        var log: [String] = []
        k.schedule(atNanos: 5) { log.append("a"); k.stop() }
        let id = k.schedule(atNanos: 6) { log.append("never") }
        k.schedule(atNanos: 7) { log.append("b") }
        k.runToCompletion()
        #expect(log == ["a"])
        #expect(k.cancel(id))
        k.runToCompletion()
        #expect(log == ["a", "b"])
        #expect(k.eventCounts == ["closure": 2])
    }

    @Test func handlersCanScheduleAtNow() {
        let k = SimKernel()
        var n = 0
        var kind = EventKind(index: 0)
        kind = k.register("chain") { _ in
            n += 1
            if n < 100 { k.schedule(kind, afterNanos: 0) }
        }
        k.schedule(kind, atNanos: 0)
        k.runToCompletion()
        #expect(n == 100 && k.eventsProcessed == 100)
    }

    @Test func simClockIsAnAtlasCoreClock() {
        let c: any AtlasCore.Clock = SimClock(startNanos: 1_234_567)
        #expect(c.nowMicros == 1_234)
    }

    @Test func heapStaysOrderedUnderRandomOperations() {
        // Cross-check against a sorted list under random schedule/cancel/reschedule.
        let k = SimKernel()
        var out: [(Int64, Int64)] = []
        let kind = k.register("e") { out.append((k.nowNanos, $0)) }
        var rng = SplitMixForTests(seed: 99)
        var ids: [EventID] = []
        var expected: [Int64: Int64] = [:] // payload -> time
        for p in 0..<2_000 {
            let t = Int64(rng.next() % 500)
            ids.append(k.schedule(kind, atNanos: t, payload: Int64(p)))
            expected[Int64(p)] = t
        }
        for p in stride(from: 0, to: 2_000, by: 7) {
            #expect(k.cancel(ids[p]))
            expected[Int64(p)] = nil
        }
        for p in stride(from: 3, to: 2_000, by: 11) where expected[Int64(p)] != nil {
            let t = Int64(rng.next() % 500)
            #expect(k.reschedule(ids[p], atNanos: t))
            expected[Int64(p)] = t
        }
        k.runToCompletion()
        #expect(out.count == expected.count)
        for (x, y) in zip(out, out.dropFirst()) { #expect(x.0 <= y.0) }
        for (t, p) in out { #expect(expected[p] == t) }
    }
}

struct SplitMixForTests {
    var s: UInt64
    init(seed: UInt64) { s = seed }
    mutating func next() -> UInt64 {
        s &+= 0x9e37_79b9_7f4a_7c15
        var z = s
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}
