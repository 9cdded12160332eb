/// Why a reading was rejected. Rejections are counted per reason.
public enum RejectionReason: String, Sendable, Hashable, CaseIterable, Codable {
    case unknownTenant = "unknown_tenant"
    case inactiveTenant = "inactive_tenant"
    case unknownAttribute = "unknown_attribute"
    case typeMismatch = "type_mismatch"
    case nonFiniteDecimal = "non_finite_decimal"
    case decimalOutOfRange = "decimal_out_of_range"
    case textTooLong = "text_too_long"
    case timestampOutOfRange = "timestamp_out_of_range"
    case invalidEntityID = "invalid_entity_id"
    case invalidEntityType = "invalid_entity_type"
    case entityOwnedByAnotherTenant = "entity_owned_by_another_tenant"
}

/// A rejected reading: the reason, the reading's index in its batch, and a message
/// naming what was wrong and where.
public struct ValidationError: Error, Sendable, Hashable, CustomStringConvertible {
    public var reason: RejectionReason
    /// Index of the reading in the submitted batch.
    public var index: Int
    public var message: String

    public init(reason: RejectionReason, index: Int, message: String) {
        self.reason = reason
        self.index = index
        self.message = message
    }

    public var description: String { "reading \(index): \(reason.rawValue): \(message)" }
}

/// Counts of rejected readings by reason.
public struct RejectionCounters: Sendable, Equatable {
    public private(set) var byReason: [RejectionReason: Int] = [:]
    public init() {}
    public mutating func record(_ reason: RejectionReason) { byReason[reason, default: 0] += 1 }
    public subscript(reason: RejectionReason) -> Int { byReason[reason] ?? 0 }
    public var total: Int { byReason.values.reduce(0, +) }
}
