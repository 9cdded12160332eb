/// Why the router chose the source it chose (for counters, traces and tests).
public enum RouteReason: String, Sendable, Hashable, CaseIterable {
    /// Strong read: always the primary.
    case strong
    /// Eventual read answered from the cache.
    case cacheHit
    /// Eventual read on a replica below the target lag.
    case replicaWithinTarget
    /// Eventual read on a replica at or above the target lag but below the max (a warning).
    case replicaAboveTarget
    /// Eventual read on the primary: no replicas configured.
    case primaryNoReplicas
    /// Eventual read on the primary: every replica at or above the max lag (or unmeasured).
    case primaryAllReplicasLagging
    /// Eventual read on the primary: the circuit breaker is open.
    case primaryBreakerOpen
    /// Read on the primary: no other source has replayed the client's write.
    case primaryReadYourWrites
    /// Eventual read on the primary: healthy replicas exist but none meets `maxLagSeconds`.
    case primaryMaxLag
    /// Read on the primary after the chosen replica failed to answer.
    case primaryAfterReplicaError
    /// Analytics read on the OLAP store within its 15 min budget.
    case olap
    /// Analytics read on the OLAP store beyond its budget (served with a warning).
    case olapStale
}
