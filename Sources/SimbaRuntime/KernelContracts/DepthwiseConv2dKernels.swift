// The contract of the depthwise 3×3 convolution (Sources/SimbaKernels/DepthwiseConv2d.swift).
// Declarations only.

/// What `DepthwiseConv2d` does at every CPU level: each level compiles Sources/SimbaKernels/DepthwiseConv2d.swift,
/// whose doc comments state the contract of each function (shapes in the comments below).
public protocol DepthwiseConv2dKernel {
    static func forward(
        output: UnsafeMutablePointer<Float>,  // (batch, height, width, channels)
        input: UnsafePointer<Float>,  // (batch, height, width, channels)
        weight: UnsafePointer<Float>,  // (channels, 1, 3, 3)
        bias: UnsafePointer<Float>,  // (channels)
        batch: Int, height: Int, width: Int, channels: Int
    )

    static func backward(
        dInput: UnsafeMutablePointer<Float>,  // (batch, height, width, channels), += (= if overwritingInput)
        dWeight: UnsafeMutablePointer<Float>,  // (channels, 1, 3, 3), +=
        dBias: UnsafeMutablePointer<Float>,  // (channels), +=
        dOutput: UnsafePointer<Float>,  // (batch, height, width, channels)
        input: UnsafePointer<Float>,  // (batch, height, width, channels)
        weight: UnsafePointer<Float>,  // (channels, 1, 3, 3)
        batch: Int, height: Int, width: Int, channels: Int, overwritingInput: Bool
    )
}
