/// Count, mean, sd, min, p50, p90, p95, p99, p99.9 and max of one recorder.
public struct LatencySummary: Sendable, Equatable, Codable {
    public var count: Int
    public var mean: Double
    public var sd: Double
    public var min: Double
    public var p50: Double
    public var p90: Double
    public var p95: Double
    public var p99: Double
    public var p999: Double
    public var max: Double
    /// True when quantiles are exact; otherwise within `relativeError` of exact.
    public var exact: Bool
    public var relativeError: Double
}
