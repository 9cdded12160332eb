/// A tenant: the root of isolation. Every row, query and cache key carries its id.
public struct Tenant: Sendable, Hashable {
    public var id: Int64
    public var name: String
    public var isActive: Bool

    public init(id: Int64, name: String, isActive: Bool = true) {
        self.id = id
        self.name = name
        self.isActive = isActive
    }
}
