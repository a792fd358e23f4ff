// A small, seedable, serialisable random generator (xoshiro256**) with the uniform and normal
// draws that initialisation, DropPath and data augmentation need. Not cryptographic.

import Foundation

/// xoshiro256** seeded through SplitMix64, so any 64-bit seed gives a well-mixed state.
///
/// The state is four words and can be saved in a checkpoint, so a resumed run draws the same
/// numbers as the run that never stopped.
public struct RandomGenerator: RandomNumberGenerator, Sendable, Equatable {
    public var state: (UInt64, UInt64, UInt64, UInt64)

    public init(seed: UInt64) {
        var s = seed
        func splitMix() -> UInt64 {
            s &+= 0x9E37_79B9_7F4A_7C15
            var z = s
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        state = (splitMix(), splitMix(), splitMix(), splitMix())
    }

    public static func == (a: RandomGenerator, b: RandomGenerator) -> Bool {
        a.state == b.state
    }

    public mutating func next() -> UInt64 {
        let result = rotl(state.1 &* 5, 7) &* 9
        let t = state.1 << 17
        state.2 ^= state.0
        state.3 ^= state.1
        state.1 ^= state.2
        state.0 ^= state.3
        state.2 ^= t
        state.3 = rotl(state.3, 45)
        return result
    }

    private func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    /// Uniform in [0, 1) with 24 random bits.
    public mutating func uniform() -> Float {
        Float(next() >> 40) * (1.0 / 16_777_216.0)
    }

    /// Uniform in [low, high).
    public mutating func uniform(_ low: Float, _ high: Float) -> Float {
        low + (high - low) * uniform()
    }

    /// Standard normal by Box–Muller (double precision inside).
    public mutating func normal() -> Float {
        let u1 = Double(next() >> 11) * 0x1.0p-53
        let u2 = Double(next() >> 11) * 0x1.0p-53
        let radius = (-2 * log(max(u1, 0x1.0p-60))).squareRoot()
        return Float(radius * cos(2 * Double.pi * u2))
    }

    /// Independent generator for stream `index` (a rank, a worker, an epoch) derived from this one.
    public func split(_ index: UInt64) -> RandomGenerator {
        RandomGenerator(seed: state.0 ^ (index &* 0xD1B5_4A32_D192_ED03) ^ state.2)
    }
}
