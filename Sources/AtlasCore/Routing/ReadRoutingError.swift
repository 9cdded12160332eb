/// A read the router refuses to serve, with what and why.
public enum ReadRoutingError: Error, Equatable, CustomStringConvertible {
    /// No source in the level's fallback chain meets the request's `maxLagSeconds`.
    case maxLagExceeded(consistency: ConsistencyLevel, source: String, lagMicros: Int64, maxLagMicros: Int64)
    /// `maxLagSeconds` is negative, NaN or infinite.
    case invalidMaxLag(seconds: Double)
    /// An analytics read with no OLAP source configured.
    case noAnalyticsSource
    /// The source has never reported a replay position, so its freshness is unknown.
    case freshnessUnknown(source: String)
    /// The executor has no store for the chosen source.
    case noStore(source: String)

    public var description: String {
        switch self {
        case let .maxLagExceeded(c, s, lag, max):
            return "\(c.rawValue) read: source '\(s)' lags \(FreshnessMetadata.secondsText(micros: lag)) s, "
                + "more than the requested maxLagSeconds \(FreshnessMetadata.secondsText(micros: max))"
        case .invalidMaxLag(let s): return "maxLagSeconds \(s) must be a finite number >= 0"
        case .noAnalyticsSource: return "analytics read: no OLAP source is configured"
        case .freshnessUnknown(let s): return "source '\(s)' has not reported a replay position yet"
        case .noStore(let s): return "no store is registered for source '\(s)'"
        }
    }
}
