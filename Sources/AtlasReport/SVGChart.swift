import Foundation

/// A self-contained SVG line chart (no scripts, no external resources).
public struct SVGChart {
    public struct Series {
        public var name: String
        public var points: [(x: Double, y: Double)]
        public init(name: String, points: [(x: Double, y: Double)]) {
            self.name = name
            self.points = points
        }
    }
    /// A shaded x-interval (a fault); `end == start` draws a line.
    public struct Band {
        public var start: Double
        public var end: Double
        public var label: String
        public init(start: Double, end: Double, label: String) {
            self.start = start
            self.end = end
            self.label = label
        }
    }

    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var series: [Series]
    public var bands: [Band] = []
    public var logX = false
    public var width = 880.0
    public var height = 300.0

    static let palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"]

    public init(title: String, xLabel: String, yLabel: String, series: [Series], bands: [Band] = [], logX: Bool = false) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.series = series
        self.bands = bands
        self.logX = logX
    }

    public func render() -> String {
        let left = 64.0, right = 160.0, top = 28.0, bottom = 44.0
        let pw = width - left - right, ph = height - top - bottom
        let pts = series.flatMap(\.points).filter { $0.x.isFinite && $0.y.isFinite && (!logX || $0.x > 0) }
        var x0 = pts.map(\.x).min() ?? 0, x1 = pts.map(\.x).max() ?? 1
        for b in bands { x0 = Swift.min(x0, b.start); x1 = Swift.max(x1, b.end) }
        if logX { x0 = log10(Swift.max(x0, 1e-6)); x1 = log10(Swift.max(x1, 1e-6)) }
        if x1 <= x0 { x1 = x0 + 1 }
        let y0 = Swift.min(0, pts.map(\.y).min() ?? 0)
        var y1 = pts.map(\.y).max() ?? 1
        if y1 <= y0 { y1 = y0 + 1 }
        y1 += (y1 - y0) * 0.05
        func sx(_ x: Double) -> Double { left + ((logX ? log10(Swift.max(x, 1e-6)) : x) - x0) / (x1 - x0) * pw }
        func sy(_ y: Double) -> Double { top + ph - (y - y0) / (y1 - y0) * ph }
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(f(width))\" height=\"\(f(height))\" "
            + "viewBox=\"0 0 \(f(width)) \(f(height))\" font-family=\"sans-serif\" font-size=\"11\">"
        s += "<rect x=\"0\" y=\"0\" width=\"\(f(width))\" height=\"\(f(height))\" fill=\"#ffffff\"/>"
        s += "<text x=\"\(f(left))\" y=\"16\" font-size=\"13\" font-weight=\"bold\">\(esc(title))</text>"
        for b in bands {
            let bx0 = sx(b.start), bx1 = Swift.max(sx(b.end), bx0 + 1.5)
            s += "<rect x=\"\(f(bx0))\" y=\"\(f(top))\" width=\"\(f(bx1 - bx0))\" height=\"\(f(ph))\" fill=\"#f4a261\" fill-opacity=\"0.25\">"
                + "<title>\(esc(b.label))</title></rect>"
            s += "<text x=\"\(f(bx0 + 2))\" y=\"\(f(top + 10))\" font-size=\"9\" fill=\"#9c4a00\">\(esc(String(b.label.prefix(28))))</text>"
        }
        // Axes and ticks.
        s += "<rect x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(pw))\" height=\"\(f(ph))\" fill=\"none\" stroke=\"#888\"/>"
        for i in 0...4 {
            let yv = y0 + (y1 - y0) * Double(i) / 4
            let yy = sy(yv)
            s += "<line x1=\"\(f(left))\" x2=\"\(f(left + pw))\" y1=\"\(f(yy))\" y2=\"\(f(yy))\" stroke=\"#eee\"/>"
            s += "<text x=\"\(f(left - 4))\" y=\"\(f(yy + 4))\" text-anchor=\"end\">\(tick(yv))</text>"
            let xv = x0 + (x1 - x0) * Double(i) / 4
            let xx = left + pw * Double(i) / 4
            s += "<text x=\"\(f(xx))\" y=\"\(f(top + ph + 14))\" text-anchor=\"middle\">\(tick(logX ? pow(10, xv) : xv))</text>"
        }
        s += "<text x=\"\(f(left + pw / 2))\" y=\"\(f(height - 8))\" text-anchor=\"middle\">\(esc(xLabel))</text>"
        s += "<text transform=\"translate(14 \(f(top + ph / 2))) rotate(-90)\" text-anchor=\"middle\">\(esc(yLabel))</text>"
        for (i, ser) in series.enumerated() {
            let color = Self.palette[i % Self.palette.count]
            let p = ser.points.filter { $0.x.isFinite && $0.y.isFinite && (!logX || $0.x > 0) }
            if !p.isEmpty {
                let d = p.map { "\(f(sx($0.x))),\(f(sy($0.y)))" }.joined(separator: " ")
                s += "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"1.6\" points=\"\(d)\"/>"
            }
            let ly = top + 14 + Double(i) * 16
            s += "<rect x=\"\(f(left + pw + 12))\" y=\"\(f(ly - 8))\" width=\"12\" height=\"3\" fill=\"\(color)\"/>"
            s += "<text x=\"\(f(left + pw + 28))\" y=\"\(f(ly - 4))\">\(esc(ser.name))</text>"
        }
        return s + "</svg>"
    }

    func f(_ v: Double) -> String { String(format: "%.1f", v) }

    func tick(_ v: Double) -> String {
        let a = Swift.abs(v)
        if a == 0 { return "0" }
        if a >= 1e6 { return String(format: "%.1fM", v / 1e6) }
        if a >= 1e4 { return String(format: "%.0fk", v / 1e3) }
        if a >= 100 { return String(format: "%.0f", v) }
        if a >= 1 { return String(format: "%.1f", v) }
        return String(format: "%.3g", v)
    }
}

/// HTML/XML text escaping.
func esc(_ s: String) -> String {
    var o = ""
    for c in s {
        switch c {
        case "&": o += "&amp;"
        case "<": o += "&lt;"
        case ">": o += "&gt;"
        case "\"": o += "&quot;"
        default: o.append(c)
        }
    }
    return o
}
