// The contract of the core probe's multiply-add chains (Sources/SimbaKernels/ThroughputProbe.swift).
// Declarations only.

/// What `ThroughputProbe` does at every CPU level: each level compiles
/// Sources/SimbaKernels/ThroughputProbe.swift, whose doc comment states the contract.
public protocol ThroughputProbeKernel {
    static func chains(iterations: Int) -> Float
}
