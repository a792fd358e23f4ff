// The SiMBA image classifier (docs/design.md, Vision model): stem, four stages of Blocks with downsampling,
// the class token and ClassBlock, norm4, head and token-labelling head. Forward and backward only;
// losses and optimisation live with the caller.

import Foundation
import SimbaCore

/// images (batch, H, W, 3) → logits (batch, classes), and backward into every parameter gradient.
///
/// Memory for SiMBA-S at 224², batch 32 (`simba bench model --case memory-einfft-224`): about
/// 3.5 GB of activations kept from forward to backward, mostly the Blocks' (each Mamba's x, z,
/// silu out, delta, y, x_proj output and scan states, each EinFFT's spectrum, each block's hidden
/// and output), and 632 MB of scratch shared by every module (`scratch`; its deepest path is the
/// backward of a stem 3×3 conv with its im2col); 4.5 GB peak resident for a whole AdamW step with
/// parameters, gradients and moments. Evaluation allocates only the forward scratch (514 MB).
public final class VisionModel {
    public let config: VisionConfig
    public let store: ParameterStore
    public let context: RunContext
    public let maxBatch: Int
    let stem: Stem
    let downsamples: [DownSample]  // patch_embed2..4
    let stages: [[Block]]  // block1..4
    let stageNorms: [LayerNormLayer]  // norm1..3
    let classBlock: ClassBlock  // post_network.0
    let norm4: LayerNormLayer
    let head: LinearLayer
    let auxHead: LinearLayer?
    /// Token grid (height, width) per stage: H/4 × W/4, then halved (rounded up) per stage.
    public let stageGrids: [(height: Int, width: Int)]
    /// Tokens per stage.
    public let stageTokens: [Int]
    /// The largest stage's tokens × channels.
    let largestStage: Int
    let withClass: FloatBuffer  // (maxBatch, 1 + T3, C3): class token then patch tokens
    let classFeature: FloatBuffer  // (maxBatch, C3): normalised class token
    let patchFeatures: FloatBuffer  // (maxBatch, T3, C3): normalised patch tokens
    let auxMax: FloatBuffer  // (maxBatch, classes)
    let auxArgmax: UnsafeMutablePointer<Int32>  // (maxBatch, classes)
    let logits: FloatBuffer  // (maxBatch, classes)
    /// The root of every module's scratch. Backward: the head gradients and two ping-pong token
    /// gradients sized for the largest stage.
    let scratch: Scratch
    /// Flat offsets of the modules' first parameters, reported to `context.gradientsFinal` as the
    /// backward finishes each: head (aux_head follows it), norm4, post_network.0, norm1..3, the
    /// blocks per stage, patch_embed2..4.
    let headMark: Int, norm4Mark: Int, classBlockMark: Int
    let stageNormMarks: [Int], blockMarks: [[Int]], downsampleMarks: [Int]

    /// Builds the model, registers every tensor in PyTorch state_dict order, allocates the store
    /// and initialises it with SiMBA's `_init_weights` from `seed`. The input is
    /// `config.imageSize` square unless `inputSize` gives another (height, width). A model that runs
    /// shares of batches (`context.batchShare`) has activations for `maxBatch` images, the largest
    /// share, and DropPath masks for `wholeBatch`, the largest whole batch (`maxBatch` when nil).
    public init(
        config: VisionConfig, maxBatch: Int, wholeBatch: Int? = nil, seed: UInt64 = 0,
        inputSize: (height: Int, width: Int)? = nil
    ) {
        precondition(config.problems().isEmpty, "invalid VisionConfig: \(config.problems())")
        self.config = config
        self.maxBatch = maxBatch
        let store = ParameterStore(), context = RunContext(seed: seed &+ 1)
        self.store = store
        self.context = context
        let layers = Layers(
            config: config, store: store, context: context, maxBatch: maxBatch, wholeBatch: wholeBatch,
            input: inputSize ?? (config.imageSize, config.imageSize))
        stem = layers.stem
        downsamples = layers.downsamples
        stages = layers.stages
        stageNorms = layers.stageNorms
        classBlock = layers.classBlock
        norm4 = layers.norm4
        head = layers.head
        auxHead = layers.auxHead
        let dims = config.embedDims
        let stageTokens = layers.grids.map { $0.height * $0.width }
        stageGrids = layers.grids
        self.stageTokens = stageTokens
        let c3 = dims[3], t3 = stageTokens[3], classes = config.numClasses
        withClass = FloatBuffer(count: maxBatch * (1 + t3) * c3)
        classFeature = FloatBuffer(count: maxBatch * c3)
        patchFeatures = FloatBuffer(count: maxBatch * t3 * c3)
        auxMax = FloatBuffer(count: maxBatch * classes)
        auxArgmax = .allocate(capacity: maxBatch * classes)
        logits = FloatBuffer(count: maxBatch * classes)
        largestStage = (0..<4).map { stageTokens[$0] * dims[$0] }.max()!
        let largest = maxBatch * largestStage
        let withClassCount = maxBatch * (1 + t3) * c3
        let calls: [Scratch] =
            [stem.scratch] + downsamples.map(\.scratch) + stages.joined().map(\.scratch)
            + [classBlock.scratch]
        scratch = Scratch(
            backward: [
                maxBatch * classes, maxBatch * t3 * classes, maxBatch * c3, maxBatch * t3 * c3,
                withClassCount, withClassCount, largest, largest
            ],
            children: calls)

        let mark = store.firstParameterOffset
        headMark = mark("head.")
        norm4Mark = mark("norm4.")
        classBlockMark = mark("post_network.0.")
        stageNormMarks = (1...3).map { mark("norm\($0).") }
        blockMarks = config.depths.indices.map { stage in
            (0..<config.depths[stage]).map { mark("block\(stage + 1).\($0).") }
        }
        downsampleMarks = (2...4).map { mark("patch_embed\($0).") }
        store.allocate()
        store.reinitialize(officialInit)
        store.initialize(seed: seed)
    }

    /// The tensors (names and shapes, in state_dict order) of the model `config` describes,
    /// without allocating it: the layers are built for one 32×32 image into a store that is never
    /// allocated. No parameter shape depends on the batch or the image size (SiMBA has no
    /// position embedding), so the table is the full-size model's. Costs milliseconds at any size.
    public static func parameterTable(config: VisionConfig) -> [TensorEntry] {
        precondition(config.problems().isEmpty, "invalid VisionConfig: \(config.problems())")
        let store = ParameterStore()
        _ = Layers(
            config: config, store: store, context: RunContext(seed: 0), maxBatch: 1, wholeBatch: nil, input: (32, 32))
        return store.entries
    }

    /// Every layer of the model, registered in `store` in state_dict order.
    private struct Layers {
        var stem: Stem
        var downsamples: [DownSample] = []
        var stages: [[Block]] = []
        var stageNorms: [LayerNormLayer] = []
        var classBlock: ClassBlock
        var norm4: LayerNormLayer
        var head: LinearLayer
        var auxHead: LinearLayer?
        /// Token grid (height, width) per stage.
        var grids: [(height: Int, width: Int)] = []

        init(
            config: VisionConfig, store: ParameterStore, context: RunContext, maxBatch: Int, wholeBatch: Int?,
            input: (height: Int, width: Int)
        ) {
            let dims = config.embedDims
            let totalBlocks = config.depths.reduce(0, +)
            let rates = (0..<totalBlocks).map {
                totalBlocks == 1 ? 0 : config.dropPathRate * Float($0) / Float(totalBlocks - 1)
            }
            stem = Stem(
                "patch_embed1.", inChannels: config.inChannels, hidden: config.stemHiddenDim, dim: dims[0],
                height: input.height, width: input.width, context: context, store: store, maxBatch: maxBatch)
            var grid = stem.grid
            var blockIndex = 0
            for stage in 0..<4 {
                if stage > 0 {
                    let down = DownSample(
                        "patch_embed\(stage + 1).", inDim: dims[stage - 1], outDim: dims[stage],
                        height: grid.height, width: grid.width, store: store, maxBatch: maxBatch)
                    grid = (down.outHeight, down.outWidth)
                    downsamples.append(down)
                }
                grids.append(grid)
                let tokens = grid.height * grid.width
                var blocks: [Block] = []
                for j in 0..<config.depths[stage] {
                    blocks.append(
                        Block(
                            "block\(stage + 1).\(j).", dim: dims[stage], mamba: config.mamba,
                            drop: .dropPath(rates[blockIndex]), context: context, store: store, maxBatch: maxBatch,
                            wholeBatch: wholeBatch, maxLength: tokens
                        ) { [grid] prefix in
                            VisionModel.mixer(
                                prefix, config: config, stage: stage, grid: grid, store: store,
                                maxBatch: maxBatch)
                        })
                    blockIndex += 1
                }
                stages.append(blocks)
                if stage < 3 {
                    stageNorms.append(
                        LayerNormLayer(
                            "norm\(stage + 1).", channels: dims[stage], eps: 1e-6,
                            store: store, maxRows: maxBatch * tokens))
                }
            }
            let c3 = dims[3], t3 = grid.height * grid.width, classes = config.numClasses
            classBlock = ClassBlock(
                "post_network.0.", dim: c3, mamba: config.mamba, store: store,
                maxBatch: maxBatch, maxLength: 1 + t3
            ) { prefix in
                VisionModel.mixer(prefix, config: config, stage: 3, grid: nil, store: store, maxBatch: maxBatch)
            }
            norm4 = LayerNormLayer("norm4.", channels: c3, eps: 1e-6, store: store, maxRows: maxBatch * (1 + t3))
            head = LinearLayer("head.", inFeatures: c3, outFeatures: classes, store: store, maxRows: maxBatch)
            auxHead =
                config.tokenLabel
                ? LinearLayer("aux_head.", inFeatures: c3, outFeatures: classes, store: store, maxRows: maxBatch * t3)
                : nil
        }
    }

    deinit { auxArgmax.deallocate() }

    /// The channel mixer of a block in `stage`: EinFFT, or PVT2FFN on the stage's token grid (FFN
    /// when `grid` is nil, as in the class block) with hidden width dim·mlp_ratio.
    static func mixer(
        _ prefix: String, config: VisionConfig, stage: Int, grid: (height: Int, width: Int)?,
        store: ParameterStore, maxBatch: Int
    ) -> SequenceLayer {
        let dim = config.embedDims[stage]
        let tokens = grid.map { $0.height * $0.width } ?? 1
        switch config.channelMixer {
        case .einfft:
            return EinFFTLayer(store: store, prefix: prefix, channels: dim, maxBatch: maxBatch, maxLength: tokens)
        case .mlp:
            return ChannelMLP(
                prefix, channels: dim, hidden: dim * config.mlpRatios[stage], grid: grid, store: store,
                maxBatch: maxBatch)
        }
    }

    /// images (batch, H, W, inChannels) NHWC, normalised → logits (batch, numClasses).
    public func forward(_ images: UnsafePointer<Float>, batch: Int) -> UnsafePointer<Float> {
        precondition(batch <= maxBatch, "batch \(batch) exceeds the model's maximum \(maxBatch)")
        scratch.withForward { _ in layers(images, batch: batch) }
        return UnsafePointer(logits.pointer)
    }

    /// The forward's layers, writing `logits`.
    private func layers(_ images: UnsafePointer<Float>, batch: Int) {
        var x = stem.forward(images, batch: batch)
        for stage in 0..<4 {
            if stage > 0 { x = downsamples[stage - 1].forward(x, batch: batch) }
            for block in stages[stage] { x = block.forward(x, batch: batch, length: stageTokens[stage]) }
            if stage < 3 { x = stageNorms[stage].forward(x, batch: batch, length: stageTokens[stage]) }
        }
        let c3 = config.embedDims[3], t3 = stageTokens[3], classes = config.numClasses
        // Class token = mean of the patch tokens, prepended.
        for b in 0..<batch {
            let row = withClass.pointer + b * (1 + t3) * c3
            (row + c3).update(from: x + b * t3 * c3, count: t3 * c3)
        }
        Kernels.current.meanPool.forward(output: classFeature.pointer, input: x, batch: batch, tokens: t3, channels: c3)
        for b in 0..<batch {
            (withClass.pointer + b * (1 + t3) * c3).update(from: classFeature.pointer + b * c3, count: c3)
        }
        let y = classBlock.forward(withClass.pointer, batch: batch, length: 1 + t3)
        let z = norm4.forward(y, batch: batch, length: 1 + t3)
        for b in 0..<batch {
            let row = z + b * (1 + t3) * c3
            (classFeature.pointer + b * c3).update(from: row, count: c3)
            (patchFeatures.pointer + b * t3 * c3).update(from: row + c3, count: t3 * c3)
        }
        let headLogits = head.forward(classFeature.pointer, batch: batch, length: 1)
        logits.pointer.update(from: headLogits, count: batch * classes)
        if let auxHead {
            let aux = auxHead.forward(patchFeatures.pointer, batch: batch, length: t3)  // (batch, t3, classes)
            Kernels.current.maxPool.forward(
                output: auxMax.pointer, indices: auxArgmax, input: aux, batch: batch, tokens: t3, channels: classes,
                sampleStride: nil)
            for i in 0..<batch * classes { logits[i] += 0.5 * auxMax[i] }
        }
    }

    /// Backward from dLogits (batch, numClasses) into every parameter gradient (+=), telling
    /// `context.gradientsFinal` after each module which gradients are final.
    public func backward(_ dLogits: UnsafePointer<Float>, batch: Int) {
        let c3 = config.embedDims[3], t3 = stageTokens[3], classes = config.numClasses
        let gradientsFinal = context.gradientsFinal
        scratch.withBackward { buffers in
            let dAuxMax = buffers.take(batch * classes), dAux = buffers.take(batch * t3 * classes)
            let dClassFeature = buffers.take(batch * c3), dPatchFeatures = buffers.take(batch * t3 * c3)
            let dNormed = buffers.take(batch * (1 + t3) * c3), dWithClass = buffers.take(batch * (1 + t3) * c3)
            let largest = batch * largestStage
            var dx = buffers.take(largest), spare = buffers.take(largest)
            Parallel.zero(dClassFeature, count: batch * c3)
            head.backward(dLogits, dInput: dClassFeature, batch: batch, length: 1)
            Parallel.zero(dPatchFeatures, count: batch * t3 * c3)
            if let auxHead {
                for i in 0..<batch * classes { dAuxMax[i] = 0.5 * dLogits[i] }
                Parallel.zero(dAux, count: batch * t3 * classes)
                Kernels.current.maxPool.backward(
                    dInput: dAux, dOutput: dAuxMax, indices: auxArgmax, batch: batch, tokens: t3, channels: classes,
                    sampleStride: nil)
                auxHead.backward(dAux, dInput: dPatchFeatures, batch: batch, length: t3)
            }
            gradientsFinal?(headMark)
            for b in 0..<batch {
                let row = dNormed + b * (1 + t3) * c3
                row.update(from: dClassFeature + b * c3, count: c3)
                (row + c3).update(from: dPatchFeatures + b * t3 * c3, count: t3 * c3)
            }
            Parallel.zero(dWithClass, count: batch * (1 + t3) * c3)
            norm4.backward(dNormed, dInput: dWithClass, batch: batch, length: 1 + t3)
            gradientsFinal?(norm4Mark)
            Parallel.zero(dNormed, count: batch * (1 + t3) * c3)
            classBlock.backward(dWithClass, dInput: dNormed, batch: batch, length: 1 + t3)
            gradientsFinal?(classBlockMark)
            // Split into the patch tokens' own gradient and the class token's, which flows back
            // through the mean.
            for b in 0..<batch {
                let row = dNormed + b * (1 + t3) * c3
                (dx + b * t3 * c3).update(from: row + c3, count: t3 * c3)
                (dClassFeature + b * c3).update(from: row, count: c3)
            }
            Kernels.current.meanPool.backward(
                dInput: dx, dOutput: dClassFeature, batch: batch, tokens: t3, channels: c3)
            for stage in stride(from: 3, through: 0, by: -1) {
                let count = batch * stageTokens[stage] * config.embedDims[stage]
                if stage < 3 {
                    Parallel.zero(spare, count: count)
                    stageNorms[stage].backward(dx, dInput: spare, batch: batch, length: stageTokens[stage])
                    swap(&dx, &spare)
                    gradientsFinal?(stageNormMarks[stage])
                }
                for j in stages[stage].indices.reversed() {
                    let block = stages[stage][j]
                    Parallel.zero(spare, count: count)
                    block.backward(dx, dInput: spare, batch: batch, length: stageTokens[stage])
                    swap(&dx, &spare)
                    gradientsFinal?(blockMarks[stage][j])
                }
                if stage > 0 {
                    Parallel.zero(spare, count: batch * stageTokens[stage - 1] * config.embedDims[stage - 1])
                    downsamples[stage - 1].backward(dx, dInput: spare, batch: batch)
                    swap(&dx, &spare)
                    gradientsFinal?(downsampleMarks[stage - 1])
                }
            }
            stem.backward(dx, batch: batch)
            gradientsFinal?(0)
        }
    }

    /// Training mode (batch statistics, DropPath) or evaluation mode.
    public var training: Bool {
        get { context.training }
        set { context.training = newValue }
    }
}
