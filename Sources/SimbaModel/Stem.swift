// SiMBA's stem (`patch_embed1`): three conv–BatchNorm–ReLU layers (7×7 s2, 3×3, 3×3), a 3×3 s2
// projection with bias, flattened to tokens in raster order, then LayerNorm (eps 1e-5).

import SimbaCore

/// (batch, H, W, inChannels) image → (batch, H/4·W/4, dim) tokens.
public final class Stem {
    let conv0: Conv2dLayer, bn1: BatchNormLayer
    let conv3: Conv2dLayer, bn4: BatchNormLayer
    let conv6: Conv2dLayer, bn7: BatchNormLayer
    let proj: Conv2dLayer
    let norm: LayerNormLayer
    let relu1: FloatBuffer, relu4: FloatBuffer, relu7: FloatBuffer   // (maxBatch, H/2, W/2, hidden)
    let gradientA: FloatBuffer, gradientB: FloatBuffer                // ping-pong backward scratch
    /// (BatchNorm, the conv feeding it) from the last pair to the first, for backward.
    let reversedLayers: [(BatchNormLayer, Conv2dLayer)]
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
        conv0 = Conv2dLayer(prefix + "conv.0.", inChannels: inChannels, outChannels: hidden, kernel: 7, stride: 2, padding: 3,
                            bias: false, height: height, width: width, store: store, maxBatch: maxBatch)
        let h2 = conv0.outHeight, w2 = conv0.outWidth
        halfRows = h2 * w2
        bn1 = BatchNormLayer(prefix + "conv.1.", channels: hidden, context: context, store: store, maxRows: maxBatch * halfRows)
        conv3 = Conv2dLayer(prefix + "conv.3.", inChannels: hidden, outChannels: hidden, kernel: 3, stride: 1, padding: 1,
                            bias: false, height: h2, width: w2, store: store, maxBatch: maxBatch)
        bn4 = BatchNormLayer(prefix + "conv.4.", channels: hidden, context: context, store: store, maxRows: maxBatch * halfRows)
        conv6 = Conv2dLayer(prefix + "conv.6.", inChannels: hidden, outChannels: hidden, kernel: 3, stride: 1, padding: 1,
                            bias: false, height: h2, width: w2, store: store, maxBatch: maxBatch)
        bn7 = BatchNormLayer(prefix + "conv.7.", channels: hidden, context: context, store: store, maxRows: maxBatch * halfRows)
        proj = Conv2dLayer(prefix + "proj.", inChannels: hidden, outChannels: dim, kernel: 3, stride: 2, padding: 1,
                           bias: true, height: h2, width: w2, store: store, maxBatch: maxBatch)
        grid = (proj.outHeight, proj.outWidth)
        tokens = proj.outHeight * proj.outWidth
        norm = LayerNormLayer(prefix + "norm.", channels: dim, eps: 1e-5, store: store, maxRows: maxBatch * tokens)
        let halfCount = maxBatch * halfRows * hidden
        relu1 = FloatBuffer(count: halfCount)
        relu4 = FloatBuffer(count: halfCount)
        relu7 = FloatBuffer(count: halfCount)
        let scratch = max(halfCount, maxBatch * tokens * dim)
        gradientA = FloatBuffer(count: scratch)
        gradientB = FloatBuffer(count: scratch)
        reversedLayers = [(bn7, conv6), (bn4, conv3), (bn1, conv0)]
    }

    public func forward(_ image: UnsafePointer<Float>, batch: Int) -> UnsafePointer<Float> {
        let rows = batch * halfRows, count = rows * hidden
        ReLU.forward(output: relu1.pointer, input: bn1.forward(conv0.forward(image, batch: batch), rows: rows), count: count)
        ReLU.forward(output: relu4.pointer, input: bn4.forward(conv3.forward(relu1.pointer, batch: batch), rows: rows), count: count)
        ReLU.forward(output: relu7.pointer, input: bn7.forward(conv6.forward(relu4.pointer, batch: batch), rows: rows), count: count)
        return norm.forward(proj.forward(relu7.pointer, batch: batch), batch: batch, length: tokens)
    }

    /// Backward to the parameters; the image itself needs no gradient.
    public func backward(_ dTokens: UnsafePointer<Float>, batch: Int) {
        let rows = batch * halfRows, count = rows * hidden
        var a = gradientA.pointer, b = gradientB.pointer
        a.update(repeating: 0, count: batch * tokens * dim)
        norm.backward(dTokens, dInput: a, batch: batch, length: tokens)
        b.update(repeating: 0, count: count)
        proj.backward(a, dInput: b, batch: batch)
        // b holds the gradient of a ReLU output; walk back through ReLU, BatchNorm, conv.
        for (bn, conv) in reversedLayers {
            a.update(repeating: 0, count: count)
            ReLU.backward(dInput: a, dOutput: b, input: bn.output.pointer, count: count)
            b.update(repeating: 0, count: count)
            bn.backward(a, dInput: b, rows: rows)
            let isFirst = conv === conv0
            if !isFirst { a.update(repeating: 0, count: count) }
            conv.backward(b, dInput: isFirst ? nil : a, batch: batch)
            swap(&a, &b)
        }
    }
}
