import AtlasCore
@testable import AtlasStorage
import Foundation
import Testing

@Suite struct FileSegmentLogTests {
    func records(_ n: Int, start: Int = 0) -> [LogRecord] {
        (0..<n).map { i in
            let values: [Value] = [.int(Int64(i)), .decimal(Double(i) / 8), .bool(i % 2 == 0),
                                   .timestamp(micros: Int64(i) * 1000), .text("é-\(i)-" + String(repeating: "x", count: i % 40))]
            return LogRecord(offset: 0, tenantID: 1, entityID: Int64(start + i), entityType: "pump", attributeID: Int64(i % 5 + 1),
                             value: values[i % 5], ingestedAtMicros: Fixture.t0 + Int64(i))
        }
    }

    @Test func appendReadReopenAndRoll() throws {
        let dir = temporaryDirectory("log")
        var log: FileSegmentLog? = try FileSegmentLog(directory: dir, segmentBytes: 4096)
        let a = try log!.append(records(100))
        #expect(a.map(\.offset) == Array(1...100))
        let b = try log!.append(records(50, start: 100))
        #expect(b.first?.offset == 101 && log!.nextOffset == 151)
        #expect(log!.segmentCount > 1)
        let back = try log!.read(from: 95, maxCount: 10)
        #expect(back.map(\.offset) == Array(95...104))
        #expect(back.first! == a[94]) // every field round-trips, text and decimals included
        log = nil
        // Reopen: offsets continue where they stopped.
        let again = try FileSegmentLog(directory: dir, segmentBytes: 4096)
        #expect(again.nextOffset == 151 && again.recoveredTornBytes == 0)
        #expect(try again.read(from: 1, maxCount: 1000).count == 150)
        // Retention drops whole segments below the flushed offset, never records above it.
        let segmentsBefore = again.segmentCount
        try again.truncate(before: 120)
        let kept = try again.read(from: 1, maxCount: 1000)
        #expect(again.segmentCount < segmentsBefore && kept.first!.offset > 1)
        #expect(kept.first!.offset <= 120 && kept.last!.offset == 150)
        #expect(kept.map(\.offset) == Array(kept.first!.offset...150))
    }

    @Test func aFailedAppendIsCutOffOrTheLogStops() throws {
        let dir = temporaryDirectory("fail")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let log = try FileSegmentLog(directory: dir)
        _ = try log.append(records(10))
        // The write fails after bytes reached the file: they are cut off, the offsets are
        // not used, and the next append continues cleanly.
        log.injectedWriteErrno = EIO
        #expect(throws: FileSegmentLog.LogError.self) { try log.append(records(5, start: 10)) }
        #expect(log.nextOffset == 11 && log.failure == nil)
        #expect(try log.append(records(5, start: 20)).map(\.offset) == Array(11...15))
        #expect(try log.read(from: 1, maxCount: 100).map(\.entityID) == Array(0...9) + Array(20...24))
        // When the cut fails too, the log refuses every later append (they would sit behind
        // garbage that reads and recovery stop at); what it acknowledged stays readable.
        log.injectedWriteErrno = EIO
        log.injectedTruncateErrno = EIO
        #expect(throws: FileSegmentLog.LogError.self) { try log.append(records(5, start: 30)) }
        #expect(log.failure?.operation == "truncate")
        #expect(throws: FileSegmentLog.LogError.self) { try log.append(records(1, start: 40)) }
        #expect(try log.read(from: 1, maxCount: 100).count == 15)
    }

    @Test func tornTailIsDroppedOnOpen() throws {
        let dir = temporaryDirectory("torn")
        do {
            let log = try FileSegmentLog(directory: dir)
            _ = try log.append(records(10))
        }
        // A crash mid-write: half a frame of garbage at the end of the last segment.
        let seg = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".seg") }.sorted().last!
        let h = FileHandle(forWritingAtPath: dir + "/" + seg)!
        h.seekToEndOfFile()
        h.write(Data([40, 0, 0, 0, 1, 2, 3, 4, 9, 9, 9]))
        h.closeFile()
        let log = try FileSegmentLog(directory: dir)
        #expect(log.recoveredTornBytes == 11)
        #expect(log.nextOffset == 11)
        #expect(try log.append(records(1)).first?.offset == 11)
        #expect(try log.read(from: 1, maxCount: 100).count == 11)
    }

    @Test func corruptFrameStopsTheScan() throws {
        var buf: [UInt8] = []
        for r in records(3) { LogRecordCodec.appendFrame(r, to: &buf) }
        buf[buf.count - 3] ^= 0xFF // flip a bit in the last frame's payload
        let decoded = buf.withUnsafeBytes { b -> Int in
            var pos = 0, n = 0
            while let (_, next) = LogRecordCodec.decodeFrame(b, at: pos) { pos = next; n += 1 }
            return n
        }
        #expect(decoded == 2)
    }

    /// The durability promise end to end on the embedded backend: acknowledged readings
    /// survive a crash (staging is a TEMP table and dies with the connection), replay adds
    /// each exactly once.
    @Test func crashAndReplayOnSQLiteLosesNothingAndDuplicatesNothing() throws {
        let dir = temporaryDirectory("crash")
        var acknowledged = 0
        do {
            let p = try Fixture.Pipeline(SQLiteStore(path: dir + "/db.sqlite"), log: FileSegmentLog(directory: dir + "/log"))
            for i in 0..<30 {
                let ack = try p.ingest((0..<20).map { j in
                    Fixture.reading(1, Int64(j), 3, .int(Int64(i * 20 + j)), at: Fixture.t0 + Int64(i * 20 + j))
                })
                acknowledged += ack.acceptedCount
                if i == 9 || i == 19 { try p.flush() }
            }
            #expect(try p.store.stagedCount() == 200) // the last 10 batches were never flushed
        } // crash: the process state (staging, connection) is gone
        let p = try Fixture.Pipeline(SQLiteStore(path: dir + "/db.sqlite"), log: FileSegmentLog(directory: dir + "/log"))
        #expect(try p.store.stagedCount() == 0)
        #expect(try p.store.flushedOffset() == 400)
        #expect(try p.ingestor.recover() == 200)
        try p.flush()
        #expect(try p.ingestor.recover() == 0) // replaying twice adds nothing
        try p.flush()
        #expect(try p.store.counts(tenantID: 1).timeSeriesRows == acknowledged)
        var values: [Value] = []
        for e in Int64(0)..<20 {
            values += try p.store.history(HistoryQuery(tenantID: 1, entityID: e, attributeID: 3, range: Fixture.everything)).map(\.value)
        }
        #expect(Set(values) == Set((0..<600).map { Value.int(Int64($0)) }))
        #expect(values.count == 600)
    }
}
