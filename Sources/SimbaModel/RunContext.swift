// State shared by every module of one model while it runs: training or evaluation mode, the random
// generator DropPath and Dropout draw from, and the slice of a larger batch it runs. It holds no tensors.

import SimbaCore

/// Shared by the modules of one model; the model's owner flips `training` and seeds `generator`.
public final class RunContext {
    /// Training mode: BatchNorm uses batch statistics, DropPath and Dropout are active.
    public var training = true
    /// Drawn from in module order during forward, so a seed fixes every mask.
    public var generator: RandomGenerator

    /// The samples this model runs of a larger batch (one rank's share under mpirun): `samples`,
    /// ascending, of a batch of `total`, in that order. DropPath then draws the masks of all `total`
    /// samples, in order, and uses theirs, so every sample gets the mask a single process running
    /// the whole batch gives it. nil: the batch run is the whole batch.
    public var batchShare: (samples: [Int], total: Int)?
    /// Set for synchronised BatchNorm: replaces `count` doubles by their sums over every process
    /// running a slice of the batch (collective). nil: BatchNorm uses this process's rows alone.
    public var sumOverSlices: ((UnsafeMutablePointer<Double>, Int) -> Void)?
    /// Called by the model's backward, on the thread running it, with an offset X each time every
    /// parameter gradient at flat offsets ≥ X is final for this backward: after each top-level
    /// module (offset of its first parameter), the last call with 0. Parameters are registered in
    /// state_dict order and the backward runs the modules in reverse, so no later part of the
    /// backward adds to them. A job's gradient sum starts its buckets from it; nil: not called.
    public var gradientsFinal: ((Int) -> Void)?

    public init(seed: UInt64 = 0) {
        generator = RandomGenerator(seed: seed)
    }
}

/// A layer over sequences of tokens (batch, length, channels) in, the same or other width out.
///
/// `forward` returns the module's own output buffer, or memory in its `scratch` that the caller
/// reads before its next call; it may keep `input` for `backward` (the caller keeps it alive and
/// unchanged) when `backwardReadsInput`. `backward` adds into `dInput` and the parameter gradients.
public protocol SequenceLayer: AnyObject {
    /// The scratch the module's calls use; the module that calls it adopts it as a child.
    var scratch: Scratch { get }
    /// Whether `backward` reads the input of `forward`. When false, the caller may reuse the
    /// input's memory between the two calls.
    var backwardReadsInput: Bool { get }
    func forward(_ input: UnsafePointer<Float>, batch: Int, length: Int) -> UnsafePointer<Float>
    func backward(_ dOutput: UnsafePointer<Float>, dInput: UnsafeMutablePointer<Float>, batch: Int, length: Int)
}
