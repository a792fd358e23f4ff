// SiMBA's `MambaLayer`: LayerNorm (eps 1e-5) then the Mamba block, as the token mixer of a Block.
// No residual here: the Block adds it.

import SimbaCore

/// `attn.norm` + `attn.mamba` on (batch, length, dModel).
///
/// The normalised input lives in scratch during forward and is recomputed (bit for bit) for
/// backward, where Mamba needs it for in_proj's weight gradient.
public final class MambaLayer: SequenceLayer {
    let norm: LayerNormLayer
    let mamba: Mamba
    let dModel: Int
    /// Forward: the normalised input (maxRows, dModel). Backward: it again, and its gradient.
    public let scratch: Scratch
    public var backwardReadsInput: Bool { true }
    private var input: UnsafePointer<Float>?

    public init(
        _ prefix: String, dModel: Int, sizes: MambaSizes, store: ParameterStore, maxBatch: Int,
        maxLength: Int
    ) {
        self.dModel = dModel
        norm = LayerNormLayer(
            prefix + "norm.", channels: dModel, eps: 1e-5, store: store, maxRows: maxBatch * maxLength)
        mamba = Mamba(
            store: store, prefix: prefix + "mamba.", dModel: dModel, dState: sizes.dState, dConv: sizes.dConv,
            expand: sizes.expand, maxBatch: maxBatch, maxLength: maxLength)
        let count = maxBatch * maxLength * dModel
        scratch = Scratch(forward: [count], backward: [count, count], children: [mamba.scratch])
    }

    /// Returns Mamba's output, in Mamba's scratch.
    public func forward(_ input: UnsafePointer<Float>, batch: Int, length: Int) -> UnsafePointer<Float> {
        self.input = input
        return scratch.withForward { buffers in
            let normed = buffers.take(batch * length * dModel)
            norm.forward(input, into: normed, batch: batch, length: length)
            return mamba.forward(normed, batch: batch, length: length)
        }
    }

    public func backward(_ dOutput: UnsafePointer<Float>, dInput: UnsafeMutablePointer<Float>, batch: Int, length: Int)
    {
        guard let input else { preconditionFailure("MambaLayer.backward called before forward") }
        let count = batch * length * dModel
        scratch.withBackward { buffers in
            let normed = buffers.take(count), dNormed = buffers.take(count)
            norm.forward(input, into: normed, batch: batch, length: length)
            Parallel.zero(dNormed, count: count)
            mamba.backward(dOutput, input: normed, dInput: dNormed, batch: batch, length: length)
            norm.backward(dNormed, dInput: dInput, batch: batch, length: length)
        }
    }
}
