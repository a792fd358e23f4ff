// How much memory a SiMBA model takes at a given batch, from its config alone: weights, gradients,
// optimizer moments, kept activations and scratch. It allocates nothing and knows nothing of the machine.

import SimbaCore

/// The bytes a model needs, in parts, computed with the buffer shapes its layers allocate (each
/// layer's formula below names the buffers it mirrors) and with `Double`, so no batch overflows it.
///
/// Accuracy: `MemoryEstimateTests` builds small models and checks the floats counted here against
/// every `FloatBuffer` the model really allocates after a forward and a backward (within 0.5%).
/// Against peak resident memory (`/usr/bin/time -v`, VmHWM): SiMBA-S at 224², batch 32, one AdamW
/// step (`simba bench model --case memory-einfft-224`, no loaders) 4.56 GB estimated for the model
/// against 4.61 GB measured; `simba train` of SiMBA-S at 128², batch 4: 566 MB estimated, 551 MB
/// measured; `simba train` of SiMBA-TS (time axis, d_model 512, L 96, H 24, batch 32): 489 MB
/// estimated, 499 MB measured. The rest of the process (code, libraries, FFTW plans, BLAS and thread
/// buffers) took 34 MB in a tiny forecasting run and about 140 MB with image loaders (`processBytes`).
public struct MemoryEstimate: Sendable, Equatable {
    /// Floats of parameters (one copy) and of non-trained buffers (BatchNorm statistics).
    public var parameters: Double
    /// Floats of gradients: one copy per model instance (SiMBA-TS runs one instance per shard).
    public var gradients: Double
    /// Floats of the two AdamW moments (zero when not training).
    public var moments: Double
    /// Floats the layers keep from forward to backward, and their output buffers.
    public var activations: Double
    /// Floats of the shared scratch: the forward layout, or with training the backward layout too.
    public var scratch: Double
    /// Floats of input batches outside the model: the loaders' rings and the trainer's batch buffers.
    public var inputs: Double

    /// Bytes the process needs besides these buffers (code, libraries, FFTW plans, BLAS and thread
    /// buffers, image decoders): a little above what runs of tiny models measured.
    public var processBytes: Double

    /// 48 MiB for SiMBA-TS (tiny runs measured 34 MB); 150 MiB for vision (loader threads, decoders).
    static let timeSeriesProcessBytes = 48.0 * 1024 * 1024, visionProcessBytes = 150.0 * 1024 * 1024

    /// Everything in bytes, the process included.
    public var bytes: Double {
        4 * (parameters + gradients + moments + activations + scratch + inputs) + processBytes
    }

    /// `12.3 GB`, `512 MB`, `3.2 TB` (decimal units, as `free -h` does not but `df -H` does).
    public static func describe(bytes: Double) -> String {
        let units = ["bytes", "KB", "MB", "GB", "TB", "PB", "EB"]
        var value = bytes, unit = 0
        while value >= 1000 && unit < units.count - 1 {
            value /= 1000
            unit += 1
        }
        if unit == units.count - 1 && value >= 1000 { return String(format: "%.3g EB", value) }
        if unit == 0 { return "\(Int(value)) bytes" }
        return String(format: value < 10 ? "%.1f %@" : "%.0f %@", value, units[unit])
    }
}

extension MemoryEstimate {
    /// The vision model of `config` at `batch` images, for an AdamW training step (`training`, with
    /// the train and eval loaders of `VisionTrainer`) or for evaluation (one loader). `config` must
    /// pass `problems()`: its sizes are bounded, so only `batch` is large, and it enters as a `Double`.
    public static func vision(_ config: VisionConfig, batch: Int, training: Bool) -> MemoryEstimate {
        var tally = Tally()
        let b = Double(batch)
        let dims = config.embedDims.map(Double.init), s = config.imageSize
        let stem = tally.stem(config, b: b, dim: dims[0])
        var grid = stem.grid
        var forward = [stem.forward], backward = [stem.backward]
        var stageTokens: [Double] = []
        var block = 0
        let totalBlocks = config.depths.reduce(0, +)
        for stage in 0..<4 {
            if stage > 0 {
                let down = tally.conv(
                    inChannels: dims[stage - 1], outChannels: dims[stage], kernel: 3, stride: 2,
                    padding: 1, bias: true, height: grid.height, width: grid.width, b: b)
                grid = (down.height, down.width)
                let rows = b * Double(grid.height * grid.width)
                tally.layerNorm(channels: dims[stage], rows: rows)
                forward.append(down.column)
                backward.append(rows * dims[stage] + down.column)
            }
            let tokens = Double(grid.height * grid.width)
            stageTokens.append(tokens)
            for _ in 0..<config.depths[stage] {
                let rate = totalBlocks == 1 ? 0 : config.dropPathRate * Float(block) / Float(totalBlocks - 1)
                let mixer = tally.visionMixer(config, stage: stage, tokens: tokens, hasGrid: true, b: b)
                let path = tally.block(
                    dim: dims[stage], mamba: config.mamba, b: b, length: tokens,
                    maskCount: b, dropping: rate > 0, mixer: mixer)
                forward.append(path.forward)
                backward.append(path.backward)
                block += 1
            }
            if stage < 3 { tally.layerNorm(channels: dims[stage], rows: b * tokens) }
        }
        let c3 = dims[3], t3 = stageTokens[3], classes = Double(config.numClasses)
        // ClassBlock: a one-token MambaLayer, norm2 and mixer on the class token; cls, hidden, output.
        let attn = tally.mambaLayer(dim: c3, sizes: config.mamba, b: b, length: 1)
        tally.layerNorm(channels: c3, rows: b)
        let classMixer = tally.visionMixer(config, stage: 3, tokens: 1, hasGrid: false, b: b)
        tally.activations += 2 * b * c3 + b * (1 + t3) * c3
        forward.append(max(attn.forward, classMixer.forward))
        backward.append(3 * b * c3 + max(attn.backward, classMixer.backward))
        // norm4, head, aux_head; withClass, classFeature, patchFeatures, auxMax, auxArgmax, logits.
        tally.layerNorm(channels: c3, rows: b * (1 + t3))
        tally.linear(inFeatures: c3, outFeatures: classes, rows: b)
        if config.tokenLabel { tally.linear(inFeatures: c3, outFeatures: classes, rows: b * t3) }
        tally.activations += b * (1 + t3) * c3 + b * c3 + b * t3 * c3 + 3 * b * classes
        let largest = (0..<4).map { stageTokens[$0] * dims[$0] }.max()!
        let rootBackward =
            b * classes + b * t3 * classes + b * c3 + b * t3 * c3 + 2 * b * (1 + t3) * c3
            + 2 * b * largest
        let forwardScratch = forward.max()!, backwardScratch = rootBackward + backward.max()!
        let sample = Double(s * s * config.inChannels)
        // Loaders hold rings of 3 batches; the trainer adds its own batch and three (batch, classes).
        let inputs = training ? (2 * 3 * b * sample + b * sample + 3 * b * classes) : (3 * b * sample + b * sample)
        return MemoryEstimate(
            parameters: tally.parameters, gradients: tally.trainable, moments: training ? 2 * tally.trainable : 0,
            activations: tally.activations, scratch: training ? max(forwardScratch, backwardScratch) : forwardScratch,
            inputs: inputs, processBytes: Self.visionProcessBytes)
    }

    /// SiMBA-TS of `config` at `batch` windows split into `shards` shards of consecutive windows (the
    /// first `batch % shards` one window longer), each run by its own instance of the model: the
    /// weights once, and per instance the gradients, the activations and the scratch of its shard.
    public static func timeSeries(
        _ config: TimeSeriesConfig, batch: Int, shards: Int,
        training: Bool
    ) -> MemoryEstimate {
        precondition(batch >= 1 && (1...batch).contains(shards), "\(shards) shards of \(batch) windows")
        let shorter = batch / shards, longer = batch % shards
        // Shard 0 is a longer one when there are any; the rest come in two sizes.
        var estimate = timeSeriesInstance(config, windows: Double(shorter + (longer > 0 ? 1 : 0)))
        let trainable = estimate.gradients
        let rest = [(shorter + 1, max(longer - 1, 0)), (shorter, shards - max(longer, 1))]
        for (windows, count) in rest where count > 0 {
            let replica = timeSeriesInstance(config, windows: Double(windows))
            estimate.gradients += Double(count) * replica.gradients
            estimate.activations += Double(count) * replica.activations
            estimate.scratch += Double(count) * replica.scratch
        }
        let b = Double(batch), (l, h, m) = (Double(config.seqLen), Double(config.predLen), Double(config.variates))
        if training {
            estimate.moments = 2 * trainable
            // Trainer: input, target, selected, dSelected, dForecast; predictor: input, target, selected.
            estimate.inputs = 2 * b * l * m + 7 * b * h * m
        } else {
            estimate.inputs = b * l * m + 2 * b * h * m
        }
        return estimate
    }

    /// One `TimeSeriesModel` for `windows` windows.
    private static func timeSeriesInstance(_ config: TimeSeriesConfig, windows b: Double) -> MemoryEstimate {
        var tally = Tally()
        let (l, h) = (Double(config.seqLen), Double(config.predLen))
        let (m, d) = (Double(config.variates), Double(config.dModel))
        let variateAxis = config.tokenAxis == .variate
        let tokens = variateAxis ? m : l, rows = b * tokens
        tally.linear(inFeatures: variateAxis ? l : m, outFeatures: d, rows: rows)
        // The blocks' sequences: b of `tokens`, or b · tokens of 1 with channel independence.
        let (sequences, length) = config.channelIndependent ? (rows, 1.0) : (b, tokens)
        var forward: [Double] = [0], backward: [Double] = [0]
        for _ in 0..<config.eLayers {
            let mixer: Tally.Path
            switch config.channelMixer {
            case .einfft: mixer = tally.einFFT(channels: d, b: sequences, length: length)
            case .mlp:
                mixer = tally.channelMLP(channels: d, hidden: d * Double(config.mlpRatio), rows: rows, hasGrid: false)
            }
            let path = tally.block(
                dim: d, mamba: config.mamba, b: sequences, length: length, maskCount: rows * d,
                dropping: config.dropout > 0, mixer: mixer)
            forward.append(path.forward)
            backward.append(path.backward)
        }
        tally.layerNorm(channels: d, rows: rows)
        if variateAxis {
            tally.linear(inFeatures: d, outFeatures: h, rows: rows)
            if config.linearSkip { tally.linear(inFeatures: l, outFeatures: h, rows: rows) }
        } else {
            tally.linear(inFeatures: l, outFeatures: h, rows: b * d)
            tally.linear(inFeatures: d, outFeatures: m, rows: b * h)
        }
        // mean, std, normalized, dropMask, embedded, transposed, projected; output (b, H, M).
        tally.activations += 2 * b * m + b * l * m + 2 * rows * d + (variateAxis ? 0 : b * d * l + b * h * d)
        tally.activations += b * h * m + (config.headDropout > 0 ? 2 * rows * d : 0)  // output; headMask, headInput
        let largest = max(rows * d, b * h * max(m, d), b * d * l)
        return MemoryEstimate(
            parameters: tally.parameters, gradients: tally.trainable, moments: 0,
            activations: tally.activations,
            scratch: max(forward.max()!, 3 * largest + backward.max()!), inputs: 0,
            processBytes: Self.timeSeriesProcessBytes)
    }
}

/// Floats counted while walking a model's layers in build order. Each method mirrors one layer's
/// `init` (its parameters, the buffers it allocates) and returns its scratch path: the floats its
/// forward and backward calls and the calls below them take at the deepest point.
private struct Tally {
    /// Scratch floats at the deepest point of a module's forward and backward calls, and whether its
    /// backward reads its forward input (so its caller keeps that input in its own forward scratch).
    struct Path { var forward: Double, backward: Double, readsInput: Bool }

    var parameters = 0.0
    /// Parameters with gradients (all but BatchNorm's running statistics).
    var trainable = 0.0
    var activations = 0.0

    mutating func parameter(_ count: Double) {
        parameters += count
        trainable += count
    }

    /// `LayerNormLayer`: weight, bias; mean and rstd per row, and its own output unless every caller
    /// has it write into scratch (`forward(_:into:…)`; the output is allocated at the first other call).
    mutating func layerNorm(channels: Double, rows: Double, ownOutput: Bool = true) {
        parameter(2 * channels)
        activations += 2 * rows + (ownOutput ? rows * channels : 0)
    }

    /// `LinearLayer` with bias: weight, bias; the output.
    mutating func linear(inFeatures: Double, outFeatures: Double, rows: Double) {
        parameter(inFeatures * outFeatures + outFeatures)
        activations += rows * outFeatures
    }

    /// `Conv2dLayer`: weight (and bias); the output; one im2col buffer each way (`column`).
    mutating func conv(
        inChannels: Double, outChannels: Double, kernel: Int, stride: Int, padding: Int, bias: Bool,
        height: Int, width: Int, b: Double
    ) -> (height: Int, width: Int, column: Double) {
        let outHeight = (height + 2 * padding - kernel) / stride + 1
        let outWidth = (width + 2 * padding - kernel) / stride + 1
        let k2 = Double(kernel * kernel), rows = b * Double(outHeight * outWidth)
        parameter(outChannels * inChannels * k2 + (bias ? outChannels : 0))
        activations += rows * outChannels
        return (outHeight, outWidth, rows * inChannels * k2)
    }

    /// `Stem`: three convs with BatchNorm and ReLU at half resolution, a strided proj conv, a norm;
    /// the image and three ReLU outputs.
    mutating func stem(_ config: VisionConfig, b: Double, dim: Double)
        -> (grid: (height: Int, width: Int), forward: Double, backward: Double)
    {
        let hidden = Double(config.stemHiddenDim), s = config.imageSize
        let conv0 = conv(
            inChannels: Double(config.inChannels), outChannels: hidden, kernel: 7, stride: 2, padding: 3,
            bias: false, height: s, width: s, b: b)
        let conv3 = conv(
            inChannels: hidden, outChannels: hidden, kernel: 3, stride: 1, padding: 1, bias: false,
            height: conv0.height, width: conv0.width, b: b)
        let conv6 = conv(
            inChannels: hidden, outChannels: hidden, kernel: 3, stride: 1, padding: 1, bias: false,
            height: conv0.height, width: conv0.width, b: b)
        let proj = conv(
            inChannels: hidden, outChannels: dim, kernel: 3, stride: 2, padding: 1, bias: true,
            height: conv0.height, width: conv0.width, b: b)
        for _ in 0..<3 {
            parameter(2 * hidden)
            parameters += 2 * hidden
            activations += 2 * hidden
        }
        let tokens = b * Double(proj.height * proj.width)
        layerNorm(channels: dim, rows: tokens)
        let half = b * Double(conv0.height * conv0.width) * hidden
        activations += b * Double(s * s * config.inChannels) + 3 * half
        let column = max(conv0.column, conv3.column, conv6.column, proj.column)
        let gradient = max(half, tokens * dim)
        return ((proj.height, proj.width), half + column, 2 * gradient + column)
    }

    /// `Mamba` (chunk 64) of `sizes` inside `MambaLayer` (its pre-norm and the normalised input), for
    /// `b` sequences of `length` tokens.
    mutating func mambaLayer(dim: Double, sizes: MambaSizes, b: Double, length: Double) -> Path {
        let rows = b * length, dState = sizes.dState
        layerNorm(channels: dim, rows: rows, ownOutput: false)
        let dInner = Double(sizes.expand) * dim, dtRank = Double((Int(dim) + 15) / 16), n = Double(dState)
        let xDbl = dtRank + 2 * n
        parameter(
            2 * dInner * dim + dInner * Double(sizes.dConv) + dInner + xDbl * dInner + dInner * dtRank + dInner
                + dInner * n + dInner + dim * dInner)
        // xIn, delta, z, xAct, y; xDbl; A; the scan's chunk-boundary states (linear in the batch).
        activations += 5 * rows * dInner + rows * xDbl + dInner * n
        activations +=
            b
            * Double(
                Kernels.current.selectiveScan.savedStateCount(
                    batch: 1, length: Int(length), dInner: Int(dInner),
                    dState: dState, chunk: 64))
        // The scan's backward scratch, exact up to 64 sequences; beyond, its per-sequence states grow.
        let counted = min(b, 64)
        let scan =
            Double(
                Kernels.current.selectiveScan.backwardScratchCount(
                    batch: Int(counted), length: Int(length),
                    dInner: Int(dInner), dState: dState, chunk: 64))
            + (b - counted) * (dInner + 16) * (n + 1)
        let mambaForward = rows * dim + 2 * rows * dInner
        let mambaBackward = 5 * rows * dInner + rows * xDbl + dInner * n + scan
        return Path(forward: rows * dim + mambaForward, backward: 2 * rows * dim + mambaBackward, readsInput: true)
    }

    /// `EinFFTLayer`: two complex weights and biases; the saved spectrum; forward output and workspace,
    /// backward workspace (`SimbaCore.EinFFT`'s counts, whose batch term is linear).
    mutating func einFFT(channels: Double, b: Double, length: Double) -> Path {
        parameter(channels * channels + 4 * channels)
        let rows = b * length
        activations += 2 * rows * channels
        let fixed = Double(
            Kernels.current.einFFT.forwardWorkspaceCount(batch: 0, length: Int(length), channels: Int(channels)))
        let forwardWorkspace = 4 * rows * channels + fixed
        return Path(
            forward: rows * channels + forwardWorkspace, backward: forwardWorkspace + 2 * rows * channels,
            readsInput: false)
    }

    /// `ChannelMLP`: fc1, the depthwise 3×3 conv when on a grid (PVT2FFN), fc2; the conv output and the
    /// activation; three (rows, hidden) backward buffers.
    mutating func channelMLP(channels: Double, hidden: Double, rows: Double, hasGrid: Bool) -> Path {
        linear(inFeatures: channels, outFeatures: hidden, rows: rows)
        if hasGrid { parameter(hidden * 9 + hidden) }
        linear(inFeatures: hidden, outFeatures: channels, rows: rows)
        activations += (hasGrid ? 2 : 1) * rows * hidden
        return Path(forward: 0, backward: (hasGrid ? 3 : 2) * rows * hidden, readsInput: true)
    }

    /// The channel mixer of a vision block in `stage` (the class block's has one token and no grid).
    mutating func visionMixer(_ config: VisionConfig, stage: Int, tokens: Double, hasGrid: Bool, b: Double) -> Path {
        let dim = Double(config.embedDims[stage])
        switch config.channelMixer {
        case .einfft: return einFFT(channels: dim, b: b, length: tokens)
        case .mlp:
            return channelMLP(
                channels: dim, hidden: dim * Double(config.mlpRatios[stage]), rows: b * tokens,
                hasGrid: hasGrid)
        }
    }

    /// `Block`: MambaLayer, norm2, the mixer; hidden, output and two drop masks.
    mutating func block(
        dim: Double, mamba: MambaSizes, b: Double, length: Double, maskCount: Double, dropping: Bool,
        mixer: Path
    ) -> Path {
        let rows = b * length, count = rows * dim, dropCount = dropping ? count : 0
        let attn = mambaLayer(dim: dim, sizes: mamba, b: b, length: length)
        layerNorm(channels: dim, rows: rows, ownOutput: mixer.readsInput)
        activations += 2 * count + 2 * maskCount
        // The block keeps the mixer's input in its own scratch when the mixer's backward does not read it.
        let forwardSelf = (mixer.readsInput ? 0 : count) + dropCount
        return Path(
            forward: forwardSelf + max(attn.forward, mixer.forward),
            backward: 2 * count + dropCount + max(attn.backward, mixer.backward), readsInput: true)
    }
}
