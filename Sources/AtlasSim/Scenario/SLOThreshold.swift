/// One k6-style threshold: `metric: ["p(99) < 50"]`.
public struct SLOThreshold: Sendable, Equatable {
    public var metric: String
    public var aggregate: SLOAggregate
    public var comparison: SLOComparison
    public var bound: Double
    /// The expression as written ("p(99) < 50").
    public var expression: String
    /// Where it was declared (file:line), for the verdict table.
    public var source: String

    public init(metric: String, aggregate: SLOAggregate, comparison: SLOComparison, bound: Double,
                expression: String, source: String = "") {
        self.metric = metric
        self.aggregate = aggregate
        self.comparison = comparison
        self.bound = bound
        self.expression = expression
        self.source = source
    }

    /// Parses "p(99) < 50", "max <= 10", "value == 0", "mean<3".
    public static func parse(_ text: String) -> (SLOAggregate, SLOComparison, Double)? {
        let s = text.trimmingCharacters(in: .whitespaces)
        for op in SLOComparison.allCases.sorted(by: { $0.rawValue.count > $1.rawValue.count }) {
            guard let r = s.range(of: op.rawValue) else { continue }
            let lhs = s[s.startIndex..<r.lowerBound].trimmingCharacters(in: .whitespaces)
            let rhs = s[r.upperBound...].trimmingCharacters(in: .whitespaces)
            guard let bound = Double(rhs), bound.isFinite, let agg = SLOAggregate(lhs) else { return nil }
            return (agg, op, bound)
        }
        return nil
    }

    /// True when `observed` meets the threshold (NaN never does).
    public func passes(_ observed: Double) -> Bool {
        guard !observed.isNaN else { return false }
        switch comparison {
        case .lt: return observed < bound
        case .le: return observed <= bound
        case .gt: return observed > bound
        case .ge: return observed >= bound
        case .eq: return observed == bound
        case .ne: return observed != bound
        }
    }
}

public enum SLOAggregate: Sendable, Equatable, CustomStringConvertible {
    /// Percentile in (0, 100].
    case percentile(Double)
    case max, min, mean, count
    /// A scalar metric's value.
    case value

    init?(_ text: String) {
        switch text {
        case "max": self = .max
        case "min": self = .min
        case "mean", "avg": self = .mean
        case "count": self = .count
        case "value", "rate": self = .value
        default:
            guard text.hasPrefix("p("), text.hasSuffix(")"),
                  let p = Double(text.dropFirst(2).dropLast()), p > 0, p <= 100 else { return nil }
            self = .percentile(p)
        }
    }

    public var description: String {
        switch self {
        case .percentile(let p): return "p(\(p == p.rounded() ? String(Int(p)) : String(p)))"
        case .max: return "max"
        case .min: return "min"
        case .mean: return "mean"
        case .count: return "count"
        case .value: return "value"
        }
    }
}

public enum SLOComparison: String, Sendable, Equatable, CaseIterable {
    case le = "<=", ge = ">=", eq = "==", ne = "!=", lt = "<", gt = ">"
}

import Foundation
