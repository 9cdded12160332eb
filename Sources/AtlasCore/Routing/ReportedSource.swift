/// A source whose replay position the driver sets directly: the OLAP store (its
/// "last CDC load covers commits through t"), or a simulated replica whose exact
/// position the simulator knows.
public final class ReportedSource: ReadSource {
    public let name: String
    public let kind: SourceKind
    /// Every primary commit at or before this time is visible here; `nil` = unknown.
    public var reportedThroughMicros: Int64?

    public init(name: String, kind: SourceKind, reportedThroughMicros: Int64? = nil) {
        self.name = name
        self.kind = kind
        self.reportedThroughMicros = reportedThroughMicros
    }

    public func replayedThroughMicros(nowMicros: Int64) -> Int64? { reportedThroughMicros }
}
