import AtlasSim
import AtlasStats
import Foundation

/// `report.html`: one self-contained page (inline CSS and SVG, no scripts, no network):
/// verdict table, headline figures, lag timeline with fault bands, latency CDFs per
/// consistency level, throughput and backlog.
public enum HTMLReport {
    public static func render(_ outcome: ScenarioOutcome, report: ScenarioReport) -> String {
        let first = outcome.runs[0]
        let s = first.summary
        let ts = first.timeSeries
        let bands = s.faults.map { SVGChart.Band(start: $0.atSeconds, end: $0.endSeconds ?? $0.atSeconds,
                                                 label: "\($0.kind) \($0.target)") }
        var h = "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Atlas — \(esc(report.scenario))</title>"
        h += "<style>body{font-family:sans-serif;margin:24px;color:#222;background:#fff}table{border-collapse:collapse;margin:8px 0 20px}"
            + "td,th{border:1px solid #ccc;padding:4px 8px;text-align:left;font-size:13px}th{background:#f2f2f2}"
            + ".pass{background:#d9f2d9}.fail{background:#f8d0d0}h1{font-size:22px}h2{font-size:17px;margin-top:28px}"
            + "svg{display:block;margin:8px 0;border:1px solid #ddd}</style></head><body>"
        h += "<h1>Scenario \(esc(report.scenario)): <span class=\"\(report.passed ? "pass" : "fail")\">\(report.passed ? "PASS" : "FAIL")</span></h1>"
        h += "<p>\(esc(report.description))</p>"
        h += "<p>Seed \(report.baseSeed), \(report.replications) replication(s), \(fmt(s.simulatedSeconds)) simulated s "
            + "(+\(fmt(s.drainSeconds)) s drain), store \(esc(s.store)). Charts show replication 0 (seed \(s.seed)).</p>"
        if !report.failingSeeds.isEmpty {
            h += "<p class=\"fail\">Failing seeds: \(report.failingSeeds.map(String.init).joined(separator: ", ")) — replay with "
                + "<code>atlas simulate SCENARIO --seed S</code></p>"
        }
        h += "<h2>SLO verdicts</h2><table><tr><th>metric</th><th>threshold</th><th>observed (mean"
            + (report.replications > 1 ? " ± 95% CI" : "") + ")</th><th>verdict</th><th>failing seeds</th></tr>"
        for v in report.slos {
            h += "<tr class=\"\(v.passed ? "pass" : "fail")\"><td>\(esc(v.metric))</td><td>\(esc(v.threshold))</td>"
                + "<td>\(v.observedMean.map(fmt) ?? "no data")\(v.observedHalfWidth.map { " ± " + fmt($0) } ?? "")</td>"
                + "<td>\(v.passed ? "pass" : "FAIL")</td><td>\(v.failingSeeds.map(String.init).joined(separator: " "))</td></tr>"
        }
        h += "</table>"

        h += "<h2>Reads</h2><table><tr><th>level</th><th>reads</th><th>errors</th><th>stale</th><th>RYW violations</th>"
            + "<th>p50 ms</th><th>p99 ms</th><th>p99.9 ms</th><th>max ms</th></tr>"
        for level in ["strong", "eventual", "analytics"] {
            guard let l = s.reads.byLevel[level] else { continue }
            h += "<tr><td>\(level)</td><td>\(l.reads)</td><td>\(l.errors)</td><td>\(l.stale)</td><td>\(l.readYourWritesViolations)</td>"
                + "<td>\(fmt(l.latencyMs.p50))</td><td>\(fmt(l.latencyMs.p99))</td><td>\(fmt(l.latencyMs.p999))</td><td>\(fmt(l.latencyMs.max))</td></tr>"
        }
        h += "</table><table><tr><th>source</th><th>reads</th></tr>"
        for k in s.reads.bySource.keys.sorted() { h += "<tr><td>\(esc(k))</td><td>\(s.reads.bySource[k]!)</td></tr>" }
        h += "</table><table>"
        let rows: [(String, String)] = [
            ("cache hit rate", fmt(s.reads.cacheHitRate)), ("fallback to primary (eventual)", fmt(s.reads.fallbackRate)),
            ("breaker trips", "\(s.reads.breakerTrips)"), ("replica errors", "\(s.reads.replicaErrors)"),
            ("writes acknowledged", "\(s.writes.acknowledged)"), ("writes refused", "\(s.writes.refused)"),
            ("acknowledged writes lost", "\(s.writes.lost) (sampled check: \(s.verification.lost) of \(s.verification.sampled))"),
            ("write availability", fmt(s.writes.availability)),
            ("ingest → visible p99 ms", fmt(s.writes.ingestToVisibleMs.p99)),
        ]
        for (k, v) in rows { h += "<tr><th>\(esc(k))</th><td>\(esc(v))</td></tr>" }
        h += "</table>"

        h += "<h2>Replica lag</h2>"
        h += SVGChart(title: "True replication lag per replica (fault windows shaded)", xLabel: "simulated seconds",
                      yLabel: "lag (s)",
                      series: first.replicaNames.enumerated().map { i, n in
                          .init(name: n, points: ts.map { ($0.tSeconds, $0.replicaLagSeconds[i]) })
                      }, bands: bands).render()
        h += "<h2>Read latency</h2>"
        let recs = outcome.mergedRecorders
        let cdf = ["strong", "eventual", "analytics"].compactMap { level -> SVGChart.Series? in
            guard let r = recs["read_latency_ms.\(level)"], r.count > 0 else { return nil }
            return .init(name: level, points: r.percentileSpectrum().map { ($0.value, $0.percentile) })
        }
        h += SVGChart(title: "Read latency CDF per consistency level", xLabel: "latency (ms, log scale)",
                      yLabel: "fraction of reads", series: cdf, logX: true).render()
        h += SVGChart(title: "Read latency p99 per 10 s bucket", xLabel: "simulated seconds", yLabel: "p99 (ms)",
                      series: ["strong", "eventual", "analytics"].enumerated().map { i, n in
                          .init(name: n, points: ts.map { ($0.tSeconds, $0.readP99Ms[i]) })
                      }, bands: bands).render()
        h += "<h2>Throughput and backlog</h2>"
        h += SVGChart(title: "Throughput", xLabel: "simulated seconds", yLabel: "per second",
                      series: [.init(name: "writes acked", points: ts.map { ($0.tSeconds, $0.writesAckedPerSecond) }),
                               .init(name: "writes refused", points: ts.map { ($0.tSeconds, $0.writesRefusedPerSecond) }),
                               .init(name: "reads", points: ts.map { ($0.tSeconds, $0.readsPerSecond) })],
                      bands: bands).render()
        h += SVGChart(title: "Backlog", xLabel: "simulated seconds", yLabel: "rows",
                      series: [.init(name: "staged rows", points: ts.map { ($0.tSeconds, Double($0.stagedRows)) }),
                               .init(name: "acked, not visible", points: ts.map { ($0.tSeconds, Double($0.invisibleWrites)) })],
                      bands: bands).render()
        h += SVGChart(title: "Cache hit rate and eventual fallback to primary", xLabel: "simulated seconds", yLabel: "fraction",
                      series: [.init(name: "cache hit rate", points: ts.map { ($0.tSeconds, $0.cacheHitRate) }),
                               .init(name: "fallback rate", points: ts.map { ($0.tSeconds, $0.fallbackRate) })],
                      bands: bands).render()
        h += "<h2>Faults</h2><table><tr><th>at s</th><th>end s</th><th>kind</th><th>target</th><th>detail</th></tr>"
        for f in s.faults {
            h += "<tr><td>\(fmt(f.atSeconds))</td><td>\(f.endSeconds.map(fmt) ?? "")</td><td>\(esc(f.kind))</td>"
                + "<td>\(esc(f.target))</td><td>\(esc(f.detail))</td></tr>"
        }
        h += "</table></body></html>\n"
        return h
    }

    static func fmt(_ v: Double) -> String {
        if v == v.rounded(), Swift.abs(v) < 1e12 { return String(Int64(v)) }
        return String(format: Swift.abs(v) >= 100 ? "%.1f" : "%.4g", v)
    }
}
