import CGSL

/// The mean of independent replications of a figure with its Student-t confidence
/// interval (mean ± t(1−(1−level)/2, n−1) · sd/√n).
public struct ConfidenceInterval: Sendable, Equatable, Codable {
    public var count: Int
    public var mean: Double
    /// Sample standard deviation of the replications (n − 1).
    public var sd: Double
    public var halfWidth: Double
    /// Confidence level, e.g. 0.95.
    public var level: Double

    public var lower: Double { mean - halfWidth }
    public var upper: Double { mean + halfWidth }

    /// True when `x` lies inside [lower, upper].
    public func contains(_ x: Double) -> Bool { x >= lower && x <= upper }

    /// The interval for `values` (one per replication); nil for fewer than two values
    /// or a non-finite value, where no honest interval exists.
    public static func studentT(_ values: [Double], level: Double = 0.95) -> ConfidenceInterval? {
        precondition(level > 0 && level < 1, "level must be in (0, 1)")
        guard values.count >= 2, values.allSatisfy(\.isFinite) else { return nil }
        _ = GSLSetup.once
        let n = values.count
        let (mean, sd) = values.withUnsafeBufferPointer { b -> (Double, Double) in
            let m = gsl_stats_mean(b.baseAddress, 1, n)
            return (m, gsl_stats_sd_m(b.baseAddress, 1, n, m))
        }
        let t = gsl_cdf_tdist_Pinv(1 - (1 - level) / 2, Double(n - 1))
        return ConfidenceInterval(count: n, mean: mean, sd: sd,
                                  halfWidth: t * sd / Double(n).squareRoot(), level: level)
    }
}
