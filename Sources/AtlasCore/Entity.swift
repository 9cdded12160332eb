/// A registered entity (spec `entities`). An entity id belongs to exactly one tenant.
public struct Entity: Sendable, Hashable {
    public var id: Int64
    public var tenantID: Int64
    public var type: String
    public var isDeleted: Bool

    public init(id: Int64, tenantID: Int64, type: String, isDeleted: Bool = false) {
        self.id = id
        self.tenantID = tenantID
        self.type = type
        self.isDeleted = isDeleted
    }
}
