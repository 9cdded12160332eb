import Testing
@testable import AtlasStats

@Suite struct LatencyRecorderTests {
    @Test func exactQuantilesAreNearestRank() {
        var r = LatencyRecorder()
        for v in (1...1000).reversed() { r.record(Double(v)) }
        let s = r.summary()
        #expect(s.exact)
        #expect(s.count == 1000)
        #expect(s.min == 1 && s.max == 1000)
        #expect(s.p50 == 500 && s.p90 == 900 && s.p95 == 950 && s.p99 == 990 && s.p999 == 999)
        #expect(abs(s.mean - 500.5) < 1e-9)
        #expect(abs(s.sd - 288.8194360957494) < 1e-9)
    }

    @Test func histogramModeStaysWithinRelativeError() {
        var exact = LatencyRecorder(exactSampleBudget: 1_000_000)
        var approx = LatencyRecorder(exactSampleBudget: 1_000, relativeError: 0.01)
        let rng = RandomStream(seed: 4)
        for _ in 0..<100_000 {
            let v = rng.lognormal(mu: 1, sigma: 1.2)
            exact.record(v)
            approx.record(v)
        }
        #expect(exact.isExact && !approx.isExact)
        let e = exact.summary(), a = approx.summary()
        #expect(a.count == e.count && a.min == e.min && a.max == e.max)
        #expect(abs(a.mean - e.mean) < 1e-9 * e.mean)
        for (x, y) in [(a.p50, e.p50), (a.p90, e.p90), (a.p95, e.p95), (a.p99, e.p99), (a.p999, e.p999)] {
            #expect(abs(x - y) / y <= 0.01 + 1e-12, "approx \(x) vs exact \(y)")
        }
        #expect(a.relativeError > 0 && a.relativeError <= 0.01)
    }

    @Test func mergeEqualsRecordingEverything() {
        var all = LatencyRecorder()
        var parts = [LatencyRecorder(), LatencyRecorder(), LatencyRecorder()]
        let rng = RandomStream(seed: 8)
        for i in 0..<30_000 {
            let v = rng.exponential(mean: 3)
            all.record(v)
            parts[i % 3].record(v)
        }
        var merged = LatencyRecorder()
        for p in parts { merged.merge(p) }
        let a = all.summary(), m = merged.summary()
        #expect(a.count == m.count && a.p50 == m.p50 && a.p999 == m.p999 && a.max == m.max && a.min == m.min)
        #expect(abs(a.mean - m.mean) < 1e-12 * a.mean && abs(a.sd - m.sd) < 1e-9 * a.sd)
    }

    @Test func mergeBeyondBudgetSwitchesToHistogram() {
        var a = LatencyRecorder(exactSampleBudget: 100)
        var b = LatencyRecorder(exactSampleBudget: 100)
        for i in 1...80 { a.record(Double(i)); b.record(Double(i + 80)) }
        a.merge(b)
        #expect(!a.isExact)
        let s = a.summary()
        #expect(s.count == 160 && s.min == 1 && s.max == 160)
        #expect(abs(s.p50 - 80) / 80 <= 0.01)
    }

    @Test func spectrumIsMonotoneAndEndsAtMax() {
        var r = LatencyRecorder()
        for i in 1...10_000 { r.record(Double(i)) }
        let rows = r.percentileSpectrum()
        #expect(rows.first?.percentile == 0)
        #expect(rows.first?.value == 1)
        #expect(rows.last?.percentile == 1 && rows.last?.value == 10_000 && rows.last?.inverseTail == nil)
        #expect(rows.contains { $0.percentile == 0.5 && $0.value == 5000 })
        #expect(rows.contains { $0.percentile == 0.75 })
        for (x, y) in zip(rows, rows.dropFirst()) {
            #expect(x.percentile < y.percentile && x.value <= y.value && x.totalCount <= y.totalCount)
        }
    }

    @Test func emptyRecorderSummarisesToZeros() {
        let s = LatencyRecorder().summary()
        #expect(s.count == 0 && s.p99 == 0 && s.max == 0)
        #expect(LatencyRecorder().percentileSpectrum().isEmpty)
    }

    @Test func logLinearBucketsBoundTheError() {
        var h = LogHistogram(relativeError: 0.01)
        #expect(h.subBucketBits == 6 && h.guaranteedRelativeError <= 0.01)
        let rng = RandomStream(seed: 21)
        for _ in 0..<10_000 {
            let v = rng.pareto(alpha: 0.5, scale: 1e-6)
            var one = LogHistogram(relativeError: 0.01)
            one.record(v)
            let rep = one.value(atRank: 1)!
            #expect(abs(rep - v) / v <= one.guaranteedRelativeError * (1 + 1e-12), "\(v) reported as \(rep)")
            h.record(v)
        }
        #expect(h.totalCount == 10_000)
    }

    @Test func zerosAndTinyValuesInHistogramMode() {
        var r = LatencyRecorder(exactSampleBudget: 0)
        for _ in 0..<10 { r.record(0) }
        r.record(5)
        let s = r.summary()
        #expect(s.min == 0 && s.p50 == 0 && abs(s.max - 5) < 1e-12)
    }
}

@Suite struct ConfidenceIntervalTests {
    @Test func studentTMatchesTables() throws {
        // n = 10 → t(0.975, 9) = 2.262157; values 1...10: mean 5.5, sd 3.0276504.
        let ci = try #require(ConfidenceInterval.studentT((1...10).map(Double.init)))
        #expect(abs(ci.mean - 5.5) < 1e-12)
        #expect(abs(ci.sd - 3.0276503540974917) < 1e-9)
        #expect(abs(ci.halfWidth - 2.262157162740992 * 3.0276503540974917 / 10.0.squareRoot()) < 1e-6)
        #expect(ci.contains(5.5) && !ci.contains(10))
    }

    @Test func tooFewValuesHaveNoInterval() {
        #expect(ConfidenceInterval.studentT([1]) == nil)
        #expect(ConfidenceInterval.studentT([1, .nan]) == nil)
    }

    @Test func replicationsCollectFigures() throws {
        var r = Replications()
        r.add(["wq": 1, "p": 0.5])
        r.add(["wq": 3, "p": 0.7])
        let ci = r.intervals()
        #expect(r.count == 2)
        #expect(try #require(ci["wq"]).mean == 2)
    }
}
