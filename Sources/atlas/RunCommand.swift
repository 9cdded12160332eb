import ArgumentParser
import Foundation

/// `atlas run`: the main job `make run` performs on the embedded backend.
struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The main job: a generated workload through the real write path on SQLite, then queries.")

    @Option(help: "Results root.") var results = "results"

    func run() throws {
        let stamp = ISO8601DateFormatter().string(from: Date()).replacingOccurrences(of: ":", with: "")
        let out = "\(results)/ingest/\(stamp)"
        print(try IngestJob(store: "sqlite", readings: 300_000, entities: 50_000, batchSize: 2000, hotFraction: 0.2,
                            seed: 7, output: out).run())
    }
}
