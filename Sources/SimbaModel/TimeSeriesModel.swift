// SiMBA-TS (docs/design.md, SiMBA-TS): instance normalisation, a token embedding along the variate or time
// axis, Blocks with Dropout, LayerNorm and a linear head (plus an optional linear skip of the window),
// then de-normalisation. No loss here.

import Foundation
import SimbaCore

public final class TimeSeriesModel {
    public let config: TimeSeriesConfig
    public let store: ParameterStore
    public let context: RunContext
    public let maxBatch: Int
    let embed: LinearLayer
    let blocks: [Block]
    let norm: LayerNormLayer
    let timeProj: LinearLayer?  // time axis only: Linear(L → H) along time
    let head: LinearLayer
    let skip: LinearLayer?  // linear skip only: Linear(L → H) of each variate's normalised window
    /// Tokens per sample: M (variate axis) or L (time axis).
    public let tokens: Int
    // B = maxBatch.
    let mean: FloatBuffer, std: FloatBuffer  // (B, M): RevIN statistics
    let normalized: FloatBuffer  // (B, tokens, embed input)
    let dropMask: FloatBuffer  // (B, tokens, dModel)
    let embedded: FloatBuffer  // (B, tokens, dModel) after Dropout
    let headMask: FloatBuffer  // (B, tokens, dModel); empty without head Dropout
    let headInput: FloatBuffer  // (B, tokens, dModel) after head Dropout; empty without it
    let transposed: FloatBuffer  // time axis: (B, dModel, L)
    let projected: FloatBuffer  // time axis: (B, H, dModel)
    let output: FloatBuffer  // (B, H, M)
    /// The root of every module's scratch. Backward: three gradients of the largest shape in the
    /// head or the blocks.
    let scratch: Scratch
    /// Flat offsets of the modules' first parameters, reported to `context.gradientsFinal` as the
    /// backward finishes each: head (and skip, registered after it), time_proj (time axis; registered
    /// before head), norm, blocks.
    let headMark: Int, timeProjMark: Int?, normMark: Int, blockMarks: [Int]

    /// Builds the model and initialises it from `seed` with the vision model's `_init_weights`
    /// (the time-series code was never released; simba uses the same scheme).
    public convenience init(config: TimeSeriesConfig, maxBatch: Int, seed: UInt64 = 0) {
        self.init(config: config, maxBatch: maxBatch, seed: seed, sharingWeightsWith: nil)
    }

    /// A second instance of `primary`'s model for up to `maxBatch` windows that reads `primary`'s
    /// weights (loading or updating them there changes them here too) and keeps its own
    /// activations, scratch, Dropout generator and gradients, so the two can run different windows
    /// at the same time.
    public convenience init(sharingWeightsWith primary: TimeSeriesModel, maxBatch: Int) {
        self.init(config: primary.config, maxBatch: maxBatch, seed: 0, sharingWeightsWith: primary)
    }

    /// With `primary`, the weights are `primary`'s and nothing is initialised.
    private init(config: TimeSeriesConfig, maxBatch: Int, seed: UInt64, sharingWeightsWith primary: TimeSeriesModel?) {
        precondition(config.problems().isEmpty, "invalid TimeSeriesConfig: \(config.problems())")
        precondition(maxBatch >= 1, "a TimeSeriesModel runs at least one window")
        self.config = config
        self.maxBatch = maxBatch
        let store = ParameterStore(), context = RunContext(seed: seed &+ 1)
        self.store = store
        self.context = context
        let (l, h, m, d) = (config.seqLen, config.predLen, config.variates, config.dModel)
        let variateAxis = config.tokenAxis == .variate
        let tokens = variateAxis ? m : l
        self.tokens = tokens
        let rows = maxBatch * tokens
        let layers = Layers(config: config, store: store, context: context, layerBatch: maxBatch)
        embed = layers.embed
        blocks = layers.blocks
        norm = layers.norm
        timeProj = layers.timeProj
        head = layers.head
        skip = layers.skip
        mean = FloatBuffer(count: maxBatch * m)
        std = FloatBuffer(count: maxBatch * m)
        normalized = FloatBuffer(count: maxBatch * l * m)
        dropMask = FloatBuffer(count: rows * d)
        embedded = FloatBuffer(count: rows * d)
        headMask = FloatBuffer(count: config.headDropout > 0 ? rows * d : 0)
        headInput = FloatBuffer(count: config.headDropout > 0 ? rows * d : 0)
        transposed = FloatBuffer(count: variateAxis ? 0 : maxBatch * d * l)
        projected = FloatBuffer(count: variateAxis ? 0 : maxBatch * h * d)
        output = FloatBuffer(count: maxBatch * h * m)
        let largest = max(rows * d, maxBatch * h * max(m, d), maxBatch * d * l)
        scratch = Scratch(backward: [largest, largest, largest], children: blocks.map(\.scratch))
        let mark = store.firstParameterOffset
        headMark = mark("head.")
        timeProjMark = variateAxis ? nil : mark("time_proj.")
        normMark = mark("norm.")
        blockMarks = blocks.indices.map { mark("blocks.\($0).") }
        if let primary {
            store.allocate(sharingValuesWith: primary.store)
        } else {
            store.allocate()
            store.reinitialize(officialInit)
            store.initialize(seed: seed)
        }
    }

    /// The tensors (names and shapes, in state_dict order) of the model `config` describes,
    /// without allocating it: the layers are built for one window into a store that is never
    /// allocated (no parameter shape depends on the batch).
    public static func parameterTable(config: TimeSeriesConfig) -> [TensorEntry] {
        precondition(config.problems().isEmpty, "invalid TimeSeriesConfig: \(config.problems())")
        let store = ParameterStore()
        _ = Layers(config: config, store: store, context: RunContext(seed: 0), layerBatch: 1)
        return store.entries
    }

    /// Every layer of the model, registered in `store` in state_dict order, sized for
    /// `layerBatch` windows.
    private struct Layers {
        let embed: LinearLayer
        let blocks: [Block]
        let norm: LayerNormLayer
        let timeProj: LinearLayer?
        let head: LinearLayer
        let skip: LinearLayer?

        init(config: TimeSeriesConfig, store: ParameterStore, context: RunContext, layerBatch: Int) {
            let (l, h, m, d) = (config.seqLen, config.predLen, config.variates, config.dModel)
            let variateAxis = config.tokenAxis == .variate
            let tokens = variateAxis ? m : l
            let rows = layerBatch * tokens
            let sequences = config.blockSequences(windows: layerBatch)
            embed = LinearLayer("embed.", inFeatures: variateAxis ? l : m, outFeatures: d, store: store, maxRows: rows)
            blocks = (0..<config.eLayers).map { i in
                Block(
                    "blocks.\(i).", dim: d, mamba: config.mamba, drop: .dropout(config.dropout), context: context,
                    store: store, maxBatch: sequences.count, maxLength: sequences.length
                ) { prefix in
                    switch config.channelMixer {
                    case .einfft:
                        return EinFFTLayer(
                            store: store, prefix: prefix, channels: d, maxBatch: sequences.count,
                            maxLength: sequences.length)
                    case .mlp:
                        return ChannelMLP(
                            prefix, channels: d, hidden: d * config.mlpRatio, grid: nil, store: store,
                            maxBatch: layerBatch * tokens)
                    }
                }
            }
            norm = LayerNormLayer("norm.", channels: d, eps: 1e-6, store: store, maxRows: rows)
            if variateAxis {
                timeProj = nil
                head = LinearLayer("head.", inFeatures: d, outFeatures: h, store: store, maxRows: rows)
            } else {
                timeProj = LinearLayer(
                    "time_proj.", inFeatures: l, outFeatures: h, store: store,
                    maxRows: layerBatch * d)
                head = LinearLayer("head.", inFeatures: d, outFeatures: m, store: store, maxRows: layerBatch * h)
            }
            skip =
                config.linearSkip
                ? LinearLayer("skip.", inFeatures: l, outFeatures: h, store: store, maxRows: rows) : nil
        }
    }

    public var training: Bool {
        get { context.training }
        set { context.training = newValue }
    }

    /// window (batch, L, M), standardised → forecast (batch, H, M) on the same scale, valid until
    /// the next call. In training, Dropout draws from `context.generator`.
    public func forward(_ window: UnsafePointer<Float>, batch: Int) -> UnsafePointer<Float> {
        precondition(batch <= maxBatch, "batch \(batch) exceeds the model's maximum \(maxBatch)")
        scratch.withForward { _ in layers(window, batch: batch) }
        return forecast
    }

    /// The last forward's forecast (batch, H, M).
    public var forecast: UnsafePointer<Float> { UnsafePointer(output.pointer) }

    /// The forward's steps, writing `output`.
    private func layers(_ window: UnsafePointer<Float>, batch: Int) {
        let (l, h, m, d) = (config.seqLen, config.predLen, config.variates, config.dModel)
        // 1. Instance normalisation; the statistics are constants for backward.
        Kernels.current.instanceNorm.forward(
            normalized: normalized.pointer, mean: mean.pointer, std: std.pointer, window: window,
            batch: batch, length: l, variates: m, revin: config.revin, transposed: config.tokenAxis == .variate)
        // 2. Embedding and Dropout.
        let e = embed.forward(normalized.pointer, batch: batch, length: tokens)  // (batch, tokens, d)
        let count = batch * tokens * d
        if context.training && config.dropout > 0 {
            Kernels.current.dropout.makeMask(
                mask: dropMask.pointer, count: count, probability: config.dropout, generator: &context.generator)
            Kernels.current.dropout.forward(output: embedded.pointer, input: e, mask: dropMask.pointer, count: count)
        } else {
            embedded.pointer.update(from: e, count: count)
        }
        // 3–4. Blocks (on `sequences.count` sequences of `sequences.length` tokens) and norm.
        let sequences = config.blockSequences(windows: batch)
        var x = UnsafePointer(embedded.pointer)
        for block in blocks { x = block.forward(x, batch: sequences.count, length: sequences.length) }
        var z = norm.forward(x, batch: batch, length: tokens)  // (batch, tokens, d)
        if context.training && config.headDropout > 0 {
            Kernels.current.dropout.makeMask(
                mask: headMask.pointer, count: count, probability: config.headDropout,
                generator: &context.generator)
            Kernels.current.dropout.forward(output: headInput.pointer, input: z, mask: headMask.pointer, count: count)
            z = UnsafePointer(headInput.pointer)
        }
        // 5. Head, into (batch, H, M).
        if let timeProj {
            transpose(z, into: transposed.pointer, batch: batch, rows: l, columns: d)  // (batch, d, L)
            let p = timeProj.forward(transposed.pointer, batch: batch, length: d)  // (batch, d, H)
            transpose(p, into: projected.pointer, batch: batch, rows: d, columns: h)  // (batch, H, d)
            let y = head.forward(projected.pointer, batch: batch, length: h)  // (batch, H, M)
            output.pointer.update(from: y, count: batch * h * m)
        } else {
            let y = head.forward(z, batch: batch, length: m)  // (batch, M, H)
            transpose(y, into: output.pointer, batch: batch, rows: m, columns: h)  // (batch, H, M)
            if let skip {
                // The normalised window x̂ᵀ (batch, M, L), before the embedding's Dropout.
                let s = skip.forward(normalized.pointer, batch: batch, length: m)  // (batch, M, H)
                for b in 0..<batch {
                    for v in 0..<m {
                        for t in 0..<h { output.pointer[(b * h + t) * m + v] += s[(b * m + v) * h + t] }
                    }
                }
            }
        }
        // 6. De-normalisation.
        Kernels.current.instanceNorm.denormalize(
            output.pointer, mean: mean.pointer, std: std.pointer, batch: batch, horizon: h, variates: m)
    }

    /// Backward from dForecast (batch, H, M) of the last forward into every parameter gradient (+=),
    /// telling `context.gradientsFinal` after each module which gradients are final.
    public func backward(_ dForecast: UnsafePointer<Float>, batch: Int) {
        let (l, h, m, d) = (config.seqLen, config.predLen, config.variates, config.dModel)
        let gradientsFinal = context.gradientsFinal
        let count = batch * tokens * d
        let largest = max(count, batch * h * max(m, d), batch * d * l)
        scratch.withBackward { buffers in
            var dY = buffers.take(largest)
            var dx = buffers.take(largest), spare = buffers.take(largest)
            Parallel.zero(dx, count: count)
            if let timeProj {
                for b in 0..<batch {
                    for t in 0..<h {
                        for v in 0..<m { dY[(b * h + t) * m + v] = dForecast[(b * h + t) * m + v] * std[b * m + v] }
                    }
                }
                Parallel.zero(spare, count: batch * h * d)
                head.backward(dY, dInput: spare, batch: batch, length: h)  // (batch, H, d)
                gradientsFinal?(headMark)
                transpose(spare, into: dY, batch: batch, rows: h, columns: d)  // (batch, d, H)
                Parallel.zero(spare, count: batch * d * l)
                timeProj.backward(dY, dInput: spare, batch: batch, length: d)  // (batch, d, L)
                gradientsFinal?(timeProjMark!)
                transpose(spare, into: dY, batch: batch, rows: d, columns: l)  // (batch, L, d)
            } else {
                for b in 0..<batch {
                    for t in 0..<h {
                        for v in 0..<m { spare[(b * m + v) * h + t] = dForecast[(b * h + t) * m + v] * std[b * m + v] }
                    }
                }
                skip?.backward(spare, dInputOrNil: nil, batch: batch, length: m)  // the window needs none
                Parallel.zero(dY, count: count)
                head.backward(spare, dInput: dY, batch: batch, length: m)  // (batch, M, d)
                gradientsFinal?(headMark)
            }
            if context.training && config.headDropout > 0 {  // dY: (batch, tokens, d)
                Parallel.zero(spare, count: count)
                Kernels.current.dropout.backward(dInput: spare, dOutput: dY, mask: headMask.pointer, count: count)
                swap(&dY, &spare)
            }
            norm.backward(dY, dInput: dx, batch: batch, length: tokens)
            gradientsFinal?(normMark)
            let sequences = config.blockSequences(windows: batch)
            for i in blocks.indices.reversed() {
                let block = blocks[i]
                Parallel.zero(spare, count: count)
                block.backward(dx, dInput: spare, batch: sequences.count, length: sequences.length)
                swap(&dx, &spare)
                gradientsFinal?(blockMarks[i])
            }
            if context.training && config.dropout > 0 {
                Parallel.zero(spare, count: count)
                Kernels.current.dropout.backward(dInput: spare, dOutput: dx, mask: dropMask.pointer, count: count)
                swap(&dx, &spare)
            }
            embed.backward(dx, dInputOrNil: nil, batch: batch, length: tokens)
            gradientsFinal?(0)
        }
    }

    /// destination[b, c, r] = source[b, r, c] for each of `batch` (rows × columns) matrices.
    private func transpose(
        _ source: UnsafePointer<Float>, into destination: UnsafeMutablePointer<Float>, batch: Int, rows: Int,
        columns: Int
    ) {
        for b in 0..<batch {
            let s = source + b * rows * columns, t = destination + b * rows * columns
            for r in 0..<rows {
                for c in 0..<columns { t[c * rows + r] = s[r * columns + c] }
            }
        }
    }
}
