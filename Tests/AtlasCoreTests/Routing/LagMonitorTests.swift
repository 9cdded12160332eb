import Testing
@testable import AtlasCore

@Suite("LagMonitor")
struct LagMonitorTests {
    @Test("heartbeat is due at start, then every interval from the actual write")
    func heartbeatPolicy() {
        let clock = ManualClock(nowMicros: t0)
        let m = LagMonitor(clock: clock)
        #expect(m.isHeartbeatDue)
        m.heartbeatWritten(atMicros: t0)
        clock.nowMicros = t0 + 5 * second - 1
        #expect(!m.isHeartbeatDue)
        clock.nowMicros = t0 + 5 * second
        #expect(m.isHeartbeatDue)
        // A late driver writes once; the schedule restarts from that write.
        clock.nowMicros = t0 + 12 * second
        m.heartbeatWritten(atMicros: clock.nowMicros)
        #expect(!m.isHeartbeatDue)
        #expect(m.nextHeartbeatDueMicros == t0 + 17 * second)
        #expect(m.heartbeatsWritten == 2)
    }

    @Test("lag = now - newest heartbeat seen; lower bound subtracts the interval")
    func heartbeatLag() throws {
        let clock = ManualClock(nowMicros: t0)
        let m = LagMonitor(clock: clock)
        #expect(m.estimate(replica: "r1") == nil)
        m.observe(replica: "r1", heartbeatSeenMicros: t0)
        clock.nowMicros = t0 + 2_300_000
        let e = try #require(m.estimate(replica: "r1"))
        #expect(e.upperBoundMicros == 2_300_000)
        #expect(e.heartbeatLagMicros == 2_300_000)
        #expect(e.lowerBoundMicros == 0)
        #expect(e.replayedThroughMicros == t0)
        // Past the next heartbeat's due time the replica is certainly behind.
        clock.nowMicros = t0 + 7 * second
        let late = try #require(m.estimate(replica: "r1"))
        #expect(late.upperBoundMicros == 7 * second)
        #expect(late.lowerBoundMicros == 2 * second)
    }

    @Test("pg_last_xact_replay_timestamp tightens the upper bound when newer")
    func replayTimestampSignal() throws {
        let clock = ManualClock(nowMicros: t0 + 4 * second)
        let m = LagMonitor(clock: clock)
        m.observe(replica: "r1", heartbeatSeenMicros: t0, replayTimestampMicros: t0 + 3_900_000)
        let e = try #require(m.estimate(replica: "r1"))
        #expect(e.upperBoundMicros == 100_000)
        #expect(e.heartbeatLagMicros == 4 * second)
        // Only the replay timestamp: still an estimate, no lower bound.
        m.observe(replica: "r2", heartbeatSeenMicros: nil, replayTimestampMicros: t0)
        #expect(m.estimate(replica: "r2")?.upperBoundMicros == 4 * second)
        #expect(m.estimate(replica: "r2")?.lowerBoundMicros == 0)
        // No signal at all: unknown.
        m.observe(replica: "r3", heartbeatSeenMicros: nil)
        #expect(m.estimate(replica: "r3") == nil)
    }

    @Test("a replica clock ahead of ours reads as lag 0, never negative")
    func futureTimestampsClamp() throws {
        let clock = ManualClock(nowMicros: t0)
        let m = LagMonitor(clock: clock)
        m.observe(replica: "r1", heartbeatSeenMicros: t0 + 3 * second)
        let e = try #require(m.estimate(replica: "r1"))
        #expect(e.upperBoundMicros == 0 && e.lowerBoundMicros == 0)
        #expect(e.replayedThroughMicros == t0)
    }

    @Test("a rebuilt replica that goes backwards shows the regression")
    func regressionShows() {
        let clock = ManualClock(nowMicros: t0 + 10 * second)
        let m = LagMonitor(clock: clock)
        m.observe(replica: "r1", heartbeatSeenMicros: t0 + 10 * second)
        m.observe(replica: "r1", heartbeatSeenMicros: t0)
        #expect(m.estimate(replica: "r1")?.upperBoundMicros == 10 * second)
        m.forget(replica: "r1")
        #expect(m.estimate(replica: "r1") == nil)
    }

    @Test("idle primary: heartbeat lag is a sawtooth unless commits are reported")
    func idlePrimaryBlindSpot() throws {
        for reported in [false, true] {
            let clock = ManualClock(nowMicros: t0)
            let m = LagMonitor(clock: clock, config: .init(primaryCommitsReported: reported))
            m.heartbeatWritten(atMicros: t0)
            m.observe(replica: "r1", heartbeatSeenMicros: t0)  // fully caught up, nothing else committed
            clock.nowMicros = t0 + 4_900_000
            let e = try #require(m.estimate(replica: "r1"))
            #expect(e.upperBoundMicros == (reported ? 0 : 4_900_000))
            #expect(e.replayedThroughMicros == (reported ? clock.nowMicros : t0))
        }
    }

    @Test("with reported commits, a commit the replica has not replayed restores the bound")
    func reportedCommitNotReplayed() throws {
        let clock = ManualClock(nowMicros: t0)
        let m = LagMonitor(clock: clock, config: .init(primaryCommitsReported: true))
        m.heartbeatWritten(atMicros: t0)
        m.observe(replica: "r1", heartbeatSeenMicros: t0)
        clock.nowMicros = t0 + 1 * second
        m.primaryCommitted(atMicros: clock.nowMicros)
        clock.nowMicros = t0 + 3 * second
        #expect(m.estimate(replica: "r1")?.upperBoundMicros == 3 * second)
        // The replica replays it (replay timestamp at the commit): caught up again.
        m.observe(replica: "r1", heartbeatSeenMicros: t0, replayTimestampMicros: t0 + 1 * second)
        #expect(m.estimate(replica: "r1")?.upperBoundMicros == 0)
        // A newer heartbeat it has not seen: no longer provably caught up.
        m.heartbeatWritten(atMicros: clock.nowMicros)
        #expect(m.estimate(replica: "r1")?.upperBoundMicros == 2 * second)
    }

    @Test("a MonitoredReplica routes on the monitor's upper bound")
    func monitoredReplicaFeedsRouter() throws {
        let clock = ManualClock(nowMicros: t0)
        let m = LagMonitor(clock: clock)
        let r1 = MonitoredReplica(name: "replica-1", monitor: m)
        let router = QueryRouter(clock: clock, primary: PrimarySource(), replicas: [r1])
        m.observe(replica: "replica-1", heartbeatSeenMicros: t0)
        clock.nowMicros = t0 + 2_999_999
        let a = try router.read(.eventual) { $0.name }
        #expect(a.value == "replica-1")
        #expect(a.freshness.lagMicros == 2_999_999)
        clock.nowMicros = t0 + 5 * second
        #expect(try router.read(.eventual) { $0.name }.value == "primary")
    }
}
