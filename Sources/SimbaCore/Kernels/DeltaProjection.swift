// Mamba's Δ = softplus(dt_proj(dtLow)) in one pass over the rows, forward and backward as far as
// softplus's input. dt_proj has only rank (dtRank, d_model/16) inputs: as a GEMM its output is
// zeroed (beta = 0), written, and read back by a separate softplus pass, for 4–28 products each.

/// delta[r, c] = softplus(bias[c] + Σ_k dtLow[r, k]·W[c, k]) for k < rank, the sum in k order from 0
/// in fused multiply-adds, then the bias added (`Linear.forward` then `Softplus.forward`, up to the
/// order of the product's additions).
///
/// dtLow is read with row stride `inputStride`: it is the first `rank` columns of x_proj's output.
/// The weight is (channels, rank) as nn.Linear keeps it; each call transposes it once.
public enum DeltaProjection {
    typealias Vector = VectorMath.Vector
    static let lanes = Vector.scalarCount

    public static func forward(
        delta: UnsafeMutablePointer<Float>,         // (rows, channels)
        input: UnsafePointer<Float>,                // (rows, rank), row stride inputStride
        weight: UnsafePointer<Float>,               // (channels, rank)
        bias: UnsafePointer<Float>,                 // (channels)
        rows: Int, rank: Int, channels: Int, inputStride: Int
    ) {
        forEachPreActivation(
            input: input, weight: weight, bias: bias, rows: rows, rank: rank, channels: channels,
            inputStride: inputStride, cost: Softplus.forwardCost
        ) { offset, n, pre in
            VectorMath.store(Softplus.value(pre), delta + offset, n)
        }
    }

    /// dPre[r, c] = dDelta[r, c]·softplus′(pre[r, c]), with pre, softplus's input, recomputed:
    /// the output gradient `Linear.backward` takes for dt_proj.
    public static func backward(
        dPreActivation: UnsafeMutablePointer<Float>,  // (rows, channels), overwritten
        dDelta: UnsafePointer<Float>,                 // (rows, channels)
        input: UnsafePointer<Float>,                  // (rows, rank), row stride inputStride
        weight: UnsafePointer<Float>,                 // (channels, rank)
        bias: UnsafePointer<Float>,                   // (channels)
        rows: Int, rank: Int, channels: Int, inputStride: Int
    ) {
        forEachPreActivation(
            input: input, weight: weight, bias: bias, rows: rows, rank: rank, channels: channels,
            inputStride: inputStride, cost: Softplus.backwardCost
        ) { offset, n, pre in
            VectorMath.store(VectorMath.load(dDelta + offset, n) * Softplus.derivative(pre), dPreActivation + offset, n)
        }
    }

    /// Calls `body(r·channels + c, n, pre)` for every row r and 16-channel block c (n ≤ 16 lanes),
    /// rows in parallel; pre holds bias + Σ_k dtLow[r, k]·W[c…c+n, k].
    @inline(__always)
    static func forEachPreActivation(
        input: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>,
        rows: Int, rank: Int, channels: Int, inputStride: Int, cost: Int,
        _ body: (_ offset: Int, _ n: Int, _ pre: Vector) -> Void
    ) {
        precondition(rows >= 0 && rank > 0 && channels > 0 && inputStride >= rank, "DeltaProjection sizes")
        withUnsafeTemporaryAllocation(of: Float.self, capacity: rank * channels) { transposed in
            let wT = transposed.baseAddress!                                // (rank, channels)
            for c in 0..<channels {
                for k in 0..<rank { wT[k * channels + c] = weight[c * rank + k] }
            }
            Parallel.forEachRange(rows, costPerItem: channels * (rank + cost)) { range in
                for r in range {
                    let row = input + r * inputStride
                    for c in stride(from: 0, to: channels, by: lanes) {
                        let n = min(lanes, channels - c)
                        var sum = Vector.zero
                        for k in 0..<rank { sum = VectorMath.fma(VectorMath.load(wT + k * channels + c, n), row[k], sum) }
                        body(r * channels + c, n, VectorMath.load(bias + c, n) + sum)
                    }
                }
            }
        }
    }
}
