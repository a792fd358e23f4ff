// Linear layer y = x·Wᵀ + b (PyTorch `nn.Linear`), forward and backward, each one GEMM over all
// rows. Its naive twin is in the tests. No activation, no dropout.

import SimbaRuntime

/// `nn.Linear`: weight (out, in), optional bias (out); input (rows, in) → output (rows, out).
///
/// Backward, like every backward in simba, ACCUMULATES (`+=`) into dInput, dWeight and dBias,
/// so zeroing gradients is one memset per step and residual branches just add.
///
/// `inputStride` (default inFeatures) is the row stride of `input` and `dInputStride` that of
/// `dInput`, so the input can be the first columns of a wider matrix (Mamba's dt_proj reads dtLow
/// inside the x_proj output) without a copy.
public enum Linear {
    public static func forward(
        output: UnsafeMutablePointer<Float>,  // (rows, outFeatures)
        input: UnsafePointer<Float>,  // (rows, inFeatures), row stride inputStride
        weight: UnsafePointer<Float>,  // (outFeatures, inFeatures)
        bias: UnsafePointer<Float>?,  // (outFeatures)
        rows: Int, inFeatures: Int, outFeatures: Int, inputStride: Int? = nil
    ) {
        if let bias {
            Parallel.forEachRange(rows, costPerItem: outFeatures) { range in
                for r in range { (output + r * outFeatures).update(from: bias, count: outFeatures) }
            }
        }
        BLAS.gemm(
            transposeA: false, transposeB: true, m: rows, n: outFeatures, k: inFeatures,
            a: input, lda: inputStride ?? inFeatures, b: weight, ldb: inFeatures,
            beta: bias == nil ? 0 : 1, c: output, ldc: outFeatures)
    }

    public static func backward(
        dInput: UnsafeMutablePointer<Float>?,  // (rows, inFeatures), row stride dInputStride, += ; nil: not needed
        dWeight: UnsafeMutablePointer<Float>,  // (outFeatures, inFeatures), +=
        dBias: UnsafeMutablePointer<Float>?,  // (outFeatures), +=
        dOutput: UnsafePointer<Float>,  // (rows, outFeatures)
        input: UnsafePointer<Float>,  // (rows, inFeatures), row stride inputStride
        weight: UnsafePointer<Float>,  // (outFeatures, inFeatures)
        rows: Int, inFeatures: Int, outFeatures: Int, inputStride: Int? = nil, dInputStride: Int? = nil
    ) {
        if let dInput {
            BLAS.gemm(
                transposeA: false, transposeB: false, m: rows, n: inFeatures, k: outFeatures,
                a: dOutput, lda: outFeatures, b: weight, ldb: inFeatures,
                beta: 1, c: dInput, ldc: dInputStride ?? inFeatures)
        }
        BLAS.gemm(
            transposeA: true, transposeB: false, m: outFeatures, n: inFeatures, k: rows,
            a: dOutput, lda: outFeatures, b: input, ldb: inputStride ?? inFeatures,
            beta: 1, c: dWeight, ldc: inFeatures)
        if let dBias { ChannelTiles.addColumnSums(dBias, of: dOutput, rows: rows, channels: outFeatures) }
    }
}
