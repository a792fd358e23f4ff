// nn.Linear as a module: registers `weight` (out, in) and optional `bias` (out), owns its output
// buffer. The arithmetic is the `Linear` kernel; no activation.

import SimbaCore

public final class LinearLayer: SequenceLayer {
    public let inFeatures: Int
    public let outFeatures: Int
    public let weight: TensorRef
    public let bias: TensorRef?
    let output: FloatBuffer  // (maxRows, outFeatures)
    /// Uses no scratch.
    public let scratch = Scratch()
    public var backwardReadsInput: Bool { true }
    private var input: UnsafePointer<Float>?

    /// Registers `prefix + "weight"` and, when `bias`, `prefix + "bias"` with PyTorch's default
    /// init (U(±1/√in) for both) unless `weightInit`/`biasInit` say otherwise.
    public init(
        _ prefix: String, inFeatures: Int, outFeatures: Int, bias hasBias: Bool = true,
        store: ParameterStore, maxRows: Int,
        weightInit: Initializer? = nil, biasInit: Initializer? = nil
    ) {
        self.inFeatures = inFeatures
        self.outFeatures = outFeatures
        let bound = 1 / Float(inFeatures).squareRoot()
        weight = store.parameter(
            prefix + "weight", [outFeatures, inFeatures], weightInit ?? .uniform(bound: bound), role: .linearWeight)
        bias =
            hasBias
            ? store.parameter(prefix + "bias", [outFeatures], biasInit ?? .uniform(bound: bound), role: .linearBias)
            : nil
        output = FloatBuffer(count: maxRows * outFeatures)
    }

    public func forward(_ input: UnsafePointer<Float>, batch: Int, length: Int) -> UnsafePointer<Float> {
        let rows = batch * length
        precondition(rows * outFeatures <= output.count, "LinearLayer: \(rows) rows exceed the allocated maximum")
        self.input = input
        Kernels.current.linear.forward(
            output: output.pointer, input: input, weight: weight.value, bias: bias?.value,
            rows: rows, inFeatures: inFeatures, outFeatures: outFeatures)
        return UnsafePointer(output.pointer)
    }

    public func backward(_ dOutput: UnsafePointer<Float>, dInput: UnsafeMutablePointer<Float>, batch: Int, length: Int)
    {
        backward(dOutput, dInputOrNil: dInput, batch: batch, length: length)
    }

    /// Backward that may skip the input gradient (nil) when nothing upstream needs it.
    public func backward(
        _ dOutput: UnsafePointer<Float>, dInputOrNil dInput: UnsafeMutablePointer<Float>?, batch: Int, length: Int
    ) {
        guard let input else { preconditionFailure("LinearLayer.backward before forward") }
        Kernels.current.linear.backward(
            dInput: dInput, dWeight: weight.gradient, dBias: bias?.gradient, dOutput: dOutput,
            input: input, weight: weight.value, rows: batch * length, inFeatures: inFeatures, outFeatures: outFeatures)
    }
}
