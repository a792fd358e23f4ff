// Trains SiMBA-TS on a ForecastData set: shuffled epochs, MSE loss, AdamW/Adam with a schedule,
// validation and test every epoch, summary.csv, last/best checkpoints, early stopping, exact resume;
// alone or as one rank of an `mpirun` job. It does not start or end MPI.

import Foundation
import SimbaCore
import SimbaData
import SimbaDistributed
import SimbaModel
import SimbaSafetensors

/// Scores of one split over every window × step × target column, on the standardised scale.
public struct SplitScores: Sendable, Codable, Equatable {
    public var mse: Double
    public var mae: Double
}

public final class ForecastTrainer {
    public let settings: ForecastSettings
    public let data: ForecastData
    /// The model and its replicas, each running one shard of every batch.
    public let batchSplit: ForecastBatchSplit
    /// The weights, the batch's gradients and the Dropout generator: `batchSplit.model`.
    public var model: TimeSeriesModel { batchSplit.model }
    public let optimizer: AdamW
    /// The run folder: nil on ranks other than 0, which write nothing.
    public let run: RunFolder?
    /// The run folder's path, for messages (every rank knows it; rank 0 alone opens it).
    let folder: String
    /// The job whose ranks share every batch's shards (this one runs `batchSplit.owned`), if any.
    let group: ProcessGroup?
    /// Metadata written into every weights file (format, config, data scaler).
    let metadata: [String: String]
    let log: RunLog
    public private(set) var progress = TrainingProgress()
    let schedule: LearningRateSchedule
    let update: OptimizerStep
    let stepsPerEpoch: Int
    let predictor: ForecastPredictor
    // Training batch buffers, allocated once.
    let input: FloatBuffer  // (batch, L, M)
    let target: FloatBuffer  // (batch, H, K): K = data.outputColumns
    let selected: FloatBuffer  // (batch, H, K): the forecast's target columns
    let dSelected: FloatBuffer  // (batch, H, K)
    let dForecast: FloatBuffer  // (batch, H, M)
    var order: [Int]
    /// The signal asking training to stop, checked after every step and before the checkpoint.
    var stopRequest: () -> Int32? = { Interruption.pending }
    /// In a job: the collectives of every step.
    private var reduction: StepReduction?
    /// Seconds the last validation and test scoring after an epoch took (for the whole run's ETA).
    private var evalSeconds = 0.0

    public static let summaryHeader = "epoch,train_loss,val_mse,val_mae,test_mse,test_mae,lr"

    /// Builds the model (initialised from the seed) and optimizer. With `resume`, restores
    /// weights, optimizer moments, progress and the random generator from the run folder's
    /// checkpoint (a folder without one starts over, as a run stopped in its first epoch does).
    /// `width`: shards of a batch run at once (results do not depend on it).
    public convenience init(
        settings: ForecastSettings, data: ForecastData, run: RunFolder, log: RunLog,
        metadata: [String: String], resume: Bool, width: Int = Parallel.workers
    ) throws {
        try self.init(
            settings: settings, data: data, run: run, folder: run.path, log: log, metadata: metadata,
            resume: resume, width: width, group: nil)
    }

    /// The trainer of one rank of `group` (or of the only process, without one): every rank builds
    /// the same model from the seed and runs its share of the shards of every batch; rank 0 alone
    /// has `run`, and with `resume` reads the checkpoint and sends it to the others. A batch with
    /// fewer shards than the group has ranks throws. Collective: every rank calls it.
    public init(
        settings: ForecastSettings, data: ForecastData, run: RunFolder?, folder: String, log: RunLog,
        metadata: [String: String], resume: Bool, width: Int = Parallel.workers,
        group: ProcessGroup?
    ) throws {
        precondition((run != nil) == ((group?.rank ?? 0) == 0), "rank 0 alone has the run folder")
        self.settings = settings
        self.data = data
        self.run = run
        self.folder = folder
        self.group = group
        self.log = log
        self.metadata = metadata
        if resume, let run, run.hasCheckpoint {
            // The weights must fit before the model (and its batch-sized activations) is built.
            try SafetensorsHeader(path: run.lastWeights)
                .checkFits(TimeSeriesModel.parameterTable(config: settings.model))
        }
        let batchSplit = ForecastBatchSplit(
            config: settings.model, maxBatch: settings.batchSize, seed: settings.seed,
            width: width)
        self.batchSplit = batchSplit
        if let group {
            try Self.checkShards(batchSize: settings.batchSize, group: group)
            batchSplit.owned = ForecastBatchSplit.windows(
                shard: group.rank, of: group.size,
                batch: batchSplit.shardCount)
            // Each rank sums its shards' gradients over the ranks before they reach `model`'s (a replica's
            // buffer when it owns one shard), in buckets as that shard's backward finishes them.
            let reduction = try StepReduction(
                group: group, gradients: batchSplit.ownedGradients, count: batchSplit.model.store.parameterCount,
                bucketMB: settings.bucketMB)
            if reduction.buckets != nil { batchSplit.ownedContext?.gradientsFinal = reduction.gradientsFinal }
            self.reduction = reduction
        }
        let model = batchSplit.model
        optimizer = AdamW(store: model.store, weightDecay: settings.optimizer == .adamw ? settings.weightDecay : 0)
        let trainWindows = data.windowCount(.train)
        guard trainWindows >= settings.batchSize else {
            throw TrainingError(
                "the training split has \(trainWindows) windows, fewer than optimization.batch_size "
                    + "\(settings.batchSize): lower the batch size"
            )
        }
        stepsPerEpoch = trainWindows / settings.batchSize
        schedule = LearningRateSchedule(
            kind: settings.schedule, lr: settings.lr, minLR: settings.minLR, warmupEpochs: settings.warmupEpochs,
            epochs: settings.epochs, stepsPerEpoch: stepsPerEpoch)
        update = OptimizerStep(
            optimizer: optimizer, kind: settings.optimizer, weightDecay: settings.weightDecay,
            gradClip: settings.gradClip, schedule: schedule)
        predictor = ForecastPredictor(batchSplit: batchSplit, data: data, group: group)
        let (b, l, h, m, k) = (
            settings.batchSize, settings.model.seqLen, settings.model.predLen, settings.model.variates,
            data.outputColumns
        )
        input = FloatBuffer(count: b * l * m)
        target = FloatBuffer(count: b * h * k)
        selected = FloatBuffer(count: b * h * k)
        dSelected = FloatBuffer(count: b * h * k)
        dForecast = FloatBuffer(count: b * h * m)
        order = Array(0..<trainWindows)
        // A new run's skip starts from its fit; a resumed one keeps the checkpoint's (rank 0's in a
        // job). In a new job every rank fits the same windows, and rank 0's fit is taken by all.
        if settings.linearSkipFit && !(resume && (run?.hasCheckpoint ?? true)) {
            let started = DispatchTime.now().uptimeNanoseconds
            let skip = try LinearSkipFit.start(model.store, data: data, revin: settings.model.revin)
            if let group, !resume {
                group.broadcast(
                    model.store.values.pointer + skip.lowerBound, count: skip.count * MemoryLayout<Float>.size)
            }
            log.line(
                String(
                    format: "linear skip: started from its least-squares fit on %d training windows in %.2f s",
                    trainWindows, Double(DispatchTime.now().uptimeNanoseconds - started) * 1e-9))
        }
        if resume, let run, run.hasCheckpoint {
            progress = try run.resume(store: model.store, optimizer: optimizer, generator: &model.context.generator)
        }
        if resume, let group { try receiveState(from: group) }
    }

    /// Throws unless a `batchSize`-window batch has a shard for every rank of `group`: ranks run
    /// whole shards, so that the split, and with it every result, is the one of a single process.
    public static func checkShards(batchSize: Int, group: ProcessGroup) throws {
        let shards = ForecastBatchSplit.shardCount(batch: batchSize)
        guard shards < group.size else { return }
        throw TrainingError(
            "optimization.batch_size \(batchSize) splits into \(shards) "
                + "shard\(shards == 1 ? "" : "s"), "
                + "fewer than the \(group.size) processes of this mpirun job, each of which runs whole shards: start "
                + "fewer processes, or raise optimization.batch_size to at least "
                + "\(max(group.size, 3) * ForecastBatchSplit.shardWindows)")
    }

    /// Rank 0's weights, optimizer moments and step count, progress and random generator, on every
    /// rank (no shared file system needed). Collective.
    func receiveState(from group: ProcessGroup) throws {
        try ReplicaState.receive(
            from: group, store: model.store, optimizer: optimizer, progress: &progress,
            generator: &model.context.generator)
    }

    /// The training windows of `epoch` in their shuffled order: a permutation drawn from the seed
    /// and the epoch alone, so a resumed run sees the same order.
    func shuffle(epoch: Int) {
        var generator = RandomGenerator(seed: settings.seed).split(UInt64(epoch) + 1)
        for i in order.indices { order[i] = i }
        for i in stride(from: order.count - 1, to: 0, by: -1) {
            order.swapAt(i, Int(generator.next() % UInt64(i + 1)))
        }
    }

    /// One optimizer step's forward and backward on `order[first ..< first + batch]`; returns the
    /// loss. Gradients are left in the store for the optimizer. In a job each rank runs its shards;
    /// the windows of the others add nothing to its loss or gradients, and after the backward the
    /// ranks' gradients and losses are summed, and rank 0's generator (which drew shard 0's
    /// Dropout masks) replaces the others'.
    func lossAndGradients(first: Int) -> Float {
        let batch = settings.batchSize
        let (h, m, k) = (settings.model.predLen, settings.model.variates, data.outputColumns)
        order[first..<first + batch].withUnsafeBufferPointer { windows in
            data.fill(split: .train, windows: windows, input: input.pointer, target: target.pointer)
        }
        model.store.zeroGradients()
        batchSplit.forward(input.pointer, batch: batch)
        let count = batch * h * k
        // The other ranks' windows: forecasts equal to their targets, so no error and no gradient.
        if group != nil { selected.pointer.update(from: target.pointer, count: count) }
        batchSplit.selectColumns(k, into: selected.pointer)
        let loss = Kernels.current.meanSquaredError.forward(
            prediction: selected.pointer, target: target.pointer, count: count)
        dSelected.pointer.update(repeating: 0, count: count)
        Kernels.current.meanSquaredError.backward(
            dPrediction: dSelected.pointer, prediction: selected.pointer, target: target.pointer, count: count, dLoss: 1
        )
        dForecast.pointer.update(repeating: 0, count: batch * h * m)
        for row in 0..<batch * h {
            (dForecast.pointer + row * m + (m - k)).update(from: dSelected.pointer + row * k, count: k)
        }
        guard let group, let reduction else {
            batchSplit.backward(dForecast.pointer)
            return loss
        }
        // In a job: gradients summed over the ranks (buckets started during the backward), then the
        // loss shares, then rank 0's generator on every rank. `reduction` exists exactly in a job.
        batchSplit.backward(dForecast.pointer) { reduction.sumGradients() }
        return reduction.reduce(loss: loss, stopRequested: stopRequest() != nil) {
            var generator = model.context.generator.state
            group.broadcast(&generator)
            model.context.generator.state = generator
        }
    }

    /// Runs the remaining epochs, then reloads the best weights; returns the best epoch's test scores.
    public func train() throws -> SplitScores {
        try train(stoppingAfter: nil)
    }

    /// `train()`, except that with `stoppingAfter` it returns once that many epochs are done, as if
    /// the process had been stopped there (tests resume the run folder it leaves).
    func train(stoppingAfter epochLimit: Int?) throws -> SplitScores {
        let epochs = settings.epochs
        while progress.epochsDone < min(epochs, epochLimit ?? epochs)
            && !(settings.patience > 0 && progress.epochsWithoutImprovement >= settings.patience)
        {
            try trainEpoch()
        }
        if let run { try run.loadWeights(run.bestWeights, into: model.store) }
        if let group {
            group.broadcast(model.store.values.pointer, count: model.store.values.count * MemoryLayout<Float>.size)
        }
        return predictor.scores(.test)
    }

    /// One epoch: a shuffled training pass, validation and test scores, a checkpoint (best too when
    /// validation improved) and the summary row. Early stopping is the caller's decision. A stop
    /// request ends it after the current step (or before the checkpoint) with `Interrupted`,
    /// leaving the folder at the previous epoch's checkpoint.
    public func trainEpoch() throws {
        let epochs = settings.epochs
        let epoch = progress.epochsDone
        batchSplit.training = true
        shuffle(epoch: epoch)
        var meter = EpochMeter(epoch: epoch + 1, epochs: epochs, steps: stepsPerEpoch, evalSeconds: evalSeconds)
        var lr = schedule.rate(atStep: progress.steps)
        reduction?.startEpoch()
        for step in 0..<stepsPerEpoch {
            let loss = lossAndGradients(first: step * settings.batchSize)
            lr = try update.apply(
                store: model.store, loss: loss, step: progress.steps, position: "epoch \(epoch + 1), step \(step + 1)",
                kept: progress.keptCheckpoint(in: folder))
            progress.steps += 1
            meter.add(loss: loss, samples: settings.batchSize)
            log.progress(meter.line(loss: loss, lr: lr), plainToo: (step + 1) % settings.logEvery == 0)
            try stopIfRequested(epoch: epoch, step: step + 1)
        }
        if let reduction {
            log.line(reduction.epochLine(epoch: epoch, steps: stepsPerEpoch, trainSeconds: meter.seconds))
        }
        let trainSeconds = meter.seconds
        let evalStart = DispatchTime.now().uptimeNanoseconds
        let validation = predictor.scores(.val), test = predictor.scores(.test)
        evalSeconds = Double(DispatchTime.now().uptimeNanoseconds - evalStart) * 1e-9
        try stopIfRequested(epoch: epoch, step: stepsPerEpoch)
        // Checked before anything is saved, so a checkpoint never holds overflowed weights.
        guard validation.mse.isFinite, test.mse.isFinite, weightsAreFinite() else {
            throw TrainingError(
                "at the end of epoch \(epoch + 1) the weights or the validation or test MSE "
                    + "(\(validation.mse), \(test.mse)) are not finite; \(progress.keptCheckpoint(in: folder)). "
                    + "Lower optimization.lr or set optimization.grad_clip (or check the validation rows of the "
                    + "data for extreme values)"
            )
        }
        if let group { try checkWeightsAgree(group, epoch: epoch) }
        let improved = validation.mse < (progress.bestMetric ?? .infinity)
        progress.endEpoch(epoch, generator: model.context.generator, metric: validation.mse, improved: improved)
        progress.epochsWithoutImprovement = improved ? 0 : progress.epochsWithoutImprovement + 1
        progress.summaryRows.append(
            String(
                format: "%d,%.6f,%.6f,%.6f,%.6f,%.6f,%.3e",
                epoch + 1, meter.meanLoss, validation.mse, validation.mae, test.mse, test.mae, lr))
        try saveCheckpoint(best: improved)
        log.line(
            String(
                format: "epoch %d/%d  train loss %.4f  val mse %.4f mae %.4f  test mse %.4f mae %.4f  "
                    + "train %.1fs  eval %.1fs%@",
                epoch + 1, epochs, meter.meanLoss, validation.mse, validation.mae, test.mse, test.mae, trainSeconds,
                evalSeconds, improved ? "  (best)" : ""))
        if settings.patience > 0 && progress.epochsWithoutImprovement >= settings.patience {
            log.line(
                "early stopping: validation MSE has not improved for \(settings.patience) epochs (best epoch "
                    + "\(progress.bestEpoch ?? 0))"
            )
        }
    }

    /// Throws `Interrupted` when a stop was requested; in a job, when any rank's was at the last
    /// step, so that all ranks stop at the same step.
    func stopIfRequested(epoch: Int, step: Int) throws {
        let signal = reduction.map { $0.stopSignal(stopRequest()) } ?? stopRequest()
        guard let signal else { return }
        throw progress.interrupted(
            by: signal, epoch: epoch, step: step, steps: stepsPerEpoch, epochs: settings.epochs,
            folder: folder, log: log)
    }

    /// Throws unless this rank's weights are bit for bit rank 0's (compared by a checksum of their
    /// bits): ranks that drifted apart would train different models. Collective.
    func checkWeightsAgree(_ group: ProcessGroup, epoch: Int) throws {
        try ReplicaState.checkAgree(group, store: model.store, epoch: epoch, kept: progress.keptCheckpoint(in: folder))
    }

    func weightsAreFinite() -> Bool {
        let values = model.store.values.pointer
        return (0..<model.store.parameterCount).allSatisfy { values[$0].isFinite }
    }

    func saveCheckpoint(best: Bool) throws {
        try run?.saveCheckpoint(
            progress: progress, optimizer: optimizer, store: model.store, metadata: metadata,
            best: best, summaryHeader: Self.summaryHeader)
    }
}
