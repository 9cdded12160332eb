/// The durable ingest log (the spec's Kafka topic): the write path acknowledges a
/// reading only once the log holds it, and replays from it after a crash.
public protocol IngestLog: AnyObject {
    /// Appends `records` durably, assigning consecutive offsets (their `offset`
    /// fields are overwritten). Returns the assigned records. Either all are durable
    /// or the call throws and none is acknowledged.
    func append(_ records: [LogRecord]) throws -> [LogRecord]

    /// Up to `maxCount` records with offset ≥ `offset`, in offset order.
    func read(from offset: Int64, maxCount: Int) throws -> [LogRecord]

    /// The offset the next append will receive (offsets start at 1).
    var nextOffset: Int64 { get }

    /// Lets the log discard records with offset < `offset` (retention after they
    /// are safely flushed). Implementations may keep more.
    func truncate(before offset: Int64) throws
}

/// An in-memory ingest log for the simulator and tests. "Durable" for the life of
/// the process; a simulated crash of the database does not touch it (Kafka survives).
public final class InMemoryIngestLog: IngestLog {
    private var records: [LogRecord] = []
    private var firstOffset: Int64 = 1
    public private(set) var nextOffset: Int64 = 1
    /// When set, the next append throws this error (fault injection).
    public var failNextAppend: (any Error)?

    public init() {}

    public func append(_ batch: [LogRecord]) throws -> [LogRecord] {
        if let e = failNextAppend { failNextAppend = nil; throw e }
        var out = batch
        for i in out.indices {
            out[i].offset = nextOffset
            nextOffset += 1
        }
        records.append(contentsOf: out)
        return out
    }

    public func read(from offset: Int64, maxCount: Int) throws -> [LogRecord] {
        let start = max(offset, firstOffset)
        guard start < nextOffset, maxCount > 0 else { return [] }
        let i = Int(start - firstOffset)
        let j = min(records.count, i + maxCount)
        return Array(records[i..<j])
    }

    public func truncate(before offset: Int64) throws {
        let drop = Int(min(offset, nextOffset) - firstOffset)
        // Compact in chunks so truncation stays amortised O(1) per record.
        guard drop > 0, drop >= 4096 || drop == records.count else { return }
        records.removeFirst(drop)
        firstOffset += Int64(drop)
    }
}
