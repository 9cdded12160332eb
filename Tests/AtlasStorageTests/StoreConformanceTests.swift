import AtlasCore
import AtlasStorage
import Testing

/// Runs every conformance check against the embedded stores.
@Suite struct StoreConformanceTests {
    enum Kind: String, CaseIterable, Sendable { case memory, sqliteMemory = "sqlite-memory", sqliteFile = "sqlite-file" }

    static func factory(_ kind: Kind) -> StoreFactory {
        switch kind {
        case .memory: return { MemoryStore() }
        case .sqliteMemory: return { try SQLiteStore(path: ":memory:") }
        case .sqliteFile: return { try SQLiteStore(path: temporaryDirectory("conf") + "/atlas.sqlite") }
        }
    }

    @Test(arguments: Kind.allCases, StoreConformance.checks)
    func conformance(kind: Kind, check: StoreConformance.Check) throws {
        try check.run(Self.factory(kind))
    }
}
