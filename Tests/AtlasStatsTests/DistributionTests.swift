import Testing
@testable import AtlasStats

@Suite struct DistributionTests {
    func sampleMean(_ d: Distribution, n: Int = 200_000, seed: UInt64 = 5) throws -> Double {
        let s = try d.sampler()
        let r = RandomStream(seed: seed)
        var sum = 0.0
        for _ in 0..<n { sum += s.sample(r) }
        return sum / Double(n)
    }

    @Test(arguments: [
        Distribution.constant(3),
        .uniform(lower: 2, upper: 6),
        .normal(mean: 10, sd: 2),
        .exponential(mean: 2),
        .lognormal(mu: 0, sigma: 0.5),
        .pareto(alpha: 3, scale: 1),
        .gamma(shape: 2, scale: 3),
        .poisson(mean: 4),
        .empirical(values: [1, 2, 10], weights: [1, 1, 2]),
        .histogram(edges: [0, 1, 2, 4], counts: [1, 2, 1]),
    ])
    func meanMatchesTheory(_ d: Distribution) throws {
        let expected = try #require(d.mean)
        let m = try sampleMean(d)
        #expect(abs(m - expected) / expected < 0.02, "\(d): sample mean \(m), expected \(expected)")
    }

    @Test func empiricalFrequencies() throws {
        let t = try DiscreteSampler(weights: [0.1, 0.6, 0.3])
        #expect(abs(t.probability(1) - 0.6) < 1e-12)
        let r = RandomStream(seed: 1)
        var c = [0, 0, 0]
        for _ in 0..<100_000 { c[t.sample(r)] += 1 }
        #expect(abs(Double(c[1]) / 100_000 - 0.6) < 0.01)
        #expect(abs(Double(c[2]) / 100_000 - 0.3) < 0.01)
    }

    @Test func histogramSamplesStayInBins() throws {
        let h = try HistogramSampler(edges: [10, 20, 30], counts: [0, 5])
        let r = RandomStream(seed: 2)
        for _ in 0..<10_000 {
            let v = h.sample(r)
            #expect(v >= 20 && v < 30)
        }
    }

    @Test func badParametersAreRejectedWithAReason() {
        #expect(throws: DistributionError.self) { try Distribution.exponential(mean: 0).sampler() }
        #expect(throws: DistributionError.self) { try Distribution.uniform(lower: 3, upper: 1).sampler() }
        #expect(throws: DistributionError.self) { try Distribution.empirical(values: [1], weights: [1, 2]).sampler() }
        #expect(throws: DistributionError.self) { try DiscreteSampler(weights: [0, 0]) }
        #expect(throws: DistributionError.self) { try DiscreteSampler(weights: [1, -1]) }
        #expect(throws: DistributionError.self) { try HistogramSampler(edges: [0, 0, 1], counts: [1, 1]) }
        do {
            _ = try Distribution.gamma(shape: -1, scale: 1).sampler()
            Issue.record("expected an error")
        } catch {
            #expect(error.description.contains("gamma"))
        }
    }

    @Test func codableRoundTrip() throws {
        let d = Distribution.histogram(edges: [0, 1, 2], counts: [3, 4])
        let data = try JSONEncoderShim.encode(d)
        #expect(try JSONEncoderShim.decode(Distribution.self, data) == d)
    }
}

import Foundation
enum JSONEncoderShim {
    static func encode<T: Encodable>(_ v: T) throws -> Data { try JSONEncoder().encode(v) }
    static func decode<T: Decodable>(_ t: T.Type, _ d: Data) throws -> T { try JSONDecoder().decode(t, from: d) }
}

@Suite struct AliasTableTests {
    @Test func frequenciesFollowWeights() {
        let t = AliasTable(weights: [1, 0, 3, 6])
        var sm = SplitMix64(seed: 4)
        var c = [0, 0, 0, 0]
        for _ in 0..<100_000 { c[t.index(hash: sm.next())] += 1 }
        #expect(c[1] == 0)
        #expect(abs(Double(c[0]) / 100_000 - 0.1) < 0.006)
        #expect(abs(Double(c[3]) / 100_000 - 0.6) < 0.006)
    }

    /// The column `prefetch(hash:)` loads is the one `index(hash:)` reads: inside the
    /// table at the edges of the hash range, spread evenly by the high 32 bits, and the
    /// outcome is that column or its alias.
    @Test func prefetchAndIndexShareTheColumn() {
        for weights in [[1.0], [1, 0, 3, 6], (1...1000).map { 1 / Double($0) }] {
            let t = AliasTable(weights: weights)
            var sm = SplitMix64(seed: 9)
            for h in [0, UInt64.max, UInt64.max >> 1, 1 << 32] + (0..<1000).map({ _ in sm.next() }) {
                let c = t.column(hash: h)
                #expect(c >= 0 && c < weights.count)
                t.prefetch(hash: h)
                let i = t.index(hash: h)
                #expect(i == c || i == Int(t.columns[c].alias))
            }
            // The top column is reached by the largest hashes and the first by the smallest.
            #expect(t.column(hash: .max) == weights.count - 1 && t.column(hash: 0) == 0)
        }
    }
}
