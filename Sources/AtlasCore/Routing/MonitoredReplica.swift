/// A replica whose replay position comes from a `LagMonitor` (heartbeat and, when
/// reported, `pg_last_xact_replay_timestamp()`). Used for simulated replicas and real
/// standbys alike: only the driver that feeds the monitor differs.
public final class MonitoredReplica: ReadSource {
    public let name: String
    public var kind: SourceKind { .replica }
    public let monitor: LagMonitor

    public init(name: String, monitor: LagMonitor) {
        self.name = name
        self.monitor = monitor
    }

    public func replayedThroughMicros(nowMicros: Int64) -> Int64? {
        monitor.estimate(replica: name, nowMicros: nowMicros)?.replayedThroughMicros
    }
}
