import CPrefetch
/// Walker/Vose alias table: picks index i with probability weights[i]/Σ in O(1) from
/// one 64-bit hash (high 32 bits choose the column, low 32 bits the coin). Each column
/// is 8 bytes (a 32-bit threshold and its alias), so a lookup touches one cache line
/// and a 10,000-entry table fits in L2.
public struct AliasTable: Sendable {
    @usableFromInline struct Column: Sendable {
        /// Keep the column when the 32-bit coin is below this (⌊p·2³²⌋); full columns
        /// alias themselves, so either branch gives them.
        @usableFromInline var threshold: UInt32
        @usableFromInline var alias: UInt32
    }
    @usableFromInline let columns: [Column]

    /// - Parameter weights: non-negative, finite, not all zero.
    public init(weights: [Double]) {
        let n = weights.count
        precondition(n >= 1 && n < Int(Int32.max))
        precondition(weights.allSatisfy { $0.isFinite && $0 >= 0 }, "alias weights must be finite and ≥ 0")
        let total = weights.reduce(0, +)
        precondition(total > 0, "alias weights must not all be zero")
        var prob = weights.map { $0 * Double(n) / total }
        var al = [Int32](repeating: 0, count: n)
        var small: [Int] = [], large: [Int] = []
        for (i, p) in prob.enumerated() { if p < 1 { small.append(i) } else { large.append(i) } }
        while let s = small.popLast() {
            guard let l = large.popLast() else { prob[s] = 1; continue }
            al[s] = Int32(l)
            prob[l] -= 1 - prob[s]
            if prob[l] < 1 { small.append(l) } else { large.append(l) }
        }
        for l in large { prob[l] = 1 }
        for i in 0..<n where prob[i] >= 1 { al[i] = Int32(i) }
        columns = (0..<n).map { i in
            let p = Swift.min(1, Swift.max(0, prob[i]))
            let t = p >= 1 ? UInt32.max : UInt32(Swift.min(4_294_967_295, (p * 4_294_967_296).rounded(.down)))
            return Column(threshold: t, alias: UInt32(al[i]))
        }
    }

    /// Number of outcomes.
    public var count: Int { columns.count }

    /// The column a hash's high 32 bits choose (multiply-shift onto 0..<count).
    @inlinable
    public func column(hash h: UInt64) -> Int { Int(((h >> 32) &* UInt64(columns.count)) >> 32) }

    /// Starts loading the column `index(hash: h)` reads, so that a batch of lookups can
    /// overlap their cache misses (a hint: nothing changes).
    @inlinable
    public func prefetch(hash h: UInt64) {
        let column = column(hash: h)
        columns.withUnsafeBufferPointer { atlas_prefetch($0.baseAddress! + column) }
    }

    /// The outcome for 64 uniformly random bits (a hash or a generator draw).
    @inlinable
    public func index(hash h: UInt64) -> Int {
        let column = column(hash: h)
        let c = columns[column]
        return UInt32(truncatingIfNeeded: h) < c.threshold ? column : Int(c.alias)
    }
}
