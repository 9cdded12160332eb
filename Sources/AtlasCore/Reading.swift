/// One telemetry reading as a client submits it.
public struct Reading: Sendable, Hashable {
    public var tenantID: Int64
    public var entityID: Int64
    /// The entity type used when this reading registers an unseen entity.
    public var entityType: String
    public var attributeID: Int64
    public var value: Value
    /// The reading's time; `nil` means "now" by the ingestor's injected clock.
    public var ingestedAtMicros: Int64?

    public init(tenantID: Int64, entityID: Int64, entityType: String = "device", attributeID: Int64,
                value: Value, ingestedAtMicros: Int64? = nil) {
        self.tenantID = tenantID
        self.entityID = entityID
        self.entityType = entityType
        self.attributeID = attributeID
        self.value = value
        self.ingestedAtMicros = ingestedAtMicros
    }
}

/// A validated reading with its position in the durable ingest log. This is what
/// the log holds, what staging holds, and what `stage_flush` moves.
public struct LogRecord: Sendable, Hashable {
    /// Position in the ingest log: unique, consecutive, starting at 1. The idempotency key.
    public var offset: Int64
    public var tenantID: Int64
    public var entityID: Int64
    public var entityType: String
    public var attributeID: Int64
    public var value: Value
    public var ingestedAtMicros: Int64

    public init(offset: Int64, tenantID: Int64, entityID: Int64, entityType: String,
                attributeID: Int64, value: Value, ingestedAtMicros: Int64) {
        self.offset = offset
        self.tenantID = tenantID
        self.entityID = entityID
        self.entityType = entityType
        self.attributeID = attributeID
        self.value = value
        self.ingestedAtMicros = ingestedAtMicros
    }

    /// True when `self` is newer than `other` for newest-wins merges:
    /// later `ingestedAtMicros` wins; equal times fall back to the later log offset.
    @inlinable
    public static func isNewer(ingestedAtMicros t1: Int64, offset o1: Int64,
                               than t2: Int64, offset o2: Int64) -> Bool {
        t1 != t2 ? t1 > t2 : o1 > o2
    }
}
