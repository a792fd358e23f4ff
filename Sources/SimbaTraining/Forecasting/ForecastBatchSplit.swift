// SiMBA-TS batches split into shards that run at once, each on its own weight-sharing instance of the
// model, their gradients summed in shard order. It decides the split; the model computes, the caller scores.

import SimbaCore
import SimbaModel

/// A batch of windows split into shards of consecutive windows, each run by its own instance of the
/// model: shard 0 by `model`, which owns the weights and whose gradients are the batch's, shard s by
/// replica s − 1, which reads the same weights and keeps its own activations and gradients. The
/// shards run at once, `width` of them (the worker count) at a time; the loops inside a shard run
/// inline on its thread, so a small model keeps every core busy without a hand-off per kernel.
///
/// Results do not depend on the width. The shard count depends on the batch size alone
/// (`shardCount(batch:)`), shard s always runs on instance s, and the shards' gradients are summed
/// in shard order, ((g₀ + g₁) + g₂) + …: shard 0's computed in place into `model`'s zeroed
/// gradients, every other shard's in its replica's own buffer, which is zero between steps. In
/// training, the Dropout generator of shard s ≥ 1 is seeded by the s-th draw from `model`'s
/// generator (shards 1, 2, … in order, before shard 0 draws its masks from what follows).
///
/// In a job of several processes each runs only its `owned` shards (every process builds every
/// instance and draws every shard's seed, so a shard's windows and masks do not depend on who runs
/// it); the caller sums the processes' gradients, and, since shard 0's masks come from `model`'s
/// generator, gives every process the owner of shard 0's generator after each training step.
public final class ForecastBatchSplit {
    /// Shard 0's instance: the weights, the batch's gradients and the Dropout generator a
    /// checkpoint keeps.
    public let model: TimeSeriesModel
    /// Shards 1 ..< shardCount, each sized for its shard of a `maxBatch` batch.
    let replicas: [TimeSeriesModel]
    public let maxBatch: Int
    /// Shards of every batch of two or more windows (a batch of one runs on `model` alone).
    public let shardCount: Int
    /// Shards running at once.
    public let width: Int
    /// The shards this process runs: all of them, unless a process group shares them out.
    public var owned: Range<Int> {
        didSet { precondition(owned.clamped(to: 0..<shardCount) == owned, "shards \(owned) outside 0..<\(shardCount)") }
    }
    /// Windows of the last forward.
    private var batch = 0

    /// The fewest windows per shard once a batch has more than two shards. Smaller shards make
    /// smaller matrix products, which run less efficiently (docs/performance.md); with it every
    /// batch of up to 47 windows splits in two, as the ETTh1 configs' 32 always have.
    public static let shardWindows = 16

    /// The shards of a `batch`-window batch: one window alone, two up to 3 × `shardWindows` − 1
    /// windows, else one per `shardWindows` windows (the remainder spread over them), and never more
    /// than simba can have threads (`Parallel.maxWorkers`). It depends on nothing else.
    public static func shardCount(batch: Int) -> Int {
        batch < 2 ? 1 : min(Parallel.maxWorkers, max(2, batch / shardWindows))
    }

    /// Windows of shard `shard` when `batch` windows are split into `shards`: consecutive ranges,
    /// the first `batch % shards` of them one window longer (empty when batch < shards).
    public static func windows(shard: Int, of shards: Int, batch: Int) -> Range<Int> {
        let size = batch / shards, longer = batch % shards
        let start = shard * size + min(shard, longer)
        return start..<start + size + (shard < longer ? 1 : 0)
    }

    /// Builds the model from `seed` (as `TimeSeriesModel(config:maxBatch:seed:)` does) and its
    /// replicas for batches of up to `maxBatch` windows, run `width` shards at a time.
    public init(config: TimeSeriesConfig, maxBatch: Int, seed: UInt64 = 0, width: Int = Parallel.workers) {
        precondition(maxBatch >= 1 && width >= 1, "a batch split needs a window and a thread")
        let shards = Self.shardCount(batch: maxBatch)
        self.maxBatch = maxBatch
        self.shardCount = shards
        self.width = width
        owned = 0..<shards
        let model = TimeSeriesModel(
            config: config, maxBatch: Self.windows(shard: 0, of: shards, batch: maxBatch).count, seed: seed)
        self.model = model
        replicas = (1..<shards).map { shard in
            TimeSeriesModel(
                sharingWeightsWith: model,
                maxBatch: Self.windows(shard: shard, of: shards, batch: maxBatch).count)
        }
    }

    public var config: TimeSeriesConfig { model.config }

    /// `batches: 32 windows in 2 shards of up to 16, 2 at a time`.
    public var description: String {
        "batches: \(maxBatch) window\(maxBatch == 1 ? "" : "s") in \(shardCount) shard\(shardCount == 1 ? "" : "s") "
            + "of up to \(model.maxBatch), \(min(width, shardCount)) at a time"
    }

    /// Every instance's mode (Dropout on in training).
    public var training: Bool {
        get { model.training }
        set {
            model.training = newValue
            for replica in replicas { replica.training = newValue }
        }
    }

    /// The windows of a `batch`-window batch that the owned shards hold: consecutive, maybe none.
    public func ownedWindows(batch: Int) -> Range<Int> {
        guard batch >= 2 else { return owned.contains(0) ? 0..<batch : 0..<0 }
        let first = Self.windows(shard: owned.lowerBound, of: shardCount, batch: batch).lowerBound
        guard !owned.isEmpty else { return first..<first }
        return first..<Self.windows(shard: owned.upperBound - 1, of: shardCount, batch: batch).upperBound
    }

    /// Forecasts `batch` windows (batch, L, M), standardised, shard by shard (the owned ones); read
    /// them with `selectColumns`. Every window's forecast is computed as it would be alone.
    public func forward(_ window: UnsafePointer<Float>, batch: Int) {
        precondition(batch >= 1 && batch <= maxBatch, "batch \(batch) outside 1...\(maxBatch)")
        self.batch = batch
        guard batch >= 2 else {
            if owned.contains(0) { _ = model.forward(window, batch: batch) }
            return
        }
        if model.training {
            for replica in replicas {
                replica.context.generator = RandomGenerator(seed: model.context.generator.next())
            }
        }
        let windowSize = config.seqLen * config.variates
        forEachShard { shard, windows in
            _ = instance(shard).forward(window + windows.lowerBound * windowSize, batch: windows.count)
        }
    }

    /// Copies the last `k` variates (the target columns) of the last forward's forecasts into the
    /// owned windows' rows of `selected` (batch, H, k); the other rows are left as they are.
    public func selectColumns(_ k: Int, into selected: UnsafeMutablePointer<Float>) {
        let (h, m) = (config.predLen, config.variates)
        for shard in shardsRun {
            let windows = Self.windows(shard: shard, of: shardCount, batch: batch)
            let forecast = instance(shard).forecast, first = selected + windows.lowerBound * h * k
            for row in 0..<windows.count * h { (first + row * k).update(from: forecast + row * m + (m - k), count: k) }
        }
    }

    /// Where this process's share of a batch's gradients is when `backward` calls `ownedShardsDone`:
    /// with one owned shard, its instance's own buffer (a replica's is added into `model`'s after
    /// the call); with several, `model`'s, once they are summed there.
    public var ownedGradients: UnsafeMutablePointer<Float> {
        (owned.count == 1 ? instance(owned.lowerBound) : model).store.gradients.pointer
    }

    /// The run context of the only owned shard's instance, whose backward writes `ownedGradients`
    /// on the calling thread (one shard runs inline); nil with several owned shards, which run at
    /// once on the worker pool.
    public var ownedContext: RunContext? {
        owned.count == 1 ? instance(owned.lowerBound).context : nil
    }

    /// Backward from dForecast (batch, H, M) of the last forward, shard by shard (the owned ones),
    /// into `model`'s gradients (+=; zero them first for one batch's gradients), summed in shard order.
    /// `ownedShardsDone` runs once this process's share is complete in `ownedGradients` (a job sums
    /// it over the processes there) and before any replica's gradients are added into `model`'s.
    public func backward(_ dForecast: UnsafePointer<Float>, ownedShardsDone: () -> Void = {}) {
        guard batch >= 2 else {
            if owned.contains(0) { model.backward(dForecast, batch: batch) }
            ownedShardsDone()
            return
        }
        let forecastSize = config.predLen * config.variates
        forEachShard { shard, windows in
            instance(shard).backward(dForecast + windows.lowerBound * forecastSize, batch: windows.count)
        }
        if owned.count == 1 { ownedShardsDone() }
        sumReplicaGradients()
        if owned.count > 1 { ownedShardsDone() }
    }

    /// Adds the gradients of the replicas run by the last backward into `model`'s, in shard order,
    /// and zeroes theirs.
    private func sumReplicaGradients() {
        let shards = shardsRun, gradients = model.store.gradients.pointer
        let used = replicas[max(shards.lowerBound, 1) - 1..<max(shards.upperBound, 1) - 1]
        Parallel.forEachRange(model.store.parameterCount) { range in
            for replica in used {
                let replicaGradients = replica.store.gradients.pointer
                for i in range {
                    gradients[i] += replicaGradients[i]
                    replicaGradients[i] = 0
                }
            }
        }
    }

    /// Owned shards holding windows of the last forward.
    private var shardsRun: Range<Int> { owned.clamped(to: 0..<min(shardCount, batch)) }

    private func instance(_ shard: Int) -> TimeSeriesModel { shard == 0 ? model : replicas[shard - 1] }

    /// Runs `body(shard, windows)` for the shards of the last forward, `width` at a time, each on
    /// a thread of the worker pool as it comes free.
    private func forEachShard(_ body: (_ shard: Int, _ windows: Range<Int>) -> Void) {
        let shards = shardsRun
        guard !shards.isEmpty else { return }
        Parallel.forEachClaimed(shards.count, slots: min(width, shards.count), costPerItem: Self.shardCost) { _, i in
            let shard = shards.lowerBound + i
            body(shard, Self.windows(shard: shard, of: shardCount, batch: batch))
        }
    }

    /// Large enough that the shards always go to the worker pool.
    static let shardCost = 1 << 30
}
