import AtlasCore
import AtlasStorage
import Foundation
import Testing

/// The PostgreSQL server the tests use: env ATLAS_PG_URL (a superuser/owner URL; start
/// one with `eval "$(scripts/pg-local start)"`). Without it tests skip, except with
/// CI=true, where they fail.
enum PostgresTestServer {
    static var ownerURL: String? {
        let v = ProcessInfo.processInfo.environment["ATLAS_PG_URL"]
        return (v?.isEmpty ?? true) ? nil : v
    }
    static var standbyURL: String? {
        let v = ProcessInfo.processInfo.environment["ATLAS_PG_STANDBY_URL"]
        return (v?.isEmpty ?? true) ? nil : v
    }
    static var isCI: Bool { ProcessInfo.processInfo.environment["CI"] == "true" }
    /// Run the PostgreSQL tests: a server is configured, or CI demands them (and they fail).
    static var enabled: Bool { ownerURL != nil || isCI }

    /// The owner URL, or a recorded failure explaining what is missing.
    static func requireURL(sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        guard let url = ownerURL else {
            Issue.record("CI=true but ATLAS_PG_URL is not set: start a server with `eval \"$(scripts/pg-local start --standby)\"`",
                         sourceLocation: sourceLocation)
            throw MissingServer()
        }
        return url
    }

    struct MissingServer: Error {}

    static let appPassword = "atlas_app_test"
    /// Schema applies in one process are serialized (roles are cluster-wide).
    static let applyLock = NSLock()
}

/// A fresh database with the Atlas schema (`atlas_test_<random>`), dropped by `drop()`.
final class PostgresTestDatabase: @unchecked Sendable {
    let name: String
    let ownerURL: String
    let appURL: String
    private let serverURL: String

    init(settings: PostgresSchema.Settings = PostgresSchema.Settings(jsonbModulus: 4)) throws {
        serverURL = try PostgresTestServer.requireURL()
        name = "atlas_test_" + String(UInt64.random(in: 0...UInt64.max), radix: 36)
        let admin = try PostgresConnection(url: serverURL)
        // Identifiers cannot be parameters; the name is generated here from [a-z0-9_].
        try admin.execute(.init("create_test_database", "CREATE DATABASE \(name)"))
        ownerURL = try PostgresURL.with(serverURL, ["dbname": name])
        appURL = try PostgresURL.with(ownerURL, ["user": PostgresSchema.appRole, "password": PostgresTestServer.appPassword])
        var s = settings
        s.appPassword = PostgresTestServer.appPassword
        PostgresTestServer.applyLock.lock()
        defer { PostgresTestServer.applyLock.unlock() }
        try PostgresSchema.apply(url: ownerURL, settings: s)
    }

    func store(statementTimeoutMs: Int? = 30_000) throws -> PostgresStore {
        try PostgresStore(config: .init(url: appURL, statementTimeoutMs: statementTimeoutMs))
    }

    func owner() throws -> PostgresConnection { try PostgresConnection(url: ownerURL) }
    func app() throws -> PostgresConnection { try PostgresConnection(url: appURL) }

    func drop() {
        guard let admin = try? PostgresConnection(url: serverURL) else { return }
        _ = try? admin.execute(.init("drop_test_database", "DROP DATABASE IF EXISTS \(name) WITH (FORCE)"))
    }
}

/// Keeps the databases a factory created and drops them at the end.
final class PostgresDatabasePool: @unchecked Sendable {
    private let lock = NSLock()
    private var dbs: [PostgresTestDatabase] = []

    func factory() -> StoreFactory {
        { [self] in
            let db = try PostgresTestDatabase()
            lock.withLock { dbs.append(db) }
            return try db.store()
        }
    }

    func dropAll() { lock.withLock { dbs }.forEach { $0.drop() } }
}
