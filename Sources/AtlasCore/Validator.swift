/// Checks a reading against the catalog and limits, and normalises it
/// (decimal rounding, default time). Pure: it never touches a store.
public struct Validator: Sendable {
    public let catalog: Catalog
    public let limits: ValidationLimits
    /// Dense per-reading lookups: tenant id → 1 active / 0 inactive; attribute id → index.
    private let tenantState: DenseIDMap
    private let attributeIndex: DenseIDMap
    private let attributesByIndex: [Attribute]
    /// Data type by attribute index: the per-reading check touches no strings.
    private let attributeTypes: [DataType]
    /// `isHot` by attribute index (no `Attribute` copy, so no string retain, per reading).
    private let attributeIsHot: [Bool]

    public init(catalog: Catalog, limits: ValidationLimits = ValidationLimits()) {
        self.catalog = catalog
        self.limits = limits
        tenantState = DenseIDMap(catalog.sortedTenants.map { ($0.id, $0.isActive ? 1 : 0) })
        let attrs = catalog.sortedAttributes
        attributesByIndex = attrs
        attributeTypes = attrs.map(\.dataType)
        attributeIsHot = attrs.map(\.isHot)
        attributeIndex = DenseIDMap(attrs.enumerated().map { ($0.element.id, Int32($0.offset)) })
    }

    /// The attribute with `id`, without hashing for small ids.
    public func attribute(_ id: Int64) -> Attribute? {
        attributeIndex[id].map { attributesByIndex[Int($0)] }
    }

    /// Whether attribute `id` is in the catalog and hot.
    public func isHot(_ id: Int64) -> Bool {
        attributeIndex[id].map { attributeIsHot[Int($0)] } ?? false
    }

    /// Validates `reading` (at `index` in its batch) and returns it as a log record
    /// with offset 0; the log assigns the real offset.
    /// - Parameter owner: the tenant that already owns `reading.entityID`, if any.
    public func validate(_ reading: Reading, index: Int, nowMicros: Int64,
                         owner: Int64?) throws(ValidationError) -> LogRecord {
        func fail(_ reason: RejectionReason, _ message: String) -> ValidationError {
            ValidationError(reason: reason, index: index, message: message)
        }
        guard let tenantActive = tenantState[reading.tenantID] else {
            throw fail(.unknownTenant, "tenant \(reading.tenantID) is not in the catalog")
        }
        guard tenantActive == 1 else {
            throw fail(.inactiveTenant, "tenant \(reading.tenantID) is inactive")
        }
        guard reading.entityID >= 0 else {
            throw fail(.invalidEntityID, "entity id \(reading.entityID) is negative")
        }
        let typeBytes = reading.entityType.utf8.count
        guard typeBytes > 0, typeBytes <= limits.maxEntityTypeBytes else {
            throw fail(.invalidEntityType,
                       "entity \(reading.entityID): entity type must be 1...\(limits.maxEntityTypeBytes) bytes, got \(typeBytes)")
        }
        if let owner, owner != reading.tenantID {
            throw fail(.entityOwnedByAnotherTenant,
                       "entity \(reading.entityID) is registered under tenant \(owner), not tenant \(reading.tenantID)")
        }
        guard let attributeIdx = attributeIndex[reading.attributeID] else {
            throw fail(.unknownAttribute, "attribute \(reading.attributeID) is not in the catalog")
        }
        let dataType = attributeTypes[Int(attributeIdx)]
        // Built only on the failure path: string work per accepted reading is measurable.
        var where_: String {
            let a = attributesByIndex[Int(attributeIdx)]
            return "entity \(reading.entityID), attribute \(a.id) ('\(a.name)')"
        }
        guard reading.value.dataType == dataType else {
            throw fail(.typeMismatch, "\(where_) expects \(dataType.rawValue), got \(reading.value.dataType.rawValue)")
        }
        var value = reading.value
        switch reading.value {
        case .decimal(let x):
            guard x.isFinite else { throw fail(.nonFiniteDecimal, "\(where_): decimal \(x) is not finite") }
            let r = DecimalFormat.rounded(x)
            guard abs(r) < DecimalFormat.limit else {
                throw fail(.decimalOutOfRange, "\(where_): decimal \(x) is outside decimal(20,5) (|x| < 1e15)")
            }
            value = .decimal(r == 0 ? 0 : r) // normalise -0
        case .text(let s):
            let n = s.utf8.count
            guard n <= limits.maxTextBytes else {
                throw fail(.textTooLong, "\(where_): text of \(n) bytes exceeds the limit of \(limits.maxTextBytes)")
            }
        case .timestamp(let micros):
            guard limits.timestampRangeMicros.contains(micros) else {
                throw fail(.timestampOutOfRange, "\(where_): timestamp value \(micros) µs is outside \(limits.timestampRangeMicros)")
            }
        case .int, .bool:
            break
        }
        let at = reading.ingestedAtMicros ?? nowMicros
        guard limits.timestampRangeMicros.contains(at) else {
            throw fail(.timestampOutOfRange, "\(where_): reading time \(at) µs is outside \(limits.timestampRangeMicros)")
        }
        return LogRecord(offset: 0, tenantID: reading.tenantID, entityID: reading.entityID,
                         entityType: reading.entityType, attributeID: reading.attributeID,
                         value: value, ingestedAtMicros: at)
    }
}
