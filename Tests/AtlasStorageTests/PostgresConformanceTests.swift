import AtlasCore
import AtlasStorage
import Testing

/// The conformance suite against a real PostgreSQL 15 (a fresh database per store).
@Suite(.enabled(if: PostgresTestServer.enabled, "set ATLAS_PG_URL (scripts/pg-local start)"))
struct PostgresConformanceTests {
    @Test(arguments: StoreConformance.checks)
    func conformance(check: StoreConformance.Check) throws {
        _ = try PostgresTestServer.requireURL()
        let pool = PostgresDatabasePool()
        defer { pool.dropAll() }
        try check.run(pool.factory())
    }
}
