import AtlasCore
import Foundation
import AtlasStats
import Testing
@testable import AtlasSim

/// `WriteArrivals` runs the generator ahead on its own thread; what it hands over per
/// tick must be exactly what generating that tick inline gives.
@Suite struct WriteArrivalsTests {
    static let tickNanos: Int64 = 5_000_000
    static let endNanos: Int64 = 3 * 1_000_000_000 + 1_234_567  // not on a tick boundary

    static func parts(seed: UInt64) -> (ArrivalProcess, EntityIDGenerator, RandomStreams, AttributeSet, TenantMap) {
        let config = ArrivalConfig(ratePerSecond: 10_000, bursts: [Burst(startSeconds: 1, durationSeconds: 0.5, multiplier: 5)])
        return (ArrivalProcess(config, originNanos: 0),
                EntityIDGenerator(idSpace: 200_000_000, distribution: .scrambledZipfian(theta: 0.99)),
                RandomStreams(runSeed: seed),
                AttributeSet(AttributeSet.Config(count: 500)),
                TenantMap(TenantMap.Config(count: 100)))
    }

    /// Ticks of (times, readings, nextNanos) from the plain generator.
    static func reference(seed: UInt64, ticks: Int) -> [([Int64], [Reading], Int64?)] {
        let (p, k, s, a, t) = parts(seed: seed)
        var g = WriteArrivalGenerator(process: p, keys: k, streams: s, attributeSet: a, tenants: t,
                                      startNanos: 0, endNanos: endNanos)
        return (1...ticks).map { i in
            var readings: [Reading] = []
            let times = g.generate(through: Int64(i) * tickNanos, into: &readings)
            return (times, readings, g.nextNanos)
        }
    }

    @Test(arguments: [true, false])
    func sameTicksAsInline(threaded: Bool) {
        let ticks = Int(Self.endNanos / Self.tickNanos) + 30  // past the window
        let expected = Self.reference(seed: 42, ticks: ticks)
        let (p, k, s, a, t) = Self.parts(seed: 42)
        let arrivals = WriteArrivals(process: p, keys: k, streams: s, attributeSet: a, tenants: t, startNanos: 0,
                                     endNanos: Self.endNanos, tickNanos: Self.tickNanos, threaded: threaded)
        var total = 0
        for (i, (times, readings, next)) in expected.enumerated() {
            var got: [Reading] = [Reading(tenantID: -1, entityID: -1, attributeID: -1, value: .int(0))]
            let gotTimes = arrivals.generate(through: Int64(i + 1) * Self.tickNanos, into: &got)
            #expect(gotTimes == times, "tick \(i + 1)")
            #expect(Array(got.dropFirst()) == readings, "tick \(i + 1): appends after what is there")
            #expect(arrivals.nextNanos == next, "tick \(i + 1)")
            total += times.count
        }
        #expect(arrivals.nextNanos == nil)
        #expect(total > 40_000)  // 10K/s for 3 s, plus the burst
    }

    @Test func droppedMidRunStopsTheProducer() {
        let (p, k, s, a, t) = Self.parts(seed: 7)
        var arrivals: WriteArrivals? = WriteArrivals(process: p, keys: k, streams: s, attributeSet: a, tenants: t,
                                                     startNanos: 0, endNanos: Self.endNanos, tickNanos: Self.tickNanos)
        var readings: [Reading] = []
        _ = arrivals!.generate(through: Self.tickNanos, into: &readings)
        let feed = arrivals!.feed
        arrivals = nil  // the producer, blocked chunks ahead, is cancelled and exits
        #expect(producerExits(feed) && !readings.isEmpty)
    }
}
