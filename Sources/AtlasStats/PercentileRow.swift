/// One row of a percentile spectrum.
public struct PercentileRow: Sendable, Equatable, Codable {
    public var value: Double
    /// Fraction in [0, 1].
    public var percentile: Double
    /// Samples at or below `value` (nearest rank).
    public var totalCount: Int
    /// 1/(1 − percentile); nil for the 100% row.
    public var inverseTail: Double?
}
