// The contract of BatchNorm2d over channels-last rows (Sources/SimbaKernels/BatchNorm2d.swift).
// Declarations only.

/// What `BatchNorm2d` does at every CPU level: each level compiles Sources/SimbaKernels/BatchNorm2d.swift,
/// whose doc comments state the contract of each function (shapes in the comments below).
public protocol BatchNorm2dKernel {
    static func forwardTraining(
        output: UnsafeMutablePointer<Float>,  // (rows, channels)
        savedMean: UnsafeMutablePointer<Float>,  // (channels), batch mean, saved for backward
        savedRstd: UnsafeMutablePointer<Float>,  // (channels), 1/√(biased var + eps), saved for backward
        runningMean: UnsafeMutablePointer<Float>,  // (channels), updated in place
        runningVar: UnsafeMutablePointer<Float>,  // (channels), updated in place
        input: UnsafePointer<Float>,  // (rows, channels)
        weight: UnsafePointer<Float>,  // (channels)
        bias: UnsafePointer<Float>,  // (channels)
        rows: Int, channels: Int, eps: Float, momentum: Float
    )

    static func forwardEval(
        output: UnsafeMutablePointer<Float>,  // (rows, channels)
        input: UnsafePointer<Float>,  // (rows, channels)
        weight: UnsafePointer<Float>,  // (channels)
        bias: UnsafePointer<Float>,  // (channels)
        runningMean: UnsafePointer<Float>,  // (channels)
        runningVar: UnsafePointer<Float>,  // (channels)
        rows: Int, channels: Int, eps: Float
    )

    static func backwardTraining(
        dInput: UnsafeMutablePointer<Float>,  // (rows, channels), +=
        dWeight: UnsafeMutablePointer<Float>,  // (channels), +=
        dBias: UnsafeMutablePointer<Float>,  // (channels), +=
        dOutput: UnsafePointer<Float>,  // (rows, channels)
        input: UnsafePointer<Float>,  // (rows, channels)
        weight: UnsafePointer<Float>,  // (channels)
        savedMean: UnsafePointer<Float>,  // (channels), from forwardTraining
        savedRstd: UnsafePointer<Float>,  // (channels), from forwardTraining
        rows: Int, channels: Int
    )

    static func backwardEval(
        dInput: UnsafeMutablePointer<Float>,  // (rows, channels), +=
        dWeight: UnsafeMutablePointer<Float>,  // (channels), +=
        dBias: UnsafeMutablePointer<Float>,  // (channels), +=
        dOutput: UnsafePointer<Float>,  // (rows, channels)
        input: UnsafePointer<Float>,  // (rows, channels)
        weight: UnsafePointer<Float>,  // (channels)
        runningMean: UnsafePointer<Float>,  // (channels)
        runningVar: UnsafePointer<Float>,  // (channels)
        rows: Int, channels: Int, eps: Float
    )
}
