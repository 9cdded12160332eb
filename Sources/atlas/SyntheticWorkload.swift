import AtlasCore
import AtlasStats

/// A seeded synthetic workload for `atlas ingest` and `atlas bench write`: tenants,
/// attributes (a given fraction hot, all data types), entities owned by one tenant
/// each (tenant = id mod tenants), and readings generated ahead of time.
struct SyntheticWorkload {
    var tenants: Int
    var attributes: Int
    var hotFraction: Double
    var entities: Int64
    var seed: UInt64

    /// Hot attributes take ids 1...hot; the rest are cold. Types cycle so every type is used.
    func catalog() throws -> Catalog {
        let types: [DataType] = [.decimal, .int, .text, .bool, .timestamp]
        let hot = Int((Double(attributes) * hotFraction).rounded())
        return try Catalog(
            tenants: (1...tenants).map { Tenant(id: Int64($0), name: "tenant-\($0)") },
            attributes: (1...attributes).map {
                Attribute(id: Int64($0), name: "attr_\($0)", dataType: types[$0 % types.count], isHot: $0 <= hot)
            })
    }

    /// `count` readings in batches of `batchSize`, timestamps spread from `startMicros`
    /// at `ratePerSecond`. A share of `hotFraction` of readings target hot attributes.
    func batches(count: Int, batchSize: Int, startMicros: Int64, ratePerSecond: Double) throws -> [[Reading]] {
        let cat = try catalog()
        let hot = Int((Double(attributes) * hotFraction).rounded())
        let attrs = cat.sortedAttributes
        var rng = SplitMix64(seed: seed)
        let stepMicros = 1e6 / ratePerSecond
        var out: [[Reading]] = []
        var batch: [Reading] = []
        batch.reserveCapacity(batchSize)
        let texts = ["online", "warning", "offline", "degraded"]
        for i in 0..<count {
            let entity = Int64.random(in: 0..<entities, using: &rng)
            let isHot = Double.random(in: 0..<1, using: &rng) < hotFraction
            let a = isHot ? attrs[Int.random(in: 0..<hot, using: &rng)] : attrs[Int.random(in: hot..<attrs.count, using: &rng)]
            let at = startMicros + Int64(Double(i) * stepMicros)
            let v: Value
            switch a.dataType {
            case .int: v = .int(Int64.random(in: 0...1000, using: &rng))
            case .decimal: v = .decimal(Double(Int.random(in: -1_000_000...1_000_000, using: &rng)) / 100)
            case .bool: v = .bool(Bool.random(using: &rng))
            case .timestamp: v = .timestamp(micros: at - Int64.random(in: 0...1_000_000, using: &rng))
            case .text: v = .text(texts[Int.random(in: 0..<texts.count, using: &rng)])
            }
            batch.append(Reading(tenantID: entity % Int64(tenants) + 1, entityID: entity, entityType: "device",
                                 attributeID: a.id, value: v, ingestedAtMicros: at))
            if batch.count == batchSize { out.append(batch); batch = []; batch.reserveCapacity(batchSize) }
        }
        if !batch.isEmpty { out.append(batch) }
        return out
    }
}
