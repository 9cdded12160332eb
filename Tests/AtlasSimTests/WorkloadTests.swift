import Foundation
import AtlasCore
import AtlasStats
import Testing
@testable import AtlasSim

@Suite struct ZipfianTests {
    @Test func zetaMatchesYCSBConstantForTenBillionItems() {
        let z = ZipfianGenerator.zeta(10_000_000_000, theta: 0.99)
        #expect(abs(z - ScrambledZipfianGenerator.ycsbZetaN) < 1e-9)
    }

    @Test func zetaApproximationMatchesExactSum() {
        for n: UInt64 in [10, 1_000, 1_001, 250_000] {
            for theta in [0.5, 0.8, 0.99] {
                var exact = 0.0
                for i in 1...n { exact += 1 / pow(Double(i), theta) }
                let approx = ZipfianGenerator.zeta(n, theta: theta)
                #expect(abs(approx - exact) / exact < 1e-12, "n=\(n) θ=\(theta): \(approx) vs \(exact)")
            }
        }
    }

    @Test func rankFrequenciesFollowZipf() {
        let z = ZipfianGenerator(items: 1_000, theta: 0.99)
        let r = RandomStream(seed: 12)
        var c = [Int](repeating: 0, count: 1_000)
        let n = 400_000
        for _ in 0..<n { c[Int(z.next(r))] += 1 }
        let p0 = 1 / z.zetaN, p1 = pow(2, -0.99) / z.zetaN
        #expect(abs(Double(c[0]) / Double(n) - p0) < 0.01)
        #expect(abs(Double(c[1]) / Double(n) - p1) < 0.01)
        #expect(c[0] > c[1] && c[1] > c[10] && c[10] > c[500])
    }

    @Test func growExtendsZetaExactly() {
        var z = ZipfianGenerator(items: 1_000, theta: 0.9)
        z.grow(to: 1_500)
        #expect(abs(z.zetaN - ZipfianGenerator.zeta(1_500, theta: 0.9)) < 1e-9)
        #expect(z.items == 1_500)
    }

    @Test func scrambledValuesSpreadOverTheSpace() {
        let g = ScrambledZipfianGenerator(itemCount: 200_000_000)
        let r = RandomStream(seed: 1)
        var below = 0
        var counts: [UInt64: Int] = [:]
        for _ in 0..<50_000 {
            let v = g.next(r)
            #expect(v < 200_000_000)
            if v < 100_000_000 { below += 1 }
            counts[v, default: 0] += 1
        }
        // Popular ids are scattered: about half land in the lower half of the space.
        #expect(abs(Double(below) / 50_000 - 0.5) < 0.05)
        // Skewed: the most popular id is drawn far more than once.
        #expect(counts.values.max()! > 1_000)
        // YCSB: rank 0 maps to fnvhash64(0) % itemCount.
        #expect(g.value(u: 0) == Int64(bitPattern: StableHash.fnv1a64(UInt64(0))).magnitude % 200_000_000)
    }

    @Test func latestFavoursNewIDs() {
        var g = LatestGenerator(initialItems: 1_000)
        let r = RandomStream(seed: 2)
        for _ in 0..<100 { _ = g.insert() }
        #expect(g.latest == 1_099)
        var recent = 0
        for _ in 0..<10_000 {
            let v = g.next(r)
            #expect(v <= 1_099)
            if v >= 1_089 { recent += 1 }
        }
        #expect(recent > 3_000)
    }

    @Test(arguments: [KeyDistribution.uniform, .zipfian(theta: 0.99), .scrambledZipfian(theta: 0.99),
                      .latest(theta: 0.99, insertFraction: 0.05, initialFraction: 0.5)])
    func entityIDsStayInTheSpace(_ d: KeyDistribution) {
        var g = EntityIDGenerator(idSpace: 1_000, distribution: d)
        let r = RandomStream(seed: 5)
        for _ in 0..<20_000 {
            let id = g.next(r)
            #expect(id >= 1 && id <= 1_000)
        }
    }

    @Test func bigIDSpaceIsCheapToSetUp() {
        // 200M ids: no table, ζ in closed form.
        var g = EntityIDGenerator(idSpace: 200_000_000, distribution: .zipfian(theta: 0.99))
        let r = RandomStream(seed: 6)
        #expect(g.next(r) >= 1)
    }
}

@Suite struct ArrivalTests {
    func count(_ c: ArrivalConfig, seconds: Double, seed: UInt64 = 1) -> [Int64] {
        var p = ArrivalProcess(c, originNanos: 0)
        let r = RandomStream(seed: seed)
        var t: Int64 = 0
        var out: [Int64] = []
        let end = SimTime.nanos(seconds: seconds)
        while let n = p.next(afterNanos: t, r), n < end { out.append(n); t = n }
        return out
    }

    @Test func poissonCountMatchesRate() {
        let a = count(ArrivalConfig(process: .poisson, ratePerSecond: 1_000), seconds: 100)
        #expect(abs(Double(a.count) - 100_000) < 4 * 100_000.0.squareRoot())
    }

    @Test func constantRateIsEvenlySpaced() {
        let a = count(ArrivalConfig(process: .constant, ratePerSecond: 1_000), seconds: 10)
        #expect(a.count == 9_999 || a.count == 10_000)
        #expect(a[1] - a[0] == 1_000_000)
    }

    @Test func burstsMultiplyTheRateInTheirWindow() {
        let c = ArrivalConfig(process: .poisson, ratePerSecond: 1_000,
                              bursts: [Burst(startSeconds: 10, durationSeconds: 5, multiplier: 4)])
        let a = count(c, seconds: 20)
        let inBurst = a.filter { $0 >= 10_000_000_000 && $0 < 15_000_000_000 }.count
        #expect(abs(Double(inBurst) - 20_000) < 4 * 20_000.0.squareRoot())
        #expect(abs(Double(a.count - inBurst) - 15_000) < 4 * 15_000.0.squareRoot())
        let stopped = count(ArrivalConfig(process: .constant, ratePerSecond: 100,
                                          bursts: [Burst(startSeconds: 1, durationSeconds: 1, multiplier: 0)]), seconds: 3)
        #expect(!stopped.contains { $0 > 1_000_000_000 && $0 < 2_000_000_000 })
        #expect(stopped.count >= 198 && stopped.count <= 200)
    }

    @Test func diurnalCurveShapesTheRate() {
        let c = ArrivalConfig(process: .poisson, ratePerSecond: 1_000,
                              diurnal: DiurnalCurve(amplitude: 0.5, periodSeconds: 100, peakAtSeconds: 0))
        let a = count(c, seconds: 100)
        let nearPeak = a.filter { $0 < 10_000_000_000 }.count          // factor ≈ 1.5
        let nearTrough = a.filter { $0 >= 45_000_000_000 && $0 < 55_000_000_000 }.count // ≈ 0.5
        #expect(nearPeak > 2 * nearTrough)
        #expect(abs(Double(a.count) - 100_000) < 5 * 100_000.0.squareRoot())
    }
}

@Suite struct TenantAndAttributeTests {
    @Test func entityMapsToOneStableTenant() {
        let m = TenantMap()
        let m2 = TenantMap()
        for id in stride(from: Int64(1), to: 200_000_000, by: 9_999_991) {
            #expect(m.tenant(of: id) == m2.tenant(of: id))
            #expect((1...10_000).contains(m.tenant(of: id)))
            #expect(m.entityType(of: id) == m2.entityType(of: id))
        }
    }

    @Test func tenantSizesAreSkewed() {
        let m = TenantMap()
        var c: [Int64: Int] = [:]
        for id in 1...200_000 { c[m.tenant(of: Int64(id)), default: 0] += 1 }
        let largest = c.max { $0.value < $1.value }!
        // Zipf(1) over 10,000 tenants: the largest has ≈ 1/H(10000) ≈ 10.2% of entities.
        #expect(abs(Double(largest.value) / 200_000 - m.share(of: largest.key)) < 0.005)
        #expect(m.share(of: largest.key) > 0.09)
        #expect(m.tenants.count == 10_000)
    }

    @Test func attributesHaveHotFractionAndTypes() {
        let s = AttributeSet()
        #expect(s.attributes.count == 10_000)
        #expect(s.hotCount == 2_000)
        #expect(Set(s.attributes.map(\.name)).count == 10_000)
        for t in DataType.allCases { #expect(s.attributes.contains { $0.dataType == t }) }
        let r = RandomStream(seed: 3)
        for _ in 0..<5_000 {
            let i = s.nextIndex(r)
            let v = s.value(forIndex: i, nowMicros: 1_800_000_000_000_000, r)
            #expect(v.dataType == s.attributes[i].dataType)
            if case .text(let t) = v { #expect(t.utf8.count <= 15) }
        }
    }

    @Test func catalogAcceptsGeneratedTenantsAndAttributes() throws {
        let c = try Catalog(tenants: TenantMap().tenants, attributes: AttributeSet().attributes)
        #expect(c.tenants.count == 10_000 && c.attributes.count == 10_000)
    }
}

/// Generating a tick's arrivals in one call gives exactly the readings of one call per
/// arrival: batching is an implementation detail, never a change in the workload.
@Suite struct ReadingBatchTests {
    @Test func oneCallEqualsOneCallPerArrival() {
        let set = AttributeSet(AttributeSet.Config(count: 500, hotFraction: 0.2))
        let tenants = TenantMap(TenantMap.Config(count: 50))
        let ids: [Int64] = (0..<300).map { Int64(($0 * 7_919) % 10_007) + 1 }
        let times: [Int64] = (0..<300).map { Int64($0) * 100_000 + 1_700_000_000_000_000_000 }
        func streams() -> (RandomStream, RandomStream) {
            let s = RandomStreams(runSeed: 9)
            return (s.stream("writes.attributes"), s.stream("writes.values"))
        }
        var batched: [Reading] = []
        let (a1, v1) = streams()
        set.appendReadings(entityIDs: ids, arrivalNanos: times, tenants: tenants, attributeStream: a1, valueStream: v1, to: &batched)
        var single: [Reading] = []
        let (a2, v2) = streams()
        for i in ids.indices {
            set.appendReadings(entityIDs: [ids[i]], arrivalNanos: [times[i]], tenants: tenants,
                               attributeStream: a2, valueStream: v2, to: &single)
        }
        #expect(batched.count == 300)
        #expect(batched == single)
        #expect(Set(batched.map(\.attributeID)).count > 20) // not a degenerate draw
    }
}
