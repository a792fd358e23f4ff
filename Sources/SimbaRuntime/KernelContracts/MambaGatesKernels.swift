// The contract of Mamba's fused element-wise passes around the scan
// (Sources/SimbaKernels/MambaGates.swift). Declarations only.

/// What `MambaGates` does at every CPU level: each level compiles Sources/SimbaKernels/MambaGates.swift,
/// whose doc comments state the contract of each function (shapes in the comments below).
public protocol MambaGatesKernel {
    static func softplusWithBias(
        delta: UnsafeMutablePointer<Float>,  // (rows, dInner), overwritten
        dtPre: UnsafePointer<Float>,  // (rows, dInner), dt_proj without its bias
        bias: UnsafePointer<Float>,  // (dInner)
        rows: Int, dInner: Int
    )

    static func gateBySiLU(
        gated: UnsafeMutablePointer<Float>,  // (count), overwritten
        scanOut: UnsafePointer<Float>,  // (count)
        z: UnsafePointer<Float>,  // (count)
        count: Int
    )

    static func siluAndGate(
        zAct: UnsafeMutablePointer<Float>,  // (count), overwritten
        gated: UnsafeMutablePointer<Float>,  // (count), overwritten
        scanOut: UnsafePointer<Float>,  // (count)
        z: UnsafePointer<Float>,  // (count)
        count: Int
    )

    static func gateBackward(
        dY: UnsafeMutablePointer<Float>,  // (count), overwritten
        dZ: UnsafeMutablePointer<Float>,  // (count), overwritten; may be zAct
        dGated: UnsafePointer<Float>,  // (count)
        zAct: UnsafePointer<Float>,  // (count), silu(z) from siluAndGate
        scanOut: UnsafePointer<Float>,  // (count)
        z: UnsafePointer<Float>,  // (count)
        count: Int
    )
}
