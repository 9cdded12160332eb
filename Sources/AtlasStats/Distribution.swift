#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A distribution described as data (scenario files, cost models). Build a
/// `DistributionSampler` once, then draw from it without allocating.
public enum Distribution: Sendable, Hashable, Codable {
    /// Always `value`.
    case constant(Double)
    /// Uniform on [lower, upper).
    case uniform(lower: Double, upper: Double)
    /// Normal with mean and standard deviation.
    case normal(mean: Double, sd: Double)
    /// Exponential with the given mean (1/rate).
    case exponential(mean: Double)
    /// exp(N(mu, sigma²)); the median is e^mu.
    case lognormal(mu: Double, sigma: Double)
    /// Pareto type I: shape `alpha`, minimum `scale`.
    case pareto(alpha: Double, scale: Double)
    /// Gamma with shape and scale (mean = shape × scale).
    case gamma(shape: Double, scale: Double)
    /// Poisson with the given mean (integer-valued).
    case poisson(mean: Double)
    /// One of `values` with probability proportional to `weights`.
    case empirical(values: [Double], weights: [Double])
    /// Data given as a histogram: uniform within each bin, bins weighted by `counts`.
    case histogram(edges: [Double], counts: [Double])

    /// The distribution's mean where it is finite and known in closed form.
    public var mean: Double? {
        switch self {
        case .constant(let v): return v
        case .uniform(let a, let b): return (a + b) / 2
        case .normal(let m, _): return m
        case .exponential(let m): return m
        case .lognormal(let mu, let s): return exp(mu + s * s / 2)
        case .pareto(let a, let b): return a > 1 ? a * b / (a - 1) : nil
        case .gamma(let k, let t): return k * t
        case .poisson(let m): return m
        case .empirical(let v, let w):
            let tw = w.reduce(0, +)
            return tw > 0 ? zip(v, w).reduce(0) { $0 + $1.0 * $1.1 } / tw : nil
        case .histogram(let e, let c):
            let tc = c.reduce(0, +)
            guard tc > 0, e.count == c.count + 1 else { return nil }
            var s = 0.0
            for i in c.indices { s += c[i] * (e[i] + e[i + 1]) / 2 }
            return s / tc
        }
    }

    /// Checks the parameters and prepares tables (alias table, histogram pdf).
    public func sampler() throws(DistributionError) -> DistributionSampler {
        try DistributionSampler(self)
    }
}

/// A ready-to-draw distribution. Draws are one or two GSL calls and never allocate.
public struct DistributionSampler {
    public let distribution: Distribution
    // A trivial tag plus parameters (rather than an enum with class payloads), so a
    // draw never retains or releases anything.
    @usableFromInline enum Tag: UInt8 {
        case constant, uniform, normal, exponential, lognormal, pareto, gamma, poisson, empirical, histogram
    }
    @usableFromInline let tag: Tag
    @usableFromInline let a: Double
    @usableFromInline let b: Double
    @usableFromInline let discrete: DiscreteSampler?
    @usableFromInline let values: [Double]
    @usableFromInline let histogram: HistogramSampler?

    public init(_ d: Distribution) throws(DistributionError) {
        distribution = d
        func need(_ ok: Bool, _ msg: @autoclosure () -> String) throws(DistributionError) {
            if !ok { throw .invalid(msg()) }
        }
        var a = 0.0, b = 0.0
        var discrete: DiscreteSampler?
        var values: [Double] = []
        var histogram: HistogramSampler?
        switch d {
        case .constant(let v):
            try need(v.isFinite, "constant: value must be finite")
            tag = .constant; a = v
        case .uniform(let lo, let hi):
            try need(lo.isFinite && hi.isFinite && lo < hi, "uniform: need finite lower < upper, got [\(lo), \(hi))")
            tag = .uniform; a = lo; b = hi
        case .normal(let m, let s):
            try need(m.isFinite && s.isFinite && s >= 0, "normal: need finite mean and sd ≥ 0")
            tag = .normal; a = m; b = s
        case .exponential(let m):
            try need(m.isFinite && m > 0, "exponential: mean must be > 0, got \(m)")
            tag = .exponential; a = m
        case .lognormal(let mu, let s):
            try need(mu.isFinite && s.isFinite && s >= 0, "lognormal: need finite mu and sigma ≥ 0")
            tag = .lognormal; a = mu; b = s
        case .pareto(let al, let sc):
            try need(al.isFinite && sc.isFinite && al > 0 && sc > 0, "pareto: alpha and scale must be > 0")
            tag = .pareto; a = al; b = sc
        case .gamma(let k, let t):
            try need(k.isFinite && t.isFinite && k > 0 && t > 0, "gamma: shape and scale must be > 0")
            tag = .gamma; a = k; b = t
        case .poisson(let m):
            try need(m.isFinite && m >= 0, "poisson: mean must be ≥ 0")
            tag = .poisson; a = m
        case .empirical(let vs, let ws):
            try need(vs.count == ws.count, "empirical: \(vs.count) values but \(ws.count) weights")
            try need(vs.allSatisfy(\.isFinite), "empirical: values must be finite")
            tag = .empirical; discrete = try DiscreteSampler(weights: ws); values = vs
        case .histogram(let edges, let counts):
            tag = .histogram; histogram = try HistogramSampler(edges: edges, counts: counts)
        }
        self.a = a
        self.b = b
        self.discrete = discrete
        self.values = values
        self.histogram = histogram
    }

    /// One draw from `stream`.
    @inlinable
    public func sample(_ stream: RandomStream) -> Double {
        switch tag {
        case .constant: return a
        case .uniform: return stream.uniform(a, b)
        case .normal: return stream.normal(mean: a, sd: b)
        case .exponential: return stream.exponential(mean: a)
        case .lognormal: return stream.lognormal(mu: a, sigma: b)
        case .pareto: return stream.pareto(alpha: a, scale: b)
        case .gamma: return stream.gamma(shape: a, scale: b)
        case .poisson: return Double(stream.poisson(mean: a))
        case .empirical: return values[discrete.unsafelyUnwrapped.sample(stream)]
        case .histogram: return histogram.unsafelyUnwrapped.sample(stream)
        }
    }
}
