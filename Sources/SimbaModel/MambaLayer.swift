// SiMBA's `MambaLayer`: LayerNorm (eps 1e-5) then the Mamba block, as the token mixer of a Block.
// No residual here: the Block adds it.

import SimbaCore

/// `attn.norm` + `attn.mamba` on (batch, length, dModel).
public final class MambaLayer: SequenceLayer {
    let norm: LayerNormLayer
    let mamba: Mamba
    let dNormOutput: FloatBuffer  // (maxRows, dModel)
    let dModel: Int

    public init(_ prefix: String, dModel: Int, dState: Int, store: ParameterStore, maxBatch: Int, maxLength: Int) {
        self.dModel = dModel
        norm = LayerNormLayer(prefix + "norm.", channels: dModel, eps: 1e-5, store: store, maxRows: maxBatch * maxLength)
        mamba = Mamba(store: store, prefix: prefix + "mamba.", dModel: dModel, dState: dState, maxBatch: maxBatch, maxLength: maxLength)
        dNormOutput = FloatBuffer(count: maxBatch * maxLength * dModel)
    }

    public func forward(_ input: UnsafePointer<Float>, batch: Int, length: Int) -> UnsafePointer<Float> {
        mamba.forward(norm.forward(input, batch: batch, length: length), batch: batch, length: length)
    }

    public func backward(_ dOutput: UnsafePointer<Float>, dInput: UnsafeMutablePointer<Float>, batch: Int, length: Int) {
        dNormOutput.pointer.update(repeating: 0, count: batch * length * dModel)
        mamba.backward(dOutput, dInput: dNormOutput.pointer, batch: batch, length: length)
        norm.backward(dNormOutput.pointer, dInput: dInput, batch: batch, length: length)
    }
}
