/// A typed attribute value. Exactly one case per `DataType`.
///
/// - `decimal` models `decimal(20,5)`: finite, |x| < 10^15, rounded to 5 places on validation.
/// - `timestamp` is microseconds since the Unix epoch (PostgreSQL's precision).
public enum Value: Sendable, Hashable {
    case int(Int64)
    case decimal(Double)
    case bool(Bool)
    case timestamp(micros: Int64)
    case text(String)

    public var dataType: DataType {
        switch self {
        case .int: return .int
        case .decimal: return .decimal
        case .bool: return .bool
        case .timestamp: return .timestamp
        case .text: return .text
        }
    }

    /// The numeric value used by numeric predicates (`int` and `decimal` only).
    public var numericValue: Double? {
        switch self {
        case .int(let v): return Double(v)
        case .decimal(let v): return v
        default: return nil
        }
    }

    /// The value as it is written into JSON hot projections (a JSON literal).
    public var jsonLiteral: String {
        switch self {
        case .int(let v): return String(v)
        case .decimal(let v): return DecimalFormat.string(v)
        case .bool(let v): return v ? "true" : "false"
        case .timestamp(let micros): return JSON.quote(TimestampFormat.iso8601(micros: micros))
        case .text(let s): return JSON.quote(s)
        }
    }
}

/// Formatting of `decimal(20,5)` values: fixed 5-place rounding, shortest text.
public enum DecimalFormat {
    /// The scale of `decimal(20,5)`.
    public static let scale: Double = 100_000
    /// Exclusive bound on |x| for `decimal(20,5)` (15 integer digits).
    public static let limit: Double = 1e15

    /// Rounds to 5 decimal places, half away from zero (PostgreSQL numeric's rule).
    public static func rounded(_ x: Double) -> Double {
        (x * scale).rounded(.toNearestOrAwayFromZero) / scale
    }

    /// Shortest decimal text that round-trips (Swift's description), without exponent.
    public static func string(_ x: Double) -> String {
        if x == x.rounded(), abs(x) < 1e15 { return String(Int64(x)) }
        return String(x)
    }
}
