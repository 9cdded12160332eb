import AtlasCore
import AtlasStorage
import Foundation
import Testing

/// The router against a real streaming standby: pausing WAL replay makes the monitor's
/// lag grow past the max, the router falls back to the primary, and after resuming it
/// returns to the standby. Thresholds are scaled down (target 1 s, max 2 s, heartbeat
/// every 200 ms) to keep the test short; the logic is the same as at 3 s / 5 s / 5 s.
@Suite(.serialized, .enabled(if: PostgresTestServer.enabled))
struct PostgresStandbyRoutingTests {
    @Test func pausedReplayRoutesToPrimaryAndBack() throws {
        guard let standbyURL = PostgresTestServer.standbyURL else {
            Issue.record("ATLAS_PG_STANDBY_URL is not set: start the cluster with `scripts/pg-local start --standby`")
            return
        }
        let db = try PostgresTestDatabase()
        defer { db.drop() }
        let primary = try PostgresConnection(url: db.ownerURL)
        // The new database reaches the standby through replication: wait for it.
        let standbyDB = try PostgresURL.with(standbyURL, ["dbname": db.name])
        var standby: PostgresConnection?
        let deadline = Date().addingTimeInterval(20)
        let schemaReplayed = PostgresConnection.Statement(
            "schema_replayed", "SELECT to_regclass('atlas.replication_heartbeat') IS NOT NULL")
        while standby == nil, Date() < deadline {
            // The database and then its schema arrive by replay: wait for both.
            if let c = try? PostgresConnection(url: standbyDB),
               (try? c.execute(schemaReplayed).bool(0, 0)) == true {
                standby = c
            } else {
                Thread.sleep(forTimeInterval: 0.1)
            }
        }
        let replica = try #require(standby, "the standby never replayed database \(db.name) and its schema")
        let admin = try PostgresConnection(url: standbyURL) // superuser on the standby: pause/resume
        defer { _ = try? admin.execute(.init("resume", "SELECT pg_wal_replay_resume()")) }

        let clock = WallClock()
        let monitor = LagMonitor(clock: clock, config: .init(heartbeatIntervalMicros: 200_000))
        let router = QueryRouter(clock: clock, primary: PrimarySource(name: "primary"),
                                 replicas: [MonitoredReplica(name: "standby", monitor: monitor)],
                                 // Cool-down scaled down with the thresholds (30 s in production): the
                                 // lagging reads open the breaker, and the half-open probe must find the
                                 // standby healthy again within the test's patience.
                                 breaker: CircuitBreaker(clock: clock, config: .init(failureThreshold: 5, coolDownMicros: 1_000_000)),
                                 config: .init(replicaTargetLagMicros: 1_000_000, replicaMaxLagMicros: 2_000_000))
        let heartbeat = PostgresHeartbeat()

        /// Heartbeats and observations until `until` says stop (or a timeout); returns the last route.
        func drive(seconds: Double, until: (RoutedRead<String>) -> Bool) throws -> RoutedRead<String> {
            let end = Date().addingTimeInterval(seconds)
            var last: RoutedRead<String>?
            while Date() < end {
                if monitor.isHeartbeatDue { try heartbeat.beat(primary: primary, monitor: monitor) }
                try heartbeat.observe(standby: replica, replica: "standby", monitor: monitor)
                let r = try router.read(.eventual) { $0.name }
                last = r
                if until(r) { return r }
                Thread.sleep(forTimeInterval: 0.05)
            }
            return try #require(last)
        }

        // Healthy: eventual reads go to the standby; strong reads always to the primary.
        let healthy = try drive(seconds: 10) { $0.value == "standby" }
        #expect(healthy.value == "standby")
        #expect(healthy.freshness.lagSeconds < 1)
        #expect(try router.read(.strong) { $0.name }.value == "primary")

        // Pause replay: lag grows linearly; once it reaches the max, reads fall back to the primary.
        _ = try admin.execute(.init("pause", "SELECT pg_wal_replay_pause()"))
        let paused = try drive(seconds: 15) { $0.value == "primary" }
        #expect(paused.value == "primary")
        #expect(paused.freshness.reason == .primaryAllReplicasLagging)
        let lag = try #require(monitor.estimate(replica: "standby")).upperBoundMicros
        #expect(lag >= 2_000_000, "fell back at lag \(lag) µs")
        #expect(router.counters.readsBySource["primary", default: 0] >= 1)

        // A per-request bound below the standby's lag is met by the primary.
        #expect(try router.read(ReadOptions(consistency: .eventual, maxLagSeconds: 0.5)) { $0.name }.value == "primary")

        // Keep reading while paused: consecutive all-lagging reads open the breaker.
        _ = try drive(seconds: 5) { _ in router.breaker.counters.opens >= 1 }
        #expect(router.breaker.counters.opens >= 1)

        // Resume: replay catches up within milliseconds; after the cool-down the half-open
        // probe finds the standby within bounds and reads return to it.
        _ = try admin.execute(.init("resume", "SELECT pg_wal_replay_resume()"))
        let back = try drive(seconds: 20) { $0.value == "standby" }
        #expect(back.value == "standby")
        #expect(router.breaker.counters.probeSuccesses >= 1)
    }
}
