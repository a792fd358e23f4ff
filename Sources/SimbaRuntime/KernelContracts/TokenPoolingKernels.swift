// The contracts of mean and max pooling over tokens (Sources/SimbaKernels/TokenPooling.swift).
// Declarations only.

/// What `MeanPool` does at every CPU level: each level compiles Sources/SimbaKernels/TokenPooling.swift,
/// whose doc comments state the contract of each function (shapes in the comments below).
public protocol MeanPoolKernel {
    static func forward(
        output: UnsafeMutablePointer<Float>,  // (batch, channels)
        input: UnsafePointer<Float>,  // (batch, tokens, channels)
        batch: Int, tokens: Int, channels: Int
    )

    static func backward(
        dInput: UnsafeMutablePointer<Float>,  // (batch, tokens, channels), +=
        dOutput: UnsafePointer<Float>,  // (batch, channels)
        batch: Int, tokens: Int, channels: Int
    )
}

/// What `MaxPool` does at every CPU level: each level compiles Sources/SimbaKernels/TokenPooling.swift,
/// whose doc comments state the contract of each function (shapes in the comments below).
public protocol MaxPoolKernel {
    static func forward(
        output: UnsafeMutablePointer<Float>,  // (batch, channels)
        indices: UnsafeMutablePointer<Int32>,  // (batch, channels), saved for backward
        input: UnsafePointer<Float>,  // (batch, tokens, channels), samples sampleStride apart
        batch: Int, tokens: Int, channels: Int, sampleStride: Int?
    )

    static func backward(
        dInput: UnsafeMutablePointer<Float>,  // (batch, tokens, channels), +=, samples sampleStride apart
        dOutput: UnsafePointer<Float>,  // (batch, channels)
        indices: UnsafePointer<Int32>,  // (batch, channels), from forward
        batch: Int, tokens: Int, channels: Int, sampleStride: Int?
    )
}
