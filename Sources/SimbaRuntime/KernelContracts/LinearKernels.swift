// The contract of the linear layer through BLAS (Sources/SimbaKernels/Linear.swift).
// Declarations only.

/// What `Linear` does at every CPU level: each level compiles Sources/SimbaKernels/Linear.swift,
/// whose doc comments state the contract of each function (shapes in the comments below).
public protocol LinearKernel {
    static func forward(
        output: UnsafeMutablePointer<Float>,  // (rows, outFeatures)
        input: UnsafePointer<Float>,  // (rows, inFeatures), row stride inputStride
        weight: UnsafePointer<Float>,  // (outFeatures, inFeatures)
        bias: UnsafePointer<Float>?,  // (outFeatures)
        rows: Int, inFeatures: Int, outFeatures: Int, inputStride: Int?
    )

    static func backward(
        dInput: UnsafeMutablePointer<Float>?,  // (rows, inFeatures), row stride dInputStride, += ; nil: not needed
        dWeight: UnsafeMutablePointer<Float>,  // (outFeatures, inFeatures), +=
        dBias: UnsafeMutablePointer<Float>?,  // (outFeatures), +=
        dOutput: UnsafePointer<Float>,  // (rows, outFeatures)
        input: UnsafePointer<Float>,  // (rows, inFeatures), row stride inputStride
        weight: UnsafePointer<Float>,  // (outFeatures, inFeatures)
        rows: Int, inFeatures: Int, outFeatures: Int, inputStride: Int?, dInputStride: Int?
    )
}

extension LinearKernel {
    /// `forward` of contiguous input rows (stride `inFeatures`).
    public static func forward(
        output: UnsafeMutablePointer<Float>, input: UnsafePointer<Float>, weight: UnsafePointer<Float>,
        bias: UnsafePointer<Float>?, rows: Int, inFeatures: Int, outFeatures: Int
    ) {
        forward(
            output: output, input: input, weight: weight, bias: bias,
            rows: rows, inFeatures: inFeatures, outFeatures: outFeatures, inputStride: nil)
    }

    /// `backward` of contiguous rows (`input` and `dInput` of stride `inFeatures`).
    public static func backward(
        dInput: UnsafeMutablePointer<Float>?, dWeight: UnsafeMutablePointer<Float>, dBias: UnsafeMutablePointer<Float>?,
        dOutput: UnsafePointer<Float>, input: UnsafePointer<Float>, weight: UnsafePointer<Float>,
        rows: Int, inFeatures: Int, outFeatures: Int
    ) {
        backward(
            dInput: dInput, dWeight: dWeight, dBias: dBias, dOutput: dOutput, input: input, weight: weight,
            rows: rows, inFeatures: inFeatures, outFeatures: outFeatures, inputStride: nil, dInputStride: nil)
    }
}
