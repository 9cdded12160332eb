/// Decides when eventual reads try replicas (spec Part B §3: "Circuit breaker → route
/// to primary if lag > 5s").
///
/// Rule:
/// - **closed**: replicas are tried. A read that finds no usable replica (all at or
///   above the max lag, unmeasured, or failing) is a failure; a read served by a replica
///   is a success and resets the count. The `failureThreshold`-th consecutive failure
///   (default 5) opens the breaker and raises `replica_lag_critical`.
/// - **open**: replicas are skipped entirely (every eventual read goes to the primary
///   without measuring lag) until `coolDownMicros` after opening.
/// - **half-open**: the next eventual read is a probe on the best (lowest-lag) replica.
///   Success closes the breaker (`replica_lag_recovered`); failure re-opens it for another
///   cool-down without a second alert (the first is still active). A read that cannot
///   probe for request reasons (read-your-writes, `maxLagSeconds`) leaves it half-open.
///
/// Synchronous and clock-driven: at most one probe is ever in flight.
public final class CircuitBreaker {
    public struct Config: Sendable, Equatable {
        /// Consecutive failures that open the breaker and alert.
        public var failureThreshold: Int
        /// How long an open breaker keeps replicas out before a probe.
        public var coolDownMicros: Int64

        public init(failureThreshold: Int = 5, coolDownMicros: Int64 = 30_000_000) {
            precondition(failureThreshold >= 1, "failureThreshold must be >= 1")
            precondition(coolDownMicros >= 0, "coolDownMicros must be >= 0")
            self.failureThreshold = failureThreshold
            self.coolDownMicros = coolDownMicros
        }
    }

    public enum State: Sendable, Hashable {
        case closed(consecutiveFailures: Int)
        case open(sinceMicros: Int64)
        case halfOpen
    }

    /// What the router may do for the next eventual read.
    public enum Admission: Sendable, Hashable {
        /// Try replicas normally.
        case tryReplicas
        /// Probe the best replica once.
        case probe
        /// Skip replicas: go to the primary.
        case skipReplicas
    }

    public struct Counters: Sendable, Equatable {
        public var failures = 0
        public var successes = 0
        /// Closed → open transitions (each raised an alert).
        public var opens = 0
        /// Half-open → open after a failed probe.
        public var reopens = 0
        public var probes = 0
        public var probeSuccesses = 0
        public var probeFailures = 0
        /// Eventual reads sent to the primary because the breaker was open.
        public var readsWhileOpen = 0
        public init() {}
    }

    public let config: Config
    private let clock: any Clock
    public private(set) var state: State = .closed(consecutiveFailures: 0)
    public private(set) var counters = Counters()
    /// Alerts raised and cleared, oldest first (at most two per cool-down).
    public private(set) var alerts: [BreakerAlert] = []

    public init(clock: any Clock, config: Config = Config()) {
        self.clock = clock
        self.config = config
    }

    /// True while `replica_lag_critical` is raised and not yet recovered.
    public var isAlerting: Bool {
        if case .closed = state { return false }
        return true
    }

    /// Asks before an eventual read. Moves open → half-open once the cool-down is over.
    public func admission() -> Admission {
        switch state {
        case .closed:
            return .tryReplicas
        case .open(let since):
            if clock.nowMicros - since >= config.coolDownMicros {
                state = .halfOpen
                return .probe
            }
            counters.readsWhileOpen += 1
            return .skipReplicas
        case .halfOpen:
            return .probe
        }
    }

    /// A replica served the read (in half-open: the probe succeeded).
    public func recordSuccess() {
        counters.successes += 1
        switch state {
        case .closed:
            state = .closed(consecutiveFailures: 0)
        case .halfOpen:
            counters.probes += 1
            counters.probeSuccesses += 1
            state = .closed(consecutiveFailures: 0)
            alerts.append(BreakerAlert(kind: .replicaLagRecovered, atMicros: clock.nowMicros, consecutiveFailures: 0))
        case .open:
            break  // a read admitted before opening; the cool-down still decides
        }
    }

    /// No replica could serve the read (in half-open: the probe failed).
    public func recordFailure() {
        counters.failures += 1
        switch state {
        case .closed(let n):
            let count = n + 1
            if count >= config.failureThreshold {
                state = .open(sinceMicros: clock.nowMicros)
                counters.opens += 1
                alerts.append(BreakerAlert(kind: .replicaLagCritical, atMicros: clock.nowMicros,
                                           consecutiveFailures: count))
            } else {
                state = .closed(consecutiveFailures: count)
            }
        case .halfOpen:
            counters.probes += 1
            counters.probeFailures += 1
            counters.reopens += 1
            state = .open(sinceMicros: clock.nowMicros)
        case .open:
            break
        }
    }
}
