#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import AtlasStats

/// An open-loop arrival stream: arrivals happen at their scheduled times whatever the
/// system does (no coordinated omission).
public struct ArrivalConfig: Sendable, Equatable, Codable {
    public enum Process: String, Sendable, Equatable, Codable {
        /// Exponential gaps (non-homogeneous Poisson when the rate varies).
        case poisson
        /// Evenly spaced arrivals at the current rate (wrk2's constant throughput).
        case constant
    }

    public var process: Process
    /// The base rate, per second.
    public var ratePerSecond: Double
    /// A daily (or any period) rate curve; nil for a flat rate.
    public var diurnal: DiurnalCurve?
    /// Windows in which the rate is multiplied.
    public var bursts: [Burst]

    public init(process: Process = .poisson, ratePerSecond: Double, diurnal: DiurnalCurve? = nil, bursts: [Burst] = []) {
        self.process = process
        self.ratePerSecond = ratePerSecond
        self.diurnal = diurnal
        self.bursts = bursts
    }
}

/// rate(t) = base × (1 + amplitude × cos(2π (t − peakAtSeconds) / periodSeconds)).
public struct DiurnalCurve: Sendable, Equatable, Codable {
    /// Relative swing in [0, 1): 0.5 means the rate varies from 0.5× to 1.5× of base.
    public var amplitude: Double
    public var periodSeconds: Double
    /// Offset from the start of the run of the peak.
    public var peakAtSeconds: Double

    public init(amplitude: Double, periodSeconds: Double = 86_400, peakAtSeconds: Double = 0) {
        self.amplitude = amplitude
        self.periodSeconds = periodSeconds
        self.peakAtSeconds = peakAtSeconds
    }

    public func factor(atSeconds t: Double) -> Double {
        1 + amplitude * cos(2 * Double.pi * (t - peakAtSeconds) / periodSeconds)
    }
}

/// The rate is multiplied by `multiplier` for `durationSeconds` from `startSeconds`
/// (seconds from the start of the run).
public struct Burst: Sendable, Equatable, Codable {
    public var startSeconds: Double
    public var durationSeconds: Double
    public var multiplier: Double

    public init(startSeconds: Double, durationSeconds: Double, multiplier: Double) {
        self.startSeconds = startSeconds
        self.durationSeconds = durationSeconds
        self.multiplier = multiplier
    }
}
