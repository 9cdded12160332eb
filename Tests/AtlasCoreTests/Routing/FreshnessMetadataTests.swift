import Testing
@testable import AtlasCore

@Suite("FreshnessMetadata")
struct FreshnessMetadataTests {
    static let sample = FreshnessMetadata(
        source: "replica-02", sourceKind: .replica, consistency: .eventual, lagMicros: 2_300_000,
        asOfMicros: 0, cacheStatus: .miss, queryMicros: 23_000, reason: .replicaWithinTarget)

    @Test("the spec's headers, in order, with the spec's example values")
    func headers() {
        let h = Self.sample.httpHeaders
        #expect(h.map(\.name) == ["X-Data-Source", "X-Data-Lag-Seconds", "X-Consistency-Level",
                                  "X-Cache-Status", "X-Query-Duration-Ms", "X-Data-As-Of"])
        #expect(h.map(\.value) == ["replica-02", "2.3", "eventual", "miss", "23", "1970-01-01T00:00:00Z"])
        #expect(Self.sample.lagSeconds == 2.3 && Self.sample.queryMs == 23 && !Self.sample.cached)
    }

    @Test("warnings add an X-Data-Warning header")
    func warningHeader() {
        var m = Self.sample
        m.warnings = [.replicaLagAboveTarget(lagMicros: 3 * second)]
        #expect(m.httpHeaders.last! == ("X-Data-Warning", "replica_lag_warning"))
    }

    @Test("the _metadata body object")
    func jsonObject() {
        let s = Self.sample.jsonObject
        #expect(s.hasPrefix("{\"source\":\"replica-02\",\"lag_seconds\":2.3,\"consistency\":\"eventual\",\"cached\":false,\"query_ms\":23,"))
        #expect(s.hasSuffix(",\"warnings\":[]}"))
    }

    @Test("decimal text: millisecond resolution for seconds, microsecond for ms",
          arguments: [(Int64(0), "0"), (2_300_000, "2.3"), (5_000_000, "5"), (1_234_567, "1.235"),
                      (499, "0"), (500, "0.001"), (-7, "0")])
    func secondsText(micros: Int64, text: String) {
        #expect(FreshnessMetadata.secondsText(micros: micros) == text)
    }

    @Test("milliseconds text", arguments: [(Int64(412), "0.412"), (23_000, "23"), (1_050, "1.05")])
    func millisecondsText(micros: Int64, text: String) {
        #expect(FreshnessMetadata.millisecondsText(micros: micros) == text)
    }
}
