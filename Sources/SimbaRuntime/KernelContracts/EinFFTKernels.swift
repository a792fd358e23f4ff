// The contract of EinFFT, the channel mixer in the Fourier domain, with its workspace sizes and
// transform plan (Sources/SimbaKernels/EinFFT.swift, EinFFTTransform.swift). Declarations only.

/// What `EinFFT` does at every CPU level: each level compiles Sources/SimbaKernels/EinFFT.swift,
/// whose doc comments state the contract of each function (shapes in the comments below).
public protocol EinFFTKernel {
    static var blocks: Int { get }

    static var sparsityThreshold: Float { get }

    static func spectrumCount(batch: Int, length: Int, channels: Int) -> Int

    static func forwardWorkspaceCount(batch: Int, length: Int, channels: Int) -> Int

    static func backwardWorkspaceCount(batch: Int, length: Int, channels: Int) -> Int

    static func forward(
        output: UnsafeMutablePointer<Float>,  // (batch, length, channels)
        spectrum: UnsafeMutablePointer<Float>,  // (batch, length, 4, bs, 2): X, saved
        workspace: UnsafeMutablePointer<Float>,  // (forwardWorkspaceCount)
        input: UnsafePointer<Float>,  // (batch, length, channels)
        weight1: UnsafePointer<Float>,  // (2, 4, bs, bs): complex_weight_1
        weight2: UnsafePointer<Float>,  // (2, 4, bs, bs): complex_weight_2
        bias1: UnsafePointer<Float>,  // (2, 4, bs): complex_bias_1
        bias2: UnsafePointer<Float>,  // (2, 4, bs): complex_bias_2
        transform: FFT, batch: Int, length: Int, channels: Int
    )

    static func backward(
        dInput: UnsafeMutablePointer<Float>,  // (batch, length, channels), +=
        dWeight1: UnsafeMutablePointer<Float>,  // (2, 4, bs, bs), +=
        dWeight2: UnsafeMutablePointer<Float>,  // (2, 4, bs, bs), +=
        dBias1: UnsafeMutablePointer<Float>,  // (2, 4, bs), +=
        dBias2: UnsafeMutablePointer<Float>,  // (2, 4, bs), +=
        workspace: UnsafeMutablePointer<Float>,  // (backwardWorkspaceCount)
        dOutput: UnsafePointer<Float>,  // (batch, length, channels)
        spectrum: UnsafePointer<Float>,  // (batch, length, 4, bs, 2): X from forward
        weight1: UnsafePointer<Float>,  // (2, 4, bs, bs)
        weight2: UnsafePointer<Float>,  // (2, 4, bs, bs)
        bias1: UnsafePointer<Float>,  // (2, 4, bs)
        bias2: UnsafePointer<Float>,  // (2, 4, bs)
        transform: FFT, batch: Int, length: Int, channels: Int
    )

    static func groupWidth(length: Int, blockSize: Int) -> Int

    static func transformBufferCount(length: Int, channels: Int) -> Int

    static func makeTransform(length: Int, channels: Int, groupWidth: Int?, measure: Bool) -> FFT
}
