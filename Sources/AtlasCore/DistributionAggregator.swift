/// Computes Query 2's rows from (category, attribute, entity, value) samples, exactly as
/// the SQL does (`percentile_cont` interpolation). Shared by stores that cannot
/// aggregate in SQL, so their answers agree bit for bit.
public struct DistributionAggregator {
    private struct Key: Hashable { var category: String; var attributeName: String }
    private var samples: [Key: (values: [Double], entities: Set<Int64>)] = [:]

    public init() {}

    public mutating func add(category: String, attributeName: String, entityID: Int64, value: Double) {
        let k = Key(category: category, attributeName: attributeName)
        samples[k, default: ([], [])].values.append(value)
        samples[k]!.entities.insert(entityID)
    }

    public func rows(minSamplesExclusive: Int) -> [DistributionRow] {
        var out: [DistributionRow] = []
        for (k, s) in samples where s.values.count > minSamplesExclusive {
            let v = s.values.sorted()
            // Sum in sorted order so every store that feeds the same samples gets the same bits.
            let sum = v.reduce(0, +)
            out.append(DistributionRow(
                category: k.category, attributeName: k.attributeName, entityCount: s.entities.count,
                avg: sum / Double(v.count), min: v.first!, max: v.last!,
                median: Self.percentileCont(v, 0.5), p95: Self.percentileCont(v, 0.95), sampleCount: v.count))
        }
        return out.sorted(by: Self.order)
    }

    /// The spec's ordering (category, sample_count desc), with the attribute name as tie-break.
    public static func order(_ a: DistributionRow, _ b: DistributionRow) -> Bool {
        if a.category != b.category { return a.category < b.category }
        if a.sampleCount != b.sampleCount { return a.sampleCount > b.sampleCount }
        return a.attributeName < b.attributeName
    }

    /// PostgreSQL's `percentile_cont(p)` over sorted values.
    public static func percentileCont(_ sorted: [Double], _ p: Double) -> Double {
        precondition(!sorted.isEmpty)
        let pos = p * Double(sorted.count - 1)
        let lo = Int(pos.rounded(.down))
        let hi = Swift.min(lo + 1, sorted.count - 1)
        let frac = pos - Double(lo)
        return sorted[lo] + frac * (sorted[hi] - sorted[lo])
    }
}
