// The element-wise steps of a Mamba layer around its scan, each fused into one pass: softplus of
// the biased step size, the SiLU gate by z and the gate's backward. No matrix products, no scan.

/// Fused element-wise passes of `Mamba` (mamba_ssm's `Mamba.forward` with the slow path's order
import SimbaRuntime

/// of operations). Values equal the unfused kernels' (`Softplus.forward`, `SiLU.forward` and a
/// product): the same vector formulas in the same order.
public enum MambaGates {
    typealias Vector = VectorMath.Vector

    /// delta = softplus(dtPre + bias) per row, in one pass: the same values as a biased `dt_proj`
    /// (bias first, then the product added) followed by Softplus.
    public static func softplusWithBias(
        delta: UnsafeMutablePointer<Float>,  // (rows, dInner), overwritten
        dtPre: UnsafePointer<Float>,  // (rows, dInner), dt_proj without its bias
        bias: UnsafePointer<Float>,  // (dInner)
        rows: Int, dInner: Int
    ) {
        Parallel.forEachRange(rows, costPerItem: Softplus.forwardCost * dInner) { range in
            for r in range {
                for c in stride(from: 0, to: dInner, by: Vector.scalarCount) {
                    let n = min(Vector.scalarCount, dInner - c)
                    let pre = VectorMath.load(bias + c, n) + VectorMath.load(dtPre + r * dInner + c, n)
                    VectorMath.store(Softplus.value(pre), delta + r * dInner + c, n)
                }
            }
        }
    }

    /// gated = scanOut ⊙ silu(z), element-wise in one pass.
    public static func gateBySiLU(
        gated: UnsafeMutablePointer<Float>,  // (count), overwritten
        scanOut: UnsafePointer<Float>,  // (count)
        z: UnsafePointer<Float>,  // (count)
        count: Int
    ) {
        Parallel.forEachVector(count, costPerItem: SiLU.forwardCost) { i, n in
            VectorMath.store(VectorMath.load(scanOut + i, n) * SiLU.value(VectorMath.load(z + i, n)), gated + i, n)
        }
    }

    /// zAct = silu(z) and gated = scanOut ⊙ zAct, element-wise in one pass (the values
    /// `SiLU.forward` and `gateBySiLU` compute).
    public static func siluAndGate(
        zAct: UnsafeMutablePointer<Float>,  // (count), overwritten
        gated: UnsafeMutablePointer<Float>,  // (count), overwritten
        scanOut: UnsafePointer<Float>,  // (count)
        z: UnsafePointer<Float>,  // (count)
        count: Int
    ) {
        Parallel.forEachVector(count, costPerItem: SiLU.forwardCost) { i, n in
            let activated = SiLU.value(VectorMath.load(z + i, n))
            VectorMath.store(activated, zAct + i, n)
            VectorMath.store(VectorMath.load(scanOut + i, n) * activated, gated + i, n)
        }
    }

    /// The gate's backward in one pass: dY = dGated ⊙ zAct and dZ = (dGated ⊙ scanOut)·silu′(z),
    /// both overwritten. dZ may be zAct's buffer (each element is read before it is written).
    public static func gateBackward(
        dY: UnsafeMutablePointer<Float>,  // (count), overwritten
        dZ: UnsafeMutablePointer<Float>,  // (count), overwritten; may be zAct
        dGated: UnsafePointer<Float>,  // (count)
        zAct: UnsafePointer<Float>,  // (count), silu(z) from siluAndGate
        scanOut: UnsafePointer<Float>,  // (count)
        z: UnsafePointer<Float>,  // (count)
        count: Int
    ) {
        Parallel.forEachVector(count, costPerItem: SiLU.backwardCost) { i, n in
            let g = VectorMath.load(dGated + i, n)
            VectorMath.store(g * VectorMath.load(zAct + i, n), dY + i, n)
            VectorMath.store(
                g * VectorMath.load(scanOut + i, n) * SiLU.derivative(VectorMath.load(z + i, n)), dZ + i, n)
        }
    }
}
