/// What a cache-aside fill did. Every refusal keeps the cache correct: it never holds
/// an answer older than a write it has been told about.
public enum CachePutOutcome: String, Sendable, Hashable {
    case stored
    /// The key already held an answer as of a later time; kept it.
    case keptNewer
    /// The entity was invalidated at or after the answer's `asOfMicros`: the answer may
    /// predate that write (the read/fill race of cache-aside).
    case refusedInvalidatedSinceRead
    /// `asOfMicros` is older than the invalidation memory, so the race cannot be ruled out.
    case refusedTooOld
    /// The value alone exceeds the byte budget.
    case refusedTooLarge
    /// The value's entity id is not the key's.
    case refusedEntityMismatch
}
