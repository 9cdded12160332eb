import AtlasStats
import Yams

/// A strict reader over one YAML mapping: typed getters with defaults and range checks,
/// every error naming file:line:key, and `finish()` rejecting keys nobody asked for.
final class YAMLMap {
    let file: String
    let path: String
    let mark: Mark?
    private var entries: [(key: String, keyMark: Mark?, value: Node)] = []
    private var asked: [String] = []

    init(_ node: Node, path: String, file: String) throws(ScenarioError) {
        self.file = file
        self.path = path
        self.mark = node.mark
        guard case .mapping(let m) = node else {
            throw ScenarioError(file: file, line: node.mark?.line ?? 0, column: node.mark?.column ?? 0,
                                key: path, message: "expected a mapping (key: value lines), got \(Self.kind(of: node))")
        }
        for (k, v) in m {
            guard case .scalar(let s) = k else {
                throw ScenarioError(file: file, line: k.mark?.line ?? 0, column: k.mark?.column ?? 0, key: path,
                                    message: "keys must be plain names")
            }
            if entries.contains(where: { $0.key == s.string }) {
                throw ScenarioError(file: file, line: k.mark?.line ?? 0, column: k.mark?.column ?? 0,
                                    key: Self.join(path, s.string), message: "duplicate key")
            }
            entries.append((s.string, k.mark, v))
        }
    }

    static func join(_ path: String, _ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    static func kind(of node: Node) -> String {
        switch node {
        case .scalar(let s): return "'\(s.string)'"
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        }
    }

    func keyPath(_ key: String) -> String { Self.join(path, key) }

    /// An error at `key` (its line), or at the mapping itself when the key is absent.
    func error(_ key: String, _ message: String) -> ScenarioError {
        let m = entries.first(where: { $0.key == key })?.keyMark ?? mark
        return ScenarioError(file: file, line: m?.line ?? 0, column: m?.column ?? 0, key: keyPath(key), message: message)
    }

    func error(at node: Node, _ key: String, _ message: String) -> ScenarioError {
        ScenarioError(file: file, line: node.mark?.line ?? 0, column: node.mark?.column ?? 0, key: key, message: message)
    }

    func node(_ key: String) -> Node? {
        if !asked.contains(key) { asked.append(key) }
        return entries.first(where: { $0.key == key })?.value
    }

    func has(_ key: String) -> Bool { entries.contains(where: { $0.key == key }) }

    /// The i-th key in file order, nil past the end.
    func keyAt(_ i: Int) -> String? { i < entries.count ? entries[i].key : nil }

    /// Fails on any key no getter asked for.
    func finish() throws(ScenarioError) {
        for e in entries where !asked.contains(e.key) {
            throw ScenarioError(file: file, line: e.keyMark?.line ?? 0, column: e.keyMark?.column ?? 0,
                                key: keyPath(e.key),
                                message: "unknown key (allowed here: \(asked.sorted().joined(separator: ", ")))")
        }
    }

    // MARK: scalars

    func scalarText(_ key: String) throws(ScenarioError) -> String? {
        guard let n = node(key) else { return nil }
        guard case .scalar(let s) = n else { throw error(key, "expected a single value, got \(Self.kind(of: n))") }
        return s.string
    }

    func string(_ key: String, _ def: String) throws(ScenarioError) -> String {
        try scalarText(key) ?? def
    }

    func double(_ key: String, _ def: Double, _ ok: (Double) -> Bool = { $0.isFinite },
                _ requirement: String = "a finite number") throws(ScenarioError) -> Double {
        guard let t = try scalarText(key) else { return def }
        guard let v = Self.parseDouble(t) else { throw error(key, "expected a number, got '\(t)'") }
        guard v.isFinite, ok(v) else { throw error(key, "must be \(requirement), got \(t)") }
        return v
    }

    func int(_ key: String, _ def: Int, _ ok: (Int) -> Bool = { _ in true },
             _ requirement: String = "an integer") throws(ScenarioError) -> Int {
        guard let t = try scalarText(key) else { return def }
        guard let v = Int(t.replacingOccurrences(of: "_", with: "")) else {
            throw error(key, "expected an integer, got '\(t)'")
        }
        guard ok(v) else { throw error(key, "must be \(requirement), got \(t)") }
        return v
    }

    func int64(_ key: String, _ def: Int64, _ ok: (Int64) -> Bool = { _ in true },
               _ requirement: String = "an integer") throws(ScenarioError) -> Int64 {
        Int64(try int(key, Int(def), { ok(Int64($0)) }, requirement))
    }

    func uint64(_ key: String, _ def: UInt64) throws(ScenarioError) -> UInt64 {
        guard let t = try scalarText(key) else { return def }
        guard let v = UInt64(t.replacingOccurrences(of: "_", with: "")) else {
            throw error(key, "expected a non-negative integer, got '\(t)'")
        }
        return v
    }

    func bool(_ key: String, _ def: Bool) throws(ScenarioError) -> Bool {
        guard let t = try scalarText(key) else { return def }
        switch t.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default: throw error(key, "expected true or false, got '\(t)'")
        }
    }

    func choice<E: RawRepresentable & CaseIterable>(_ key: String, _ def: E) throws(ScenarioError) -> E
    where E.RawValue == String {
        guard let t = try scalarText(key) else { return def }
        guard let v = E(rawValue: t) else {
            throw error(key, "'\(t)' is not one of \(E.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return v
    }

    static func parseDouble(_ t: String) -> Double? {
        Double(t.replacingOccurrences(of: "_", with: ""))
    }

    // MARK: structure

    func map(_ key: String) throws(ScenarioError) -> YAMLMap? {
        guard let n = node(key) else { return nil }
        return try YAMLMap(n, path: keyPath(key), file: file)
    }

    func list(_ key: String) throws(ScenarioError) -> [Node]? {
        guard let n = node(key) else { return nil }
        guard case .sequence(let s) = n else { throw error(key, "expected a list, got \(Self.kind(of: n))") }
        return Array(s)
    }

    /// A distribution: a plain number (constant) or `{dist: NAME, params...}`.
    func distribution(_ key: String, _ def: Distribution, nonNegative: Bool = true) throws(ScenarioError) -> Distribution {
        guard let n = node(key) else { return def }
        return try Self.distribution(n, path: keyPath(key), file: file, nonNegative: nonNegative)
    }

    static func distribution(_ n: Node, path: String, file: String, nonNegative: Bool) throws(ScenarioError) -> Distribution {
        if case .scalar(let s) = n {
            guard let v = parseDouble(s.string), v.isFinite, !nonNegative || v >= 0 else {
                throw ScenarioError(file: file, line: n.mark?.line ?? 0, column: n.mark?.column ?? 0, key: path,
                                    message: "expected a number ≥ 0 or {dist: ...}, got '\(s.string)'")
            }
            return .constant(v)
        }
        let m = try YAMLMap(n, path: path, file: file)
        let kind = try m.string("dist", "")
        let d: Distribution
        switch kind {
        case "constant": d = .constant(try m.double("value", 0))
        case "uniform": d = .uniform(lower: try m.double("min", 0), upper: try m.double("max", 1))
        case "normal": d = .normal(mean: try m.double("mean", 0), sd: try m.double("sd", 1))
        case "exponential": d = .exponential(mean: try m.double("mean", 1))
        case "lognormal":
            if m.has("median") {
                let med = try m.double("median", 1, { $0 > 0 }, "> 0")
                d = .lognormal(mu: Foundation.log(med), sigma: try m.double("sigma", 0.5))
            } else {
                d = .lognormal(mu: try m.double("mu", 0), sigma: try m.double("sigma", 0.5))
            }
        case "pareto": d = .pareto(alpha: try m.double("alpha", 2), scale: try m.double("scale", 1))
        case "gamma": d = .gamma(shape: try m.double("shape", 1), scale: try m.double("scale", 1))
        case "empirical":
            let vs = try m.numbers("values")
            let ws = try m.numbers("weights")
            d = .empirical(values: vs, weights: ws.isEmpty ? vs.map { _ in 1 } : ws)
        case "": throw m.error("dist", "missing 'dist' (constant, uniform, normal, exponential, lognormal, pareto, gamma, empirical)")
        default:
            throw m.error("dist", "unknown distribution '\(kind)' (constant, uniform, normal, exponential, lognormal, pareto, gamma, empirical)")
        }
        try m.finish()
        do { _ = try d.sampler() } catch { throw m.error("dist", "\(error)") }
        if nonNegative, case .normal = d {} else if nonNegative, case .uniform(let lo, _) = d, lo < 0 {
            throw m.error("min", "must be ≥ 0 here")
        }
        return d
    }

    func numbers(_ key: String) throws(ScenarioError) -> [Double] {
        guard let items = try list(key) else { return [] }
        var out: [Double] = []
        for (i, n) in items.enumerated() {
            guard case .scalar(let s) = n, let v = Self.parseDouble(s.string), v.isFinite else {
                throw error(at: n, "\(keyPath(key))[\(i)]", "expected a number")
            }
            out.append(v)
        }
        return out
    }
}

import Foundation
