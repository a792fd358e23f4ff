// The MLP channel mixers: `FFN` (fc1 → GELU → fc2) and `PVT2FFN` (fc1 → depthwise 3×3 conv on the
// token grid → GELU → fc2), one class since they differ only by the conv. No dropout inside.

import SimbaCore

/// FFN or PVT2FFN on (batch, H·W, channels) tokens; hidden width `hidden`.
///
/// Tensors: `fc1.weight` (hidden, C), `fc1.bias`, [`dwconv.dwconv.weight` (hidden, 1, 3, 3),
/// `dwconv.dwconv.bias`], `fc2.weight` (C, hidden), `fc2.bias` — PyTorch state_dict order.
///
/// Keeps fc1's output, the conv output (PVT2FFN) and the GELU output, (maxRows, hidden) each, and
/// reads its input again in backward (fc1's weight gradient). Scratch: backward two or three
/// (maxRows, hidden) gradients.
public final class ChannelMLP: SequenceLayer {
    public let channels: Int
    public let hidden: Int
    /// (height, width) of the token grid for the depthwise conv; nil for the plain FFN.
    public let grid: (height: Int, width: Int)?
    let fc1: LinearLayer
    let dwWeight: TensorRef?
    let dwBias: TensorRef?
    let fc2: LinearLayer
    let convOutput: FloatBuffer  // (maxRows, hidden) when grid != nil
    let activation: FloatBuffer  // (maxRows, hidden)
    /// Backward: the gradients of the GELU output, of its input and (PVT2FFN) of fc1's output.
    public let scratch: Scratch
    public var backwardReadsInput: Bool { true }

    public init(
        _ prefix: String, channels: Int, hidden: Int, grid: (height: Int, width: Int)?,
        store: ParameterStore, maxBatch: Int
    ) {
        self.channels = channels
        self.hidden = hidden
        self.grid = grid
        let maxRows = maxBatch * (grid.map { $0.height * $0.width } ?? 1)
        fc1 = LinearLayer(prefix + "fc1.", inFeatures: channels, outFeatures: hidden, store: store, maxRows: maxRows)
        if grid != nil {
            let bound = 1 / Float(9).squareRoot()  // nn.Conv2d default: U(±1/√fan_in), fan_in = 1·3·3
            dwWeight = store.parameter(
                prefix + "dwconv.dwconv.weight", [hidden, 1, 3, 3], .uniform(bound: bound),
                role: .conv2dWeight(fanOut: 9))
            dwBias = store.parameter(prefix + "dwconv.dwconv.bias", [hidden], .uniform(bound: bound), role: .conv2dBias)
        } else {
            dwWeight = nil
            dwBias = nil
        }
        fc2 = LinearLayer(prefix + "fc2.", inFeatures: hidden, outFeatures: channels, store: store, maxRows: maxRows)
        let hiddenCount = maxRows * hidden
        convOutput = FloatBuffer(count: grid == nil ? 0 : hiddenCount)
        activation = FloatBuffer(count: hiddenCount)
        scratch = Scratch(backward: [hiddenCount, hiddenCount, grid == nil ? 0 : hiddenCount])
    }

    /// The tensor GELU reads: the conv output for PVT2FFN, fc1's output for FFN.
    private var preActivation: UnsafeMutablePointer<Float> {
        grid == nil ? fc1.output.pointer : convOutput.pointer
    }

    public func forward(_ input: UnsafePointer<Float>, batch: Int, length: Int) -> UnsafePointer<Float> {
        let rows = batch * length
        let h1 = fc1.forward(input, batch: batch, length: length)  // (rows, hidden)
        if let grid, let dwWeight, let dwBias {
            precondition(length == grid.height * grid.width, "PVT2FFN: \(length) tokens ≠ grid \(grid)")
            Kernels.current.depthwiseConv2d.forward(
                output: convOutput.pointer, input: h1, weight: dwWeight.value, bias: dwBias.value,
                batch: batch, height: grid.height, width: grid.width, channels: hidden)
        }
        Kernels.current.gelu.forward(output: activation.pointer, input: preActivation, count: rows * hidden)
        return fc2.forward(activation.pointer, batch: batch, length: length)  // (rows, channels)
    }

    public func backward(_ dOutput: UnsafePointer<Float>, dInput: UnsafeMutablePointer<Float>, batch: Int, length: Int)
    {
        let count = batch * length * hidden
        scratch.withBackward { buffers in
            let dActivation = buffers.take(count), dPreActivation = buffers.take(count)
            let dHidden = buffers.take(grid == nil ? 0 : count)
            Parallel.zero(dActivation, count: count)
            fc2.backward(dOutput, dInput: dActivation, batch: batch, length: length)
            Kernels.current.gelu.backwardOverwriting(
                dInput: dPreActivation, dOutput: dActivation, input: preActivation, count: count)
            var dFc1Output = dPreActivation
            if let grid, let dwWeight, let dwBias {
                Kernels.current.depthwiseConv2d.backward(
                    dInput: dHidden, dWeight: dwWeight.gradient, dBias: dwBias.gradient,
                    dOutput: dPreActivation, input: fc1.output.pointer, weight: dwWeight.value,
                    batch: batch, height: grid.height, width: grid.width, channels: hidden, overwritingInput: true)
                dFc1Output = dHidden
            }
            fc1.backward(dFc1Output, dInput: dInput, batch: batch, length: length)
        }
    }
}
