/// The primary: it has replayed everything by definition (lag 0).
public final class PrimarySource: ReadSource {
    public let name: String
    public var kind: SourceKind { .primary }

    public init(name: String = "primary") { self.name = name }

    public func replayedThroughMicros(nowMicros: Int64) -> Int64? { nowMicros }
}
