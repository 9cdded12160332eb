/// Attribute metadata (spec `attributes`). `isHot` routes a value into the hot
/// projection as well as the time series (the dual write).
public struct Attribute: Sendable, Hashable {
    public var id: Int64
    public var name: String
    public var dataType: DataType
    public var isHot: Bool

    public init(id: Int64, name: String, dataType: DataType, isHot: Bool) {
        self.id = id
        self.name = name
        self.dataType = dataType
        self.isHot = isHot
    }
}
