/// A configuration a run cannot start with.
public enum WritePathConfigError: Error, Equatable, CustomStringConvertible {
    case invalid(String)
    public var description: String {
        switch self { case .invalid(let m): return "write-path config: \(m)" }
    }
}
