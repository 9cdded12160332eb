import ArgumentParser

@main
struct Atlas: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Rehearse, size and verify a multi-tenant telemetry platform.",
        subcommands: [Run.self, Ingest.self, Schema.self, Bench.self, Simulate.self, ScenarioCommand.self])
}
