import AtlasCore
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A file-backed ingest log: append-only segment files, one `write` + `fdatasync` per
/// appended batch (the acknowledgement point), CRC-checked frames, and recovery that
/// drops a torn tail after a crash. Segments wholly below the retention point are deleted.
public final class FileSegmentLog: IngestLog {
    public let directory: String
    public let segmentBytes: Int
    /// fsync after each append (turn off only for benchmarks of the non-durable case).
    public let syncOnAppend: Bool
    public private(set) var nextOffset: Int64 = 1
    /// Bytes dropped from a torn tail when the log was opened.
    public private(set) var recoveredTornBytes = 0

    private var segments: [(firstOffset: Int64, path: String)] = []
    private var fd: Int32 = -1
    private var currentBytes = 0
    private var buffer: [UInt8] = []
    /// Set when a failed append could not be cut back off the segment: later frames would
    /// sit behind its bytes, where reads and recovery stop, so the log takes no more. (If
    /// those bytes hold whole frames, a later open recovers them: that batch, refused to its
    /// client, may then be replayed: at least once rather than lost.)
    public private(set) var failure: LogError?
    /// Fault injection for tests: the next `write` / tail truncation fails with this errno.
    var injectedWriteErrno: Int32?
    var injectedTruncateErrno: Int32?

    public struct LogError: Error, CustomStringConvertible {
        public var operation: String
        public var path: String
        public var errno: Int32
        public var description: String { "ingest log \(operation) \(path): \(String(cString: strerror(errno)))" }
    }

    public init(directory: String, segmentBytes: Int = 64 << 20, syncOnAppend: Bool = true) throws {
        self.directory = directory
        self.segmentBytes = segmentBytes
        self.syncOnAppend = syncOnAppend
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let names = try FileManager.default.contentsOfDirectory(atPath: directory)
            .filter { $0.hasSuffix(".seg") }.sorted()
        segments = names.compactMap { n in Int64(n.dropLast(4)).map { ($0, directory + "/" + n) } }
        if let last = segments.last {
            // Recover: scan the last segment, keep the valid prefix, truncate a torn tail.
            let data = try Data(contentsOf: URL(fileURLWithPath: last.path))
            var pos = 0, lastOffset = last.firstOffset - 1
            data.withUnsafeBytes { b in
                while let (r, next) = LogRecordCodec.decodeFrame(b, at: pos) { lastOffset = r.offset; pos = next }
            }
            recoveredTornBytes = data.count - pos
            if recoveredTornBytes > 0 { try truncate(last.path, to: pos) }
            nextOffset = lastOffset + 1
            try openForAppend(last.path, size: pos)
        }
    }

    deinit { if fd >= 0 { close(fd) } }

    private func truncate(_ path: String, to size: Int) throws {
        if let e = injectedTruncateErrno {
            injectedTruncateErrno = nil
            throw LogError(operation: "truncate", path: path, errno: e)
        }
        guard Glibc.truncate(path, off_t(size)) == 0 else { throw LogError(operation: "truncate", path: path, errno: errno) }
    }

    /// Cuts a failed batch off the segment (nothing of it was acknowledged), or, when that
    /// fails too, refuses every later append; then throws the batch's error.
    private func abandonBatch(_ path: String, _ error: LogError) throws -> Never {
        do { try truncate(path, to: currentBytes) } catch let e as LogError { failure = e }
        throw error
    }

    private func openForAppend(_ path: String, size: Int) throws {
        if fd >= 0 { close(fd) }
        fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw LogError(operation: "open", path: path, errno: errno) }
        currentBytes = size
    }

    private func roll() throws {
        let path = directory + "/" + String(format: "%020lld.seg", nextOffset)
        try openForAppend(path, size: 0)
        segments.append((nextOffset, path))
        // Make the new file's directory entry durable too: acknowledgements rely on it.
        let dfd = open(directory, O_RDONLY | O_DIRECTORY)
        guard dfd >= 0 else { throw LogError(operation: "open", path: directory, errno: errno) }
        defer { close(dfd) }
        guard fsync(dfd) == 0 else { throw LogError(operation: "fsync", path: directory, errno: errno) }
    }

    public func append(_ records: [LogRecord]) throws -> [LogRecord] {
        if let failure { throw failure }
        if fd < 0 || currentBytes >= segmentBytes { try roll() }
        var out = records
        buffer.removeAll(keepingCapacity: true)
        for i in out.indices {
            out[i].offset = nextOffset + Int64(i)
            LogRecordCodec.appendFrame(out[i], to: &buffer)
        }
        let path = segments.last!.path
        try buffer.withUnsafeBytes { b in
            var done = 0
            while done < b.count {
                var n = write(fd, b.baseAddress! + done, b.count - done)
                if let e = injectedWriteErrno { injectedWriteErrno = nil; n = -1; errno = e }
                if n < 0 {
                    if errno == EINTR { continue }
                    try abandonBatch(path, LogError(operation: "write", path: path, errno: errno))
                }
                done += n
            }
        }
        if syncOnAppend, fdatasync(fd) != 0 {
            try abandonBatch(path, LogError(operation: "fdatasync", path: path, errno: errno))
        }
        currentBytes += buffer.count
        nextOffset += Int64(out.count)
        return out
    }

    public func read(from offset: Int64, maxCount: Int) throws -> [LogRecord] {
        guard offset < nextOffset, maxCount > 0 else { return [] }
        guard let i = segments.lastIndex(where: { $0.firstOffset <= offset }) ?? segments.indices.first else { return [] }
        var out: [LogRecord] = []
        for seg in segments[i...] {
            let data = try Data(contentsOf: URL(fileURLWithPath: seg.path))
            var pos = 0
            data.withUnsafeBytes { b in
                // (Frames at or past nextOffset are a failed batch that could not be cut off.)
                while out.count < maxCount, let (r, next) = LogRecordCodec.decodeFrame(b, at: pos), r.offset < nextOffset {
                    if r.offset >= offset { out.append(r) }
                    pos = next
                }
            }
            if out.count >= maxCount { break }
        }
        return out
    }

    public func truncate(before offset: Int64) throws {
        // Delete a segment only when the next one starts at or below `offset`.
        while segments.count > 1, segments[1].firstOffset <= offset {
            unlink(segments[0].path)
            segments.removeFirst()
        }
    }

    /// Segment files currently kept.
    public var segmentCount: Int { segments.count }
}
