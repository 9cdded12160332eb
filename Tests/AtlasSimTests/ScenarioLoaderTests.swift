import Foundation
import Testing
@testable import AtlasSim

@Suite struct ScenarioLoaderTests {
    func parse(_ text: String) throws(ScenarioError) -> ScenarioConfig { try ScenarioLoader.parse(text, file: "t.yaml") }

    func error(_ text: String) -> ScenarioError? {
        do { _ = try parse(text); return nil } catch { return error }
    }

    @Test func minimalFileTakesDefaults() throws {
        let c = try parse("name: mini\ndurationSeconds: 10\n")
        #expect(c.name == "mini")
        #expect(c.durationSeconds == 10)
        #expect(c.topology.replicas.count == 3)
        #expect(c.workload.writes.ratePerSecond == 10_000)
    }

    @Test func fullSectionsParse() throws {
        let c = try parse("""
            name: x
            topology:
              replicas:
                - name: a
                  lag: {baseMs: {dist: lognormal, median: 100, sigma: 0.3}, spikes: {ratePerHour: 2, sizeSeconds: {dist: exponential, mean: 3}, durationSeconds: 20, shape: step}}
                - name: b
              durableLog: false
              primaryOutageWrites: refuse
              services: {primaryRead: {serviceMs: 3, connections: 4}}
            workload:
              writes: {ratePerSecond: 1_000, bursts: [{startSeconds: 5, durationSeconds: 2, multiplier: 3}]}
              keys: {distribution: uniform}
            faults:
              - {at: 10, kind: replicaDown, replica: a, durationSeconds: 5}
              - {at: 20, kind: primaryCrash, detectionSeconds: 1, promotionSeconds: {dist: uniform, min: 1, max: 2}}
            slos:
              read_latency_ms.eventual: ["p(99.9) < 50", "max <= 100"]
              acked_write_loss: "value == 0"
            """)
        #expect(c.topology.replicas.map(\.name) == ["a", "b"])
        #expect(c.topology.replicas[0].lag.spikes.shape == .step)
        #expect(c.topology.services.primaryRead.connections == 4)
        #expect(c.workload.writes.ratePerSecond == 1000)
        #expect(c.workload.writes.bursts.count == 1)
        #expect(c.faults.count == 2)
        #expect(c.slos.count == 3)
        #expect(c.slos[0].aggregate == .percentile(99.9))
        #expect(c.slos[2].source == "t.yaml:18")
    }

    @Test func unknownKeyNamesFileLineAndKey() {
        let e = error("name: x\ntopology:\n  cache:\n    maxEntrys: 5\n")
        #expect(e?.line == 4)
        #expect(e?.key == "topology.cache.maxEntrys")
        #expect(e?.description.hasPrefix("t.yaml:4:") == true)
        #expect(e?.message.contains("unknown key") == true)
    }

    @Test func wrongTypeNamesTheKey() {
        let e = error("name: x\nworkload:\n  writes:\n    ratePerSecond: fast\n")
        #expect(e?.line == 4)
        #expect(e?.key == "workload.writes.ratePerSecond")
        let e2 = error("name: x\ntopology: [1, 2]\n")
        #expect(e2?.key == "topology")
        #expect(e2?.line == 2)
    }

    @Test func impossibleValuesAreErrors() {
        #expect(error("durationSeconds: -5\n")?.key == "durationSeconds")
        #expect(error("topology:\n  routing: {replicaTargetLagSeconds: 9, replicaMaxLagSeconds: 5}\n")?.key
                == "topology.routing.replicaTargetLagSeconds")
        #expect(error("topology:\n  durableLog: false\n  primaryOutageWrites: buffer\n")?.key == "topology.primaryOutageWrites")
        #expect(error("workload:\n  readMix: {strong: 0, eventual: 0, analytics: 0}\n")?.key == "workload.readMix.eventual")
        #expect(error("topology:\n  replicas: [{name: a}, {name: a}]\n")?.key == "topology.replicas[1].name")
        #expect(error("topology:\n  replicas:\n    - lag: {baseMs: {dist: exponential, mean: -1}}\n")?.key
                == "topology.replicas[0].lag.baseMs.dist")
        #expect(error("durationSeconds: 100\nfaults:\n  - {at: 200, kind: cacheFlush}\n")?.key == "faults[0].at")
        #expect(error("faults:\n  - {at: 1, kind: replicaDown, replica: nope, durationSeconds: 1}\n")?.key == "faults[0].replica")
        #expect(error("faults:\n  - {at: 1, kind: replicaDown}\n")?.key == "faults[0].durationSeconds")
        #expect(error("faults:\n  - {at: 1, kind: meteor}\n")?.key == "faults[0].kind")
        #expect(error("faults:\n  - {at: 1, kind: cacheFlush, durationSeconds: 3}\n")?.key == "faults[0].durationSeconds")
    }

    @Test func badThresholdsAreErrors() {
        #expect(error("slos:\n  latency: [\"p(99) < 5\"]\n")?.key == "slos.latency")
        let e = error("slos:\n  fallback_rate:\n    - \"p(99) < 5\"\n")
        #expect(e?.key == "slos.fallback_rate")
        #expect(e?.line == 3)
        #expect(error("slos:\n  read_latency_ms: [\"value < 5\"]\n")?.key == "slos.read_latency_ms")
        #expect(error("slos:\n  read_latency_ms: [\"p(120) < 5\"]\n") != nil)
        #expect(error("slos:\n  read_latency_ms: [\"p(99) ~ 5\"]\n") != nil)
        #expect(error("slos:\n  replica_lag_seconds.replica-9: [\"max < 5\"]\n") != nil)
    }

    @Test func yamlSyntaxErrorHasALine() {
        let e = error("name: x\ntopology:\n  cache: {enabled: true\n")
        #expect(e != nil)
        #expect((e?.line ?? 0) >= 3)
        #expect(error("") != nil)
        #expect(error("name: x\nname: y\n")?.message == "duplicate key")
    }

    @Test func thresholdParsing() throws {
        let (a, op, b) = try #require(SLOThreshold.parse("p(99) <= 50"))
        #expect(a == .percentile(99))
        #expect(op == .le)
        #expect(b == 50)
        let t = SLOThreshold(metric: "m", aggregate: .value, comparison: .eq, bound: 0, expression: "value == 0")
        #expect(t.passes(0))
        #expect(!t.passes(1))
        #expect(!t.passes(.nan))
    }

    @Test func everyShippedScenarioLoads() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("scenarios")
        let files = try FileManager.default.contentsOfDirectory(atPath: root.path).filter { $0.hasSuffix(".yaml") }.sorted()
        #expect(files.count >= 7)
        for f in files {
            let c = try ScenarioLoader.load(path: root.appendingPathComponent(f).path)
            #expect(c.name + ".yaml" == f)
            #expect(!c.slos.isEmpty)
        }
    }
}
