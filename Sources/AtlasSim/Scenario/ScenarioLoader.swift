import AtlasStats
import Foundation
import Yams

/// Reads a scenario file (YAML) into a `ScenarioConfig`, strictly: unknown keys, wrong
/// types and impossible values are `ScenarioError`s naming file:line:key.
public enum ScenarioLoader {
    /// Loads and checks `path`.
    public static func load(path: String) throws(ScenarioError) -> ScenarioConfig {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw ScenarioError(file: path, line: 0, column: 0, key: "", message: "cannot read the file: \(error.localizedDescription)")
        }
        return try parse(text, file: path)
    }

    /// Parses scenario text; `file` names it in errors.
    public static func parse(_ text: String, file: String) throws(ScenarioError) -> ScenarioConfig {
        let root: Node?
        do { root = try Yams.compose(yaml: text) } catch let e as YamlError {
            throw yamlError(e, file: file)
        } catch {
            throw ScenarioError(file: file, line: 0, column: 0, key: "", message: "not valid YAML: \(error)")
        }
        guard let root else { throw ScenarioError(file: file, line: 1, column: 1, key: "", message: "the file is empty") }
        let m = try YAMLMap(root, path: "", file: file)
        var c = ScenarioConfig()
        c.name = try m.string("name", defaultName(file))
        guard !c.name.isEmpty, c.name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else {
            throw m.error("name", "must be letters, digits, '-' or '_' (it names a directory)")
        }
        c.description = try m.string("description", "")
        c.seed = try m.uint64("seed", c.seed)
        c.durationSeconds = try m.double("durationSeconds", c.durationSeconds, { $0 > 0 }, "> 0")
        c.replications = try m.int("replications", c.replications, { $0 >= 1 && $0 <= 1000 }, "in 1...1000")
        c.store = try m.choice("store", c.store)
        c.maxDrainSeconds = try m.double("maxDrainSeconds", c.maxDrainSeconds, { $0 >= 0 }, "≥ 0")
        c.startMicros = try m.int64("startMicros", c.startMicros, { $0 >= 0 }, "≥ 0")
        if let t = try m.map("topology") { c.topology = try topology(t) }
        if let w = try m.map("workload") { c.workload = try workload(w, durationSeconds: c.durationSeconds) }
        if let f = try m.list("faults") { c.faults = try faults(f, m, c) }
        if let s = try m.map("slos") { c.slos = try slos(s, replicaNames: c.topology.replicas.map(\.name)) }
        if let o = try m.map("outputs") {
            c.outputs.timeSeriesIntervalSeconds = try o.double("timeSeriesIntervalSeconds", c.outputs.timeSeriesIntervalSeconds,
                                                               { $0 >= 0.1 && $0 <= c.durationSeconds }, "in [0.1, durationSeconds]")
            c.outputs.html = try o.bool("html", c.outputs.html)
            c.outputs.notebooksData = try o.bool("notebooksData", c.outputs.notebooksData)
            try o.finish()
        }
        if let v = try m.map("verify") {
            c.verify.sampleEvery = try v.int("sampleEvery", c.verify.sampleEvery, { $0 >= 1 }, "≥ 1")
            c.verify.crashWindowSeconds = try v.double("crashWindowSeconds", c.verify.crashWindowSeconds,
                                                       { $0 >= 0 && $0 <= 600 }, "in [0, 600]")
            c.verify.maxLookups = try v.int("maxLookups", c.verify.maxLookups, { $0 >= 0 && $0 <= 1_000_000 }, "in 0...1000000")
            try v.finish()
        }
        try m.finish()
        if c.topology.primaryOutageWrites == .buffer, !c.topology.durableLog {
            let t = try? m.map("topology")
            throw (t ?? m).error("primaryOutageWrites",
                                 "'buffer' needs durableLog: true (without the log there is nowhere to buffer); use 'refuse'")
        }
        return c
    }

    static func defaultName(_ file: String) -> String {
        let base = (file as NSString).lastPathComponent
        return base.hasSuffix(".yaml") ? String(base.dropLast(5)) : base.hasSuffix(".yml") ? String(base.dropLast(4)) : base
    }

    static func yamlError(_ e: YamlError, file: String) -> ScenarioError {
        switch e {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _), .composer(_, let problem, let mark, _):
            return ScenarioError(file: file, line: mark.line, column: mark.column, key: "", message: "YAML syntax: \(problem)")
        case let .duplicatedKeysInMapping(duplicates, context):
            return ScenarioError(file: file, line: context.mark.line, column: context.mark.column,
                                 key: duplicates.sorted().joined(separator: ", "), message: "duplicate key")
        default:
            return ScenarioError(file: file, line: 0, column: 0, key: "", message: "YAML: \(e)")
        }
    }

    // MARK: topology

    static func topology(_ m: YAMLMap) throws(ScenarioError) -> Topology {
        var t = Topology()
        if let rs = try m.list("replicas") {
            t.replicas = []
            for (i, n) in rs.enumerated() {
                let r = try YAMLMap(n, path: "\(m.keyPath("replicas"))[\(i)]", file: m.file)
                let name = try r.string("name", "replica-\(i + 1)")
                if name.isEmpty || name == "*" || name == "primary" || name == "cache" || name == "olap" {
                    throw r.error("name", "'\(name)' is reserved or empty")
                }
                if t.replicas.contains(where: { $0.name == name }) { throw r.error("name", "duplicate replica name '\(name)'") }
                var spec = ReplicaSpec(name: name)
                if let l = try r.map("lag") { spec.lag = try lagModel(l) }
                try r.finish()
                t.replicas.append(spec)
            }
        }
        t.lagProbeIntervalMs = try m.double("lagProbeIntervalMs", t.lagProbeIntervalMs, { $0 >= 1 && $0 <= 60_000 }, "in [1, 60000]")
        t.replayTickMs = try m.double("replayTickMs", t.replayTickMs, { $0 >= 1 && $0 <= 10_000 }, "in [1, 10000]")
        if let c = try m.map("cache") {
            t.cache.enabled = try c.bool("enabled", t.cache.enabled)
            t.cache.maxEntries = try c.int("maxEntries", t.cache.maxEntries, { $0 >= 1 }, "≥ 1")
            t.cache.ttlSeconds = try c.double("ttlSeconds", t.cache.ttlSeconds, { $0 > 0 }, "> 0")
            try c.finish()
        }
        t.ingestTickMs = try m.double("ingestTickMs", t.ingestTickMs, { $0 > 0 && $0 <= 10_000 }, "in (0, 10000]")
        if let f = try m.map("flush") {
            t.flushIntervalMs = try f.int64("intervalMs", t.flushIntervalMs, { $0 >= 1 }, "≥ 1")
            t.maxBatchRows = try f.int("maxBatchRows", t.maxBatchRows, { $0 >= 1 }, "≥ 1")
            try f.finish()
        }
        if let r = try m.map("routing") {
            t.routing.replicaTargetLagSeconds = try r.double("replicaTargetLagSeconds", t.routing.replicaTargetLagSeconds, { $0 >= 0 }, "≥ 0")
            t.routing.replicaMaxLagSeconds = try r.double("replicaMaxLagSeconds", t.routing.replicaMaxLagSeconds, { $0 > 0 }, "> 0")
            t.routing.olapMaxLagSeconds = try r.double("olapMaxLagSeconds", t.routing.olapMaxLagSeconds, { $0 > 0 }, "> 0")
            if t.routing.replicaTargetLagSeconds > t.routing.replicaMaxLagSeconds {
                throw r.error("replicaTargetLagSeconds", "must be ≤ replicaMaxLagSeconds (\(t.routing.replicaMaxLagSeconds))")
            }
            try r.finish()
        }
        if let b = try m.map("breaker") {
            t.breaker.failureThreshold = try b.int("failureThreshold", t.breaker.failureThreshold, { $0 >= 1 }, "≥ 1")
            t.breaker.coolDownSeconds = try b.double("coolDownSeconds", t.breaker.coolDownSeconds, { $0 >= 0 }, "≥ 0")
            try b.finish()
        }
        if let o = try m.map("olap") {
            t.olap.loadIntervalSeconds = try o.double("loadIntervalSeconds", t.olap.loadIntervalSeconds, { $0 > 0 }, "> 0")
            t.olap.pipelineDelaySeconds = try o.double("pipelineDelaySeconds", t.olap.pipelineDelaySeconds, { $0 >= 0 }, "≥ 0")
            try o.finish()
        }
        t.durableLog = try m.bool("durableLog", t.durableLog)
        t.primaryOutageWrites = try m.choice("primaryOutageWrites", t.primaryOutageWrites)
        if let s = try m.map("services") { t.services = try services(s) }
        try m.finish()
        return t
    }

    static func lagModel(_ m: YAMLMap) throws(ScenarioError) -> LagModel {
        var l = LagModel()
        l.baseMs = try m.distribution("baseMs", l.baseMs)
        l.resampleMs = try m.double("resampleMs", l.resampleMs, { $0 >= 1 }, "≥ 1")
        l.replaySpeedup = try m.double("replaySpeedup", l.replaySpeedup, { $0 > 1 && $0 <= 1000 }, "in (1, 1000]")
        if let s = try m.map("spikes") { l.spikes = try episodes(s, spikes: true) }
        if let p = try m.map("pauses") { l.pauses = try episodes(p, spikes: false) }
        try m.finish()
        return l
    }

    static func episodes(_ m: YAMLMap, spikes: Bool) throws(ScenarioError) -> EpisodeModel {
        var e = EpisodeModel()
        e.ratePerHour = try m.double("ratePerHour", e.ratePerHour, { $0 >= 0 && $0 <= 3600 }, "in [0, 3600]")
        if spikes {
            e.sizeSeconds = try m.distribution("sizeSeconds", e.sizeSeconds)
            e.shape = try m.choice("shape", e.shape)
        }
        e.durationSeconds = try m.distribution("durationSeconds", e.durationSeconds)
        try m.finish()
        return e
    }

    static func services(_ m: YAMLMap) throws(ScenarioError) -> ServiceModel {
        var s = ServiceModel()
        func op(_ key: String, _ def: OperationCost) throws(ScenarioError) -> OperationCost {
            guard let o = try m.map(key) else { return def }
            let c = OperationCost(baseMs: try o.distribution("baseMs", def.baseMs),
                                  perRowMicros: try o.double("perRowMicros", def.perRowMicros, { $0 >= 0 }, "≥ 0"))
            try o.finish()
            return c
        }
        func source(_ key: String, _ def: SourceService) throws(ScenarioError) -> SourceService {
            guard let o = try m.map(key) else { return def }
            let c = SourceService(serviceMs: try o.distribution("serviceMs", def.serviceMs),
                                  connections: try o.int("connections", def.connections, { $0 >= 1 && $0 <= 100_000 }, "in 1...100000"))
            try o.finish()
            return c
        }
        s.ingest = try op("ingest", s.ingest)
        s.flush = try op("flush", s.flush)
        s.primaryRead = try source("primaryRead", s.primaryRead)
        s.replicaRead = try source("replicaRead", s.replicaRead)
        s.cacheRead = try source("cacheRead", s.cacheRead)
        s.olapRead = try source("olapRead", s.olapRead)
        s.replicaErrorMs = try m.double("replicaErrorMs", s.replicaErrorMs, { $0 >= 0 }, "≥ 0")
        s.cacheErrorMs = try m.double("cacheErrorMs", s.cacheErrorMs, { $0 >= 0 }, "≥ 0")
        try m.finish()
        return s
    }

    // MARK: workload

    static func workload(_ m: YAMLMap, durationSeconds: Double) throws(ScenarioError) -> Workload {
        var w = Workload()
        if let a = try m.map("writes") { w.writes = try arrivals(a, w.writes) }
        if let a = try m.map("reads") { w.reads = try arrivals(a, w.reads) }
        if let x = try m.map("readMix") {
            w.readMix.strong = try x.double("strong", w.readMix.strong, { $0 >= 0 }, "≥ 0")
            w.readMix.eventual = try x.double("eventual", w.readMix.eventual, { $0 >= 0 }, "≥ 0")
            w.readMix.analytics = try x.double("analytics", w.readMix.analytics, { $0 >= 0 }, "≥ 0")
            if w.readMix.strong + w.readMix.eventual + w.readMix.analytics <= 0 {
                throw x.error("eventual", "the read mix weights must not all be 0")
            }
            try x.finish()
        }
        w.readYourWritesFraction = try m.double("readYourWritesFraction", w.readYourWritesFraction,
                                                { $0 >= 0 && $0 <= 1 }, "in [0, 1]")
        w.readYourWritesAgeSeconds = try m.distribution("readYourWritesAgeSeconds", w.readYourWritesAgeSeconds)
        w.idSpace = try m.int64("idSpace", w.idSpace, { $0 >= 1 && $0 <= 1 << 40 }, "in 1...2^40")
        if let k = try m.map("keys") {
            let dist = try k.string("distribution", "scrambledZipfian")
            let theta = try k.double("theta", 0.99, { $0 > 0 && $0 < 1 }, "in (0, 1)")
            switch dist {
            case "uniform": w.keys = .uniform
            case "zipfian": w.keys = .zipfian(theta: theta)
            case "scrambledZipfian": w.keys = .scrambledZipfian(theta: theta)
            case "latest":
                w.keys = .latest(theta: theta,
                                 insertFraction: try k.double("insertFraction", 0.05, { $0 >= 0 && $0 <= 1 }, "in [0, 1]"),
                                 initialFraction: try k.double("initialFraction", 0.5, { $0 > 0 && $0 <= 1 }, "in (0, 1]"))
            default: throw k.error("distribution", "'\(dist)' is not one of uniform, zipfian, scrambledZipfian, latest")
            }
            try k.finish()
        }
        if let t = try m.map("tenants") {
            w.tenants.count = try t.int("count", w.tenants.count, { $0 >= 1 && $0 <= 10_000_000 }, "in 1...10000000")
            w.tenants.sizeSkew = try t.double("sizeSkew", w.tenants.sizeSkew, { $0 >= 0 && $0 <= 5 }, "in [0, 5]")
            try t.finish()
        }
        if let a = try m.map("attributes") {
            w.attributes.count = try a.int("count", w.attributes.count, { $0 >= 1 && $0 <= 1_000_000 }, "in 1...1000000")
            w.attributes.hotFraction = try a.double("hotFraction", w.attributes.hotFraction, { $0 >= 0 && $0 <= 1 }, "in [0, 1]")
            w.attributes.popularityTheta = try a.double("popularityTheta", w.attributes.popularityTheta, { $0 >= 0 && $0 <= 5 }, "in [0, 5]")
            try a.finish()
        }
        try m.finish()
        return w
    }

    static func arrivals(_ m: YAMLMap, _ def: ArrivalConfig) throws(ScenarioError) -> ArrivalConfig {
        var a = def
        a.process = try m.choice("process", a.process)
        a.ratePerSecond = try m.double("ratePerSecond", a.ratePerSecond, { $0 >= 0 && $0 <= 10_000_000 }, "in [0, 10000000]")
        if let d = try m.map("diurnal") {
            a.diurnal = DiurnalCurve(
                amplitude: try d.double("amplitude", 0.5, { $0 >= 0 && $0 < 1 }, "in [0, 1)"),
                periodSeconds: try d.double("periodSeconds", 86_400, { $0 > 0 }, "> 0"),
                peakAtSeconds: try d.double("peakAtSeconds", 0))
            try d.finish()
        }
        if let bs = try m.list("bursts") {
            a.bursts = []
            for (i, n) in bs.enumerated() {
                let b = try YAMLMap(n, path: "\(m.keyPath("bursts"))[\(i)]", file: m.file)
                a.bursts.append(Burst(startSeconds: try b.double("startSeconds", 0, { $0 >= 0 }, "≥ 0"),
                                      durationSeconds: try b.double("durationSeconds", 60, { $0 > 0 }, "> 0"),
                                      multiplier: try b.double("multiplier", 2, { $0 >= 0 && $0 <= 1000 }, "in [0, 1000]")))
                try b.finish()
            }
        }
        try m.finish()
        return a
    }

    // MARK: faults

    static func faults(_ nodes: [Node], _ root: YAMLMap, _ c: ScenarioConfig) throws(ScenarioError) -> [FaultSpec] {
        var out: [FaultSpec] = []
        let replicaNames = c.topology.replicas.map(\.name)
        for (i, n) in nodes.enumerated() {
            let f = try YAMLMap(n, path: "faults[\(i)]", file: root.file)
            let at = try f.double("at", 0, { $0 >= 0 && $0 < c.durationSeconds }, "in [0, durationSeconds=\(c.durationSeconds))")
            let kind = try f.string("kind", "")
            func replica() throws(ScenarioError) -> String {
                let r = try f.string("replica", "*")
                guard r == "*" || replicaNames.contains(r) else {
                    throw f.error("replica", "no replica named '\(r)' (have: \(replicaNames.joined(separator: ", ")); '*' = all)")
                }
                return r
            }
            func duration() throws(ScenarioError) -> Double {
                guard f.has("durationSeconds") else { throw f.error("durationSeconds", "required for \(kind)") }
                return try f.double("durationSeconds", 0, { $0 > 0 && $0 <= 86_400 }, "in (0, 86400]")
            }
            let k: FaultKind
            switch kind {
            case "replicaLagSpike":
                k = .replicaLagSpike(replica: try replica(),
                                     sizeSeconds: try f.double("sizeSeconds", 10, { $0 > 0 && $0 <= 86_400 }, "in (0, 86400]"),
                                     durationSeconds: try duration(), shape: try f.choice("shape", SpikeShape.triangle))
            case "replicaPause": k = .replicaPause(replica: try replica(), durationSeconds: try duration())
            case "replicaDown": k = .replicaDown(replica: try replica(), durationSeconds: try duration())
            case "primaryCrash":
                k = .primaryCrash(detectionSeconds: try f.distribution("detectionSeconds", .uniform(lower: 10, upper: 30)),
                                  promotionSeconds: try f.distribution("promotionSeconds", .uniform(lower: 30, upper: 90)))
            case "cacheFlush": k = .cacheFlush
            case "cacheOutage": k = .cacheOutage(durationSeconds: try duration())
            case "flusherStall": k = .flusherStall(durationSeconds: try duration())
            case "writeBurst":
                k = .writeBurst(durationSeconds: try duration(),
                                multiplier: try f.double("multiplier", 5, { $0 >= 0 && $0 <= 1000 }, "in [0, 1000]"))
            case "": throw f.error("kind", "missing 'kind' (\(FaultKind.names.joined(separator: ", ")))")
            default: throw f.error("kind", "unknown fault kind '\(kind)' (\(FaultKind.names.joined(separator: ", ")))")
            }
            try f.finish()
            out.append(FaultSpec(atSeconds: at, kind: k))
        }
        return out
    }

    // MARK: SLOs

    /// Metrics a threshold may name, and whether they are distributions.
    public static func sloMetricIsDistribution(_ metric: String, replicaNames: [String]) -> Bool? {
        let dists = ["read_latency_ms", "read_latency_ms.strong", "read_latency_ms.eventual", "read_latency_ms.analytics",
                     "replica_lag_seconds", "ingest_to_visible_ms", "ingest_to_ack_ms"]
        if dists.contains(metric) { return true }
        if metric.hasPrefix("replica_lag_seconds."), replicaNames.contains(String(metric.dropFirst(20))) { return true }
        return ScenarioMetrics.scalarNames.contains(metric) ? false : nil
    }

    static func slos(_ m: YAMLMap, replicaNames: [String]) throws(ScenarioError) -> [SLOThreshold] {
        var out: [SLOThreshold] = []
        for key in m.entryKeys {
            guard let isDist = sloMetricIsDistribution(key, replicaNames: replicaNames) else {
                throw m.error(key, "unknown metric (known: read_latency_ms[.strong|.eventual|.analytics], replica_lag_seconds[.NAME], "
                                   + "ingest_to_visible_ms, ingest_to_ack_ms, \(ScenarioMetrics.scalarNames.joined(separator: ", ")))")
            }
            let n = m.node(key)!
            var exprs: [(String, Node)] = []
            switch n {
            case .scalar(let s): exprs = [(s.string, n)]
            case .sequence(let seq):
                for e in seq {
                    guard case .scalar(let s) = e else { throw m.error(at: e, m.keyPath(key), "expected a threshold string like \"p(99) < 50\"") }
                    exprs.append((s.string, e))
                }
            default: throw m.error(key, "expected a threshold string or a list of them")
            }
            for (text, node) in exprs {
                guard let (agg, op, bound) = SLOThreshold.parse(text) else {
                    throw m.error(at: node, m.keyPath(key), "cannot parse threshold '\(text)' (e.g. \"p(99) < 50\", \"max <= 10\", \"value == 0\")")
                }
                switch (agg, isDist) {
                case (.value, true): throw m.error(at: node, m.keyPath(key), "'\(key)' is a distribution: use p(N), max, min, mean or count")
                case (.value, false): break
                case (_, false): throw m.error(at: node, m.keyPath(key), "'\(key)' is a single value: use \"value <op> N\"")
                default: break
                }
                out.append(SLOThreshold(metric: key, aggregate: agg, comparison: op, bound: bound, expression: text,
                                        source: "\(m.file):\(node.mark?.line ?? 0)"))
            }
        }
        return out
    }
}

extension YAMLMap {
    /// Every key, in file order (marks each asked).
    var entryKeys: [String] {
        var keys: [String] = []
        var i = 0
        while let k = keyAt(i) { keys.append(k); i += 1 }
        return keys
    }
}
extension ArrivalConfig.Process: CaseIterable {
    public static var allCases: [ArrivalConfig.Process] { [.poisson, .constant] }
}
