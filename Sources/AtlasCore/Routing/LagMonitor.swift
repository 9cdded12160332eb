/// Replication lag measurement (spec Part B §3 "Replication Heartbeat").
///
/// Primary side, a heartbeat policy: the driver asks `isHeartbeatDue`, performs the
/// write itself (`INSERT INTO replication_heartbeat ...`, or the simulator's event),
/// then reports it with `heartbeatWritten(atMicros:)`.
///
/// Replica side, a lag reader: the driver reads each replica's newest heartbeat
/// (`SELECT max(timestamp) FROM replication_heartbeat`) and, optionally, PostgreSQL's
/// `pg_last_xact_replay_timestamp()`, and reports them with `observe(...)`.
///
/// The rule (see `LagEstimate`): a replica has replayed at least through
/// `max(heartbeat seen, last replayed commit)`, so `upper = now - that` is an upper bound
/// on its lag, and the router routes on it. It stays valid between observations
/// (replay only moves forward), so a stale observation only makes the router more careful.
///
/// The idle-primary blind spot: with nothing committed, a perfectly current replica
/// still shows heartbeat lag growing to the heartbeat interval (a sawtooth), and with the
/// spec's 5 s interval equal to the 5 s max the upper bound would skip healthy replicas.
/// Two remedies, both safe:
/// - `Config.primaryCommitsReported`: the driver reports every data commit on the primary
///   (`primaryCommitted(atMicros:)`, e.g. from the Flusher). A replica that has seen the
///   latest heartbeat and replayed past the latest data commit is missing nothing: lag 0.
///   Off by default, because an unreported commit would then be invisible.
/// - The lower bound `max(0, now - heartbeatSeen - interval)` (the next heartbeat was due
///   at `seen + interval`, so if the writer was on schedule the replica is missing a commit
///   at least that old) is offered for alarms, never used to admit reads.
public final class LagMonitor {
    public struct Config: Sendable, Equatable {
        /// How often the primary writes a heartbeat (spec: every 5 s).
        public var heartbeatIntervalMicros: Int64
        /// The driver reports every primary data commit (enables lag 0 for caught-up
        /// replicas of an idle primary).
        public var primaryCommitsReported: Bool

        public init(heartbeatIntervalMicros: Int64 = 5_000_000, primaryCommitsReported: Bool = false) {
            self.heartbeatIntervalMicros = heartbeatIntervalMicros
            self.primaryCommitsReported = primaryCommitsReported
        }
    }

    /// One replica's latest readings.
    private struct Observation {
        var heartbeatSeenMicros: Int64?
        var replayTimestampMicros: Int64?
    }

    public let config: Config
    private let clock: any Clock
    private var observations: [String: Observation] = [:]

    /// The timestamp of the newest heartbeat the primary wrote.
    public private(set) var lastHeartbeatWrittenMicros: Int64?
    /// The newest reported primary data commit (only with `primaryCommitsReported`).
    public private(set) var lastPrimaryCommitMicros: Int64?
    public private(set) var heartbeatsWritten = 0

    public init(clock: any Clock, config: Config = Config()) {
        self.clock = clock
        self.config = config
    }

    // MARK: primary: heartbeat writer policy

    /// When the next heartbeat is due (immediately before the first one).
    public var nextHeartbeatDueMicros: Int64 {
        guard let last = lastHeartbeatWrittenMicros else { return Int64.min }
        return last + config.heartbeatIntervalMicros
    }

    /// The driver should write a heartbeat now. A late driver writes one, not a burst:
    /// the schedule restarts from the actual write.
    public var isHeartbeatDue: Bool { clock.nowMicros >= nextHeartbeatDueMicros }

    /// The driver wrote a heartbeat row whose timestamp is `atMicros` (the primary's `now()`).
    public func heartbeatWritten(atMicros: Int64) {
        lastHeartbeatWrittenMicros = max(lastHeartbeatWrittenMicros ?? atMicros, atMicros)
        heartbeatsWritten += 1
    }

    /// A data transaction committed on the primary no later than `atMicros`
    /// (read the clock after the commit returned).
    public func primaryCommitted(atMicros: Int64) {
        lastPrimaryCommitMicros = max(lastPrimaryCommitMicros ?? atMicros, atMicros)
    }

    // MARK: replicas: lag reader

    /// Reports what a replica shows now: its newest heartbeat timestamp and, optionally,
    /// `pg_last_xact_replay_timestamp()`. Replaces the previous observation (a rebuilt
    /// replica may go backwards, and that must show).
    public func observe(replica: String, heartbeatSeenMicros: Int64?, replayTimestampMicros: Int64? = nil) {
        observations[replica] = Observation(heartbeatSeenMicros: heartbeatSeenMicros,
                                            replayTimestampMicros: replayTimestampMicros)
    }

    /// Forgets a replica (removed or being rebuilt): it is unusable until observed again.
    public func forget(replica: String) {
        observations[replica] = nil
    }

    /// The lag bounds of `replica` at `nowMicros` (default: the clock), or nil when it
    /// has never reported a heartbeat or replay timestamp.
    public func estimate(replica: String, nowMicros: Int64? = nil) -> LagEstimate? {
        guard let o = observations[replica] else { return nil }
        let now = nowMicros ?? clock.nowMicros
        let signals = [o.heartbeatSeenMicros, o.replayTimestampMicros].compactMap { $0 }
        guard let seen = signals.max() else { return nil }
        // A clock ahead of ours must not make a replica look ahead of the present.
        var replayedThrough = min(seen, now)
        if isCaughtUp(o) { replayedThrough = now }
        let upper = now - replayedThrough
        var lower: Int64 = 0
        if let hb = o.heartbeatSeenMicros {
            lower = min(upper, max(0, now - hb - config.heartbeatIntervalMicros))
        }
        return LagEstimate(replayedThroughMicros: replayedThrough, upperBoundMicros: upper,
                           lowerBoundMicros: lower,
                           heartbeatLagMicros: o.heartbeatSeenMicros.map { max(0, now - $0) })
    }

    /// The idle-primary rule: the replica holds the newest heartbeat and has replayed
    /// past the newest reported data commit, so nothing committed is missing.
    private func isCaughtUp(_ o: Observation) -> Bool {
        guard config.primaryCommitsReported,
              let hb = o.heartbeatSeenMicros, let written = lastHeartbeatWrittenMicros, hb >= written
        else { return false }
        guard let commit = lastPrimaryCommitMicros else { return true }
        return max(hb, o.replayTimestampMicros ?? hb) >= commit
    }
}
