// The arithmetic of the bench's core probe: independent multiply-add chains that keep a core's
// vector units busy, at this module's CPU level. No timing: SimbaBench's CoreProbe times it.

import SimbaRuntime

/// 8 independent 16-lane chains a_i ← a_i·b + c: fused multiply-adds where the level has FMA,
/// a multiply and an add otherwise (never a library call per lane).
public enum ThroughputProbe {
    /// Runs the chains for `iterations` steps; returns their sum so that nothing is optimised away.
    @inline(never)
    public static func chains(iterations: Int) -> Float {
        let b = SIMD16<Float>(repeating: 0.999_999_9), c = SIMD16<Float>(repeating: 1e-7)
        var a0 = SIMD16<Float>(repeating: 1), a1 = a0 + 0.001, a2 = a0 + 0.002, a3 = a0 + 0.003
        var a4 = a0 + 0.004, a5 = a0 + 0.005, a6 = a0 + 0.006, a7 = a0 + 0.007
        for _ in 0..<iterations {
            a0 = VectorMath.fma(a0, b, c); a1 = VectorMath.fma(a1, b, c)
            a2 = VectorMath.fma(a2, b, c); a3 = VectorMath.fma(a3, b, c)
            a4 = VectorMath.fma(a4, b, c); a5 = VectorMath.fma(a5, b, c)
            a6 = VectorMath.fma(a6, b, c); a7 = VectorMath.fma(a7, b, c)
        }
        return (a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7).sum()
    }
}
