import ArgumentParser
import Foundation

/// `atlas run`: the main job `make run` performs on the embedded (in-process) path:
/// the baseline scenario — the spec's headline hour through the real write and read
/// path on MemoryStore — with its SLO verdict table and report.
struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The main job: the baseline scenario on the embedded path, with verdicts and report.")

    @Option(help: "Results root.") var results = "results"
    @Option(help: "Tidy CSV root.") var notebooks = "notebooks-data"
    @Option(help: "Scenario to run.") var scenario = "scenarios/baseline.yaml"

    func run() throws {
        let dir = try runBaselineForMakeRun(resultsRoot: results, scenarioPath: scenario, notebooksRoot: notebooks)
        print("results: \(dir)/summary.json, \(dir)/report.html (open it in a browser), tidy CSV in \(notebooks)/")
    }
}
