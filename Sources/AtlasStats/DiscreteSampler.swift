import CGSL

/// Samples an index 0..<k with probability proportional to its weight, in O(1)
/// per draw (Walker's alias method via `gsl_ran_discrete`).
public final class DiscreteSampler {
    @usableFromInline let table: UnsafeMutablePointer<gsl_ran_discrete_t>
    /// Number of outcomes.
    public let count: Int

    /// - Throws: `DistributionError` when weights are empty, negative, non-finite or all zero.
    public init(weights: [Double]) throws(DistributionError) {
        _ = GSLSetup.once
        guard !weights.isEmpty else { throw .invalid("discrete: no weights") }
        for (i, w) in weights.enumerated() where !(w.isFinite && w >= 0) {
            throw .invalid("discrete: weight \(i) is \(w); weights must be finite and ≥ 0")
        }
        guard weights.contains(where: { $0 > 0 }) else { throw .invalid("discrete: all weights are zero") }
        guard let t = weights.withUnsafeBufferPointer({ gsl_ran_discrete_preproc($0.count, $0.baseAddress) }) else {
            throw .invalid("discrete: gsl_ran_discrete_preproc failed")
        }
        table = t
        count = weights.count
    }

    deinit { gsl_ran_discrete_free(table) }

    /// One index drawn from `stream`.
    @inlinable public func sample(_ stream: RandomStream) -> Int {
        Int(gsl_ran_discrete(stream.rng, table))
    }

    /// Probability of outcome `k`.
    public func probability(_ k: Int) -> Double {
        gsl_ran_discrete_pdf(k, table)
    }
}
