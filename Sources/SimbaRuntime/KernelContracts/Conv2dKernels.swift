// The contract of the 2-D convolution through im2col and BLAS, and its direct forward
// (Sources/SimbaKernels/Conv2d.swift, DirectConv2d.swift), and the column order they share.

/// What `Conv2d` does at every CPU level: each level compiles Sources/SimbaKernels/Conv2d.swift,
/// whose doc comments state the contract of each function (shapes in the comments below).
public protocol Conv2dKernel {
    static func columnOrder(rows: Int, outChannels: Int) -> Conv2dColumnOrder

    static func outputSize(_ size: Int, kernel: Int, stride: Int, padding: Int) -> Int

    static func forward(
        output: UnsafeMutablePointer<Float>,  // (batch, outH, outW, outChannels)
        columns: UnsafeMutablePointer<Float>,  // (batch·outH·outW, inChannels·k·k) scratch, kept for backward
        input: UnsafePointer<Float>,  // (batch, height, width, inChannels)
        weight: UnsafePointer<Float>,  // (outChannels, inChannels, k, k)
        bias: UnsafePointer<Float>?,  // (outChannels)
        batch: Int, height: Int, width: Int, inChannels: Int, outChannels: Int,
        kernel: Int, stride: Int, padding: Int
    )

    static func backward(
        dInput: UnsafeMutablePointer<Float>?,  // (batch, height, width, inChannels), += ; nil: not needed
        dWeight: UnsafeMutablePointer<Float>,  // (outChannels, inChannels, k, k), +=
        dBias: UnsafeMutablePointer<Float>?,  // (outChannels), +=
        dColumns: UnsafeMutablePointer<Float>?,  // (batch·outH·outW, inChannels·k·k) scratch; with dInput
        dOutput: UnsafePointer<Float>,  // (batch, outH, outW, outChannels)
        columns: UnsafePointer<Float>,  // (batch·outH·outW, inChannels·k·k), from forward
        weight: UnsafePointer<Float>,  // (outChannels, inChannels, k, k)
        batch: Int, height: Int, width: Int, inChannels: Int, outChannels: Int,
        kernel: Int, stride: Int, padding: Int
    )

    static func im2col(
        columns: UnsafeMutablePointer<Float>,  // (batch·outH·outW, inChannels·k·k)
        input: UnsafePointer<Float>,  // (batch, height, width, inChannels)
        batch: Int, height: Int, width: Int, inChannels: Int,
        outHeight: Int, outWidth: Int, kernel: Int, stride: Int, padding: Int, order: Conv2dColumnOrder
    )

    static func directForwardApplies(rows: Int, outChannels: Int) -> Bool

    static func directForward(
        output: UnsafeMutablePointer<Float>,  // (batch, outH, outW, outChannels)
        input: UnsafePointer<Float>,  // (batch, height, width, inChannels)
        weight: UnsafePointer<Float>,  // (outChannels, inChannels, k, k)
        bias: UnsafePointer<Float>?,  // (outChannels)
        batch: Int, height: Int, width: Int, inChannels: Int, outChannels: Int,
        kernel: Int, stride: Int, padding: Int
    )
}

/// How a row of `columns` lists one output pixel's receptive field.
///
/// `channelMajor`: column ci·k·k + ky·k + kx, PyTorch's weight order, so W (out, in, kh, kw) is
/// the (out, K) matrix as stored; but each tap's channels land k·k floats apart.
/// `tapMajor`: column (ky·k + kx)·inC + ci, each tap's channels one contiguous copy of the
/// pixel's, for a weight permuted to (out, kh, kw, in) on every call (out·K floats, and its
/// gradient permuted back). Used when rows ≥ 4·out, where unrolling the input costs more than
/// permuting the weight: the stem (16 384 rows of 32 channels at 64×64) but not the last
/// downsampling (64 rows of 512).
public enum Conv2dColumnOrder: Sendable { case channelMajor, tapMajor }
