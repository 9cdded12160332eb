import AtlasCore
import AtlasStorage
import Foundation
import Testing

/// Kill the server (immediate stop) in the middle of sustained ingest, restart it,
/// replay the log: every acknowledged reading is present exactly once.
///
/// Runs on its own throwaway cluster (`scripts/pg-local` with a private ATLAS_PG_DIR),
/// so crashing it does not disturb tests running in parallel on the shared server.
@Suite(.enabled(if: PostgresTestServer.enabled, "set ATLAS_PG_URL (scripts/pg-local start)"))
struct PostgresCrashTests {
    static let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// Runs `scripts/pg-local <args>` with ATLAS_PG_DIR=dir; returns stdout.
    /// (posix_spawn + waitpid, output through files: Foundation's Process was seen to
    /// hang in waitUntilExit under the test runner.)
    static func pgLocal(_ args: [String], dir: String) throws -> String {
        let script = repoRoot.appendingPathComponent("scripts/pg-local").path
        let outFile = dir + ".out", errFile = dir + ".err"
        defer { try? FileManager.default.removeItem(atPath: outFile); try? FileManager.default.removeItem(atPath: errFile) }
        let command = "ATLAS_PG_DIR='\(dir)' '\(script)' \(args.joined(separator: " ")) </dev/null >'\(outFile)' 2>'\(errFile)'"
        var pid: pid_t = 0
        let argv: [UnsafeMutablePointer<CChar>?] = [strdup("/bin/sh"), strdup("-c"), strdup(command), nil]
        defer { argv.forEach { free($0) } }
        let rc = posix_spawn(&pid, "/bin/sh", nil, nil, argv, environ)
        guard rc == 0 else { throw CrashTestError.script("posix_spawn failed: \(rc)") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let out = (try? String(contentsOfFile: outFile, encoding: .utf8)) ?? ""
        guard status == 0 else {
            let err = (try? String(contentsOfFile: errFile, encoding: .utf8)) ?? ""
            throw CrashTestError.script("pg-local \(args.joined(separator: " ")) failed (status \(status)): \(err)")
        }
        return out
    }

    enum CrashTestError: Error { case script(String) }

    @Test func crashMidIngestLosesAndDuplicatesNothing() throws {
        _ = try PostgresTestServer.requireURL()
        let dir = "/tmp/atlas-pg-crash-" + String(UInt32.random(in: 0...UInt32.max), radix: 36)
        let env = try Self.pgLocal(["start"], dir: dir)
        defer { _ = try? Self.pgLocal(["stop"], dir: dir) }
        guard let line = env.split(separator: "\n").first(where: { $0.contains("ATLAS_PG_URL=") }) else {
            Issue.record("pg-local printed no URL: \(env)")
            return
        }
        let ownerURL = String(line.split(separator: "=", maxSplits: 1)[1])
        try PostgresSchema.apply(url: ownerURL, settings: .init(jsonbModulus: 4, appPassword: "crash"))
        let store = try PostgresStore(config: .init(
            url: PostgresStore.appURL(ownerURL: ownerURL, password: "crash"), reconnectTimeoutMs: 500))
        let p = try Fixture.Pipeline(store)

        // The crash: immediate stop ~0.8 s into ingest, restart ~0.7 s later.
        let crashDone = DispatchSemaphore(value: 0)
        let crasher = Thread {
            Thread.sleep(forTimeInterval: 0.8)
            _ = try? Self.pgLocal(["crash"], dir: dir)
            Thread.sleep(forTimeInterval: 0.7)
            _ = try? Self.pgLocal(["restart"], dir: dir)
            crashDone.signal()
        }
        crasher.start()

        var acknowledged: Int64 = 0
        var failures = 0
        var needRecover = false
        var crashed = false
        var batch = 0
        let started = Date()
        // Sustained ingest (500-reading batches, a flush every 2 batches) until the
        // crash is over and 40 more batches went through.
        var batchesAfterCrash = 0
        while batchesAfterCrash < 40 {
            if Date().timeIntervalSince(started) > 60 { Issue.record("crash test did not finish in 60 s"); break }
            if !crashed, crashDone.wait(timeout: .now()) == .success { crashed = true }
            if crashed { batchesAfterCrash += 1 }
            do {
                if needRecover {
                    try p.ingestor.recover()
                    needRecover = false
                }
                var rs: [Reading] = []
                for i in 0..<500 {
                    let e = Int64((batch * 500 + i) % 2000) + 1
                    rs.append(Fixture.reading((e % 3) + 1, e, Int64([1, 3, 5][i % 3]),
                                              i % 3 == 1 ? .int(Int64(i)) : i % 3 == 0 ? .text("s\(i % 7)") : .decimal(Double(i) / 4),
                                              at: Fixture.t0 + Int64(batch) * 1000 + Int64(i)))
                }
                let ack = try p.ingest(rs)
                acknowledged += Int64(ack.acceptedCount)
                batch += 1
                if batch % 2 == 0 { try p.flush() }
            } catch {
                // Connection loss, or staging lost to the restart: replay from the log.
                failures += 1
                needRecover = true
                Thread.sleep(forTimeInterval: 0.05)
            }
        }
        if !crashed { _ = crashDone.wait(timeout: .now() + 30) } // the loop consumed the signal otherwise
        // Drain: recover (retrying until the server is back) and flush everything.
        var drained = false
        for _ in 0..<100 where !drained {
            do {
                try p.ingestor.recover()
                try p.flush()
                drained = true
            } catch {
                Thread.sleep(forTimeInterval: 0.1)
            }
        }
        #expect(drained)
        #expect(crashed && failures > 0, "the crash did not interrupt ingest (failures: \(failures))")

        let owner = try PostgresConnection(url: ownerURL)
        let r = try owner.execute(.init("verify", """
            SELECT count(*), count(DISTINCT log_offset), min(log_offset), max(log_offset) FROM atlas.entity_values_ts
            """))
        let (rows, distinct, lo, hi) = (r.int64(0, 0)!, r.int64(0, 1)!, r.int64(0, 2) ?? 0, r.int64(0, 3) ?? 0)
        // Offsets are consecutive from 1, so count == distinct == max == acknowledged
        // means nothing lost and nothing duplicated.
        #expect(acknowledged > 10_000)
        #expect(rows == acknowledged, "acknowledged \(acknowledged), stored \(rows)")
        #expect(distinct == rows, "\(rows - distinct) duplicated readings")
        #expect(lo == 1 && hi == acknowledged)
        #expect(try store.flushedOffset() == acknowledged)
        print("crash test: \(acknowledged) acknowledged, \(rows) stored, \(distinct) distinct offsets, \(failures) failed calls during the outage")
    }
}
