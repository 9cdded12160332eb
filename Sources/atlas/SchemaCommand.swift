import ArgumentParser
import AtlasStorage
import Foundation

/// `atlas schema`: the PostgreSQL schema (versioned migrations in SQL resource files).
struct Schema: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schema",
        abstract: "Apply, print or refresh the PostgreSQL schema.",
        subcommands: [Apply.self, Print.self, RefreshStats.self])

    struct Apply: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Apply pending migrations (idempotent: a second apply is a no-op).")

        @Option(name: .long, help: "Owner (superuser) connection URL; defaults to $ATLAS_PG_URL.")
        var postgres: String?
        @Option(help: "Ids per `entities` RANGE partition.")
        var entityPartitionWidth: Int64 = 1_000_000
        @Option(help: "`entities` partitions to create up front (others are created as ids appear).")
        var entityPartitions: Int = 0
        @Option(help: "HASH partitions of `entity_jsonb` (set when migration 001 first runs).")
        var jsonbModulus: Int = 100
        @Option(help: "Monthly `entity_values_ts` partitions kept ahead of now.")
        var monthsAhead: Int = 3
        @Option(help: "Login password for the `atlas_app` role; defaults to $ATLAS_APP_PASSWORD if set.")
        var appPassword: String?

        func run() throws {
            let url = try resolveURL(postgres)
            let settings = PostgresSchema.Settings(
                entityPartitionWidth: entityPartitionWidth, jsonbModulus: jsonbModulus, monthsAhead: monthsAhead,
                entityPartitionsUpFront: entityPartitions,
                appPassword: appPassword ?? ProcessInfo.processInfo.environment["ATLAS_APP_PASSWORD"])
            let applied = try PostgresSchema.apply(url: url, settings: settings)
            if applied.isEmpty {
                print("schema is current (\(try PostgresSchema.migrations().count) migrations applied earlier)")
            } else {
                print("applied migrations: \(applied.map(String.init).joined(separator: ", "))")
            }
        }
    }

    struct Print: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print every migration's SQL in order.")
        func run() throws { print(try PostgresSchema.printable()) }
    }

    struct RefreshStats: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "refresh-stats",
            abstract: "Refresh mv_entity_attribute_stats and ANALYZE the query tables.")
        @Option(name: .long, help: "Owner (superuser) connection URL; defaults to $ATLAS_PG_URL.")
        var postgres: String?
        func run() throws {
            try PostgresSchema.refreshStats(url: try resolveURL(postgres))
            print("refreshed mv_entity_attribute_stats and planner statistics")
        }
    }
}

/// The PostgreSQL URL from an option or $ATLAS_PG_URL.
func resolveURL(_ option: String?) throws -> String {
    if let option, !option.isEmpty { return option }
    if let env = ProcessInfo.processInfo.environment["ATLAS_PG_URL"], !env.isEmpty { return env }
    throw ArgumentParser.ValidationError("no PostgreSQL URL: pass --postgres URL or set ATLAS_PG_URL")
}
