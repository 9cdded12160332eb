import AtlasSim
import Foundation
import Testing
@testable import AtlasReport

@Suite struct ReportRenderingTests {
    static func outcome(seed: UInt64 = 5) throws -> ScenarioOutcome {
        var c = ScenarioConfig()
        c.name = "report-test"
        c.seed = seed
        c.durationSeconds = 6
        c.workload.writes.ratePerSecond = 500
        c.workload.reads.ratePerSecond = 200
        c.workload.idSpace = 10_000
        c.workload.tenants.count = 3
        c.workload.attributes.count = 20
        c.outputs.timeSeriesIntervalSeconds = 1
        c.topology.olap.loadIntervalSeconds = 2
        c.faults = [FaultSpec(atSeconds: 2, kind: .replicaLagSpike(replica: "replica-1", sizeSeconds: 3, durationSeconds: 2, shape: .triangle))]
        c.slos = [SLOThreshold(metric: "stale_read_fraction", aggregate: .value, comparison: .eq, bound: 0, expression: "value == 0")]
        return try ScenarioRunner.run(c)
    }

    static func tempDir() -> String {
        let d = NSTemporaryDirectory() + "atlas-report-\(UUID().uuidString)"
        try? FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        return d
    }

    @Test func writesEveryOutputAndSummaryIsByteStable() throws {
        let root = Self.tempDir()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let a = try ResultsWriter.write(try Self.outcome(), resultsRoot: root + "/r", runID: "a", notebooksRoot: root + "/nb",
                                        wall: ["wall_seconds": "1.0"])
        let b = try ResultsWriter.write(try Self.outcome(), resultsRoot: root + "/r", runID: "b", notebooksRoot: nil,
                                        wall: ["wall_seconds": "2.0"])
        let sa = try String(contentsOfFile: a + "/summary.json", encoding: .utf8)
        let sb = try String(contentsOfFile: b + "/summary.json", encoding: .utf8)
        #expect(sa == sb)
        #expect(sa.contains("\"schemaVersion\" : 2"))
        #expect(!sa.contains("wall_seconds"))
        for f in ["wall.json", "timeseries.csv", "faults.csv", "slos.csv", "report.html",
                  "histograms/read_latency_ms.eventual.csv", "histograms/replica_lag_seconds.replica-1.csv"] {
            #expect(FileManager.default.fileExists(atPath: "\(a)/\(f)"), "\(f)")
        }
        for f in ["timeseries.csv", "latency_percentiles.csv", "faults.csv", "figures.csv", "slos.csv"] {
            #expect(FileManager.default.fileExists(atPath: "\(root)/nb/report-test/\(f)"), "\(f)")
        }
        let ts = try String(contentsOfFile: a + "/timeseries.csv", encoding: .utf8).split(separator: "\n")
        #expect(ts.first?.hasPrefix("t_seconds,writes_acked_per_s") == true)
        #expect(ts.count == 7)  // header + 6 one-second buckets
        let html = try String(contentsOfFile: a + "/report.html", encoding: .utf8)
        #expect(html.contains("<svg") && html.contains("replicaLagSpike"))
        // Offline: nothing is fetched (the SVG namespace URI is only an identifier).
        for fetch in ["src=\"http", "href=\"http", "url(", "@import"] { #expect(!html.contains(fetch), "\(fetch)") }
        #expect(!html.contains("<script"))
    }

    @Test func svgChartEscapesAndHandlesEmptySeries() {
        let svg = SVGChart(title: "a<b", xLabel: "x", yLabel: "y", series: [.init(name: "&", points: [])]).render()
        #expect(svg.contains("a&lt;b") && svg.contains("&amp;"))
        let log = SVGChart(title: "t", xLabel: "x", yLabel: "y", series: [.init(name: "s", points: [(0, 1), (10, 2)])], logX: true).render()
        #expect(log.contains("polyline"))
    }

    /// Renders report.html in headless Chromium and checks the screenshot is not blank
    /// (much larger than a blank page's). Skips without Chromium unless CI=true.
    @Test func reportRendersInHeadlessChromium() throws {
        let browsers = ["chromium", "chromium-browser", "google-chrome"]
        let paths = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":")
        let browser = browsers.lazy.flatMap { b in paths.map { "\($0)/\(b)" } }.first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let browser else {
            if ProcessInfo.processInfo.environment["CI"] == "true" {
                Issue.record("CI=true but no Chromium on PATH (apt package: chromium)")
            }
            return
        }
        let root = Self.tempDir()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let dir = try ResultsWriter.write(try Self.outcome(), resultsRoot: root, runID: "x", notebooksRoot: nil)
        try "<!DOCTYPE html><html><body></body></html>".write(toFile: root + "/blank.html", atomically: true, encoding: .utf8)
        func shot(_ page: String, _ png: String) throws -> Int {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: browser)
            p.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--window-size=1000,1400",
                           "--user-data-dir=\(root)/profile", "--screenshot=\(png)", "file://\(page)"]
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            try p.run()
            p.waitUntilExit()
            let attrs = try FileManager.default.attributesOfItem(atPath: png)
            return (attrs[.size] as? Int) ?? 0
        }
        let blank = try shot(root + "/blank.html", root + "/blank.png")
        let report = try shot(dir + "/report.html", root + "/report.png")
        #expect(report > 0 && blank > 0)
        #expect(report > 4 * blank, "report screenshot \(report) B vs blank \(blank) B")
    }
}
