// The contracts of the element-wise activations (Sources/SimbaKernels/Activations.swift): SiLU,
// GELU and Softplus share one; ReLU and Softshrink have their own. Declarations only.

/// What SiLU, GELU and Softplus do at every CPU level: each level compiles Sources/SimbaKernels/Activations.swift,
/// whose doc comments state the contract of each function (shapes in the comments below).
public protocol PointwiseActivationKernel {
    static func forward(
        output: UnsafeMutablePointer<Float>,  // (count)
        input: UnsafePointer<Float>,  // (count)
        count: Int
    )

    static func backward(
        dInput: UnsafeMutablePointer<Float>,  // (count), +=
        dOutput: UnsafePointer<Float>,  // (count)
        input: UnsafePointer<Float>,  // (count), the forward input
        count: Int
    )

    static func backwardOverwriting(
        dInput: UnsafeMutablePointer<Float>,  // (count), overwritten
        dOutput: UnsafePointer<Float>,  // (count)
        input: UnsafePointer<Float>,  // (count), the forward input
        count: Int
    )
}

/// What `ReLU` does at every CPU level: each level compiles Sources/SimbaKernels/Activations.swift,
/// whose doc comments state the contract of each function (shapes in the comments below).
public protocol ReLUKernel {
    static func forward(
        output: UnsafeMutablePointer<Float>,  // (count)
        input: UnsafePointer<Float>,  // (count)
        count: Int
    )

    static func backward(
        dInput: UnsafeMutablePointer<Float>,  // (count), +=
        dOutput: UnsafePointer<Float>,  // (count)
        input: UnsafePointer<Float>,  // (count), the forward input
        count: Int
    )
}

/// What `Softshrink` does at every CPU level: each level compiles Sources/SimbaKernels/Activations.swift,
/// whose doc comments state the contract of each function (shapes in the comments below).
public protocol SoftshrinkKernel {
    static func forward(
        output: UnsafeMutablePointer<Float>,  // (count)
        input: UnsafePointer<Float>,  // (count)
        count: Int, lambda: Float
    )

    static func backward(
        dInput: UnsafeMutablePointer<Float>,  // (count), +=
        dOutput: UnsafePointer<Float>,  // (count)
        input: UnsafePointer<Float>,  // (count), the forward input
        count: Int, lambda: Float
    )
}
