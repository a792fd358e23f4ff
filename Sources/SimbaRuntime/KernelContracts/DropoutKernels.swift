// The contract of element-wise dropout (Sources/SimbaKernels/Dropout.swift).
// Declarations only.

/// What `Dropout` does at every CPU level: each level compiles Sources/SimbaKernels/Dropout.swift,
/// whose doc comments state the contract of each function (shapes in the comments below).
public protocol DropoutKernel {
    static func makeMask(
        mask: UnsafeMutablePointer<Float>,  // (count)
        count: Int, probability: Float, generator: inout RandomGenerator
    )

    static func forward(
        output: UnsafeMutablePointer<Float>,  // (count)
        input: UnsafePointer<Float>,  // (count)
        mask: UnsafePointer<Float>,  // (count), from makeMask
        count: Int
    )

    static func backward(
        dInput: UnsafeMutablePointer<Float>,  // (count), +=
        dOutput: UnsafePointer<Float>,  // (count)
        mask: UnsafePointer<Float>,  // (count), the forward mask
        count: Int
    )
}
