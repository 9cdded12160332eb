/// A half-open time range [fromMicros, toMicros).
public struct TimeRange: Sendable, Hashable {
    public var fromMicros: Int64
    public var toMicros: Int64
    public init(fromMicros: Int64, toMicros: Int64) {
        self.fromMicros = fromMicros
        self.toMicros = toMicros
    }
    public var durationMicros: Int64 { toMicros - fromMicros }
    @inlinable public func contains(_ t: Int64) -> Bool { t >= fromMicros && t < toMicros }
}

/// A predicate on one hot attribute (by name, as the JSON projection is keyed).
public enum HotPredicate: Sendable, Hashable {
    /// `hot_attrs @> {"name": value}`.
    case equals(String, Value)
    /// `hot_attrs->>'name' IN (...)`.
    case oneOf(String, [Value])
    /// Numeric `(hot_attrs->>'name')::numeric >= bound` (int and decimal attributes).
    case atLeast(String, Double)

    public var attributeName: String {
        switch self {
        case .equals(let n, _), .oneOf(let n, _), .atLeast(let n, _): return n
        }
    }

    /// Whether a hot value satisfies this predicate.
    public func matches(_ value: Value?) -> Bool {
        guard let value else { return false }
        switch self {
        case .equals(_, let v): return value == v
        case .oneOf(_, let vs): return vs.contains(value)
        case .atLeast(_, let bound): return (value.numericValue ?? -.infinity) >= bound
        }
    }
}

/// Spec Query 1: entities of one tenant whose hot attributes satisfy every predicate,
/// newest first (`updatedAtMicros` desc, then entity id asc), at most `limit`.
public struct HotQuery: Sendable, Hashable {
    public var tenantID: Int64
    public var predicates: [HotPredicate]
    public var limit: Int
    public init(tenantID: Int64, predicates: [HotPredicate], limit: Int = 100) {
        self.tenantID = tenantID
        self.predicates = predicates
        self.limit = limit
    }
}

/// One row of Query 1.
public struct HotQueryRow: Sendable, Hashable {
    public var entityID: Int64
    public var entityType: String
    /// The hot attributes by name.
    public var hotAttributes: [String: Value] {
        get {
            switch storage {
            case .byName(let d): return d
            case .distinct(let list): return Dictionary(uniqueKeysWithValues: list.lazy.map { ($0.name, $0.value) })
            }
        }
        set { storage = .byName(newValue) }
    }
    /// The newest `ingestedAtMicros` among the entity's hot values (data time,
    /// identical on every store; the spec's `updated_at`).
    public var updatedAtMicros: Int64
    private var storage: Storage

    /// A list is kept as built until someone asks by name: a simulated hour makes
    /// millions of point lookups whose rows are only cached, never read by name, so the
    /// dictionary (a hash per name) is built only when asked for. (Measured gain small:
    /// a lookup's cost is mostly cache misses on the entity and its cells.)
    private enum Storage: Sendable {
        case byName([String: Value])
        case distinct([HotAttribute])
    }

    public init(entityID: Int64, entityType: String, hotAttributes: [String: Value], updatedAtMicros: Int64) {
        self.entityID = entityID
        self.entityType = entityType
        self.updatedAtMicros = updatedAtMicros
        storage = .byName(hotAttributes)
    }

    /// A row from attributes whose names are distinct (a store's projection).
    public init(entityID: Int64, entityType: String, distinctHotAttributes: [HotAttribute], updatedAtMicros: Int64) {
        self.entityID = entityID
        self.entityType = entityType
        self.updatedAtMicros = updatedAtMicros
        storage = .distinct(distinctHotAttributes)
    }

    public var hotAttributeCount: Int {
        switch storage {
        case .byName(let d): return d.count
        case .distinct(let list): return list.count
        }
    }

    /// Every hot attribute, in no particular order.
    public func forEachHotAttribute(_ body: (_ name: String, _ value: Value) throws -> Void) rethrows {
        switch storage {
        case .byName(let d): for (n, v) in d { try body(n, v) }
        case .distinct(let list): for a in list { try body(a.name, a.value) }
        }
    }

    public static func == (a: HotQueryRow, b: HotQueryRow) -> Bool {
        a.entityID == b.entityID && a.entityType == b.entityType && a.updatedAtMicros == b.updatedAtMicros
            && a.hotAttributeCount == b.hotAttributeCount && a.hotAttributes == b.hotAttributes
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(entityID)
        hasher.combine(entityType)
        hasher.combine(updatedAtMicros)
        hasher.combine(hotAttributes)
    }
}

/// One hot attribute of a row.
public struct HotAttribute: Sendable, Hashable {
    public var name: String
    public var value: Value
    public init(name: String, value: Value) {
        self.name = name
        self.value = value
    }
}

/// A point lookup's answer: one entity's hot attributes.
public typealias EntitySnapshot = HotQueryRow

/// Spec Query 2: for each category (the text value of `categoryAttributeID`), the
/// distribution of every decimal attribute of the entities in that category, within
/// `window`. Rows with `sampleCount <= minSamplesExclusive` are dropped (the HAVING).
///
/// Deliberate difference from the spec's SQL: an entity counts once per distinct
/// category value in the window (the spec's CTE joins every category *reading*, which
/// multiplies samples by the number of repeated category readings).
public struct DistributionQuery: Sendable, Hashable {
    public var tenantID: Int64
    public var categoryAttributeID: Int64
    /// Required: a query without a time bound is refused.
    public var window: TimeRange?
    public var minSamplesExclusive: Int
    public init(tenantID: Int64, categoryAttributeID: Int64, window: TimeRange?, minSamplesExclusive: Int = 100) {
        self.tenantID = tenantID
        self.categoryAttributeID = categoryAttributeID
        self.window = window
        self.minSamplesExclusive = minSamplesExclusive
    }
}

/// One row of Query 2. Sorted by category asc, sampleCount desc, attributeName asc.
public struct DistributionRow: Sendable, Hashable {
    public var category: String
    public var attributeName: String
    public var entityCount: Int
    public var avg: Double
    public var min: Double
    public var max: Double
    /// `percentile_cont(0.5)`: linear interpolation between closest ranks.
    public var median: Double
    /// `percentile_cont(0.95)`.
    public var p95: Double
    public var sampleCount: Int
    public init(category: String, attributeName: String, entityCount: Int, avg: Double, min: Double,
                max: Double, median: Double, p95: Double, sampleCount: Int) {
        self.category = category
        self.attributeName = attributeName
        self.entityCount = entityCount
        self.avg = avg
        self.min = min
        self.max = max
        self.median = median
        self.p95 = p95
        self.sampleCount = sampleCount
    }
}

/// A time-range read of one entity's attribute.
public struct HistoryQuery: Sendable, Hashable {
    public var tenantID: Int64
    public var entityID: Int64
    public var attributeID: Int64
    /// Required: a query without a time bound is refused.
    public var range: TimeRange?
    public init(tenantID: Int64, entityID: Int64, attributeID: Int64, range: TimeRange?) {
        self.tenantID = tenantID
        self.entityID = entityID
        self.attributeID = attributeID
        self.range = range
    }
}

/// One point of an attribute history (ordered by time, then log offset).
public struct HistoryPoint: Sendable, Hashable {
    public var ingestedAtMicros: Int64
    public var value: Value
    public init(ingestedAtMicros: Int64, value: Value) {
        self.ingestedAtMicros = ingestedAtMicros
        self.value = value
    }
}

/// A query the API refuses.
public enum QueryError: Error, Equatable, CustomStringConvertible {
    /// The spec: "API returns error for unbounded queries".
    case unboundedTimeRange(query: String)
    case timeRangeTooWide(query: String, micros: Int64, maxMicros: Int64)
    case emptyTimeRange(query: String)
    case unknownAttribute(query: String, attribute: String)
    case categoryNotText(attributeID: Int64)
    case invalidLimit(Int)
    case predicateTypeMismatch(attribute: String, expected: DataType)
    case emptyValueList(attribute: String)

    public var description: String {
        switch self {
        case .unboundedTimeRange(let q): return "\(q): a time range is required (unbounded queries are refused)"
        case .timeRangeTooWide(let q, let m, let max):
            return "\(q): time range of \(m / 1_000_000) s exceeds the maximum of \(max / 1_000_000) s"
        case .emptyTimeRange(let q): return "\(q): time range is empty (from >= to)"
        case .unknownAttribute(let q, let a): return "\(q): unknown attribute '\(a)'"
        case .categoryNotText(let id): return "distribution: category attribute \(id) must be a text attribute"
        case .invalidLimit(let n): return "find entities: limit \(n) must be 1...10000"
        case .predicateTypeMismatch(let a, let t):
            return "find entities: predicate on '\(a)' does not fit its type \(t.rawValue)"
        case .emptyValueList(let a): return "find entities: IN list for '\(a)' is empty"
        }
    }
}

/// Application-level query limits (the spec's `max_time_range`).
public struct QueryLimits: Sendable, Equatable {
    public var maxTimeRangeMicros: Int64
    public init(maxTimeRangeMicros: Int64 = 90 * 86_400 * 1_000_000) {
        self.maxTimeRangeMicros = maxTimeRangeMicros
    }

    /// Checks a required time range; returns it unwrapped.
    public func check(_ range: TimeRange?, query: String) throws(QueryError) -> TimeRange {
        guard let range else { throw .unboundedTimeRange(query: query) }
        guard range.fromMicros < range.toMicros else { throw .emptyTimeRange(query: query) }
        guard range.durationMicros <= maxTimeRangeMicros else {
            throw .timeRangeTooWide(query: query, micros: range.durationMicros, maxMicros: maxTimeRangeMicros)
        }
        return range
    }
}
