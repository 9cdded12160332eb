import Foundation
import AtlasStats

/// What one `WritePathSimulation` run measured, all in simulated time. Deterministic:
/// the same config, seed and store give byte-identical `jsonString()`.
public struct WritePathSummary: Sendable, Equatable, Codable {
    public var seed: UInt64
    public var store: String
    public var simulatedSeconds: Double
    /// Simulated time after the arrival window until every acknowledged reading was visible.
    public var drainSeconds: Double
    /// True when the drain finished within `maxDrainSeconds`.
    public var drained: Bool
    public var events: Int
    public var eventCounts: [String: Int]

    public var writesArrived: Int
    public var readingsAcknowledged: Int
    public var readingsRejected: Int
    public var rejectionsByReason: [String: Int]
    /// Readings in ingest calls whose log append failed (not acknowledged; the client sees an error).
    public var readingsFailed: Int
    public var readingsVisible: Int
    public var ingestCalls: Int
    public var ingestFailures: Int
    public var flushes: Int
    public var flushFailures: Int
    public var rowsFlushed: Int
    public var entitiesRegistered: Int
    public var hotCellsWritten: Int
    public var hotCellsSkippedAsOlder: Int
    public var maxIngestQueueLength: Int
    public var ingestUtilization: Double
    public var flushUtilization: Double

    /// Arrival → acknowledgement (ingest call completed), per reading, ms.
    public var ingestToAckMs: LatencySummary
    /// Arrival → visible in the tables (the flush that took it completed), per reading, ms.
    public var ingestToVisibleMs: LatencySummary
    /// Wait for the ingest worker, per call, ms.
    public var ingestQueueWaitMs: LatencySummary
    /// Simulated duration of each flush, ms.
    public var flushDurationMs: LatencySummary
    /// Rows taken by each flush (the flush backlog).
    public var flushRows: LatencySummary

    public var readsArrived: Int
    public var readsFound: Int
    /// Read arrival → response, ms.
    public var readLatencyMs: LatencySummary

    /// JSON with sorted keys (byte-stable for a given summary).
    public func jsonString(pretty: Bool = true) throws -> String {
        let e = JSONEncoder()
        e.outputFormatting = pretty ? [.sortedKeys, .prettyPrinted] : [.sortedKeys]
        return String(decoding: try e.encode(self), as: UTF8.self)
    }
}
