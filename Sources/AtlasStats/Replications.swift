/// Collects named figures across replications and reports each one's interval.
public struct Replications: Sendable {
    public private(set) var figures: [String: [Double]] = [:]
    public private(set) var count = 0
    public init() {}

    /// Adds one replication's figures.
    public mutating func add(_ run: [String: Double]) {
        count += 1
        for (k, v) in run { figures[k, default: []].append(v) }
    }

    /// Each figure's interval, keyed by name (figures seen fewer than twice are left out).
    public func intervals(level: Double = 0.95) -> [String: ConfidenceInterval] {
        var out: [String: ConfidenceInterval] = [:]
        for (k, v) in figures {
            if let ci = ConfidenceInterval.studentT(v, level: level) { out[k] = ci }
        }
        return out
    }
}
