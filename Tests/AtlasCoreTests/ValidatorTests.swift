import AtlasCore
import Testing

@Suite struct ValidatorTests {
    static let t0: Int64 = TimestampFormat.micros(year: 2025, month: 10, day: 1)
    static let catalog = try! Catalog(
        tenants: [Tenant(id: 1, name: "a"), Tenant(id: 2, name: "b"), Tenant(id: 3, name: "off", isActive: false)],
        attributes: [
            Attribute(id: 1, name: "status", dataType: .text, isHot: true),
            Attribute(id: 2, name: "temperature", dataType: .decimal, isHot: false),
            Attribute(id: 3, name: "priority", dataType: .int, isHot: true),
            Attribute(id: 4, name: "seen", dataType: .timestamp, isHot: false),
            Attribute(id: 5, name: "on", dataType: .bool, isHot: true),
        ])
    let v = Validator(catalog: catalog, limits: ValidationLimits(maxTextBytes: 8))

    func reject(_ r: Reading, owner: Int64? = nil) -> ValidationError? {
        do { _ = try v.validate(r, index: 3, nowMicros: Self.t0, owner: owner); return nil } catch { return error }
    }

    func r(_ attr: Int64, _ value: Value, tenant: Int64 = 1, entity: Int64 = 10, at: Int64? = nil, type: String = "device") -> Reading {
        Reading(tenantID: tenant, entityID: entity, entityType: type, attributeID: attr, value: value, ingestedAtMicros: at)
    }

    @Test func acceptsAndNormalises() throws {
        let rec = try v.validate(r(2, .decimal(1.234567)), index: 0, nowMicros: Self.t0, owner: nil)
        #expect(rec.value == .decimal(1.23457))
        #expect(rec.ingestedAtMicros == Self.t0) // defaulted from the injected clock
        #expect(try v.validate(r(2, .decimal(-0.000001)), index: 0, nowMicros: Self.t0, owner: 1).value == .decimal(0))
        #expect(try v.validate(r(1, .text("12345678")), index: 0, nowMicros: Self.t0, owner: 1).value == .text("12345678"))
        #expect(try v.validate(r(3, .int(.max), at: 5), index: 0, nowMicros: Self.t0, owner: 1).ingestedAtMicros == 5)
    }

    @Test(arguments: [
        (RejectionReason.unknownTenant, "tenant 42 is not in the catalog"),
        (.inactiveTenant, "tenant 3 is inactive"),
        (.unknownAttribute, "attribute 99 is not in the catalog"),
        (.typeMismatch, "entity 10, attribute 3 ('priority') expects int, got text"),
        (.nonFiniteDecimal, "decimal inf is not finite"),
        (.decimalOutOfRange, "outside decimal(20,5)"),
        (.textTooLong, "text of 9 bytes exceeds the limit of 8"),
        (.timestampOutOfRange, "timestamp value -1 µs is outside"),
        (.invalidEntityID, "entity id -5 is negative"),
        (.invalidEntityType, "entity type must be 1...100 bytes, got 0"),
        (.entityOwnedByAnotherTenant, "entity 10 is registered under tenant 2, not tenant 1"),
    ])
    func everyRejectionIsPreciseAndNamed(reason: RejectionReason, fragment: String) throws {
        let bad: (Reading, Int64?)
        switch reason {
        case .unknownTenant: bad = (r(1, .text("x"), tenant: 42), nil)
        case .inactiveTenant: bad = (r(1, .text("x"), tenant: 3), nil)
        case .unknownAttribute: bad = (r(99, .text("x")), nil)
        case .typeMismatch: bad = (r(3, .text("8")), nil)
        case .nonFiniteDecimal: bad = (r(2, .decimal(.infinity)), nil)
        case .decimalOutOfRange: bad = (r(2, .decimal(1e15)), nil)
        case .textTooLong: bad = (r(1, .text("123456789")), nil)
        case .timestampOutOfRange: bad = (r(4, .timestamp(micros: -1)), nil)
        case .invalidEntityID: bad = (r(1, .text("x"), entity: -5), nil)
        case .invalidEntityType: bad = (r(1, .text("x"), type: ""), nil)
        case .entityOwnedByAnotherTenant: bad = (r(1, .text("x")), 2)
        }
        let e = try #require(reject(bad.0, owner: bad.1))
        #expect(e.reason == reason)
        #expect(e.index == 3)
        #expect(e.message.contains(fragment), "message was: \(e.message)")
        #expect(e.description.hasPrefix("reading 3: \(reason.rawValue): "))
    }

    @Test func readingTimeOutOfRangeAndEdges() {
        let max = ValidationLimits.defaultTimestampRange.upperBound
        #expect(reject(r(3, .int(1), at: max + 1))?.reason == .timestampOutOfRange)
        #expect(reject(r(3, .int(1), at: max)) == nil)
        #expect(reject(r(2, .decimal(999_999_999_999_999.99999)))?.reason == .decimalOutOfRange) // rounds to 1e15
        #expect(reject(r(2, .decimal(-999_999_999_999.12345))) == nil)
        #expect(reject(r(2, .decimal(.nan)))?.reason == .nonFiniteDecimal)
        #expect(reject(r(1, .text("é")), owner: 1) == nil) // 2 bytes
        #expect(reject(r(1, .text(String(repeating: "é", count: 5))))?.reason == .textTooLong) // 10 bytes > 8
    }

    @Test func catalogRejectsDuplicatesAndUnsafeNames() {
        #expect(throws: CatalogError.duplicateTenant(1)) { try Catalog(tenants: [Tenant(id: 1, name: "a"), Tenant(id: 1, name: "b")]) }
        #expect(throws: CatalogError.duplicateAttributeName("x")) {
            try Catalog(attributes: [Attribute(id: 1, name: "x", dataType: .int, isHot: false),
                                     Attribute(id: 2, name: "x", dataType: .int, isHot: false)])
        }
        #expect(throws: CatalogError.invalidAttributeName("a\"b")) {
            try Catalog(attributes: [Attribute(id: 1, name: "a\"b", dataType: .int, isHot: true)])
        }
    }

    @Test func ingestorCountsRejectionsByReasonAndLogsNothingRejected() throws {
        final class NullStore: TelemetryStore {
            let name = "null"
            var staged: [LogRecord] = []
            func install(catalog: Catalog) throws {}
            func stage(_ records: [LogRecord]) throws { staged += records }
            func stagedCount() throws -> Int { staged.count }
            func clearStaging() throws { staged = [] }
            func flush() throws -> FlushResult { FlushResult() }
            func flushedOffset() throws -> Int64 { 0 }
            func entityOwner(_ entityID: Int64) throws -> Int64? { nil }
            func findEntities(_ query: HotQuery) throws -> [HotQueryRow] { [] }
            func attributeDistribution(_ query: DistributionQuery) throws -> [DistributionRow] { [] }
            func hotAttributes(tenantID: Int64, entityID: Int64) throws -> EntitySnapshot? { nil }
            func history(_ query: HistoryQuery) throws -> [HistoryPoint] { [] }
            func counts(tenantID: Int64) throws -> StoreCounts { StoreCounts(entities: 0, timeSeriesRows: 0, hotEntities: 0) }
        }
        let store = NullStore(), log = InMemoryIngestLog()
        let ing = try Ingestor(validator: Validator(catalog: Self.catalog), log: log, store: store, clock: ManualClock(nowMicros: Self.t0))
        let ack = try ing.ingest([r(1, .text("ok")), r(3, .text("bad")), r(3, .text("bad")), r(99, .int(1)), r(3, .int(2), entity: 11)])
        #expect(ack.acceptedCount == 2 && ack.offsets == 1...2)
        #expect(ing.rejections[.typeMismatch] == 2 && ing.rejections[.unknownAttribute] == 1 && ing.rejections.total == 3)
        #expect(try log.read(from: 1, maxCount: 10).map(\.entityID) == [10, 11])
        #expect(store.staged.count == 2)
        // A failed log append acknowledges nothing and stages nothing.
        struct DiskFull: Error {}
        log.failNextAppend = DiskFull()
        #expect(throws: DiskFull.self) { try ing.ingest([r(1, .text("x"))]) }
        #expect(store.staged.count == 2 && ing.acknowledgedCount == 2 && log.nextOffset == 3)
    }
}
