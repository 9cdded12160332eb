#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import AtlasCore
import AtlasStats

/// Tenants with skewed sizes and the deterministic entity → tenant mapping: an entity
/// id's hash picks a tenant through an alias table built from the size shares, so an
/// id belongs to exactly one tenant without a per-entity table (AtlasCore rejects an
/// entity seen under two) and the lookup is O(1).
public struct TenantMap: Sendable {
    public struct Config: Sendable, Equatable, Codable {
        public var count: Int
        /// Zipf exponent of tenant sizes: tenant of size rank k gets a share ∝ 1/k^s
        /// (0 = equal sizes).
        public var sizeSkew: Double
        /// Salt of the id hash (changing it re-deals entities to tenants).
        public var salt: UInt64
        /// Entity types and their weights, dealt to entities by hash.
        public var entityTypes: [String]
        public var entityTypeWeights: [Double]

        public init(count: Int = 10_000, sizeSkew: Double = 1.0, salt: UInt64 = 0x7e4a_17,
                    entityTypes: [String] = ["device", "sensor", "gateway", "meter"],
                    entityTypeWeights: [Double] = [0.5, 0.3, 0.1, 0.1]) {
            self.count = count
            self.sizeSkew = sizeSkew
            self.salt = salt
            self.entityTypes = entityTypes
            self.entityTypeWeights = entityTypeWeights
        }
    }

    public let config: Config
    /// Share of each tenant by id (index = id − 1). Sizes are Zipf by rank, ranks dealt
    /// to ids by a salted shuffle so the largest tenant is not always id 1.
    private let shareByTenant: [Double]
    /// Picks a tenant index with probability equal to its share.
    private let tenantAlias: AliasTable
    private let typeAlias: AliasTable

    public init(_ config: Config = Config()) {
        precondition(config.count >= 1, "need at least one tenant")
        precondition(!config.entityTypes.isEmpty && config.entityTypes.count == config.entityTypeWeights.count,
                     "entity types and weights must pair up")
        self.config = config
        var ids = Array(0..<config.count)
        // Deterministic shuffle keyed by the salt (Fisher–Yates on SplitMix64).
        var sm = SplitMix64(seed: config.salt)
        for i in stride(from: ids.count - 1, to: 0, by: -1) {
            ids.swapAt(i, Int(sm.next() % UInt64(i + 1)))
        }
        var shares = [Double](repeating: 0, count: config.count)
        var total = 0.0
        for k in 0..<config.count {
            let w = pow(Double(k + 1), -config.sizeSkew)
            shares[ids[k]] = w
            total += w
        }
        shareByTenant = shares.map { $0 / total }
        tenantAlias = AliasTable(weights: shareByTenant)
        typeAlias = AliasTable(weights: config.entityTypeWeights)
    }

    /// The tenant that owns `entityID`.
    public func tenant(of entityID: Int64) -> Int64 {
        Int64(tenantAlias.index(hash: tenantHash(entityID))) + 1
    }

    /// Starts loading what `tenant(of: entityID)` reads (a hint).
    func prefetchTenant(of entityID: Int64) { tenantAlias.prefetch(hash: tenantHash(entityID)) }

    private func tenantHash(_ entityID: Int64) -> UInt64 { StableHash.mix64(UInt64(bitPattern: entityID) ^ config.salt) }

    /// The entity type of `entityID` (stable, so every reading registers the same type).
    public func entityType(of entityID: Int64) -> String {
        config.entityTypes[typeAlias.index(hash: StableHash.mix64(UInt64(bitPattern: entityID) &+ config.salt &* 31))]
    }

    /// Share of the id space owned by tenant `tenantID`.
    public func share(of tenantID: Int64) -> Double {
        guard tenantID >= 1, tenantID <= Int64(config.count) else { return 0 }
        return shareByTenant[Int(tenantID - 1)]
    }

    /// The catalog's tenants.
    public var tenants: [Tenant] { (1...Int64(config.count)).map { Tenant(id: $0, name: "tenant-\($0)") } }
}
