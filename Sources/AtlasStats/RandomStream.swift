import CGSL
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One named, seeded random stream backed by a GSL generator (xoshiro256**).
/// Draws never allocate; each is one or two GSL calls.
///
/// A stream is owned by one model component and must not be shared across threads.
public final class RandomStream {
    /// The stream's name within its run ("arrivals", "service", ...).
    public let name: String
    /// The 64-bit seed this stream was created with.
    public let seed: UInt64
    /// The GSL generator. Exposed for callers that want a `gsl_ran_*` not wrapped here.
    public let rng: UnsafeMutablePointer<gsl_rng>
    /// The generator's state, for the Swift fast path of raw, uniform and exponential
    /// draws (the same numbers GSL would produce, without two indirect calls).
    @usableFromInline let state: UnsafeMutablePointer<Xoshiro256StarStar.State>

    /// A stream seeded directly (prefer `RandomStreams.stream(_:)`).
    public init(seed: UInt64, name: String = "") {
        self.name = name
        self.seed = seed
        guard let r = gsl_rng_alloc(Xoshiro256StarStar.type.pointer) else {
            fatalError("gsl_rng_alloc failed (out of memory)")
        }
        rng = r
        gsl_rng_set(r, UInt(seed))
        state = r.pointee.state.assumingMemoryBound(to: Xoshiro256StarStar.State.self)
    }

    deinit { gsl_rng_free(rng) }

    /// A raw 64-bit draw.
    @inlinable public func nextUInt64() -> UInt64 { Xoshiro256StarStar.next(state) }

    /// Uniform on [0, 1) (identical to `gsl_rng_uniform` on this generator).
    @inlinable public func uniform() -> Double { Double(Xoshiro256StarStar.next(state) >> 11) * 0x1.0p-53 }

    /// Uniform on [lower, upper).
    @inlinable public func uniform(_ lower: Double, _ upper: Double) -> Double {
        gsl_ran_flat(rng, lower, upper)
    }

    /// Uniform integer in 0..<n (n ≥ 1), without modulo bias.
    @inlinable public func uniformInt(below n: UInt64) -> UInt64 {
        precondition(n > 0, "uniformInt(below:) needs n > 0")
        // Lemire's multiply-shift with rejection; GSL's uniform_int caps n at the
        // generator's range, which is 2^64 here, so doing it inline is equivalent.
        var x = nextUInt64()
        var m = x.multipliedFullWidth(by: n)
        if m.low < n {
            let t = (0 &- n) % n
            while m.low < t {
                x = nextUInt64()
                m = x.multipliedFullWidth(by: n)
            }
        }
        return m.high
    }

    /// Normal (Gaussian) with the given mean and standard deviation (ziggurat).
    @inlinable public func normal(mean: Double = 0, sd: Double = 1) -> Double {
        mean + gsl_ran_gaussian_ziggurat(rng, sd)
    }

    /// Exponential with the given mean (= 1/rate): −mean·log1p(−u), exactly
    /// `gsl_ran_exponential`'s formula, inlined.
    @inlinable public func exponential(mean: Double) -> Double {
        -mean * log1p(-uniform())
    }

    /// Lognormal: exp(N(mu, sigma²)). Median is e^mu.
    @inlinable public func lognormal(mu: Double, sigma: Double) -> Double {
        gsl_ran_lognormal(rng, mu, sigma)
    }

    /// Pareto (type I) with shape `alpha` and scale (minimum) `scale`.
    @inlinable public func pareto(alpha: Double, scale: Double) -> Double {
        gsl_ran_pareto(rng, alpha, scale)
    }

    /// Gamma with shape `k` and scale `theta` (mean kθ).
    @inlinable public func gamma(shape: Double, scale: Double) -> Double {
        gsl_ran_gamma(rng, shape, scale)
    }

    /// Poisson with the given mean.
    @inlinable public func poisson(mean: Double) -> UInt32 {
        gsl_ran_poisson(rng, mean)
    }
}
