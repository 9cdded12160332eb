import CGSL
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// xoshiro256** (Blackman & Vigna) registered as a GSL generator type, so every
/// `gsl_ran_*` distribution draws from it. Chosen over GSL's mt19937 because GSL
/// seeds mt19937 with only 32 bits, and per-stream seeds here are 64-bit hashes.
@usableFromInline enum Xoshiro256StarStar {
    /// The GSL type descriptor. GSL keeps a pointer to it in every `gsl_rng`, so it
    /// lives for the whole process.
    static let type: GSLTypeHandle = GSLTypeHandle()

    @usableFromInline struct State {
        @usableFromInline var s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64
    }

    @inlinable @inline(__always)
    static func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    @inlinable @inline(__always)
    static func next(_ p: UnsafeMutablePointer<State>) -> UInt64 {
        let result = rotl(p.pointee.s1 &* 5, 7) &* 9
        let t = p.pointee.s1 << 17
        p.pointee.s2 ^= p.pointee.s0
        p.pointee.s3 ^= p.pointee.s1
        p.pointee.s1 ^= p.pointee.s2
        p.pointee.s0 ^= p.pointee.s3
        p.pointee.s2 ^= t
        p.pointee.s3 = rotl(p.pointee.s3, 45)
        return result
    }

    static func seed(_ p: UnsafeMutablePointer<State>, _ seed: UInt64) {
        var sm = SplitMix64(seed: seed)
        p.pointee = State(s0: sm.next(), s1: sm.next(), s2: sm.next(), s3: sm.next())
        // The all-zero state is the one fixed point; SplitMix64 never yields four zeros,
        // but keep the guard explicit.
        if p.pointee.s0 | p.pointee.s1 | p.pointee.s2 | p.pointee.s3 == 0 { p.pointee.s0 = 1 }
    }
}

/// Owns the process-lifetime `gsl_rng_type` for xoshiro256**.
final class GSLTypeHandle: @unchecked Sendable {
    // Immutable after init and never freed: GSL only reads it.
    let pointer: UnsafeMutablePointer<gsl_rng_type>

    init() {
        _ = GSLSetup.once
        let name = strdup("xoshiro256starstar")
        pointer = .allocate(capacity: 1)
        pointer.initialize(to: gsl_rng_type(
            name: UnsafePointer(name),
            max: UInt.max,
            min: 0,
            size: MemoryLayout<Xoshiro256StarStar.State>.size,
            set: { state, seed in
                Xoshiro256StarStar.seed(state!.assumingMemoryBound(to: Xoshiro256StarStar.State.self), UInt64(seed))
            },
            get: { state in
                UInt(Xoshiro256StarStar.next(state!.assumingMemoryBound(to: Xoshiro256StarStar.State.self)))
            },
            get_double: { state in
                let x = Xoshiro256StarStar.next(state!.assumingMemoryBound(to: Xoshiro256StarStar.State.self))
                return Double(x >> 11) * 0x1.0p-53
            }))
    }
}

/// One-time GSL setup: GSL's default error handler aborts the process; turn it off
/// and check return codes instead.
enum GSLSetup {
    static let once: Void = { _ = gsl_set_error_handler_off() }()
}
