/// Something about a read's freshness the caller should show the user.
public enum FreshnessWarning: Sendable, Hashable {
    /// Served by a replica at or above the target lag (3 s) and below the max (5 s).
    case replicaLagAboveTarget(lagMicros: Int64)
    /// Served by the OLAP store beyond its 15 min budget ("Data may be stale").
    case analyticsStale(lagMicros: Int64)

    /// A stable machine-readable code (`X-Data-Warning`, metric names).
    public var code: String {
        switch self {
        case .replicaLagAboveTarget: return "replica_lag_warning"
        case .analyticsStale: return "analytics_stale"
        }
    }
}
