// SiMBA's stem (`patch_embed1`): three conv–BatchNorm–ReLU layers (7×7 s2, 3×3, 3×3), a 3×3 s2
// projection with bias, flattened to tokens in raster order, then LayerNorm (eps 1e-5).

import SimbaCore

/// (batch, H, W, inChannels) image → (batch, H/4·W/4, dim) tokens.
///
/// Keeps a copy of the image (conv.0 rebuilds its im2col from it in backward), each conv's output
/// (the BatchNorm inputs) and each ReLU output (the next conv's input; its sign is also the ReLU
/// mask). A BatchNorm output lives only until its ReLU has read it. Scratch: forward one BatchNorm
/// output, backward two ping-pong gradients; each conv's im2col in the conv's own scratch.
public final class Stem {
    let conv0: Conv2dLayer, bn1: BatchNormLayer
    let conv3: Conv2dLayer, bn4: BatchNormLayer
    let conv6: Conv2dLayer, bn7: BatchNormLayer
    let proj: Conv2dLayer
    let norm: LayerNormLayer
    let image: FloatBuffer  // (maxBatch, H, W, inChannels)
    let relu1: FloatBuffer, relu4: FloatBuffer, relu7: FloatBuffer  // (maxBatch, H/2, W/2, hidden)
    /// Forward: a BatchNorm output. Backward: two gradients, ping-pong.
    let scratch: Scratch
    /// The three conv → BatchNorm → ReLU layers, first to last.
    let layers: [(conv: Conv2dLayer, bn: BatchNormLayer, relu: FloatBuffer)]
    public let tokens: Int
    /// Output token grid (height, width).
    public let grid: (height: Int, width: Int)
    let halfRows: Int  // H/2 · W/2
    let hidden: Int, dim: Int

    public init(
        _ prefix: String, inChannels: Int, hidden: Int, dim: Int, height: Int, width: Int,
        context: RunContext, store: ParameterStore, maxBatch: Int
    ) {
        self.hidden = hidden
        self.dim = dim
        conv0 = Conv2dLayer(
            prefix + "conv.0.", inChannels: inChannels, outChannels: hidden, kernel: 7, stride: 2, padding: 3,
            bias: false, height: height, width: width, store: store, maxBatch: maxBatch)
        let h2 = conv0.outHeight, w2 = conv0.outWidth
        halfRows = h2 * w2
        bn1 = BatchNormLayer(prefix + "conv.1.", channels: hidden, context: context, store: store)
        conv3 = Conv2dLayer(
            prefix + "conv.3.", inChannels: hidden, outChannels: hidden, kernel: 3, stride: 1, padding: 1,
            bias: false, height: h2, width: w2, store: store, maxBatch: maxBatch)
        bn4 = BatchNormLayer(prefix + "conv.4.", channels: hidden, context: context, store: store)
        conv6 = Conv2dLayer(
            prefix + "conv.6.", inChannels: hidden, outChannels: hidden, kernel: 3, stride: 1, padding: 1,
            bias: false, height: h2, width: w2, store: store, maxBatch: maxBatch)
        bn7 = BatchNormLayer(prefix + "conv.7.", channels: hidden, context: context, store: store)
        proj = Conv2dLayer(
            prefix + "proj.", inChannels: hidden, outChannels: dim, kernel: 3, stride: 2, padding: 1,
            bias: true, height: h2, width: w2, store: store, maxBatch: maxBatch)
        grid = (proj.outHeight, proj.outWidth)
        tokens = proj.outHeight * proj.outWidth
        norm = LayerNormLayer(prefix + "norm.", channels: dim, eps: 1e-5, store: store, maxRows: maxBatch * tokens)
        let halfCount = maxBatch * halfRows * hidden
        image = FloatBuffer(count: maxBatch * height * width * inChannels)
        relu1 = FloatBuffer(count: halfCount)
        relu4 = FloatBuffer(count: halfCount)
        relu7 = FloatBuffer(count: halfCount)
        let gradientCount = max(halfCount, maxBatch * tokens * dim)
        scratch = Scratch(
            forward: [halfCount], backward: [gradientCount, gradientCount],
            children: [conv0.scratch, conv3.scratch, conv6.scratch, proj.scratch])
        layers = [(conv0, bn1, relu1), (conv3, bn4, relu4), (conv6, bn7, relu7)]
    }

    public func forward(_ image: UnsafePointer<Float>, batch: Int) -> UnsafePointer<Float> {
        let rows = batch * halfRows, count = rows * hidden
        self.image.pointer.update(from: image, count: batch * conv0.height * conv0.width * conv0.inChannels)
        return scratch.withForward { buffers in
            let normalized = buffers.take(count)
            var x = UnsafePointer(self.image.pointer)
            for (conv, bn, relu) in layers {
                bn.forward(conv.forward(x, batch: batch), into: normalized, rows: rows)
                Kernels.current.relu.forward(output: relu.pointer, input: normalized, count: count)
                x = UnsafePointer(relu.pointer)
            }
            return norm.forward(proj.forward(x, batch: batch), batch: batch, length: tokens)
        }
    }

    /// Backward to the parameters; the image itself needs no gradient.
    public func backward(_ dTokens: UnsafePointer<Float>, batch: Int) {
        let rows = batch * halfRows, count = rows * hidden
        scratch.withBackward { buffers in
            var a = buffers.take(max(count, batch * tokens * dim)), b = buffers.take(max(count, batch * tokens * dim))
            Parallel.zero(a, count: batch * tokens * dim)
            norm.backward(dTokens, dInput: a, batch: batch, length: tokens)
            Parallel.zero(b, count: count)
            proj.backward(a, dInput: b, batch: batch)
            // b holds the gradient of a ReLU output; walk back through ReLU (whose output is
            // positive exactly where its input is), BatchNorm, conv.
            for (conv, bn, relu) in layers.reversed() {
                Parallel.zero(a, count: count)
                Kernels.current.relu.backward(dInput: a, dOutput: b, input: relu.pointer, count: count)
                Parallel.zero(b, count: count)
                bn.backward(a, dInput: b, rows: rows)
                let isFirst = conv === conv0
                if !isFirst { Parallel.zero(a, count: count) }
                conv.backward(b, dInput: isFirst ? nil : a, batch: batch)
                swap(&a, &b)
            }
        }
    }
}
