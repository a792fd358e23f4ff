// The contract of DropPath, per-sample stochastic depth (Sources/SimbaKernels/DropPath.swift).
// Declarations only.

/// What `DropPath` does at every CPU level: each level compiles Sources/SimbaKernels/DropPath.swift,
/// whose doc comments state the contract of each function (shapes in the comments below).
public protocol DropPathKernel {
    static func makeMask(
        mask: UnsafeMutablePointer<Float>,  // (batch)
        batch: Int, probability: Float, generator: inout RandomGenerator
    )

    static func forward(
        output: UnsafeMutablePointer<Float>,  // (batch, rowSize)
        input: UnsafePointer<Float>,  // (batch, rowSize)
        mask: UnsafePointer<Float>,  // (batch), from makeMask
        batch: Int, rowSize: Int
    )

    static func backward(
        dInput: UnsafeMutablePointer<Float>,  // (batch, rowSize), +=
        dOutput: UnsafePointer<Float>,  // (batch, rowSize)
        mask: UnsafePointer<Float>,  // (batch), the forward mask
        batch: Int, rowSize: Int
    )
}
