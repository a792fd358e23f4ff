// The contract of LayerNorm over the last dimension (Sources/SimbaKernels/LayerNorm.swift).
// Declarations only.

/// What `LayerNorm` does at every CPU level: each level compiles Sources/SimbaKernels/LayerNorm.swift,
/// whose doc comments state the contract of each function (shapes in the comments below).
public protocol LayerNormKernel {
    static func forward(
        output: UnsafeMutablePointer<Float>,  // (rows, channels)
        mean: UnsafeMutablePointer<Float>,  // (rows), saved for backward
        rstd: UnsafeMutablePointer<Float>,  // (rows), saved for backward
        input: UnsafePointer<Float>,  // (rows, channels)
        weight: UnsafePointer<Float>,  // (channels)
        bias: UnsafePointer<Float>,  // (channels)
        rows: Int, channels: Int, eps: Float
    )

    static func backward(
        dInput: UnsafeMutablePointer<Float>,  // (rows, channels), +=
        dWeight: UnsafeMutablePointer<Float>,  // (channels), +=
        dBias: UnsafeMutablePointer<Float>,  // (channels), +=
        dOutput: UnsafePointer<Float>,  // (rows, channels)
        input: UnsafePointer<Float>,  // (rows, channels)
        weight: UnsafePointer<Float>,  // (channels)
        mean: UnsafePointer<Float>,  // (rows), from forward
        rstd: UnsafePointer<Float>,  // (rows), from forward
        rows: Int, channels: Int
    )
}
