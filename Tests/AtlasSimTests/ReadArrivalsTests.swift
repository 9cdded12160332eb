import AtlasStats
import Foundation
import Testing
@testable import AtlasSim

/// `ReadArrivals` generates ahead on its own thread; it must hand over exactly the reads
/// drawn one by one from the same streams, in the order the scenario drew them before.
@Suite struct ReadArrivalsTests {
    static let endNanos: Int64 = 4 * 1_000_000_000 + 777

    static func generator(seed: UInt64) throws -> ReadArrivalGenerator {
        ReadArrivalGenerator(process: ArrivalProcess(ArrivalConfig(ratePerSecond: 2_000), originNanos: 0),
                             keys: EntityIDGenerator(idSpace: 1_000_000, distribution: .scrambledZipfian(theta: 0.99)),
                             tenants: TenantMap(TenantMap.Config(count: 50)), streams: RandomStreams(runSeed: seed),
                             mixCumulative: (0.2, 0.95), rywFraction: 0.1,
                             rywAgeSeconds: try Distribution.exponential(mean: 2).sampler(),
                             startNanos: 0, endNanos: endNanos)
    }

    /// The draws as the scenario made them per read: mix, key, read-your-writes, next time.
    static func reference(seed: UInt64) throws -> [ReadArrival] {
        let s = RandomStreams(runSeed: seed)
        var process = ArrivalProcess(ArrivalConfig(ratePerSecond: 2_000), originNanos: 0)
        var keys = EntityIDGenerator(idSpace: 1_000_000, distribution: .scrambledZipfian(theta: 0.99))
        let tenants = TenantMap(TenantMap.Config(count: 50))
        let age = try Distribution.exponential(mean: 2).sampler()
        var out: [ReadArrival] = []
        var t = process.next(afterNanos: 0, s.stream("reads.arrivals"))
        while let now = t, now < endNanos {
            let u = s.stream("reads.mix").uniform()
            let level = u < 0.2 ? 0 : u < 0.95 ? 1 : 2
            let id = keys.next(s.stream("reads.keys"))
            var ryw: Int64?
            if level == 1, s.stream("reads.ryw").uniform() < 0.1 {
                ryw = Int64(Swift.max(0, age.sample(s.stream("reads.ryw"))) * 1e6)
            }
            out.append(ReadArrival(atNanos: now, level: level, entityID: id, tenantID: tenants.tenant(of: id), rywAgeMicros: ryw))
            t = process.next(afterNanos: now, s.stream("reads.arrivals"))
        }
        return out
    }

    @Test(arguments: [true, false])
    func sameReadsAsDrawingEachInTurn(threaded: Bool) throws {
        let expected = try Self.reference(seed: 9)
        #expect(expected.count > 7_000 && expected.contains { $0.rywAgeMicros != nil } && expected.contains { $0.level == 2 })
        let arrivals = ReadArrivals(generator: try Self.generator(seed: 9), threaded: threaded)
        var got: [ReadArrival] = []
        while let a = arrivals.next() { got.append(a) }
        #expect(got.count == expected.count)
        #expect(zip(got, expected).allSatisfy { $0.atNanos == $1.atNanos && $0.level == $1.level && $0.entityID == $1.entityID
            && $0.tenantID == $1.tenantID && $0.rywAgeMicros == $1.rywAgeMicros })
        #expect(arrivals.next() == nil)  // stays over
    }

    @Test func droppingTheFeedMidRunStopsItsProducer() throws {
        var arrivals: ReadArrivals? = ReadArrivals(generator: try Self.generator(seed: 1))
        #expect(arrivals?.next() != nil)
        let feed = arrivals!.feed
        arrivals = nil  // the producer, blocked chunks ahead, is cancelled and exits
        #expect(producerExits(feed))
    }
}
