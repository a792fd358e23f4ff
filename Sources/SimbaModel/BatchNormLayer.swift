// nn.BatchNorm2d on NHWC images as a module: `weight`, `bias` and the running-statistics buffers;
// batch statistics in training mode (momentum 0.1, eps 1e-5; over every process's rows when the
// context sums over slices), running statistics in eval mode.
// The output goes where the caller says: backward reads the input, not the output.

import SimbaCore

public final class BatchNormLayer {
    public let channels: Int
    public let eps: Float = 1e-5
    public let momentum: Float = 0.1
    let weight: TensorRef, bias: TensorRef
    let runningMean: TensorRef, runningVar: TensorRef
    let context: RunContext
    let savedMean: FloatBuffer  // (channels)
    let savedRstd: FloatBuffer  // (channels)
    private var input: UnsafePointer<Float>?
    private var trainedThisStep = true

    public init(_ prefix: String, channels: Int, context: RunContext, store: ParameterStore) {
        self.channels = channels
        self.context = context
        weight = store.parameter(prefix + "weight", [channels], .constant(1))
        bias = store.parameter(prefix + "bias", [channels], .zeros)
        runningMean = store.buffer(prefix + "running_mean", [channels], .zeros)
        runningVar = store.buffer(prefix + "running_var", [channels], .constant(1))
        savedMean = FloatBuffer(count: channels)
        savedRstd = FloatBuffer(count: channels)
    }

    /// input (rows, channels) → output (rows, channels), rows = batch·height·width; `input` is kept,
    /// unchanged, for backward.
    public func forward(_ input: UnsafePointer<Float>, into output: UnsafeMutablePointer<Float>, rows: Int) {
        self.input = input
        trainedThisStep = context.training
        if context.training, let sum = context.sumOverSlices {
            SynchronizedBatchNorm.forwardTraining(
                output: output, savedMean: savedMean.pointer, savedRstd: savedRstd.pointer,
                runningMean: runningMean.value, runningVar: runningVar.value, input: input,
                weight: weight.value, bias: bias.value, rows: rows, channels: channels, eps: eps, momentum: momentum,
                sum: sum)
        } else if context.training {
            Kernels.current.batchNorm2d.forwardTraining(
                output: output, savedMean: savedMean.pointer, savedRstd: savedRstd.pointer,
                runningMean: runningMean.value, runningVar: runningVar.value, input: input,
                weight: weight.value, bias: bias.value, rows: rows, channels: channels, eps: eps, momentum: momentum)
        } else {
            Kernels.current.batchNorm2d.forwardEval(
                output: output, input: input, weight: weight.value, bias: bias.value,
                runningMean: runningMean.value, runningVar: runningVar.value, rows: rows, channels: channels, eps: eps)
        }
    }

    public func backward(_ dOutput: UnsafePointer<Float>, dInput: UnsafeMutablePointer<Float>, rows: Int) {
        guard let input else { preconditionFailure("BatchNormLayer.backward before forward") }
        if trainedThisStep, let sum = context.sumOverSlices {
            SynchronizedBatchNorm.backwardTraining(
                dInput: dInput, dWeight: weight.gradient, dBias: bias.gradient, dOutput: dOutput, input: input,
                weight: weight.value, savedMean: savedMean.pointer, savedRstd: savedRstd.pointer, rows: rows,
                channels: channels, sum: sum)
        } else if trainedThisStep {
            Kernels.current.batchNorm2d.backwardTraining(
                dInput: dInput, dWeight: weight.gradient, dBias: bias.gradient, dOutput: dOutput, input: input,
                weight: weight.value, savedMean: savedMean.pointer, savedRstd: savedRstd.pointer, rows: rows,
                channels: channels)
        } else {
            Kernels.current.batchNorm2d.backwardEval(
                dInput: dInput, dWeight: weight.gradient, dBias: bias.gradient, dOutput: dOutput, input: input,
                weight: weight.value, runningMean: runningMean.value, runningVar: runningVar.value,
                rows: rows, channels: channels, eps: eps)
        }
    }
}
