// The contracts of the losses: cross-entropy, MSE and MAE (Sources/SimbaKernels/Losses.swift).
// Declarations only.

/// What `CrossEntropy` does at every CPU level: each level compiles Sources/SimbaKernels/Losses.swift,
/// whose doc comments state the contract of each function (shapes in the comments below).
public protocol CrossEntropyKernel {
    static func forward(
        probabilities: UnsafeMutablePointer<Float>,  // (batch, classes), softmax(logits), saved for backward
        logits: UnsafePointer<Float>,  // (batch, classes)
        targets: UnsafePointer<Float>,  // (batch, classes), rows of probabilities
        batch: Int, classes: Int
    ) -> Float

    static func backward(
        dLogits: UnsafeMutablePointer<Float>,  // (batch, classes), +=
        probabilities: UnsafePointer<Float>,  // (batch, classes), from forward
        targets: UnsafePointer<Float>,  // (batch, classes)
        batch: Int, classes: Int, dLoss: Float
    )

    static func smoothedOneHot(
        targets: UnsafeMutablePointer<Float>,  // (batch, classes)
        labels: UnsafePointer<Int32>,  // (batch), each in 0..<classes
        batch: Int, classes: Int, smoothing: Float
    )
}

/// What `MeanSquaredError` does at every CPU level: each level compiles Sources/SimbaKernels/Losses.swift,
/// whose doc comments state the contract of each function (shapes in the comments below).
public protocol MeanSquaredErrorKernel {
    static func forward(
        prediction: UnsafePointer<Float>,  // (count)
        target: UnsafePointer<Float>,  // (count)
        count: Int
    ) -> Float

    static func backward(
        dPrediction: UnsafeMutablePointer<Float>,  // (count), +=
        prediction: UnsafePointer<Float>,  // (count)
        target: UnsafePointer<Float>,  // (count)
        count: Int, dLoss: Float
    )
}

/// What `MeanAbsoluteError` does at every CPU level: each level compiles Sources/SimbaKernels/Losses.swift,
/// whose doc comments state the contract of each function (shapes in the comments below).
public protocol MeanAbsoluteErrorKernel {
    static func forward(
        prediction: UnsafePointer<Float>,  // (count)
        target: UnsafePointer<Float>,  // (count)
        count: Int
    ) -> Float
}
