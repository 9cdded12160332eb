import AtlasCore
import AtlasStats
import AtlasStorage
import Foundation

/// A store factory the conformance suite runs against. Each call returns a fresh, empty store.
typealias StoreFactory = () throws -> any TelemetryStore

/// Shared catalog, clock, log and write path for conformance checks.
enum Fixture {
    static let t0: Int64 = TimestampFormat.micros(year: 2025, month: 10, day: 1)
    static let minute: Int64 = 60_000_000

    static let catalog: Catalog = try! Catalog(
        tenants: [Tenant(id: 1, name: "acme"), Tenant(id: 2, name: "globex"), Tenant(id: 3, name: "initech"),
                  Tenant(id: 9, name: "dormant", isActive: false)],
        attributes: [
            Attribute(id: 1, name: "status", dataType: .text, isHot: true),
            Attribute(id: 2, name: "environment", dataType: .text, isHot: true),
            Attribute(id: 3, name: "priority", dataType: .int, isHot: true),
            Attribute(id: 4, name: "region", dataType: .text, isHot: true),
            Attribute(id: 5, name: "temperature", dataType: .decimal, isHot: false),
            Attribute(id: 6, name: "category", dataType: .text, isHot: false),
            Attribute(id: 7, name: "online", dataType: .bool, isHot: true),
            Attribute(id: 8, name: "last_seen", dataType: .timestamp, isHot: true),
            Attribute(id: 9, name: "pressure", dataType: .decimal, isHot: false),
            Attribute(id: 10, name: "load", dataType: .decimal, isHot: true),
            Attribute(id: 11, name: "firmware_build", dataType: .int, isHot: false),
        ])

    /// A complete write path over `store` with an in-memory log and a manual clock.
    final class Pipeline {
        let clock = ManualClock(nowMicros: Fixture.t0)
        let log: any IngestLog
        let store: any TelemetryStore
        let ingestor: Ingestor
        let flusher: Flusher

        init(_ store: any TelemetryStore, log: any IngestLog = InMemoryIngestLog()) throws {
            try store.install(catalog: Fixture.catalog)
            self.store = store
            self.log = log
            ingestor = try Ingestor(validator: Validator(catalog: Fixture.catalog), log: log, store: store, clock: clock)
            flusher = Flusher(ingestor: ingestor, clock: clock)
        }

        @discardableResult
        func ingest(_ rs: [Reading]) throws -> IngestAck { try ingestor.ingest(rs) }

        @discardableResult
        func flush() throws -> FlushResult { try flusher.flushNow() }
    }

    static func reading(_ tenant: Int64, _ entity: Int64, _ attr: Int64, _ value: Value, at: Int64? = nil,
                        type: String = "device") -> Reading {
        Reading(tenantID: tenant, entityID: entity, entityType: type, attributeID: attr, value: value, ingestedAtMicros: at)
    }

    static let everything = TimeRange(fromMicros: t0 - 86_400_000_000, toMicros: t0 + 30 * 86_400_000_000)
}

/// A fresh temporary directory for file-backed tests.
func temporaryDirectory(_ label: String) -> String {
    let path = NSTemporaryDirectory() + "atlas-\(label)-\(UUID().uuidString)"
    try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}
