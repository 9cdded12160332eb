import CPrefetch
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import AtlasCore
import AtlasStats

/// The attribute catalog of a workload and its value generators: `count` attributes,
/// a fraction of them hot (projected), data types dealt by hash, popularity Zipfian.
public struct AttributeSet {
    public struct Config: Sendable, Equatable, Codable {
        public var count: Int
        /// Fraction of attributes that are hot; exactly round(count × fraction) are.
        public var hotFraction: Double
        /// Weights of data types, by `DataType.rawValue`.
        public var typeWeights: [String: Double]
        /// Zipf exponent of which attribute a write touches (ranks shuffled over ids); 0 = uniform.
        public var popularityTheta: Double
        public var salt: UInt64
        /// Distinct attributes one entity ever reports (its schema), drawn by popularity;
        /// 0 = every reading draws from all attributes. Real devices report a fixed set, and
        /// without a bound a Zipf-hot entity would accumulate thousands of hot attributes.
        public var attributesPerEntity: Int = 32

        public init(count: Int = 10_000, hotFraction: Double = 0.2,
                    typeWeights: [String: Double] = ["decimal": 0.4, "int": 0.25, "bool": 0.1, "timestamp": 0.1, "text": 0.15],
                    popularityTheta: Double = 0.99, salt: UInt64 = 0xa77_2b) {
            self.count = count
            self.hotFraction = hotFraction
            self.typeWeights = typeWeights
            self.popularityTheta = popularityTheta
            self.salt = salt
        }
    }

    /// Per-attribute value parameters, derived from the attribute id.
    /// Kept to 12 bytes so the 10,000-attribute table stays in cache.
    struct Params {
        var center: Float
        var spread: Float
        var dataType: DataType
    }

    public let config: Config
    public let attributes: [Attribute]
    let params: [Params]
    /// Which attribute a write touches: Zipf weights by rank, ranks scattered over attributes.
    let popularity: AliasTable
    /// Short texts: all ≤ 15 UTF-8 bytes, so Swift stores them inline (no allocation per value).
    let vocabulary: [String] = [
        "ok", "warn", "error", "idle", "active", "offline", "charging", "full",
        "low-battery", "maintenance", "degraded", "booting", "sleep", "alarm", "cleared", "unknown",
    ]

    public init(_ config: Config = Config()) {
        precondition(config.count >= 1, "need at least one attribute")
        precondition(config.hotFraction >= 0 && config.hotFraction <= 1)
        self.config = config
        let types = DataType.allCases.filter { (config.typeWeights[$0.rawValue] ?? 0) > 0 }
        precondition(!types.isEmpty, "typeWeights must give some data type a positive weight")
        let typeAlias = AliasTable(weights: types.map { config.typeWeights[$0.rawValue]! })
        var attrs: [Attribute] = []
        var ps: [Params] = []
        attrs.reserveCapacity(config.count)
        for i in 1...config.count {
            let h = StableHash.mix64(UInt64(i) ^ config.salt)
            let t = types[typeAlias.index(hash: h)]
            // Spread hot attributes evenly: attribute i is hot when ⌊i·f⌋ steps up.
            let hot = (Double(i) * config.hotFraction).rounded(.down) != (Double(i - 1) * config.hotFraction).rounded(.down)
            attrs.append(Attribute(id: Int64(i), name: "attr_\(i)", dataType: t, isHot: hot))
            let u2 = StableHash.unitInterval(StableHash.mix64(h))
            ps.append(Params(center: Float((u2 * 1000).rounded()), spread: Float(1 + u2 * 50), dataType: t))
        }
        attributes = attrs
        params = ps
        var order = Array(0..<config.count)
        var sm = SplitMix64(seed: config.salt)
        for i in stride(from: order.count - 1, to: 0, by: -1) { order.swapAt(i, Int(sm.next() % UInt64(i + 1))) }
        var weights = [Double](repeating: 0, count: config.count)
        for r in 0..<config.count { weights[order[r]] = pow(Double(r + 1), -config.popularityTheta) }
        popularity = AliasTable(weights: weights)
    }

    /// Hot attributes.
    public var hotCount: Int { attributes.lazy.filter(\.isHot).count }

    /// Index (0-based) of the attribute one write touches.
    public func nextIndex(_ stream: RandomStream) -> Int {
        popularity.index(hash: stream.nextUInt64())
    }

    /// The attribute of the next reading of `entityID`: one of the entity's
    /// `attributesPerEntity` schema slots, each mapped by popularity.
    public func nextIndex(entityID: Int64, _ stream: RandomStream) -> Int {
        popularity.index(hash: nextHash(entityID: entityID, stream))
    }

    /// The popularity-table hash `nextIndex(entityID:_:)` looks up (one draw from `stream`).
    func nextHash(entityID: Int64, _ stream: RandomStream) -> UInt64 {
        let k = UInt64(config.attributesPerEntity)
        guard k > 0 else { return stream.nextUInt64() }
        // Multiply-shift, not `%`: a 64-bit division per reading showed in profiles.
        let slot = ((stream.nextUInt64() >> 32) &* k) >> 32
        return StableHash.mix64(UInt64(bitPattern: entityID) &* 0x9E37_79B9_7F4A_7C15 ^ slot ^ config.salt)
    }

    /// The id of the attribute at `index` (ids are 1...count).
    public func attributeID(forIndex index: Int) -> Int64 { Int64(index + 1) }

    /// A value of attribute `index`'s type.
    public func value(forIndex index: Int, nowMicros: Int64, _ stream: RandomStream) -> Value {
        let p = params[index]
        let center = Double(p.center), spread = Double(p.spread)
        switch p.dataType {
        case .decimal:
            return .decimal(center + stream.normal(mean: 0, sd: spread))
        case .int:
            return .int(Int64((center + stream.normal(mean: 0, sd: spread)).rounded()))
        case .bool:
            return .bool(stream.uniform() < spread / 51)
        case .timestamp:
            // A recent event time: up to about an hour before now.
            return .timestamp(micros: Swift.max(0, nowMicros - Int64(stream.exponential(mean: 600e6))))
        case .text:
            return .text(vocabulary[Int(stream.uniformInt(below: UInt64(vocabulary.count)))])
        }
    }
}

extension AttributeSet {
    /// The readings of a run of write arrivals (each: the entity's tenant and type, an
    /// attribute from its schema, a value for that attribute's type), appended to `out`.
    /// Shared by `WritePathSimulation` and `ScenarioSimulation`. The result is the same
    /// however arrivals are grouped into calls (each stream is drawn once per arrival, in
    /// arrival order), but within a call the work is done in passes: each pass's table
    /// lookups (attribute popularity, tenant, entity type, value parameters) are
    /// independent across arrivals, so their cache misses overlap.
    func appendReadings(entityIDs: [Int64], arrivalNanos: [Int64], tenants: TenantMap,
                        attributeStream: RandomStream, valueStream: RandomStream, to out: inout [Reading]) {
        precondition(entityIDs.count == arrivalNanos.count)
        // Every table row the passes read is prefetched before the first lookup, so the
        // misses overlap across the whole tick, not just a few arrivals in flight.
        let hashes = entityIDs.map { nextHash(entityID: $0, attributeStream) }
        for h in hashes { popularity.prefetch(hash: h) }
        for id in entityIDs { tenants.prefetchTenant(of: id) }
        let attrs = hashes.map { popularity.index(hash: $0) }
        params.withUnsafeBufferPointer { p in for a in attrs { atlas_prefetch(p.baseAddress! + a) } }
        let tenantIDs = entityIDs.map { tenants.tenant(of: $0) }
        let types = entityIDs.map { tenants.entityType(of: $0) }
        for i in entityIDs.indices {
            let nowMicros = arrivalNanos[i] / SimTime.nanosPerMicro
            out.append(Reading(tenantID: tenantIDs[i], entityID: entityIDs[i], entityType: types[i],
                               attributeID: attributeID(forIndex: attrs[i]),
                               value: value(forIndex: attrs[i], nowMicros: nowMicros, valueStream),
                               ingestedAtMicros: nowMicros))
        }
    }
}
