/// How fresh one read's answer is (spec Part B §4): attached to every routed read and
/// rendered as HTTP headers and the `_metadata` body object.
public struct FreshnessMetadata: Sendable, Hashable {
    /// The source name (`X-Data-Source`): "primary", "replica-02", "cache", "olap".
    public var source: String
    public var sourceKind: SourceKind
    public var consistency: ConsistencyLevel
    /// Upper bound on how far behind the primary the answer may be, when routed.
    public var lagMicros: Int64
    /// Every primary commit at or before this time is reflected in the answer
    /// (the analytics UI's "Data as of").
    public var asOfMicros: Int64
    public var cacheStatus: CacheStatus
    /// Time the source took to answer, by the injected clock.
    public var queryMicros: Int64
    public var reason: RouteReason
    public var warnings: [FreshnessWarning]

    public init(source: String, sourceKind: SourceKind, consistency: ConsistencyLevel, lagMicros: Int64,
                asOfMicros: Int64, cacheStatus: CacheStatus, queryMicros: Int64, reason: RouteReason,
                warnings: [FreshnessWarning] = []) {
        self.source = source
        self.sourceKind = sourceKind
        self.consistency = consistency
        self.lagMicros = lagMicros
        self.asOfMicros = asOfMicros
        self.cacheStatus = cacheStatus
        self.queryMicros = queryMicros
        self.reason = reason
        self.warnings = warnings
    }

    public var lagSeconds: Double { Double(lagMicros) / 1_000_000 }
    public var queryMs: Double { Double(queryMicros) / 1_000 }
    public var cached: Bool { cacheStatus == .hit }

    /// The response headers, in the spec's order. `X-Data-As-Of` (ISO-8601) always
    /// follows; `X-Data-Warning` (comma-separated codes) only when there are warnings.
    public var httpHeaders: [(name: String, value: String)] {
        var h: [(name: String, value: String)] = [
            ("X-Data-Source", source),
            ("X-Data-Lag-Seconds", Self.secondsText(micros: lagMicros)),
            ("X-Consistency-Level", consistency.rawValue),
            ("X-Cache-Status", cacheStatus.rawValue),
            ("X-Query-Duration-Ms", Self.millisecondsText(micros: queryMicros)),
            ("X-Data-As-Of", TimestampFormat.iso8601(micros: asOfMicros)),
        ]
        if !warnings.isEmpty {
            h.append(("X-Data-Warning", warnings.map(\.code).joined(separator: ",")))
        }
        return h
    }

    /// The `_metadata` object of a JSON response body (spec §4), keys in a fixed order.
    public var jsonObject: String {
        var s = "{\"source\":" + JSON.quote(source)
        s += ",\"lag_seconds\":" + Self.secondsText(micros: lagMicros)
        s += ",\"consistency\":" + JSON.quote(consistency.rawValue)
        s += ",\"cached\":" + (cached ? "true" : "false")
        s += ",\"query_ms\":" + Self.millisecondsText(micros: queryMicros)
        s += ",\"as_of\":" + JSON.quote(TimestampFormat.iso8601(micros: asOfMicros))
        s += ",\"warnings\":[" + warnings.map { JSON.quote($0.code) }.joined(separator: ",") + "]}"
        return s
    }

    /// Seconds with millisecond resolution, shortest form: 2_300_000 µs → "2.3", 5 s → "5".
    public static func secondsText(micros: Int64) -> String {
        thousandthsText(micros <= 0 ? 0 : (micros + 500) / 1_000)
    }

    /// Milliseconds with microsecond resolution, shortest form: 23_000 µs → "23", 412 µs → "0.412".
    public static func millisecondsText(micros: Int64) -> String {
        thousandthsText(max(0, micros))
    }

    /// `n / 1000` as decimal text without trailing zeros (no floating point: deterministic).
    private static func thousandthsText(_ n: Int64) -> String {
        let whole = n / 1_000, frac = n % 1_000
        guard frac != 0 else { return String(whole) }
        var digits = String(frac)
        digits = String(repeating: "0", count: 3 - digits.count) + digits
        while digits.hasSuffix("0") { digits.removeLast() }
        return "\(whole).\(digits)"
    }
}
