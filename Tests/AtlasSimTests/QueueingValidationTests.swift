import AtlasStats
import Testing
@testable import AtlasSim

/// The kernel against closed-form queueing theory, with honest confidence intervals:
/// independent replications (seeds 1...R), Student-t 95% intervals, warm-up removed.
@Suite struct QueueingValidationTests {
    struct MMcCase: CustomTestStringConvertible, Sendable {
        var lambda: Double, mu: Double, c: Int, customers: Int
        var testDescription: String { "λ=\(lambda) μ=\(mu) c=\(c) (ρ=\(lambda / (mu * Double(c))))" }
    }

    static let replications = 10

    @Test(arguments: [
        MMcCase(lambda: 0.5, mu: 1, c: 1, customers: 40_000),
        MMcCase(lambda: 2.4, mu: 1, c: 3, customers: 40_000),
        MMcCase(lambda: 3.6, mu: 1, c: 4, customers: 100_000),   // ρ = 0.90
        MMcCase(lambda: 9.5, mu: 1, c: 10, customers: 150_000),  // ρ = 0.95
    ])
    func mmcMatchesErlangC(_ k: MMcCase) throws {
        let theory = QueueingTheory.erlangC(arrivalRatePerSecond: k.lambda, serviceRatePerSecond: k.mu, servers: k.c)
        var reps = Replications()
        for seed in 1...UInt64(Self.replications) {
            let r = try MMcModel(.mmc(lambda: k.lambda, mu: k.mu, c: k.c, customers: k.customers,
                                      warmupCustomers: k.customers / 10, seed: seed)).run()
            reps.add(["pWait": r.probabilityOfWait, "wq": r.meanWaitSeconds, "w": r.meanSojournSeconds])
        }
        let ci = reps.intervals(level: 0.95)
        let pWait = try #require(ci["pWait"]), wq = try #require(ci["wq"]), w = try #require(ci["w"])
        #expect(pWait.contains(theory.probabilityOfWait), "P(wait) \(pWait.mean) ± \(pWait.halfWidth) vs Erlang C \(theory.probabilityOfWait)")
        #expect(wq.contains(theory.meanWaitSeconds), "Wq \(wq.mean) ± \(wq.halfWidth) vs Erlang C \(theory.meanWaitSeconds)")
        #expect(w.contains(theory.meanSojournSeconds), "W \(w.mean) ± \(w.halfWidth) vs Erlang C \(theory.meanSojournSeconds)")
        // The interval must be informative, not just wide enough to pass.
        #expect(wq.halfWidth < 0.1 * theory.meanWaitSeconds, "Wq interval too wide: ± \(wq.halfWidth)")
    }

    @Test(arguments: [0.7, 0.9])
    func md1MatchesPollaczekKhinchine(_ rho: Double) throws {
        let mu = 1.0, lambda = rho * mu
        let theory = QueueingTheory.pollaczekKhinchineWaitSeconds(arrivalRatePerSecond: lambda, serviceMeanSeconds: 1 / mu,
                                                                  serviceSecondMomentSeconds2: 1 / (mu * mu))
        var wq: [Double] = []
        for seed in 1...UInt64(Self.replications) {
            let cfg = MMcModel.Config(arrivalRatePerSecond: lambda, servers: 1, serviceSeconds: .constant(1 / mu),
                                      customers: 100_000, warmupCustomers: 10_000, seed: seed)
            wq.append(try MMcModel(cfg).run().meanWaitSeconds)
        }
        let ci = try #require(ConfidenceInterval.studentT(wq))
        #expect(ci.contains(theory), "M/D/1 Wq \(ci.mean) ± \(ci.halfWidth) vs P-K \(theory)")
        #expect(ci.halfWidth < 0.1 * theory)
    }

    @Test func erlangCKnownValue() {
        // λ=10000, μ=2600, c=4: P(wait)=0.916051, Wq=0.002290128 s (computed independently).
        let t = QueueingTheory.erlangC(arrivalRatePerSecond: 10_000, serviceRatePerSecond: 2_600, servers: 4)
        #expect(abs(t.probabilityOfWait - 0.916051) < 1e-6)
        #expect(abs(t.meanWaitSeconds - 0.002290128) < 1e-9)
    }

    @Test func mmcIsDeterministicPerSeed() throws {
        let a = try MMcModel(.mmc(lambda: 0.8, mu: 1, c: 1, customers: 5_000, seed: 3)).run()
        let b = try MMcModel(.mmc(lambda: 0.8, mu: 1, c: 1, customers: 5_000, seed: 3)).run()
        let c = try MMcModel(.mmc(lambda: 0.8, mu: 1, c: 1, customers: 5_000, seed: 4)).run()
        #expect(a == b)
        #expect(a != c)
        #expect(a.events == 10_000)
    }
}
