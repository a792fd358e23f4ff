// The contract of Mamba's depthwise causal convolution (Sources/SimbaKernels/CausalConv1d.swift).
// Declarations only.

/// What `CausalConv1d` does at every CPU level: each level compiles Sources/SimbaKernels/CausalConv1d.swift,
/// whose doc comments state the contract of each function (shapes in the comments below).
public protocol CausalConv1dKernel {
    static func forward(
        output: UnsafeMutablePointer<Float>,  // (batch, length, channels)
        input: UnsafePointer<Float>,  // (batch, length, channels)
        weight: UnsafePointer<Float>,  // (channels, 1, kernelSize)
        bias: UnsafePointer<Float>,  // (channels)
        batch: Int, length: Int, channels: Int, kernelSize: Int, silu: Bool
    )

    static func backward(
        dInput: UnsafeMutablePointer<Float>,  // (batch, length, channels), += (= if overwritingInput)
        dWeight: UnsafeMutablePointer<Float>,  // (channels, 1, kernelSize), +=
        dBias: UnsafeMutablePointer<Float>,  // (channels), +=
        dOutput: UnsafePointer<Float>,  // (batch, length, channels)
        input: UnsafePointer<Float>,  // (batch, length, channels)
        weight: UnsafePointer<Float>,  // (channels, 1, kernelSize)
        batch: Int, length: Int, channels: Int, kernelSize: Int, overwritingInput: Bool
    )
}
