// exp, log1p and erfc on 16 floats at once, for the element-wise kernels that would otherwise call
// libm one element at a time (approximations with stated error), and the exact square root.

import CVectorBuiltins
import SimbaRuntime

/// Vector transcendental functions on `SIMD16<Float>` (one AVX-512 register, two AVX2 ones or four SSE
/// ones, by the level the kernels are compiled for).
///
/// Each is a polynomial or rational approximation evaluated lane by lane with no branches, so a
/// loop over an array vectorises. Errors, measured against libm over the ranges the activations
/// use (VectorMathTests checks them): `exp` ≤ 2 ulp, `log1p` ≤ 3 ulp on [0, 1], `erfc` relative
/// error ≤ 1.2e-7 (Numerical Recipes' `erfcc` Chebyshev fit) times the error of its `exp`.
public enum VectorMath {
    public typealias Vector = SIMD16<Float>

    @usableFromInline static let log2e: Float = 1.442_695_040_888_963_4
    /// ln 2 split in two so that n·ln2High is exact for |n| < 2^9 (Cody–Waite reduction).
    @usableFromInline static let ln2High: Float = 0.693_359_375
    @usableFromInline static let ln2Low: Float = -2.121_944_400_546_905_8e-4
    /// Below this exp(x) is under the smallest normal float; exp returns 0 there.
    @usableFromInline static let expLow: Float = -87.336_544
    /// Above this exp(x) overflows; exp returns +inf there.
    @usableFromInline static let expHigh: Float = 88.722_839

    /// e^x: x = n·ln 2 + r with |r| ≤ ½ln 2, e^r by Cephes' degree-6 polynomial (in fused
    /// multiply-adds, as every polynomial here), 2^n from the exponent bits. 0 below −87.34, +inf above 88.72, NaN for
    /// NaN.
    @_transparent
    public static func exp(_ x: Vector) -> Vector {
        var clamped = x.replacing(with: expLow, where: x .< expLow)
        clamped = clamped.replacing(with: expHigh, where: clamped .> expHigh)
        // Adding 1.5·2^23 rounds to an integer held in the low mantissa bits.
        let magic: Float = 12_582_912
        var shifted = fma(clamped, log2e, magic)
        let n = shifted - magic
        let r = fma(n, -ln2Low, fma(n, -ln2High, clamped))
        var p = fma(Vector(repeating: 1.987_569_150_0e-4), r, 1.398_199_950_7e-3)
        p = fma(p, r, 8.333_451_907_3e-3)
        p = fma(p, r, 4.166_579_589_4e-2)
        p = fma(p, r, 1.666_666_545_9e-1)
        p = fma(p, r, 5.000_000_120_1e-1)
        let er = fma(p, r * r, r + 1)
        // 2^n with n + 127 in the exponent field; n reaches 128 only near the upper clamp, where
        // 2^127 is used and the result doubled.
        let top = n .> 127
        shifted = shifted.replacing(with: shifted - 1, where: top)
        let bits = (unsafeBitCast(shifted, to: SIMD16<UInt32>.self) &+ 127) &<< 23
        var result = er * unsafeBitCast(bits, to: Vector.self)
        result = result.replacing(with: result * 2, where: top)
        result = result.replacing(with: 0, where: x .< expLow)
        result = result.replacing(with: .infinity, where: x .> expHigh)
        return result.replacing(with: x, where: x .!= x)
    }

    /// log(1 + u) for u ≥ 0 (the softplus range u = e^(−|x|) ∈ [0, 1]): w = 1 + u, log w by
    /// Cephes' logf polynomial, then the rounding of 1 + u is undone with log1p(u) = log(w)·u/(w − 1)
    /// (Goldberg's correction), so tiny u keep full relative precision.
    @_transparent
    public static func log1p(_ u: Vector) -> Vector {
        let w = 1 + u
        // w = m·2^e with m in [√½, √2): read the exponent field, then fold m above √2 down.
        let bits = unsafeBitCast(w, to: SIMD16<Int32>.self)
        // The exponent field k as a float without a lane-by-lane conversion: 2^23 + k has k in its
        // mantissa bits.
        var e = unsafeBitCast((bits &>> 23) | 0x4B00_0000, to: Vector.self) - (8_388_608 + 127)
        var m = unsafeBitCast((bits & 0x007F_FFFF) | 0x3F80_0000, to: Vector.self)  // [1, 2)
        let big = m .> 1.414_213_56
        m = m.replacing(with: m * 0.5, where: big)
        e = e.replacing(with: e + 1, where: big)
        let f = m - 1  // [−0.29, 0.41)
        let z = f * f
        var p = fma(Vector(repeating: 7.037_683_629_2e-2), f, -1.151_461_031_0e-1)
        p = fma(p, f, 1.167_699_874_0e-1)
        p = fma(p, f, -1.242_014_084_6e-1)
        p = fma(p, f, 1.424_932_278_7e-1)
        p = fma(p, f, -1.666_805_766_5e-1)
        p = fma(p, f, 2.000_071_476_5e-1)
        p = fma(p, f, -2.499_999_399_3e-1)
        p = fma(p, f, 3.333_333_117_4e-1)
        var logW = fma(e, ln2Low, f * z * p)
        logW = fma(z, -0.5, logW)
        logW = fma(e, ln2High, f + logW)
        let denominator = w - 1
        let corrected = logW * u / denominator
        return corrected.replacing(with: u, where: denominator .== 0)
    }

    /// erfc(x) = 1 − erf(x) with relative error ≤ 1.2e-7 for every x (Numerical Recipes §6.2,
    /// `erfcc`): t = 1/(1 + |x|/2), erfc(|x|) = t·exp(−x² + P(t)), erfc(−x) = 2 − erfc(x).
    @_transparent
    public static func erfc(_ x: Vector) -> Vector {
        let z = x.replacing(with: -x, where: x .< 0)
        let t = 1 / (1 + 0.5 * z)
        var p = fma(Vector(repeating: 0.170_872_77), t, -0.822_152_23)
        p = fma(p, t, 1.488_515_87)
        p = fma(p, t, -1.135_203_98)
        p = fma(p, t, 0.278_868_07)
        p = fma(p, t, -0.186_288_06)
        p = fma(p, t, 0.096_784_18)
        p = fma(p, t, 0.374_091_96)
        p = fma(p, t, 1.000_023_68)
        p = fma(p, t, -1.265_512_23)
        let positive = t * exp(fma(z, -z, p))
        return positive.replacing(with: 2 - positive, where: x .< 0)
    }

    /// The correctly rounded square root of each lane (IEEE, like Float.squareRoot()), as one vector
    /// instruction: `SIMD16.squareRoot()` runs sixteen scalar square roots, each behind a branch to
    /// libm for errno.
    @inline(__always)
    public static func squareRoot(_ v: Vector) -> Vector { simba_sqrt16(v) }

    /// x − ⌊x⌋ ∈ [0, 1), exact: one `vreduceps` with AVX-512; otherwise x is first clamped to
    /// [−126, 127], as `scale` clamps it, and ⌊x⌋ is one `vroundps` at the avx2 level.
    @inline(__always)
    public static func fraction(_ x: Vector) -> Vector { simba_fraction16(x) }

    /// p·2^⌊x⌋ for p in [1, 2): one `vscalefps` with AVX-512 (exact while the result is a normal
    /// float, denormal or 0 below, inf above); otherwise x is clamped to [−126, 127] and ⌊x⌋ added
    /// to p's exponent bits (exact, the same bits as the multiply).
    @inline(__always)
    public static func scale(_ p: Vector, _ x: Vector) -> Vector { simba_scale16(p, x) }

    /// Starts loading the cache line at `p` for a later read (a hint; any address is allowed).
    @inline(__always)
    public static func prefetch(_ p: UnsafeRawPointer) { simba_prefetch(p) }

    /// a·b + c, lane by lane, for vectors of any width: with one rounding (one FMA instruction) at the
    /// levels that have FMA; at the baseline level a multiply then an add, each rounded, in vector
    /// registers (x86-64 without FMA would otherwise call libm's fmaf once per lane).
    @inline(__always)
    public static func fma<V: SIMD>(_ a: V, _ b: V, _ c: V) -> V where V.Scalar == Float {
        #if SIMBA_FMA
            c.addingProduct(a, b)
        #else
            a * b + c
        #endif
    }

    @inline(__always)
    public static func fma(_ a: Vector, _ b: Float, _ c: Vector) -> Vector { fma(a, Vector(repeating: b), c) }

    @inline(__always)
    public static func fma(_ a: Vector, _ b: Vector, _ c: Float) -> Vector { fma(a, b, Vector(repeating: c)) }

    @inline(__always)
    public static func fma(_ a: Vector, _ b: Float, _ c: Float) -> Vector {
        fma(a, Vector(repeating: b), Vector(repeating: c))
    }

    /// The sum of the 16 lanes as a tree of halves (4 vector adds instead of 15 dependent ones).
    @inline(__always)
    public static func laneSum(_ v: Vector) -> Float {
        let eight = v.lowHalf + v.highHalf
        let four = eight.lowHalf + eight.highHalf
        let two = four.lowHalf + four.highHalf
        return two[0] + two[1]
    }

    /// `count` floats from `p` into a vector; lanes at or past `count` (≤ 16) read as 0.
    @inline(__always)
    public static func load(_ p: UnsafePointer<Float>, _ count: Int) -> Vector {
        if count == Vector.scalarCount { return UnsafeRawPointer(p).loadUnaligned(as: Vector.self) }
        var v = Vector.zero
        for i in 0..<count { v[i] = p[i] }
        return v
    }

    /// The first `count` lanes of `v` to `p`.
    @inline(__always)
    public static func store(_ v: Vector, _ p: UnsafeMutablePointer<Float>, _ count: Int) {
        if count == Vector.scalarCount { UnsafeMutableRawPointer(p).storeBytes(of: v, as: Vector.self); return }
        for i in 0..<count { p[i] = v[i] }
    }
}
