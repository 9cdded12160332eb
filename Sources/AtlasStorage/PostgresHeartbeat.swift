import AtlasCore

/// Feeds a `LagMonitor` from real servers: writes the spec's heartbeat on the primary
/// and reads, on a standby, the newest heartbeat it has replayed and
/// `pg_last_xact_replay_timestamp()`. The monitor (AtlasCore) decides what the lag is.
public struct PostgresHeartbeat {
    public let source: String

    public init(source: String = "primary") {
        self.source = source
    }

    static let write = PostgresConnection.Statement(
        "heartbeat_write",
        "INSERT INTO atlas.replication_heartbeat (source) VALUES ($1) RETURNING (extract(epoch FROM \"timestamp\") * 1000000)::bigint")
    static let read = PostgresConnection.Statement(
        "heartbeat_read",
        """
        SELECT (extract(epoch FROM max("timestamp")) * 1000000)::bigint,
               (extract(epoch FROM pg_last_xact_replay_timestamp()) * 1000000)::bigint
        FROM atlas.replication_heartbeat WHERE source = $1
        """)

    /// Writes a heartbeat on the primary and tells the monitor when (server time).
    @discardableResult
    public func beat(primary: PostgresConnection, monitor: LagMonitor) throws -> Int64 {
        let r = try primary.execute(Self.write, [source])
        guard let at = r.int64(0, 0) else {
            throw PostgresError(kind: .client, code: "XX000", message: "heartbeat insert returned no time", statementName: Self.write.name)
        }
        monitor.heartbeatWritten(atMicros: at)
        return at
    }

    /// Reads what `standby` has replayed and records it under `replica`.
    public func observe(standby: PostgresConnection, replica: String, monitor: LagMonitor) throws {
        let r = try standby.execute(Self.read, [source])
        monitor.observe(replica: replica, heartbeatSeenMicros: r.int64(0, 0), replayTimestampMicros: r.int64(0, 1))
    }
}
