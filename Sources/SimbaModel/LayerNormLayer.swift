// nn.LayerNorm over the channel axis as a module: registers `weight` (ones) and `bias` (zeros),
// owns the per-row statistics that backward needs and, when asked for one, its output.

import SimbaCore

public final class LayerNormLayer: SequenceLayer {
    public let channels: Int
    public let eps: Float
    public let weight: TensorRef
    public let bias: TensorRef
    /// (maxRows, channels), allocated by the first `forward` that returns it: never for a norm
    /// whose caller always passes `into:`.
    lazy var output = FloatBuffer(count: mean.count * channels)
    let mean: FloatBuffer  // (maxRows)
    let rstd: FloatBuffer  // (maxRows)
    /// Uses no scratch.
    public let scratch = Scratch()
    public var backwardReadsInput: Bool { true }
    private var input: UnsafePointer<Float>?

    public init(_ prefix: String, channels: Int, eps: Float, store: ParameterStore, maxRows: Int) {
        self.channels = channels
        self.eps = eps
        weight = store.parameter(prefix + "weight", [channels], .constant(1))
        bias = store.parameter(prefix + "bias", [channels], .zeros)
        mean = FloatBuffer(count: maxRows)
        rstd = FloatBuffer(count: maxRows)
    }

    public func forward(_ input: UnsafePointer<Float>, batch: Int, length: Int) -> UnsafePointer<Float> {
        forward(input, into: output.pointer, batch: batch, length: length)
        return UnsafePointer(output.pointer)
    }

    /// The forward written into the caller's `output` (batch·length, channels). Running it again on
    /// the same input gives the same output bit for bit, so a caller may keep the output in scratch
    /// and recompute it for backward.
    public func forward(
        _ input: UnsafePointer<Float>, into output: UnsafeMutablePointer<Float>, batch: Int, length: Int
    ) {
        let rows = batch * length
        precondition(rows <= mean.count, "LayerNormLayer: \(rows) rows exceed the allocated maximum")
        self.input = input
        Kernels.current.layerNorm.forward(
            output: output, mean: mean.pointer, rstd: rstd.pointer, input: input,
            weight: weight.value, bias: bias.value, rows: rows, channels: channels, eps: eps)
    }

    public func backward(_ dOutput: UnsafePointer<Float>, dInput: UnsafeMutablePointer<Float>, batch: Int, length: Int)
    {
        guard let input else { preconditionFailure("LayerNormLayer.backward before forward") }
        Kernels.current.layerNorm.backward(
            dInput: dInput, dWeight: weight.gradient, dBias: bias.gradient, dOutput: dOutput, input: input,
            weight: weight.value, mean: mean.pointer, rstd: rstd.pointer, rows: batch * length, channels: channels)
    }
}
