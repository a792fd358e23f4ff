// The contract of AdamW's element-wise update (Sources/SimbaKernels/AdamWUpdate.swift) and the
// coefficients of one step it reads. Declarations only: the optimizer is SimbaCore's AdamW.

/// What `AdamWUpdate` does at every CPU level: each level compiles Sources/SimbaKernels/AdamWUpdate.swift,
/// whose doc comments state the contract of each function (shapes in the comments below).
public protocol AdamWUpdateKernel {
    static func update(
        parameters p: UnsafeMutablePointer<Float>,  // (count)
        firstMoments m: UnsafeMutablePointer<Float>,  // (count)
        secondMoments v: UnsafeMutablePointer<Float>,  // (count)
        gradients g: UnsafePointer<Float>,  // (count)
        count: Int, coefficients k: AdamWCoefficients
    )
}

/// The float32 coefficients of one AdamW step (computed in double by `AdamW`): p·decay, then
/// m += firstWeight·(g − m), v = v·secondDecay + secondWeight·g², p += negativeStepSize·m/(√v/correction2Sqrt +
/// epsilon).
public struct AdamWCoefficients: Sendable {
    /// 1 − lr·weight_decay, or 1 for parameters without decay.
    public var decay: Float
    /// 1 − β1.
    public var firstWeight: Float
    /// 1 − β2.
    public var secondWeight: Float
    /// β2.
    public var secondDecay: Float
    /// −lr/(1 − β1ᵗ).
    public var negativeStepSize: Float
    /// √(1 − β2ᵗ).
    public var correction2Sqrt: Float
    public var epsilon: Float

    public init(
        decay: Float, firstWeight: Float, secondWeight: Float, secondDecay: Float, negativeStepSize: Float,
        correction2Sqrt: Float, epsilon: Float
    ) {
        self.decay = decay
        self.firstWeight = firstWeight
        self.secondWeight = secondWeight
        self.secondDecay = secondDecay
        self.negativeStepSize = negativeStepSize
        self.correction2Sqrt = correction2Sqrt
        self.epsilon = epsilon
    }
}
