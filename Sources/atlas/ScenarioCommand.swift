import ArgumentParser
import AtlasSim
import Foundation

/// `atlas scenario check FILE`: validates a scenario without running it.
struct ScenarioCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scenario", abstract: "Scenario files.", subcommands: [Check.self])

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Validate scenario files (exit 0 valid, 64 invalid: file:line:column: key: message).")

        @Argument(help: "Scenario files.") var files: [String]

        func run() throws {
            var bad = false
            for f in files {
                do {
                    let c = try ScenarioLoader.load(path: f)
                    print("ok \(f): \(c.name), \(c.durationSeconds) s, \(c.topology.replicas.count) replicas, "
                          + "\(c.faults.count) faults, \(c.slos.count) SLOs, \(c.replications) replication(s)")
                } catch {
                    FileHandle.standardError.write(Data("error: \(error)\n".utf8))
                    bad = true
                }
            }
            if bad { throw ExitCode(SimulateExit.scenarioError) }
        }
    }
}
