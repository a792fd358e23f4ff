// nn.LayerNorm over the channel axis as a module: registers `weight` (ones) and `bias` (zeros),
// owns its output and the per-row statistics that backward needs.

import SimbaCore

public final class LayerNormLayer: SequenceLayer {
    public let channels: Int
    public let eps: Float
    public let weight: TensorRef
    public let bias: TensorRef
    let output: FloatBuffer   // (maxRows, channels)
    let mean: FloatBuffer     // (maxRows)
    let rstd: FloatBuffer     // (maxRows)
    private var input: UnsafePointer<Float>?

    public init(_ prefix: String, channels: Int, eps: Float, store: ParameterStore, maxRows: Int) {
        self.channels = channels
        self.eps = eps
        weight = store.parameter(prefix + "weight", [channels], .constant(1))
        bias = store.parameter(prefix + "bias", [channels], .zeros)
        output = FloatBuffer(count: maxRows * channels)
        mean = FloatBuffer(count: maxRows)
        rstd = FloatBuffer(count: maxRows)
    }

    public func forward(_ input: UnsafePointer<Float>, batch: Int, length: Int) -> UnsafePointer<Float> {
        let rows = batch * length
        precondition(rows <= mean.count, "LayerNormLayer: \(rows) rows exceed the allocated maximum")
        self.input = input
        LayerNorm.forward(
            output: output.pointer, mean: mean.pointer, rstd: rstd.pointer, input: input,
            weight: weight.value, bias: bias.value, rows: rows, channels: channels, eps: eps)
        return UnsafePointer(output.pointer)
    }

    public func backward(_ dOutput: UnsafePointer<Float>, dInput: UnsafeMutablePointer<Float>, batch: Int, length: Int) {
        guard let input else { preconditionFailure("LayerNormLayer.backward before forward") }
        LayerNorm.backward(
            dInput: dInput, dWeight: weight.gradient, dBias: bias.gradient, dOutput: dOutput, input: input,
            weight: weight.value, mean: mean.pointer, rstd: rstd.pointer, rows: batch * length, channels: channels)
    }
}
