/// The `X-Cache-Status` of a read.
public enum CacheStatus: String, Sendable, Hashable, CaseIterable {
    /// Answered from the cache.
    case hit
    /// Looked up in the cache, not found (then read from a replica or the primary).
    case miss
    /// The cache was not consulted (strong or analytics read, a query the cache does
    /// not hold, or no cache configured).
    case bypass
}
