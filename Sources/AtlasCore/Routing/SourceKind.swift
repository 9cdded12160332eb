/// What kind of place a read is served from.
public enum SourceKind: String, Sendable, Hashable, CaseIterable {
    case primary
    case replica
    case cache
    case olap
}
