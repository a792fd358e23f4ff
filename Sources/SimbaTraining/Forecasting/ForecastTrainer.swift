// Trains SiMBA-TS on a ForecastData set: shuffled epochs, MSE loss, AdamW/Adam with a schedule,
// validation and test every epoch, summary.csv, last/best checkpoints, early stopping, exact resume.

import Foundation
import SimbaCore
import SimbaData
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
    public let run: RunFolder
    /// Metadata written into every weights file (format, config, data scaler).
    let metadata: [String: String]
    let log: RunLog
    public private(set) var progress = TrainingProgress()
    let schedule: LearningRateSchedule
    let update: OptimizerStep
    let stepsPerEpoch: Int
    let predictor: ForecastPredictor
    // Training batch buffers, allocated once.
    let input: FloatBuffer       // (batch, L, M)
    let target: FloatBuffer      // (batch, H, K): K = data.outputColumns
    let selected: FloatBuffer    // (batch, H, K): the forecast's target columns
    let dSelected: FloatBuffer   // (batch, H, K)
    let dForecast: FloatBuffer   // (batch, H, M)
    var order: [Int]
    /// The signal asking training to stop, checked after every step and before the checkpoint.
    var stopRequest: () -> Int32? = { Interruption.pending }
    /// Seconds the last validation and test scoring after an epoch took (for the whole run's ETA).
    private var evalSeconds = 0.0

    public static let summaryHeader = "epoch,train_loss,val_mse,val_mae,test_mse,test_mae,lr"

    /// Builds the model (initialised from the seed) and optimizer. With `resume`, restores
    /// weights, optimizer moments, progress and the random generator from the run folder's
    /// checkpoint (a folder without one starts over, as a run stopped in its first epoch does).
    /// `width`: shards of a batch run at once (results do not depend on it).
    public init(settings: ForecastSettings, data: ForecastData, run: RunFolder, log: RunLog,
                metadata: [String: String], resume: Bool, width: Int = Parallel.workers) throws {
        self.settings = settings
        self.data = data
        self.run = run
        self.log = log
        self.metadata = metadata
        if resume && run.hasCheckpoint {
            // The weights must fit before the model (and its batch-sized activations) is built.
            try SafetensorsHeader(path: run.lastWeights)
                .checkFits(TimeSeriesModel.parameterTable(config: settings.model))
        }
        let batchSplit = ForecastBatchSplit(config: settings.model, maxBatch: settings.batchSize, seed: settings.seed,
                                       width: width)
        self.batchSplit = batchSplit
        let model = batchSplit.model
        optimizer = AdamW(store: model.store, weightDecay: settings.optimizer == .adamw ? settings.weightDecay : 0)
        let trainWindows = data.windowCount(.train)
        guard trainWindows >= settings.batchSize else {
            throw TrainingError("the training split has \(trainWindows) windows, fewer than optimization.batch_size \(settings.batchSize): lower the batch size")
        }
        stepsPerEpoch = trainWindows / settings.batchSize
        schedule = LearningRateSchedule(
            kind: settings.schedule, lr: settings.lr, minLR: settings.minLR, warmupEpochs: settings.warmupEpochs,
            epochs: settings.epochs, stepsPerEpoch: stepsPerEpoch)
        update = OptimizerStep(optimizer: optimizer, kind: settings.optimizer, weightDecay: settings.weightDecay,
                               gradClip: settings.gradClip, schedule: schedule)
        predictor = ForecastPredictor(batchSplit: batchSplit, data: data)
        let (b, l, h, m, k) = (settings.batchSize, settings.model.seqLen, settings.model.predLen, settings.model.variates, data.outputColumns)
        input = FloatBuffer(count: b * l * m)
        target = FloatBuffer(count: b * h * k)
        selected = FloatBuffer(count: b * h * k)
        dSelected = FloatBuffer(count: b * h * k)
        dForecast = FloatBuffer(count: b * h * m)
        order = Array(0..<trainWindows)
        if resume && run.hasCheckpoint {
            progress = try run.resume(store: model.store, optimizer: optimizer, generator: &model.context.generator)
        }
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
    /// loss. Gradients are left in the store for the optimizer.
    func lossAndGradients(first: Int) -> Float {
        let batch = settings.batchSize
        let (h, m, k) = (settings.model.predLen, settings.model.variates, data.outputColumns)
        order[first..<first + batch].withUnsafeBufferPointer { windows in
            data.fill(split: .train, windows: windows, input: input.pointer, target: target.pointer)
        }
        model.store.zeroGradients()
        batchSplit.forward(input.pointer, batch: batch)
        let count = batch * h * k
        batchSplit.selectColumns(k, into: selected.pointer)
        let loss = Kernels.current.meanSquaredError.forward(prediction: selected.pointer, target: target.pointer, count: count)
        dSelected.pointer.update(repeating: 0, count: count)
        Kernels.current.meanSquaredError.backward(dPrediction: dSelected.pointer, prediction: selected.pointer, target: target.pointer, count: count, dLoss: 1)
        dForecast.pointer.update(repeating: 0, count: batch * h * m)
        for row in 0..<batch * h { (dForecast.pointer + row * m + (m - k)).update(from: dSelected.pointer + row * k, count: k) }
        batchSplit.backward(dForecast.pointer)
        return loss
    }

    /// Runs the remaining epochs, then reloads the best weights; returns the best epoch's test scores.
    public func train() throws -> SplitScores {
        try train(stoppingAfter: nil)
    }

    /// `train()`, except that with `stoppingAfter` it returns once that many epochs are done, as if
    /// the process had been stopped there (tests resume the run folder it leaves).
    func train(stoppingAfter epochLimit: Int?) throws -> SplitScores {
        let epochs = settings.epochs
        while progress.epochsDone < min(epochs, epochLimit ?? epochs) && !(settings.patience > 0 && progress.epochsWithoutImprovement >= settings.patience) {
            try trainEpoch()
        }
        try run.loadWeights(run.bestWeights, into: model.store)
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
        for step in 0..<stepsPerEpoch {
            let loss = lossAndGradients(first: step * settings.batchSize)
            lr = try update.apply(store: model.store, loss: loss, step: progress.steps, position: "epoch \(epoch + 1), step \(step + 1)",
                                  kept: progress.keptCheckpoint(in: run.path))
            progress.steps += 1
            meter.add(loss: loss, samples: settings.batchSize)
            log.progress(meter.line(loss: loss, lr: lr), plainToo: (step + 1) % settings.logEvery == 0)
            try stopIfRequested(epoch: epoch, step: step + 1)
        }
        let trainSeconds = meter.seconds
        let evalStart = DispatchTime.now().uptimeNanoseconds
        let validation = predictor.scores(.val), test = predictor.scores(.test)
        evalSeconds = Double(DispatchTime.now().uptimeNanoseconds - evalStart) * 1e-9
        try stopIfRequested(epoch: epoch, step: stepsPerEpoch)
        // Checked before anything is saved, so a checkpoint never holds overflowed weights.
        guard validation.mse.isFinite, test.mse.isFinite, weightsAreFinite() else {
            throw TrainingError("at the end of epoch \(epoch + 1) the weights or the validation or test MSE "
                + "(\(validation.mse), \(test.mse)) are not finite; \(progress.keptCheckpoint(in: run.path)). Lower optimization.lr or set optimization.grad_clip (or check the validation rows of the data for extreme values)")
        }
        let improved = validation.mse < (progress.bestMetric ?? .infinity)
        progress.endEpoch(epoch, generator: model.context.generator, metric: validation.mse, improved: improved)
        progress.epochsWithoutImprovement = improved ? 0 : progress.epochsWithoutImprovement + 1
        progress.summaryRows.append(String(format: "%d,%.6f,%.6f,%.6f,%.6f,%.6f,%.3e",
                                           epoch + 1, meter.meanLoss, validation.mse, validation.mae, test.mse, test.mae, lr))
        try saveCheckpoint(best: improved)
        log.line(String(format: "epoch %d/%d  train loss %.4f  val mse %.4f mae %.4f  test mse %.4f mae %.4f  "
                            + "train %.1fs  eval %.1fs%@",
                        epoch + 1, epochs, meter.meanLoss, validation.mse, validation.mae, test.mse, test.mae, trainSeconds,
                        evalSeconds, improved ? "  (best)" : ""))
        if settings.patience > 0 && progress.epochsWithoutImprovement >= settings.patience {
            log.line("early stopping: validation MSE has not improved for \(settings.patience) epochs (best epoch \(progress.bestEpoch ?? 0))")
        }
    }

    func stopIfRequested(epoch: Int, step: Int) throws {
        guard let signal = stopRequest() else { return }
        throw progress.interrupted(by: signal, epoch: epoch, step: step, steps: stepsPerEpoch, epochs: settings.epochs,
                                   folder: run.path, log: log)
    }

    func weightsAreFinite() -> Bool {
        let values = model.store.values.pointer
        return (0..<model.store.parameterCount).allSatisfy { values[$0].isFinite }
    }

    func saveCheckpoint(best: Bool) throws {
        try run.saveCheckpoint(progress: progress, optimizer: optimizer, store: model.store, metadata: metadata,
                               best: best, summaryHeader: Self.summaryHeader)
    }
}
