import AtlasCore
import AtlasSim
import AtlasStats
import Foundation

/// Writes a scenario's outputs:
/// `results/<scenario>/<run-id>/` — summary.json (deterministic), wall.json (wall-clock
/// facts, kept apart so summary.json stays byte-identical per seed), histograms/*.csv,
/// timeseries.csv, faults.csv, slos.csv, report.html; and tidy copies in
/// `notebooks-data/<scenario>/` (see notebooks-data/README.md).
public enum ResultsWriter {
    /// Writes everything; returns the run directory.
    @discardableResult
    public static func write(_ outcome: ScenarioOutcome, resultsRoot: String, runID: String,
                             notebooksRoot: String?, wall: [String: String] = [:]) throws -> String {
        let fm = FileManager.default
        let dir = "\(resultsRoot)/\(outcome.config.name)/\(runID)"
        try fm.createDirectory(atPath: "\(dir)/histograms", withIntermediateDirectories: true)
        let report = outcome.report()
        try write(try report.jsonString() + "\n", to: "\(dir)/summary.json")
        let wallJSON = "{\n" + wall.keys.sorted().map { "  \(JSON.quote($0)): \(JSON.quote(wall[$0]!))" }.joined(separator: ",\n") + "\n}\n"
        try write(wallJSON, to: "\(dir)/wall.json")
        let recorders = outcome.mergedRecorders
        for name in recorders.keys.sorted() {
            try write(histogramCSV(recorders[name]!), to: "\(dir)/histograms/\(name).csv")
        }
        let first = outcome.runs[0]
        try write(timeSeriesCSV(first), to: "\(dir)/timeseries.csv")
        try write(faultsCSV(first.summary), to: "\(dir)/faults.csv")
        try write(slosCSV(report), to: "\(dir)/slos.csv")
        if outcome.config.outputs.html {
            try write(HTMLReport.render(outcome, report: report), to: "\(dir)/report.html")
        }
        if outcome.config.outputs.notebooksData, let nb = notebooksRoot {
            let nd = "\(nb)/\(outcome.config.name)"
            try fm.createDirectory(atPath: nd, withIntermediateDirectories: true)
            try write(tidyTimeSeries(first), to: "\(nd)/timeseries.csv")
            try write(tidyPercentiles(recorders), to: "\(nd)/latency_percentiles.csv")
            try write(faultsCSV(first.summary), to: "\(nd)/faults.csv")
            try write(tidyFigures(report), to: "\(nd)/figures.csv")
            try write(slosCSV(report), to: "\(nd)/slos.csv")
        }
        return dir
    }

    static func write(_ text: String, to path: String) throws {
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }

    /// Numbers in CSV: shortest round-trip text (deterministic).
    static func num(_ v: Double) -> String {
        if v.isNaN { return "" }
        if v == v.rounded(), Swift.abs(v) < 1e15 { return String(Int64(v)) }
        return "\(v)"
    }

    static func csvField(_ s: String) -> String {
        s.contains(",") || s.contains("\"") || s.contains("\n") ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }

    /// The HdrHistogram percentile spectrum: value, percentile, total_count, inverse_tail.
    public static func histogramCSV(_ r: LatencyRecorder) -> String {
        var s = "value,percentile,total_count,inverse_tail\n"
        for row in r.percentileSpectrum() {
            s += "\(num(row.value)),\(num(row.percentile)),\(row.totalCount),\(row.inverseTail.map(num) ?? "")\n"
        }
        return s
    }

    public static func timeSeriesCSV(_ r: ScenarioRunResult) -> String {
        let levels = ["strong", "eventual", "analytics"]
        var h = ["t_seconds", "writes_acked_per_s", "writes_refused_per_s", "reads_per_s", "staged_rows", "invisible_writes"]
        h += r.replicaNames.map { "lag_seconds_\($0)" }
        h += levels.map { "read_p50_ms_\($0)" } + levels.map { "read_p99_ms_\($0)" }
        h += ["cache_hit_rate", "fallback_rate", "stale_reads", "primary_up", "breaker_open"]
        var s = h.joined(separator: ",") + "\n"
        for t in r.timeSeries {
            var row = [num(t.tSeconds), num(t.writesAckedPerSecond), num(t.writesRefusedPerSecond), num(t.readsPerSecond),
                       String(t.stagedRows), String(t.invisibleWrites)]
            row += t.replicaLagSeconds.map(num) + t.readP50Ms.map(num) + t.readP99Ms.map(num)
            row += [num(t.cacheHitRate), num(t.fallbackRate), String(t.staleReads), t.primaryUp ? "1" : "0", t.breakerOpen ? "1" : "0"]
            s += row.joined(separator: ",") + "\n"
        }
        return s
    }

    public static func faultsCSV(_ s: ScenarioSummary) -> String {
        var o = "at_seconds,end_seconds,kind,target,detail\n"
        for f in s.faults {
            o += "\(num(f.atSeconds)),\(f.endSeconds.map(num) ?? ""),\(f.kind),\(csvField(f.target)),\(csvField(f.detail))\n"
        }
        return o
    }

    public static func slosCSV(_ r: ScenarioReport) -> String {
        var o = "metric,threshold,passed,observed_mean,observed_half_width,failing_seeds,declared_at\n"
        for v in r.slos {
            o += "\(v.metric),\(csvField(v.threshold)),\(v.passed),\(v.observedMean.map(num) ?? ""),\(v.observedHalfWidth.map(num) ?? ""),"
                + "\(csvField(v.failingSeeds.map(String.init).joined(separator: " "))),\(csvField(v.source))\n"
        }
        return o
    }

    /// Long format: t_seconds, metric, series, value.
    public static func tidyTimeSeries(_ r: ScenarioRunResult) -> String {
        let levels = ["strong", "eventual", "analytics"]
        var o = "t_seconds,metric,series,value\n"
        for t in r.timeSeries {
            let ts = num(t.tSeconds)
            func add(_ m: String, _ series: String, _ v: Double) { o += "\(ts),\(m),\(series),\(num(v))\n" }
            add("writes_acked_per_s", "all", t.writesAckedPerSecond)
            add("writes_refused_per_s", "all", t.writesRefusedPerSecond)
            add("reads_per_s", "all", t.readsPerSecond)
            add("staged_rows", "all", Double(t.stagedRows))
            add("invisible_writes", "all", Double(t.invisibleWrites))
            for (i, n) in r.replicaNames.enumerated() { add("replica_lag_seconds", n, t.replicaLagSeconds[i]) }
            for (i, l) in levels.enumerated() {
                add("read_p50_ms", l, t.readP50Ms[i])
                add("read_p99_ms", l, t.readP99Ms[i])
            }
            add("cache_hit_rate", "all", t.cacheHitRate)
            add("fallback_rate", "eventual", t.fallbackRate)
            add("stale_reads", "all", Double(t.staleReads))
            add("primary_up", "primary", t.primaryUp ? 1 : 0)
            add("breaker_open", "router", t.breakerOpen ? 1 : 0)
        }
        return o
    }

    /// Long format: metric, percentile, value, total_count (merged over replications).
    public static func tidyPercentiles(_ recorders: [String: LatencyRecorder]) -> String {
        var o = "metric,percentile,value,total_count\n"
        for name in recorders.keys.sorted() {
            for row in recorders[name]!.percentileSpectrum() {
                o += "\(name),\(num(row.percentile)),\(num(row.value)),\(row.totalCount)\n"
            }
        }
        return o
    }

    /// figure, mean, ci_lower, ci_upper, half_width, replications.
    public static func tidyFigures(_ r: ScenarioReport) -> String {
        var o = "figure,mean,ci_lower,ci_upper,half_width,replications\n"
        for k in r.figures.keys.sorted() {
            let f = r.figures[k]!
            o += "\(csvField(k)),\(num(f.mean)),\(f.lower.map(num) ?? ""),\(f.upper.map(num) ?? ""),\(f.halfWidth.map(num) ?? ""),\(f.replications)\n"
        }
        return o
    }
}
