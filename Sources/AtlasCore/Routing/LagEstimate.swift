/// What the lag monitor knows about one replica at one instant.
///
/// True lag lies in `lowerBoundMicros ... upperBoundMicros`. The router routes on the
/// UPPER bound: a read's reported lag is never smaller than its true lag, so a read
/// admitted under `maxLagSeconds` really is within it. Alarms that must not page on
/// noise may use the lower bound ("certainly at least this late").
public struct LagEstimate: Sendable, Hashable {
    /// Every primary commit at or before this time is visible on the replica.
    public var replayedThroughMicros: Int64
    /// `now - replayedThroughMicros`: the replica may be missing commits this old.
    public var upperBoundMicros: Int64
    /// The replica is certainly missing a commit at least this old (0 if not known).
    public var lowerBoundMicros: Int64
    /// Raw heartbeat lag, `now - max(heartbeat seen)` (the spec's SQL), for reports.
    public var heartbeatLagMicros: Int64?

    public init(replayedThroughMicros: Int64, upperBoundMicros: Int64, lowerBoundMicros: Int64,
                heartbeatLagMicros: Int64?) {
        self.replayedThroughMicros = replayedThroughMicros
        self.upperBoundMicros = upperBoundMicros
        self.lowerBoundMicros = lowerBoundMicros
        self.heartbeatLagMicros = heartbeatLagMicros
    }
}
