// The contract of SiMBA-TS's per-series normalisation (Sources/SimbaKernels/InstanceNorm.swift).
// Declarations only.

/// What `InstanceNorm` does at every CPU level: each level compiles Sources/SimbaKernels/InstanceNorm.swift,
/// whose doc comments state the contract of each function (shapes in the comments below).
public protocol InstanceNormKernel {
    static var eps: Double { get }

    static func forward(
        normalized: UnsafeMutablePointer<Float>,  // (batch, L, M), or (batch, M, L) when `transposed`
        mean: UnsafeMutablePointer<Float>,  // (batch, M)
        std: UnsafeMutablePointer<Float>,  // (batch, M)
        window: UnsafePointer<Float>,  // (batch, L, M)
        batch: Int, length: Int, variates: Int, revin: Bool, transposed: Bool
    )

    static func denormalize(
        _ forecast: UnsafeMutablePointer<Float>,  // (batch, H, M)
        mean: UnsafePointer<Float>,  // (batch, M)
        std: UnsafePointer<Float>,  // (batch, M)
        batch: Int, horizon: Int, variates: Int
    )
}
