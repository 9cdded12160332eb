import AtlasCore
import AtlasStats

/// One scenario file, decoded (see docs/scenario-schema.md). Every field has a default,
/// so a file states only what it changes; `ScenarioLoader` fills and checks it.
public struct ScenarioConfig: Sendable, Equatable {
    /// Names the results directory (`results/<name>/...`).
    public var name: String = "scenario"
    public var description: String = ""
    /// Seed of replication 0; others derive from it (`ScenarioRunner.seed(forReplication:)`).
    public var seed: UInt64 = 1
    /// Arrival window, simulated seconds (the run then drains).
    public var durationSeconds: Double = 3600
    public var replications: Int = 1
    public var store: StoreKind = .memory
    public var topology = Topology()
    public var workload = Workload()
    public var faults: [FaultSpec] = []
    public var slos: [SLOThreshold] = []
    public var outputs = Outputs()
    public var verify = Verification()
    /// After the window, run on (no arrivals) until every acknowledged write is visible, at most this long.
    public var maxDrainSeconds: Double = 600
    /// Simulated start, microseconds since the epoch (default 2026-01-01T00:00:00Z).
    public var startMicros: Int64 = TimestampFormat.micros(year: 2026, month: 1, day: 1)

    public init() {}

    public enum StoreKind: String, Sendable, Equatable, CaseIterable {
        /// `MemoryStore`: the real store; acknowledged-write checks run against it.
        case memory
        /// `DiscardingStore`: no store cost (measures the simulator); reads find nothing, loss checks are skipped.
        case discard
    }
}

/// The simulated system: replicas, cache, write path, routing, breaker, OLAP, services.
public struct Topology: Sendable, Equatable {
    public var replicas: [ReplicaSpec] = (1...3).map { ReplicaSpec(name: "replica-\($0)") }
    /// How often the lag reader observes each replica's replay position (heartbeat read).
    public var lagProbeIntervalMs: Double = 1000
    /// How often replicas replay (the granularity of the lag process).
    public var replayTickMs: Double = 100
    public var cache = CacheSpec()
    public var ingestTickMs: Double = 5
    public var flushIntervalMs: Int64 = 100
    public var maxBatchRows: Int = 50_000
    public var routing = RoutingSpec()
    public var breaker = BreakerSpec()
    public var olap = OLAPSpec()
    /// True: acknowledgement = the durable ingest log holds the write; a crash replays it.
    /// False: acknowledgement = staged in the UNLOGGED table; a crash loses what was not flushed.
    public var durableLog = true
    /// What the ingest tier does with writes while the primary is down.
    public var primaryOutageWrites: OutageWritePolicy = .buffer
    public var services = ServiceModel()
    public init() {}
}

public enum OutageWritePolicy: String, Sendable, Equatable, CaseIterable {
    /// Refuse (not acknowledged; the client sees an error).
    case refuse
    /// Append to the durable log and acknowledge; staged after the failover (needs `durableLog`).
    case buffer
}

public struct ReplicaSpec: Sendable, Equatable {
    public var name: String
    public var lag = LagModel()
    public init(name: String, lag: LagModel = LagModel()) {
        self.name = name
        self.lag = lag
    }
}

/// A replica's replay lag as a stochastic process: a base lag redrawn every
/// `resampleMs`, plus random spikes and pauses (Poisson episodes), plus scheduled faults.
/// Replay never goes backwards and catches up at most `replaySpeedup` × real time.
public struct LagModel: Sendable, Equatable {
    /// Base lag, milliseconds.
    public var baseMs: Distribution = .lognormal(mu: 5.3, sigma: 0.5)  // median ≈ 200 ms
    public var resampleMs: Double = 1000
    /// Replay speed while catching up, relative to real time (> 1).
    public var replaySpeedup: Double = 4
    public var spikes = EpisodeModel()
    public var pauses = EpisodeModel()
    public init() {}
}

/// Random episodes (spikes or pauses): Poisson starts at `ratePerHour`.
public struct EpisodeModel: Sendable, Equatable {
    public var ratePerHour: Double = 0
    /// Extra lag at the peak, seconds (spikes only).
    public var sizeSeconds: Distribution = .constant(5)
    public var durationSeconds: Distribution = .constant(30)
    public var shape: SpikeShape = .triangle
    public init() {}
}

public enum SpikeShape: String, Sendable, Equatable, CaseIterable {
    /// Full size for the whole duration.
    case step
    /// Grows linearly to the size, then drops (replay then catches up at its speed).
    case ramp
    /// Up over the first half, down over the second.
    case triangle
}

public struct CacheSpec: Sendable, Equatable {
    public var enabled = true
    public var maxEntries = 200_000
    public var ttlSeconds: Double = 60
    public init() {}
}

public struct RoutingSpec: Sendable, Equatable {
    public var replicaTargetLagSeconds: Double = 3
    public var replicaMaxLagSeconds: Double = 5
    public var olapMaxLagSeconds: Double = 900
    public init() {}
}

public struct BreakerSpec: Sendable, Equatable {
    public var failureThreshold = 5
    public var coolDownSeconds: Double = 30
    public init() {}
}

/// The OLAP store (Redshift): a CDC load every `loadIntervalSeconds` covers commits up
/// to `pipelineDelaySeconds` before the load started.
public struct OLAPSpec: Sendable, Equatable {
    public var loadIntervalSeconds: Double = 300
    public var pipelineDelaySeconds: Double = 60
    public init() {}
}

/// One read source's service: a service-time draw and how many reads it serves at once.
public struct SourceService: Sendable, Equatable {
    public var serviceMs: Distribution
    public var connections: Int
    public init(serviceMs: Distribution, connections: Int) {
        self.serviceMs = serviceMs
        self.connections = connections
    }
}

/// Service-time models (simulated time).
public struct ServiceModel: Sendable, Equatable {
    public var ingest: OperationCost = .lognormal(medianMs: 0.4, sigma: 0.4, perRowMicros: 2)
    public var flush: OperationCost = .lognormal(medianMs: 3, sigma: 0.3, perRowMicros: 6)
    public var primaryRead = SourceService(serviceMs: .lognormal(mu: 1.386, sigma: 0.5), connections: 32)  // median 4 ms
    public var replicaRead = SourceService(serviceMs: .lognormal(mu: 1.386, sigma: 0.5), connections: 32)
    public var cacheRead = SourceService(serviceMs: .lognormal(mu: -0.693, sigma: 0.3), connections: 256)  // median 0.5 ms
    public var olapRead = SourceService(serviceMs: .lognormal(mu: 5.3, sigma: 0.6), connections: 64)  // median ≈ 200 ms
    /// Time lost on a replica that refuses the connection before the retry on the primary.
    public var replicaErrorMs: Double = 2
    /// Time lost on an unreachable cache before falling through.
    public var cacheErrorMs: Double = 1
    public init() {}
}

public struct ReadMix: Sendable, Equatable {
    public var strong = 0.2
    public var eventual = 0.75
    public var analytics = 0.05
    public init() {}
}

public struct Workload: Sendable, Equatable {
    public var writes = ArrivalConfig(process: .poisson, ratePerSecond: 10_000)
    public var reads = ArrivalConfig(process: .poisson, ratePerSecond: 2_000)
    public var readMix = ReadMix()
    /// Fraction of eventual reads that carry read-your-writes.
    public var readYourWritesFraction = 0.1
    /// How long before the read the session's write committed, seconds.
    public var readYourWritesAgeSeconds: Distribution = .exponential(mean: 2)
    public var idSpace: Int64 = 200_000_000
    public var keys: KeyDistribution = .scrambledZipfian(theta: 0.99)
    public var tenants = TenantMap.Config()
    public var attributes = AttributeSet.Config()
    public init() {}
}

public struct Outputs: Sendable, Equatable {
    /// Time-series bucket, simulated seconds.
    public var timeSeriesIntervalSeconds: Double = 10
    public var html = true
    public var notebooksData = true
    public init() {}
}

/// Jepsen-style check of acknowledged writes against the store after the run.
public struct Verification: Sendable, Equatable {
    /// Every N-th acknowledged write (by log offset) is looked up in the store.
    public var sampleEvery = 1000
    /// Writes acknowledged this close to a primary crash are looked up first.
    public var crashWindowSeconds: Double = 10
    /// Most lookups (each may scan the store's time series); the exact count check
    /// (acknowledged − rows inserted) covers every write regardless.
    public var maxLookups = 64
    public init() {}
}
