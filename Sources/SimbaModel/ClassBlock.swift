// SiMBA's ClassBlock (`post_network.0`): updates only the class token, c = c + attn(c) with Mamba on
// the length-1 sequence, then c = c + mlp(norm2(c)); the patch tokens pass unchanged.

import SimbaCore

/// On (batch, 1 + tokens, dim) where token 0 is the class token. `mlp` is the model's channel
/// mixer on a length-1 sequence: EinFFT (its FFT then spans only the 4 blocks) or an FFN.
public final class ClassBlock: SequenceLayer {
    public let dim: Int
    let attn: MambaLayer
    let norm2: LayerNormLayer
    let mlp: SequenceLayer
    let cls: FloatBuffer  // (maxBatch, dim): the class token, contiguous
    let hidden: FloatBuffer  // (maxBatch, dim): c + attn(c)
    let output: FloatBuffer  // (maxBatch, 1 + tokens, dim)
    /// Backward: the class token's gradient, the hidden one and norm2's, (maxBatch, dim) each.
    public let scratch: Scratch
    public var backwardReadsInput: Bool { false }

    /// `makeMixer(prefix)` builds the channel mixer registered under `prefix + "mlp."`.
    public init(
        _ prefix: String, dim: Int, mamba: MambaSizes, store: ParameterStore, maxBatch: Int, maxLength: Int,
        makeMixer: (String) -> SequenceLayer
    ) {
        self.dim = dim
        attn = MambaLayer(prefix + "attn.", dModel: dim, sizes: mamba, store: store, maxBatch: maxBatch, maxLength: 1)
        norm2 = LayerNormLayer(prefix + "norm2.", channels: dim, eps: 1e-6, store: store, maxRows: maxBatch)
        mlp = makeMixer(prefix + "mlp.")
        cls = FloatBuffer(count: maxBatch * dim)
        hidden = FloatBuffer(count: maxBatch * dim)
        output = FloatBuffer(count: maxBatch * maxLength * dim)
        let count = maxBatch * dim
        scratch = Scratch(backward: [count, count, count], children: [attn.scratch, mlp.scratch])
    }

    public func forward(_ input: UnsafePointer<Float>, batch: Int, length: Int) -> UnsafePointer<Float> {
        let stride = length * dim
        for b in 0..<batch { (cls.pointer + b * dim).update(from: input + b * stride, count: dim) }
        scratch.withForward { _ in
            let a = attn.forward(cls.pointer, batch: batch, length: 1)  // (batch, 1, dim)
            for i in 0..<batch * dim { hidden[i] = cls[i] + a[i] }
            let m = mlp.forward(norm2.forward(hidden.pointer, batch: batch, length: 1), batch: batch, length: 1)
            output.pointer.update(from: input, count: batch * stride)
            for b in 0..<batch {
                for c in 0..<dim { output[b * stride + c] = hidden[b * dim + c] + m[b * dim + c] }
            }
        }
        return UnsafePointer(output.pointer)
    }

    public func backward(_ dOutput: UnsafePointer<Float>, dInput: UnsafeMutablePointer<Float>, batch: Int, length: Int)
    {
        let stride = length * dim, count = batch * dim
        scratch.withBackward { buffers in
            let dCls = buffers.take(count), dHidden = buffers.take(count), dNorm = buffers.take(count)
            // Patch tokens: identity. Class token: through both residual branches.
            for b in 0..<batch {
                for i in dim..<stride { dInput[b * stride + i] += dOutput[b * stride + i] }
                (dCls + b * dim).update(from: dOutput + b * stride, count: dim)
            }
            dHidden.update(from: dCls, count: count)
            Parallel.zero(dNorm, count: count)
            mlp.backward(dCls, dInput: dNorm, batch: batch, length: 1)
            norm2.backward(dNorm, dInput: dHidden, batch: batch, length: 1)
            dCls.update(from: dHidden, count: count)
            attn.backward(dHidden, dInput: dCls, batch: batch, length: 1)
            for b in 0..<batch {
                for c in 0..<dim { dInput[b * stride + c] += dCls[b * dim + c] }
            }
        }
    }
}
