import ArgumentParser
import AtlasStorage
import Foundation

@main
struct Atlas: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Rehearse, size and verify a multi-tenant telemetry platform.",
        subcommands: [Run.self, Ingest.self, Schema.self, Bench.self, Simulate.self, ScenarioCommand.self])

    static func main() {
        // A run is measured alone on its machine: helpers that work ahead give way at once
        // (`HelperThread.BackgroundPolicy.idle`) unless ATLAS_BACKGROUND_POLICY says otherwise.
        setenv("ATLAS_BACKGROUND_POLICY", HelperThread.BackgroundPolicy.idle.rawValue, 0)
        main(nil)
    }
}
