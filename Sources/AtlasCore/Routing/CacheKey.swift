/// The cache key of one entity's hot attributes. It cannot be built without a tenant:
/// two tenants asking for the same entity id get different keys, so one tenant can
/// never be served another tenant's cached entity.
public struct CacheKey: Sendable, Hashable, CustomStringConvertible {
    public let tenantID: Int64
    public let entityID: Int64

    public init(tenantID: Int64, entityID: Int64) {
        self.tenantID = tenantID
        self.entityID = entityID
    }

    /// The key as a Redis string, tenant first (`t:{tenant}:e:{entity}:hot`).
    public var redisKey: String { "t:\(tenantID):e:\(entityID):hot" }
    public var description: String { redisKey }
}
