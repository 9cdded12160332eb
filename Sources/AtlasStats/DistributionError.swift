/// A distribution that cannot be built from the parameters given.
public enum DistributionError: Error, Equatable, CustomStringConvertible {
    case invalid(String)
    public var description: String {
        switch self { case .invalid(let m): return m }
    }
}
