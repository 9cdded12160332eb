#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import AtlasStats

/// YCSB's ZipfianGenerator (Gray et al., "Quickly generating billion-record synthetic
/// databases"): ranks 0..<items, rank 0 most popular, P(rank i) ∝ 1/(i+1)^θ.
/// ζ(n, θ) is computed in O(1000) time for any n (exact head + Euler–Maclaurin tail) and
/// extended exactly when the item count grows, so 200M or 10G items cost nothing.
public struct ZipfianGenerator: Sendable {
    public private(set) var items: UInt64
    public let theta: Double
    public private(set) var zetaN: Double
    var alpha: Double
    var eta: Double
    let zeta2Theta: Double
    let halfPowTheta: Double

    /// - Parameters:
    ///   - items: number of ranks (≥ 1).
    ///   - theta: skew in (0, 1); YCSB's default is 0.99.
    ///   - zetaN: a precomputed ζ(items, θ) (YCSB passes a constant for 10G items).
    public init(items: UInt64, theta: Double = 0.99, zetaN: Double? = nil) {
        precondition(items >= 1, "Zipfian needs at least one item")
        precondition(theta > 0 && theta < 1, "Zipfian θ must be in (0, 1)")
        self.items = items
        self.theta = theta
        self.zetaN = zetaN ?? Self.zeta(items, theta: theta)
        zeta2Theta = Self.zeta(2, theta: theta)
        halfPowTheta = pow(0.5, theta)
        alpha = 1 / (1 - theta)
        eta = 0
        eta = computeEta()
    }

    private func computeEta() -> Double {
        (1 - pow(2.0 / Double(items), 1 - theta)) / (1 - zeta2Theta / zetaN)
    }

    /// The rank for a uniform `u` in [0, 1).
    public func rank(u: Double) -> UInt64 {
        let uz = u * zetaN
        if uz < 1 { return 0 }
        if uz < 1 + halfPowTheta { return items > 1 ? 1 : 0 }
        let r = UInt64(Double(items) * pow(eta * u - eta + 1, alpha))
        return r < items ? r : items - 1
    }

    /// One rank drawn from `stream`.
    public func next(_ stream: RandomStream) -> UInt64 { rank(u: stream.uniform()) }

    /// Grows the item count, extending ζ exactly by the new terms (YCSB's incremental zeta).
    public mutating func grow(to newItems: UInt64) {
        precondition(newItems >= items)
        guard newItems > items else { return }
        if newItems - items > 100_000 {
            zetaN = Self.zeta(newItems, theta: theta)
        } else {
            var z = zetaN
            var i = items + 1
            while i <= newItems { z += pow(Double(i), -theta); i += 1 }
            zetaN = z
        }
        items = newItems
        eta = computeEta()
    }

    /// ζ(n, θ) = Σ_{i=1..n} i^−θ: exact for the first 1000 terms, Euler–Maclaurin for the
    /// rest (error below 1e−15 relative for θ in (0, 1)).
    public static func zeta(_ n: UInt64, theta: Double) -> Double {
        let k: UInt64 = 1000
        var s = 0.0
        let head = Swift.min(n, k)
        var i: UInt64 = 1
        while i <= head { s += pow(Double(i), -theta); i += 1 }
        guard n > k else { return s }
        let a = Double(k), b = Double(n), t = theta
        func f(_ x: Double) -> Double { pow(x, -t) }
        func f1(_ x: Double) -> Double { -t * pow(x, -t - 1) }
        func f3(_ x: Double) -> Double { -t * (t + 1) * (t + 2) * pow(x, -t - 3) }
        func f5(_ x: Double) -> Double { -t * (t + 1) * (t + 2) * (t + 3) * (t + 4) * pow(x, -t - 5) }
        let integral = (pow(b, 1 - t) - pow(a, 1 - t)) / (1 - t)
        // Σ_{i=k+1..n} f(i) = ∫_k^n f + (f(n) − f(k))/2 + B2/2!·Δf' + B4/4!·Δf''' + B6/6!·Δf⁽⁵⁾
        let tail = integral + (f(b) - f(a)) / 2 + (f1(b) - f1(a)) / 12
            - (f3(b) - f3(a)) / 720 + (f5(b) - f5(a)) / 30_240
        return s + tail
    }
}
