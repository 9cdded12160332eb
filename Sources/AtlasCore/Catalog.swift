/// The metadata a write path validates against: tenants and attributes by id.
public struct Catalog: Sendable {
    public private(set) var tenants: [Int64: Tenant] = [:]
    public private(set) var attributes: [Int64: Attribute] = [:]
    public private(set) var attributesByName: [String: Attribute] = [:]

    public init(tenants: [Tenant] = [], attributes: [Attribute] = []) throws(CatalogError) {
        for t in tenants { try add(t) }
        for a in attributes { try add(a) }
    }

    public mutating func add(_ tenant: Tenant) throws(CatalogError) {
        guard tenants[tenant.id] == nil else { throw .duplicateTenant(tenant.id) }
        tenants[tenant.id] = tenant
    }

    public mutating func add(_ attribute: Attribute) throws(CatalogError) {
        guard attributes[attribute.id] == nil else { throw .duplicateAttributeID(attribute.id) }
        guard attributesByName[attribute.name] == nil else { throw .duplicateAttributeName(attribute.name) }
        // Names key the JSON projection and its JSON paths: no quotes, backslashes or control characters.
        guard !attribute.name.isEmpty, attribute.name.utf8.count <= 255,
              !attribute.name.unicodeScalars.contains(where: { $0 == "\"" || $0 == "\\" || $0.value < 0x20 }) else {
            throw .invalidAttributeName(attribute.name)
        }
        attributes[attribute.id] = attribute
        attributesByName[attribute.name] = attribute
    }

    /// Tenants sorted by id (stable order for stores and reports).
    public var sortedTenants: [Tenant] { tenants.values.sorted { $0.id < $1.id } }
    /// Attributes sorted by id.
    public var sortedAttributes: [Attribute] { attributes.values.sorted { $0.id < $1.id } }
}

/// A catalog that cannot be built as given.
public enum CatalogError: Error, Equatable, CustomStringConvertible {
    case duplicateTenant(Int64)
    case duplicateAttributeID(Int64)
    case duplicateAttributeName(String)
    case invalidAttributeName(String)

    public var description: String {
        switch self {
        case .duplicateTenant(let id): return "catalog: tenant \(id) is defined twice"
        case .duplicateAttributeID(let id): return "catalog: attribute id \(id) is defined twice"
        case .duplicateAttributeName(let n): return "catalog: attribute name '\(n)' is defined twice"
        case .invalidAttributeName(let n): return "catalog: attribute name '\(n)' must be 1...255 bytes without quotes, backslashes or control characters"
        }
    }
}
