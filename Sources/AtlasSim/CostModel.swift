#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import AtlasStats

/// Simulated service time of one operation: a base draw in milliseconds plus a
/// per-row term, so batching effects show up in simulated time.
public struct OperationCost: Sendable, Equatable, Codable {
    /// Fixed part per call, milliseconds.
    public var baseMs: Distribution
    /// Extra microseconds per row in the call's batch.
    public var perRowMicros: Double

    public init(baseMs: Distribution, perRowMicros: Double = 0) {
        self.baseMs = baseMs
        self.perRowMicros = perRowMicros
    }

    /// A lognormal base with the given median (ms) and log-sd.
    public static func lognormal(medianMs: Double, sigma: Double, perRowMicros: Double = 0) -> OperationCost {
        OperationCost(baseMs: .lognormal(mu: log(medianMs), sigma: sigma), perRowMicros: perRowMicros)
    }
}

/// The per-operation cost model of the simulated write and read paths.
public struct CostModel: Sendable, Equatable, Codable {
    /// One ingest call: log append (acknowledgement) plus staging insert.
    public var ingest: OperationCost
    /// One `stage_flush`.
    public var flush: OperationCost
    /// One point lookup of an entity's hot attributes.
    public var pointRead: OperationCost

    public init(ingest: OperationCost = .lognormal(medianMs: 0.4, sigma: 0.4, perRowMicros: 2),
                flush: OperationCost = .lognormal(medianMs: 3, sigma: 0.3, perRowMicros: 6),
                pointRead: OperationCost = .lognormal(medianMs: 0.25, sigma: 0.5)) {
        self.ingest = ingest
        self.flush = flush
        self.pointRead = pointRead
    }
}

/// An `OperationCost` ready to draw.
struct PreparedCost {
    let sampler: DistributionSampler
    let perRowMicros: Double

    init(_ c: OperationCost) throws(DistributionError) {
        guard c.perRowMicros.isFinite, c.perRowMicros >= 0 else {
            throw .invalid("cost: perRowMicros must be finite and ≥ 0, got \(c.perRowMicros)")
        }
        sampler = try c.baseMs.sampler()
        perRowMicros = c.perRowMicros
    }

    /// Service time in nanoseconds for a call over `rows` rows (never negative).
    func sampleNanos(rows: Int, _ stream: RandomStream) -> Int64 {
        let ms = Swift.max(0, sampler.sample(stream)) + perRowMicros * Double(rows) / 1000
        return SimTime.nanos(millis: ms)
    }
}
