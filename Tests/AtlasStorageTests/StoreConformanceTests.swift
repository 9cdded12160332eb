import AtlasCore
import AtlasStorage
import Testing

/// Runs every conformance check against the embedded stores.
@Suite struct StoreConformanceTests {
    enum Kind: String, CaseIterable, Sendable {
        case memory, sqliteMemory = "sqlite-memory", sqliteFile = "sqlite-file"
        /// Time-series segments of 16 rows: most checks span several sealed segments.
        case sqliteSmallSegments = "sqlite-file-small-segments"
    }

    static func factory(_ kind: Kind) -> StoreFactory {
        switch kind {
        case .memory: return { MemoryStore() }
        case .sqliteMemory: return { try SQLiteStore(path: ":memory:") }
        case .sqliteFile: return { try SQLiteStore(path: temporaryDirectory("conf") + "/atlas.sqlite") }
        case .sqliteSmallSegments: return { try SQLiteStore(path: temporaryDirectory("conf") + "/atlas.sqlite", segmentRows: 16) }
        }
    }

    @Test(arguments: Kind.allCases, StoreConformance.checks)
    func conformance(kind: Kind, check: StoreConformance.Check) throws {
        try check.run(Self.factory(kind))
    }
}
