/// Records latencies (any non-negative unit; name it in the variable) and reports
/// count, mean, sd, min/max and quantiles.
///
/// Exact while at most `exactSampleBudget` samples are held (nearest-rank quantiles
/// over the sorted samples); past the budget it switches to a `LogHistogram`, whose
/// quantiles are within `relativeError` of the exact nearest-rank value (clamped to the
/// exact min and max). Count, mean, sd, min and max stay exact in both modes.
/// Recorders merge (replications, workers).
public struct LatencyRecorder: Sendable {
    public let exactSampleBudget: Int
    public let relativeError: Double
    public let minTrackable: Double

    public private(set) var count: Int = 0
    public private(set) var min: Double = .infinity
    public private(set) var max: Double = -.infinity
    // Welford's running moments (merged with Chan et al.'s formula).
    private var meanAcc: Double = 0
    private var m2: Double = 0
    private var samples: [Double] = []
    private var histogram: LogHistogram?

    /// - Parameters:
    ///   - exactSampleBudget: samples kept exactly before switching to the histogram
    ///     (8 bytes each; 1M = 8 MB).
    ///   - relativeError: the histogram's quantile error bound (0.01 = 1%).
    ///   - minTrackable: values below this are reported as the exact minimum in histogram mode.
    public init(exactSampleBudget: Int = 1_000_000, relativeError: Double = 0.01, minTrackable: Double = 1e-9) {
        precondition(exactSampleBudget >= 0)
        self.exactSampleBudget = exactSampleBudget
        self.relativeError = relativeError
        self.minTrackable = minTrackable
    }

    /// True while every sample is held and quantiles are exact.
    public var isExact: Bool { histogram == nil }

    public var mean: Double { count > 0 ? meanAcc : .nan }
    /// Sample standard deviation (n − 1); 0 for fewer than two samples.
    public var standardDeviation: Double { count > 1 ? (m2 / Double(count - 1)).squareRoot() : 0 }

    /// Records one latency (≥ 0 and finite).
    public mutating func record(_ value: Double) {
        precondition(value >= 0 && value.isFinite, "latency must be finite and ≥ 0, got \(value)")
        count += 1
        let d = value - meanAcc
        meanAcc += d / Double(count)
        m2 += d * (value - meanAcc)
        if value < min { min = value }
        if value > max { max = value }
        if histogram != nil {
            histogram!.record(value)
        } else {
            samples.append(value)
            if samples.count > exactSampleBudget { spill() }
        }
    }

    /// Moves the exact samples into a histogram (beyond the memory budget).
    private mutating func spill() {
        var h = LogHistogram(relativeError: relativeError, minTrackable: minTrackable)
        for v in samples { h.record(v) }
        samples = []
        histogram = h
    }

    /// Adds everything `other` recorded.
    public mutating func merge(_ other: LatencyRecorder) {
        precondition(other.relativeError == relativeError && other.minTrackable == minTrackable,
                     "LatencyRecorder.merge: relative error and minTrackable must match")
        guard other.count > 0 else { return }
        let n = count + other.count
        let d = other.meanAcc - meanAcc
        m2 += other.m2 + d * d * Double(count) * Double(other.count) / Double(n)
        meanAcc += d * Double(other.count) / Double(n)
        count = n
        min = Swift.min(min, other.min)
        max = Swift.max(max, other.max)
        if histogram == nil, other.histogram == nil, samples.count + other.samples.count <= exactSampleBudget {
            samples.append(contentsOf: other.samples)
            return
        }
        if histogram == nil { spill() }
        if let oh = other.histogram {
            histogram!.merge(oh)
        } else {
            for v in other.samples { histogram!.record(v) }
        }
    }

    /// A view that answers quantile queries (sorts once in exact mode).
    public func quantiles() -> Quantiles { Quantiles(self) }

    /// Answers nearest-rank quantiles for one recorder snapshot.
    public struct Quantiles {
        private let sorted: [Double]
        private let histogram: LogHistogram?
        public let count: Int
        private let min: Double, max: Double

        init(_ r: LatencyRecorder) {
            histogram = r.histogram
            sorted = r.histogram == nil ? r.samples.sorted() : []
            count = r.count
            min = r.min
            max = r.max
        }

        /// 1-based nearest rank of quantile q: ceil(q·n), at least 1.
        public func rank(_ q: Double) -> Int {
            Swift.max(1, Swift.min(count, Int((q * Double(count)).rounded(.up))))
        }

        /// The value at quantile q ∈ [0, 1] (nearest rank); NaN when empty.
        public func value(at q: Double) -> Double {
            guard count > 0 else { return .nan }
            if q <= 0 { return min }
            if q >= 1 { return max }
            let r = rank(q)
            if let h = histogram {
                guard let v = h.value(atRank: UInt64(r)) else { return min }
                return Swift.min(Swift.max(v, min), max)
            }
            return sorted[r - 1]
        }
    }

    /// The standard summary.
    public func summary() -> LatencySummary {
        let q = quantiles()
        return LatencySummary(
            count: count, mean: count > 0 ? mean : 0, sd: standardDeviation,
            min: count > 0 ? min : 0, p50: q.value(at: 0.5).zeroIfNaN, p90: q.value(at: 0.9).zeroIfNaN,
            p95: q.value(at: 0.95).zeroIfNaN, p99: q.value(at: 0.99).zeroIfNaN,
            p999: q.value(at: 0.999).zeroIfNaN, max: count > 0 ? max : 0,
            exact: isExact, relativeError: histogram?.guaranteedRelativeError ?? 0)
    }

    /// The HdrHistogram/wrk2 "detailed percentile spectrum": percentiles 0, 50, 75,
    /// 87.5, ... with `ticksPerHalfDistance` rows per halving of the distance to 100%,
    /// until every sample is covered, then the 100% row (the max).
    public func percentileSpectrum(ticksPerHalfDistance: Int = 5) -> [PercentileRow] {
        guard count > 0 else { return [] }
        precondition(ticksPerHalfDistance >= 1)
        let q = quantiles()
        var rows: [PercentileRow] = []
        var pct = 0.0
        while true {
            let frac = pct / 100
            let r = frac <= 0 ? 1 : q.rank(frac)
            if r >= count { break }
            rows.append(PercentileRow(value: q.value(at: frac), percentile: frac, totalCount: r,
                                      inverseTail: 1 / (1 - frac)))
            let halvings = (100 / (100 - pct)).log2Floor
            let ticks = Double(ticksPerHalfDistance) * Double(1 << (halvings + 1))
            pct += 100 / ticks
        }
        rows.append(PercentileRow(value: max, percentile: 1, totalCount: count, inverseTail: nil))
        return rows
    }
}

extension Double {
    @usableFromInline var zeroIfNaN: Double { isNaN ? 0 : self }
    /// floor(log2(self)) for self ≥ 1, computed without libm.
    var log2Floor: Int { self < 2 ? 0 : Int(exponent) }
}
