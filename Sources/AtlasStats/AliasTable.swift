/// Walker/Vose alias table: picks index i with probability weights[i]/Σ in O(1) from
/// one 64-bit hash (high 32 bits choose the column, low 32 bits the coin).
public struct AliasTable: Sendable {
    @usableFromInline let probability: [Double]
    @usableFromInline let alias: [Int32]

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
        probability = prob
        alias = al
    }

    /// Number of outcomes.
    public var count: Int { probability.count }

    /// The outcome for 64 uniformly random bits (a hash or a generator draw).
    @inlinable
    public func index(hash h: UInt64) -> Int {
        let column = Int(((h >> 32) &* UInt64(probability.count)) >> 32)
        let coin = Double(h & 0xffff_ffff) * 0x1.0p-32
        return coin < probability[column] ? column : Int(alias[column])
    }
}
