// The contract of Mamba's selective scan and its buffer sizes (Sources/SimbaKernels/SelectiveScan.swift).
// Declarations only.

/// What `SelectiveScan` does at every CPU level: each level compiles Sources/SimbaKernels/SelectiveScan.swift,
/// whose doc comments state the contract of each function (shapes in the comments below).
public protocol SelectiveScanKernel {
    static func savedStateCount(batch: Int, length: Int, dInner: Int, dState: Int, chunk: Int) -> Int

    static func backwardScratchCount(batch: Int, length: Int, dInner: Int, dState: Int, chunk: Int) -> Int

    static func forward(
        y: UnsafeMutablePointer<Float>,  // (batch, length, dInner)
        savedStates: UnsafeMutablePointer<Float>?,  // (savedStateCount), overwritten; nil: inference
        x: UnsafePointer<Float>,  // (batch, length, dInner)
        delta: UnsafePointer<Float>,  // (batch, length, dInner), already softplus'ed
        a: UnsafePointer<Float>,  // (dInner, dState), A = −exp(A_log)
        b: UnsafePointer<Float>,  // (batch·length) rows of stride bcStride, dState used
        c: UnsafePointer<Float>,  // (batch·length) rows of stride bcStride, dState used
        d: UnsafePointer<Float>,  // (dInner)
        bcStride: Int,
        batch: Int, length: Int, dInner: Int, dState: Int, chunk: Int
    )

    static func backward(
        dX: UnsafeMutablePointer<Float>,  // (batch, length, dInner), +=
        dDelta: UnsafeMutablePointer<Float>,  // (batch, length, dInner), +=
        dA: UnsafeMutablePointer<Float>,  // (dInner, dState), +=
        dB: UnsafeMutablePointer<Float>,  // (batch·length) rows of stride bcStride, +=
        dC: UnsafeMutablePointer<Float>,  // (batch·length) rows of stride bcStride, +=
        dD: UnsafeMutablePointer<Float>,  // (dInner), +=
        scratch: UnsafeMutablePointer<Float>,  // (backwardScratchCount)
        dY: UnsafePointer<Float>,  // (batch, length, dInner)
        savedStates: UnsafePointer<Float>,  // (savedStateCount), from forward
        x: UnsafePointer<Float>,  // (batch, length, dInner)
        delta: UnsafePointer<Float>,  // (batch, length, dInner)
        a: UnsafePointer<Float>,  // (dInner, dState)
        b: UnsafePointer<Float>,  // (batch·length) rows of stride bcStride
        c: UnsafePointer<Float>,  // (batch·length) rows of stride bcStride
        d: UnsafePointer<Float>,  // (dInner)
        bcStride: Int,
        batch: Int, length: Int, dInner: Int, dState: Int, chunk: Int
    )
}
