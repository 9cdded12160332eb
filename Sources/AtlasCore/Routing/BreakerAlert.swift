/// An alert the circuit breaker raised or cleared.
public struct BreakerAlert: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable {
        /// The breaker opened: every replica lagged past the max for `threshold`
        /// consecutive eventual reads (the spec's "replica_lag_critical").
        case replicaLagCritical = "replica_lag_critical"
        /// A half-open probe succeeded: replicas serve reads again.
        case replicaLagRecovered = "replica_lag_recovered"
    }

    public var kind: Kind
    public var atMicros: Int64
    /// Consecutive all-replicas-lagging reads that led here (0 for a recovery).
    public var consecutiveFailures: Int

    public init(kind: Kind, atMicros: Int64, consecutiveFailures: Int) {
        self.kind = kind
        self.atMicros = atMicros
        self.consecutiveFailures = consecutiveFailures
    }
}
