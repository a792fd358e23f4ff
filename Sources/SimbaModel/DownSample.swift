// SiMBA's DownSamples (`patch_embed2..4`): tokens back to their (H, W) grid, a 3×3 stride-2 conv
// with bias, flattened in raster order, then LayerNorm (eps 1e-5). Tokens are NHWC already.

import SimbaCore

/// (batch, H·W, inDim) → (batch, ⌈H/2⌉·⌈W/2⌉, outDim).
public final class DownSample {
    let proj: Conv2dLayer
    let norm: LayerNormLayer
    /// Backward: the conv output's gradient (maxBatch, tokens, outDim); the conv's im2col in its own.
    let scratch: Scratch
    public let tokens: Int
    public let outHeight: Int, outWidth: Int
    let outDim: Int

    public init(
        _ prefix: String, inDim: Int, outDim: Int, height: Int, width: Int, store: ParameterStore, maxBatch: Int
    ) {
        self.outDim = outDim
        proj = Conv2dLayer(
            prefix + "proj.", inChannels: inDim, outChannels: outDim, kernel: 3, stride: 2, padding: 1,
            bias: true, height: height, width: width, store: store, maxBatch: maxBatch)
        outHeight = proj.outHeight
        outWidth = proj.outWidth
        tokens = outHeight * outWidth
        norm = LayerNormLayer(prefix + "norm.", channels: outDim, eps: 1e-5, store: store, maxRows: maxBatch * tokens)
        scratch = Scratch(backward: [maxBatch * tokens * outDim], children: [proj.scratch])
    }

    /// `input` is kept, unchanged, for backward.
    public func forward(_ input: UnsafePointer<Float>, batch: Int) -> UnsafePointer<Float> {
        scratch.withForward { _ in norm.forward(proj.forward(input, batch: batch), batch: batch, length: tokens) }
    }

    public func backward(_ dOutput: UnsafePointer<Float>, dInput: UnsafeMutablePointer<Float>, batch: Int) {
        let count = batch * tokens * outDim
        scratch.withBackward { buffers in
            let dProj = buffers.take(count)
            Parallel.zero(dProj, count: count)
            norm.backward(dOutput, dInput: dProj, batch: batch, length: tokens)
            proj.backward(dProj, dInput: dInput, batch: batch)
        }
    }
}
