/// A log-linear histogram (HdrHistogram's layout): each power of two is split into
/// 2^m equal sub-buckets, and a value is reported as its bucket's midpoint, which is
/// within 2^−(m+1) of every value in the bucket. m is the smallest that meets the
/// requested relative error. The bucket index comes straight from the IEEE-754 bits
/// (exponent and top mantissa bits), so recording costs no logarithm.
/// Mergeable when the requested error is equal. Values below `minTrackable`
/// (including 0) share one low bucket.
public struct LogHistogram: Sendable, Equatable, Codable {
    /// The requested relative error bound of any reported quantile (0.01 = 1%).
    public let relativeError: Double
    /// Smallest value tracked with relative error; smaller ones count in the low bucket.
    public let minTrackable: Double
    /// Sub-bucket bits m: each power of two has 2^m buckets.
    public let subBucketBits: Int
    var counts: [UInt64] = []
    /// Bucket index of `counts[0]`.
    var firstIndex: Int = 0
    /// Values below `minTrackable`.
    public private(set) var lowCount: UInt64 = 0
    public private(set) var totalCount: UInt64 = 0

    public init(relativeError: Double = 0.01, minTrackable: Double = 1e-9) {
        precondition(relativeError > 0 && relativeError < 0.5, "relativeError must be in (0, 0.5)")
        precondition(minTrackable > 0 && minTrackable.isNormal, "minTrackable must be a positive normal number")
        self.relativeError = relativeError
        self.minTrackable = minTrackable
        var m = 0
        while 1.0 / Double(1 << (m + 1)) > relativeError { m += 1 }
        subBucketBits = m
    }

    /// The relative error actually guaranteed (≤ `relativeError`).
    public var guaranteedRelativeError: Double { 1.0 / Double(1 << (subBucketBits + 1)) }

    @inline(__always)
    func index(of value: Double) -> Int {
        // value ≥ minTrackable > 0 and normal: exponent and the top m mantissa bits.
        let bits = value.bitPattern
        let exponent = Int((bits >> 52) & 0x7ff)
        let sub = Int((bits & 0x000f_ffff_ffff_ffff) >> UInt64(52 - subBucketBits))
        return (exponent << subBucketBits) | sub
    }

    /// The value reported for bucket `i`: its midpoint.
    func representative(_ i: Int) -> Double {
        let exponent = i >> subBucketBits
        let sub = i & ((1 << subBucketBits) - 1)
        let lowBits = (UInt64(exponent) << 52) | (UInt64(sub) << UInt64(52 - subBucketBits))
        let lo = Double(bitPattern: lowBits)
        let width = Double(bitPattern: UInt64(exponent) << 52) / Double(1 << subBucketBits)
        return lo + width / 2
    }

    /// Adds `n` occurrences of `value` (≥ 0).
    public mutating func record(_ value: Double, count n: UInt64 = 1) {
        totalCount += n
        guard value >= minTrackable else { lowCount += n; return }
        let i = index(of: value)
        let k = i &- firstIndex
        if k >= 0 && k < counts.count {
            counts[k] &+= n
        } else {
            add(index: i, count: n)
        }
    }

    mutating func add(index i: Int, count n: UInt64) {
        if counts.isEmpty {
            firstIndex = i
            counts = [n]
            return
        }
        if i < firstIndex {
            counts.insert(contentsOf: repeatElement(0, count: firstIndex - i), at: 0)
            firstIndex = i
        } else if i >= firstIndex + counts.count {
            counts.append(contentsOf: repeatElement(0, count: i - firstIndex - counts.count + 1))
        }
        counts[i - firstIndex] += n
    }

    /// Adds every count of `other` (same requested error and minTrackable).
    public mutating func merge(_ other: LogHistogram) {
        precondition(other.subBucketBits == subBucketBits && other.minTrackable == minTrackable,
                     "LogHistogram.merge: relative error and minTrackable must match")
        lowCount += other.lowCount
        totalCount += other.totalCount
        for (k, c) in other.counts.enumerated() where c > 0 { add(index: other.firstIndex + k, count: c) }
    }

    /// The value at 1-based rank `rank` (nearest-rank), or nil when the rank is in the
    /// low bucket (the caller reports the exact minimum there).
    public func value(atRank rank: UInt64) -> Double? {
        precondition(rank >= 1 && rank <= totalCount, "rank out of range")
        if rank <= lowCount { return nil }
        var seen = lowCount
        for (k, c) in counts.enumerated() {
            seen += c
            if seen >= rank { return representative(firstIndex + k) }
        }
        return representative(firstIndex + counts.count - 1)
    }
}
