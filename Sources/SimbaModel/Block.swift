// SiMBA's Block: x + drop(attn(x)), then x + drop(mlp(norm2(x))), where attn is a MambaLayer and
// mlp a channel mixer (EinFFT or MLP). The drop is DropPath (vision) or Dropout (time series).

import SimbaCore

/// How a residual branch is randomly dropped in training.
public enum BranchDrop: Sendable {
    /// timm DropPath: a whole sample's branch is zeroed with this probability.
    case dropPath(Float)
    /// Element-wise Dropout with this probability.
    case dropout(Float)

    var probability: Float {
        switch self {
        case .dropPath(let p), .dropout(let p): return p
        }
    }
}

/// `attn` (MambaLayer), `norm2` (LayerNorm eps 1e-6), `mlp` on (batch, length, dim).
///
/// Keeps `hidden` and `output` (maxRows, dim) and the drop masks. Scratch: forward the normalised
/// mixer input (unless the mixer's backward reads it; then norm2 keeps it) and the dropped branch
/// (when dropping); backward two (maxRows, dim) gradients and, when dropping, a third for the
/// branches.
public final class Block: SequenceLayer {
    public let dim: Int
    let attn: MambaLayer
    let norm2: LayerNormLayer
    let mlp: SequenceLayer
    let drop: BranchDrop
    let context: RunContext
    let hidden: FloatBuffer  // (maxRows, dim): x + drop(attn(x))
    let output: FloatBuffer  // (maxRows, dim)
    let attnMask: FloatBuffer  // (maxBatch) or (maxRows·dim), per `drop`
    let mlpMask: FloatBuffer
    public let scratch: Scratch
    public var backwardReadsInput: Bool { true }
    private var dropActive = false

    /// `makeMixer(prefix)` builds the channel mixer registered under `prefix + "mlp."`. DropPath
    /// draws masks for batches of up to `wholeBatch` samples (a job's whole batch, of which this
    /// model runs shares of at most `maxBatch`; `context.batchShare`), `maxBatch` when nil.
    public init(
        _ prefix: String, dim: Int, mamba: MambaSizes, drop: BranchDrop, context: RunContext,
        store: ParameterStore, maxBatch: Int, wholeBatch: Int? = nil, maxLength: Int,
        makeMixer: (String) -> SequenceLayer
    ) {
        self.dim = dim
        self.drop = drop
        self.context = context
        let maxRows = maxBatch * maxLength
        attn = MambaLayer(
            prefix + "attn.", dModel: dim, sizes: mamba, store: store, maxBatch: maxBatch,
            maxLength: maxLength)
        norm2 = LayerNormLayer(prefix + "norm2.", channels: dim, eps: 1e-6, store: store, maxRows: maxRows)
        mlp = makeMixer(prefix + "mlp.")
        hidden = FloatBuffer(count: maxRows * dim)
        output = FloatBuffer(count: maxRows * dim)
        let maskCount: Int
        switch drop {
        case .dropPath: maskCount = max(maxBatch, wholeBatch ?? 0)
        case .dropout: maskCount = maxRows * dim
        }
        attnMask = FloatBuffer(count: maskCount)
        mlpMask = FloatBuffer(count: maskCount)
        let count = maxRows * dim, dropCount = drop.probability > 0 ? count : 0
        scratch = Scratch(
            forward: [mlp.backwardReadsInput ? 0 : count, dropCount],
            backward: [count, count, dropCount], children: [attn.scratch, mlp.scratch])
    }

    /// destination = residual + drop(branch); draws the mask when dropping is active. `dropped`
    /// holds the dropped branch.
    private func addBranch(
        _ destination: UnsafeMutablePointer<Float>, residual: UnsafePointer<Float>, branch: UnsafePointer<Float>,
        mask: FloatBuffer, dropped: UnsafeMutablePointer<Float>, batch: Int, rows: Int
    ) {
        let count = rows * dim
        if dropActive {
            switch drop {
            case .dropPath(let p):
                let total = context.batchShare?.total ?? batch
                precondition(total <= mask.count, "a batch larger than the DropPath mask")
                Kernels.current.dropPath.makeMask(
                    mask: mask.pointer, batch: total, probability: p,
                    generator: &context.generator)
                if let share = context.batchShare {
                    precondition(share.samples.count == batch, "the batch share's samples are not the batch run")
                    // Ascending samples: entry i moves down from entry samples[i] ≥ i, read before it is written.
                    for (i, sample) in share.samples.enumerated() { mask.pointer[i] = mask.pointer[sample] }
                }
                Kernels.current.dropPath.forward(
                    output: dropped, input: branch, mask: mask.pointer, batch: batch, rowSize: count / batch)
            case .dropout(let p):
                Kernels.current.dropout.makeMask(
                    mask: mask.pointer, count: count, probability: p, generator: &context.generator)
                Kernels.current.dropout.forward(output: dropped, input: branch, mask: mask.pointer, count: count)
            }
        }
        let kept = dropActive ? UnsafePointer(dropped) : branch
        Parallel.forEachRange(count) { range in
            for i in range { destination[i] = residual[i] + kept[i] }
        }
    }

    /// The gradient into a branch, given the gradient of the block's sum: `dOutput` itself when
    /// nothing is dropped, else written to `dBranch`.
    private func branchGradient(
        _ dBranch: UnsafeMutablePointer<Float>, dOutput: UnsafePointer<Float>, mask: FloatBuffer, batch: Int, rows: Int
    ) -> UnsafePointer<Float> {
        guard dropActive else { return dOutput }
        let count = rows * dim
        Parallel.zero(dBranch, count: count)
        switch drop {
        case .dropPath:
            Kernels.current.dropPath.backward(
                dInput: dBranch, dOutput: dOutput, mask: mask.pointer, batch: batch, rowSize: count / batch)
        case .dropout:
            Kernels.current.dropout.backward(dInput: dBranch, dOutput: dOutput, mask: mask.pointer, count: count)
        }
        return UnsafePointer(dBranch)
    }

    public func forward(_ input: UnsafePointer<Float>, batch: Int, length: Int) -> UnsafePointer<Float> {
        let rows = batch * length, count = rows * dim
        dropActive = context.training && drop.probability > 0
        scratch.withForward { buffers in
            let normed = buffers.take(mlp.backwardReadsInput ? 0 : count)
            let dropped = buffers.take(dropActive ? count : 0)
            let a = attn.forward(input, batch: batch, length: length)
            addBranch(
                hidden.pointer, residual: input, branch: a, mask: attnMask, dropped: dropped, batch: batch, rows: rows)
            let mixerInput: UnsafePointer<Float>
            if mlp.backwardReadsInput {
                mixerInput = norm2.forward(hidden.pointer, batch: batch, length: length)
            } else {
                norm2.forward(hidden.pointer, into: normed, batch: batch, length: length)
                mixerInput = UnsafePointer(normed)
            }
            let m = mlp.forward(mixerInput, batch: batch, length: length)
            addBranch(
                output.pointer, residual: hidden.pointer, branch: m, mask: mlpMask, dropped: dropped, batch: batch,
                rows: rows)
        }
        return UnsafePointer(output.pointer)
    }

    public func backward(_ dOutput: UnsafePointer<Float>, dInput: UnsafeMutablePointer<Float>, batch: Int, length: Int)
    {
        let rows = batch * length, count = rows * dim
        scratch.withBackward { buffers in
            let dHidden = buffers.take(count), dNorm = buffers.take(count)
            let dBranch = buffers.take(dropActive ? count : 0)
            // Second residual: dHidden = dOutput + norm2ᵀ(mlpᵀ(drop(dOutput))).
            dHidden.update(from: dOutput, count: count)
            Parallel.zero(dNorm, count: count)
            mlp.backward(
                branchGradient(dBranch, dOutput: dOutput, mask: mlpMask, batch: batch, rows: rows),
                dInput: dNorm, batch: batch, length: length)
            norm2.backward(dNorm, dInput: dHidden, batch: batch, length: length)
            // First residual: dInput += dHidden + attnᵀ(drop(dHidden)).
            Parallel.forEachRange(count) { range in
                for i in range { dInput[i] += dHidden[i] }
            }
            attn.backward(
                branchGradient(dBranch, dOutput: dHidden, mask: attnMask, batch: batch, rows: rows),
                dInput: dInput, batch: batch, length: length)
        }
    }
}
