import AtlasCore
import AtlasStats

/// Everything a `WritePathSimulation` run depends on. Together with the store it fully
/// determines the run's summary. Decoding fills absent keys with defaults, so scenario
/// files only state what they change.
public struct WritePathConfig: Sendable, Equatable, Codable {
    /// The run seed; every random stream is derived from it by name.
    public var seed: UInt64 = 1
    /// Length of the arrival window, simulated seconds.
    public var simulatedSeconds: Double = 60
    /// Simulated start, microseconds since the epoch (default 2026-01-01T00:00:00Z).
    public var startMicros: Int64 = TimestampFormat.micros(year: 2026, month: 1, day: 1)
    /// Write (reading) arrivals.
    public var writes = ArrivalConfig(process: .poisson, ratePerSecond: 10_000)
    /// Point-read arrivals (hot attributes of one entity); rate 0 disables reads.
    public var reads = ArrivalConfig(process: .poisson, ratePerSecond: 0)
    /// Entity ids are 1...idSpace; only touched ids cost memory.
    public var idSpace: Int64 = 200_000_000
    /// How writes and reads pick entity ids.
    public var keys: KeyDistribution = .scrambledZipfian(theta: 0.99)
    public var tenants = TenantMap.Config()
    public var attributes = AttributeSet.Config()
    /// Arrived readings are batched into one ingest call per tick.
    public var ingestTickMs: Double = 5
    /// `stage_flush` period.
    public var flushIntervalMs: Int64 = 100
    /// A flush starts early once this many rows are staged.
    public var maxBatchRows: Int = 50_000
    /// Concurrent point reads the store serves.
    public var readServers: Int = 8
    public var costs = CostModel()
    /// After the arrival window, keep running (no new arrivals) until every acknowledged
    /// reading is visible, for at most this long.
    public var maxDrainSeconds: Double = 600
    /// Latency samples held exactly before recorders switch to log histograms.
    public var latencyExactSampleBudget: Int = 1_000_000
    /// Relative error of the log histograms beyond the budget.
    public var latencyRelativeError: Double = 0.01

    public init() {}

    private enum CodingKeys: String, CodingKey {
        case seed, simulatedSeconds, startMicros, writes, reads, idSpace, keys, tenants, attributes
        case ingestTickMs, flushIntervalMs, maxBatchRows, readServers, costs, maxDrainSeconds
        case latencyExactSampleBudget, latencyRelativeError
    }

    public init(from decoder: any Decoder) throws {
        self.init()
        let c = try decoder.container(keyedBy: CodingKeys.self)
        func get<T: Decodable>(_ k: CodingKeys, _ v: inout T) throws {
            if let x = try c.decodeIfPresent(T.self, forKey: k) { v = x }
        }
        try get(.seed, &seed)
        try get(.simulatedSeconds, &simulatedSeconds)
        try get(.startMicros, &startMicros)
        try get(.writes, &writes)
        try get(.reads, &reads)
        try get(.idSpace, &idSpace)
        try get(.keys, &keys)
        try get(.tenants, &tenants)
        try get(.attributes, &attributes)
        try get(.ingestTickMs, &ingestTickMs)
        try get(.flushIntervalMs, &flushIntervalMs)
        try get(.maxBatchRows, &maxBatchRows)
        try get(.readServers, &readServers)
        try get(.costs, &costs)
        try get(.maxDrainSeconds, &maxDrainSeconds)
        try get(.latencyExactSampleBudget, &latencyExactSampleBudget)
        try get(.latencyRelativeError, &latencyRelativeError)
    }

    /// Checks values a run cannot start with.
    public func validate() throws(WritePathConfigError) {
        func need(_ ok: Bool, _ m: String) throws(WritePathConfigError) { if !ok { throw .invalid(m) } }
        try need(simulatedSeconds.isFinite && simulatedSeconds > 0, "simulatedSeconds must be > 0")
        try need(idSpace >= 1, "idSpace must be ≥ 1")
        try need(ingestTickMs.isFinite && ingestTickMs > 0, "ingestTickMs must be > 0")
        try need(flushIntervalMs >= 1, "flushIntervalMs must be ≥ 1")
        try need(maxBatchRows >= 1, "maxBatchRows must be ≥ 1")
        try need(readServers >= 1, "readServers must be ≥ 1")
        try need(tenants.count >= 1, "tenants.count must be ≥ 1")
        try need(attributes.count >= 1, "attributes.count must be ≥ 1")
        try need(maxDrainSeconds >= 0, "maxDrainSeconds must be ≥ 0")
        try need(writes.ratePerSecond >= 0 && reads.ratePerSecond >= 0, "rates must be ≥ 0")
        try need(latencyRelativeError > 0 && latencyRelativeError < 0.5, "latencyRelativeError must be in (0, 0.5)")
    }
}
