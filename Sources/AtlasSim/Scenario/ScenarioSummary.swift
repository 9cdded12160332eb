import AtlasStats
import Foundation

/// What one scenario run measured, all in simulated time. Deterministic: the same
/// scenario and seed give a byte-identical `jsonString()` (no wall-clock values).
public struct ScenarioSummary: Sendable, Equatable, Codable {
    /// Bumped on any incompatible change of this structure.
    /// 2: an SLO with no data has no `observed` (it was -1).
    public static let currentSchemaVersion = 2

    public var schemaVersion: Int
    public var scenario: String
    public var seed: UInt64
    public var store: String
    public var simulatedSeconds: Double
    /// Simulated time after the arrival window until every acknowledged write was visible.
    public var drainSeconds: Double
    public var drained: Bool
    public var events: Int
    public var writes: WriteFigures
    public var reads: ReadFigures
    public var replicas: [ReplicaFigures]
    public var faults: [FaultEvent]
    public var verification: VerificationFigures
    public var slos: [SLOResult]
    /// Every SLO passed.
    public var passed: Bool

    public func jsonString(pretty: Bool = true) throws -> String {
        let e = JSONEncoder()
        e.outputFormatting = pretty ? [.sortedKeys, .prettyPrinted] : [.sortedKeys]
        return String(decoding: try e.encode(self), as: UTF8.self)
    }
}

public struct WriteFigures: Sendable, Equatable, Codable {
    public var arrived = 0
    /// Acknowledged to the client (durably logged, or staged when the log is off).
    public var acknowledged = 0
    /// Rejected by validation (bad input; never acknowledged).
    public var rejected = 0
    /// Refused because the primary was down (not acknowledged; the client saw an error).
    public var refused = 0
    /// In ingest calls whose log append failed.
    public var failed = 0
    /// Acknowledged and made visible by a completed flush.
    public var visible = 0
    /// Acknowledged but absent at the end: acknowledged − rows the store inserted (exact, from its flush results).
    public var lost = 0
    /// Rows the store inserted beyond the acknowledged writes.
    public var duplicated = 0
    /// acknowledged / (arrived − rejected).
    public var availability = 1.0
    public var stagingFailures = 0
    /// Records re-staged from the log by `Ingestor.recover()` after failovers.
    public var replayedFromLog = 0
    public var flushes = 0
    public var failedFlushes = 0
    public var rowsInserted = 0
    public var maxStagedRows = 0
    public var ingestToAckMs: LatencySummary
    public var ingestToVisibleMs: LatencySummary
    public var flushRows: LatencySummary
}

public struct LevelFigures: Sendable, Equatable, Codable {
    public var reads = 0
    /// Reads that failed (no source could serve them).
    public var errors = 0
    /// Answers older than the level's bound (strong 0, eventual replicaMaxLag, analytics olapMaxLag).
    public var stale = 0
    public var readYourWrites = 0
    public var readYourWritesViolations = 0
    public var latencyMs: LatencySummary
}

public struct ReadFigures: Sendable, Equatable, Codable {
    public var total = 0
    public var byLevel: [String: LevelFigures] = [:]
    /// Reads answered, by source name ("primary", "replica-1", "cache", "olap").
    public var bySource: [String: Int] = [:]
    public var errors = 0
    public var staleReads = 0
    public var staleFraction = 0.0
    public var readYourWritesViolations = 0
    /// Eventual reads answered by the primary.
    public var fallbackToPrimary = 0
    /// fallbackToPrimary / eventual reads.
    public var fallbackRate = 0.0
    public var cacheHits = 0
    public var cacheMisses = 0
    public var cacheHitRate = 0.0
    public var cacheUnreachable = 0
    public var cacheEvictions = 0
    public var cacheInvalidations = 0
    public var cacheRefusedFills = 0
    /// Entries stored by cache-aside fills.
    public var cacheFills = 0
    /// Point lookups (strong and eventual) answered "no such entity": an id never written
    /// or one without hot attributes. Such answers are not cached (no negative caching).
    public var emptyAnswers = 0
    public var breakerTrips = 0
    public var breakerReopens = 0
    public var readsWhileBreakerOpen = 0
    public var replicaErrors = 0
    public var replicaSkipsForLag = 0
    public var replicaLagWarnings = 0
    public var readYourWritesFallbacks = 0
    public var latencyMs: LatencySummary
}

public struct ReplicaFigures: Sendable, Equatable, Codable {
    public var name: String
    public var reads: Int
    /// True replication lag sampled at every lag probe, seconds.
    public var lagSeconds: LatencySummary
}

/// A fault as it happened (drawn durations resolved).
public struct FaultEvent: Sendable, Equatable, Codable {
    public var atSeconds: Double
    public var endSeconds: Double?
    public var kind: String
    public var target: String
    public var detail: String
}

/// Jepsen-style check of acknowledged writes against the store.
public struct VerificationFigures: Sendable, Equatable, Codable {
    /// False when the store keeps nothing (`discard`).
    public var checked: Bool
    /// Acknowledged writes looked up (sample + crash windows).
    public var sampled = 0
    public var found = 0
    public var lost = 0
    /// Looked-up writes found more than once.
    public var duplicated = 0
    /// Offsets of the first lost writes.
    public var lostOffsetExamples: [Int64] = []
    /// Writes the simulator expected lost (staged, unflushed and unlogged at a crash).
    public var expectedLost = 0
}

public struct SLOResult: Sendable, Equatable, Codable {
    public var metric: String
    public var threshold: String
    /// nil when the run produced no data for the metric (e.g. a percentile of no reads),
    /// which fails the threshold.
    public var observed: Double?
    public var passed: Bool
    public var source: String
}

/// Scalar metric names SLOs may use (distributions are in `ScenarioLoader`).
public enum ScenarioMetrics {
    public static let scalarNames = [
        "stale_read_fraction", "stale_reads", "ryw_violations", "fallback_rate", "breaker_trips", "cache_hit_rate",
        "write_availability", "acked_write_loss", "duplicated_writes", "read_error_rate", "refused_writes", "drained",
    ]

    /// A scalar's value in `s`.
    public static func scalar(_ name: String, _ s: ScenarioSummary) -> Double? {
        switch name {
        case "stale_read_fraction": return s.reads.staleFraction
        case "stale_reads": return Double(s.reads.staleReads)
        case "ryw_violations": return Double(s.reads.readYourWritesViolations)
        case "fallback_rate": return s.reads.fallbackRate
        case "breaker_trips": return Double(s.reads.breakerTrips)
        case "cache_hit_rate": return s.reads.cacheHitRate
        case "write_availability": return s.writes.availability
        case "acked_write_loss": return Double(Swift.max(s.writes.lost, s.verification.lost))
        case "duplicated_writes": return Double(Swift.max(s.writes.duplicated, s.verification.duplicated))
        case "read_error_rate": return s.reads.total == 0 ? 0 : Double(s.reads.errors) / Double(s.reads.total)
        case "refused_writes": return Double(s.writes.refused)
        case "drained": return s.drained ? 1 : 0
        default: return nil
        }
    }
}
