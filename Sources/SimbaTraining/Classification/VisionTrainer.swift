// Trains a SiMBA image classifier on an image folder: seeded epochs of augmented batches,
// label-smoothed (or mixup/cutmix) cross-entropy, AdamW with warmup+cosine, evaluation every epoch,
// summary.csv, last/best checkpoints and exact resume.

import Foundation
import SimbaCore
import SimbaData
import SimbaModel
import SimbaSafetensors

public final class VisionTrainer {
    public let settings: VisionSettings
    public let trainFolder: ImageFolder
    public let evalFolder: ImageFolder
    public let model: VisionModel
    public let optimizer: AdamW
    let run: RunFolder
    let log: RunLog
    let metadata: [String: String]
    public private(set) var progress = TrainingProgress()
    let schedule: LearningRateSchedule
    let update: OptimizerStep
    let stepsPerEpoch: Int
    let mixup: Mixup
    let trainLoader: ImageLoader
    let evalLoader: ImageLoader
    // Batch buffers, allocated once.
    let images: FloatBuffer          // (batch, size, size, 3)
    let labels: UnsafeMutablePointer<Int32>
    let targets: FloatBuffer         // (batch, classes)
    let probabilities: FloatBuffer   // (batch, classes)
    let dLogits: FloatBuffer         // (batch, classes)
    let mixScratch: FloatBuffer      // one image
    /// The weights the model started from (`model.init`), nil without them or on a resume from a checkpoint.
    public let transfer: WeightTransfer?
    /// The signal asking training to stop, checked after every step and evaluation batch.
    var stopRequest: () -> Int32? = { Interruption.pending }
    /// Seconds the last evaluation after an epoch took (for the whole run's ETA).
    private var evalSeconds = 0.0

    public static let summaryHeader = "epoch,train_loss,eval_loss,eval_top1,eval_top5,lr"

    public init(settings: VisionSettings, trainFolder: ImageFolder, evalFolder: ImageFolder, run: RunFolder, log: RunLog,
                metadata: [String: String], resume: Bool) throws {
        self.settings = settings
        self.trainFolder = trainFolder
        self.evalFolder = evalFolder
        self.run = run
        self.log = log
        self.metadata = metadata
        guard trainFolder.samples.count >= settings.batchSize else {
            throw TrainingError("\(trainFolder.splitPath) has \(trainFolder.samples.count) images, fewer than optimization.batch_size \(settings.batchSize): lower the batch size")
        }
        // The weights must fit before the model (and its batch-sized activations) is built.
        if resume && run.hasCheckpoint {
            try SafetensorsHeader(path: run.lastWeights).checkFits(VisionModel.parameterTable(config: settings.model))
            transfer = nil
        } else if !settings.initWeights.isEmpty {
            transfer = try WeightTransfer.plan(settings.initWeights,
                                               table: VisionModel.parameterTable(config: settings.model))
        } else {
            transfer = nil
        }
        model = VisionModel(config: settings.model, maxBatch: settings.batchSize, seed: settings.seed)
        try transfer?.apply(to: model.store)
        optimizer = AdamW(store: model.store, weightDecay: settings.optimizer == .adamw ? settings.weightDecay : 0)
        stepsPerEpoch = trainFolder.samples.count / settings.batchSize
        schedule = LearningRateSchedule(
            kind: settings.schedule, lr: settings.peakLR, minLR: settings.minLR, warmupLR: settings.warmupLR,
            warmupEpochs: settings.warmupEpochs, epochs: settings.epochs, stepsPerEpoch: stepsPerEpoch)
        update = OptimizerStep(optimizer: optimizer, kind: settings.optimizer, weightDecay: settings.weightDecay,
                               gradClip: settings.gradClip, schedule: schedule)
        mixup = Mixup(mixupAlpha: settings.mixupAlpha, cutmixAlpha: settings.cutmixAlpha, labelSmoothing: settings.labelSmoothing)
        trainLoader = ImageLoader(samples: trainFolder.samples, transform: settings.train, batchSize: settings.batchSize,
                                  shuffle: true, dropLast: true, seed: settings.seed, workers: settings.workers, strict: settings.strict)
        evalLoader = ImageLoader(samples: evalFolder.samples, transform: settings.eval, batchSize: settings.batchSize,
                                 shuffle: false, dropLast: false, seed: settings.seed, workers: settings.workers, strict: settings.strict)
        let (b, s, k) = (settings.batchSize, settings.model.imageSize, settings.model.numClasses)
        images = FloatBuffer(count: b * s * s * 3)
        labels = .allocate(capacity: b)
        targets = FloatBuffer(count: b * k)
        probabilities = FloatBuffer(count: b * k)
        dLogits = FloatBuffer(count: b * k)
        mixScratch = FloatBuffer(count: s * s * 3)
        if resume && run.hasCheckpoint {
            progress = try run.resume(store: model.store, optimizer: optimizer, generator: &model.context.generator)
        }
    }

    deinit { labels.deallocate() }

    /// Reports every image a loader skipped.
    func reportSkipped(_ loader: ImageLoader) {
        for (path, reason) in loader.skipped { log.line("warning: skipped \(path): \(reason)") }
        if !loader.skipped.isEmpty { log.line("warning: \(loader.skipped.count) unreadable images skipped this epoch") }
    }

    /// One optimizer step on the batch in `images`/`labels`; returns the loss.
    func step(batch: Int, generator: inout RandomGenerator) -> Float {
        let (s, k) = (settings.model.imageSize, settings.model.numClasses)
        if mixup.isActive {
            mixup.apply(images: images.pointer, labels: labels, targets: targets.pointer, scratch: mixScratch.pointer,
                        batch: batch, size: s, classes: k, generator: &generator)
        } else {
            Kernels.current.crossEntropy.smoothedOneHot(targets: targets.pointer, labels: labels, batch: batch, classes: k,
                                        smoothing: Float(settings.labelSmoothing))
        }
        model.store.zeroGradients()
        let logits = model.forward(images.pointer, batch: batch)
        let loss = Kernels.current.crossEntropy.forward(probabilities: probabilities.pointer, logits: logits, targets: targets.pointer, batch: batch, classes: k)
        dLogits.pointer.update(repeating: 0, count: batch * k)
        Kernels.current.crossEntropy.backward(dLogits: dLogits.pointer, probabilities: probabilities.pointer, targets: targets.pointer,
                              batch: batch, classes: k, dLoss: 1)
        model.backward(dLogits.pointer, batch: batch)
        return loss
    }

    /// Loss and top-1/top-5 on the evaluation folder (evaluation mode, eval transform). A stop
    /// request ends it after the current batch with `Interrupted`.
    public func evaluate() throws -> ClassificationScores {
        let wasTraining = model.training
        model.training = false
        defer { model.training = wasTraining }
        let loader = evalLoader
        loader.startEpoch(0)
        var scores = ClassificationScores()
        while let count = try loader.next(into: images.pointer, labels: labels) {
            let logits = model.forward(images.pointer, batch: count)
            scores.add(logits: logits, labels: labels, batch: count, classes: settings.model.numClasses)
            try scores.checkFinite(
                total: evalFolder.samples.count,
                "the weights have diverged; \(progress.keptCheckpoint(in: run.path)). Lower optimization.lr or set "
                    + "optimization.grad_clip")
            try stopIfRequested(epoch: progress.epochsDone, step: stepsPerEpoch)
        }
        reportSkipped(loader)
        return scores
    }

    /// Runs the remaining epochs, then loads the best epoch's weights (best.safetensors) into the model.
    public func train() throws {
        try train(stoppingAfter: nil)
    }

    /// `train()`, except that with `stoppingAfter` it returns once that many epochs are done, as if
    /// the process had been stopped there (tests resume the run folder it leaves). A stop request
    /// ends it after the current step with `Interrupted`, leaving the previous epoch's checkpoint.
    func train(stoppingAfter epochLimit: Int?) throws {
        let epochs = settings.epochs
        while progress.epochsDone < min(epochs, epochLimit ?? epochs) {
            let epoch = progress.epochsDone
            model.training = true
            let loader = trainLoader
            loader.startEpoch(epoch)
            var mixGenerator = RandomGenerator(seed: settings.seed).split(UInt64(epoch) + 0x4D49_5855_5000)
            var meter = EpochMeter(epoch: epoch + 1, epochs: epochs, steps: stepsPerEpoch, evalSeconds: evalSeconds)
            var lr = schedule.rate(atStep: progress.steps)
            while let count = try loader.next(into: images.pointer, labels: labels) {
                let loss = step(batch: count, generator: &mixGenerator)
                lr = try update.apply(store: model.store, loss: loss, step: progress.steps, position: "epoch \(epoch + 1), step \(meter.stepsDone + 1)",
                                      kept: progress.keptCheckpoint(in: run.path))
                progress.steps += 1
                meter.add(loss: loss, samples: count)
                log.progress(meter.line(loss: loss, lr: lr), plainToo: meter.stepsDone % settings.logEvery == 0)
                try stopIfRequested(epoch: epoch, step: meter.stepsDone)
            }
            reportSkipped(loader)
            let (trainSeconds, imagesPerSecond) = (meter.seconds, meter.samplesPerSecond)
            let evalStart = DispatchTime.now().uptimeNanoseconds
            let scores = try evaluate()
            evalSeconds = Double(DispatchTime.now().uptimeNanoseconds - evalStart) * 1e-9
            let improved = scores.top1 > (progress.bestMetric ?? -1)
            progress.endEpoch(epoch, generator: model.context.generator, metric: scores.top1, improved: improved)
            progress.summaryRows.append(String(format: "%d,%.6f,%.6f,%.4f,%.4f,%.3e", epoch + 1, meter.meanLoss, scores.loss, scores.top1, scores.top5, lr))
            try run.saveCheckpoint(progress: progress, optimizer: optimizer, store: model.store, metadata: metadata,
                                   best: improved, summaryHeader: Self.summaryHeader)
            log.line(String(format: "epoch %d/%d  train loss %.4f  eval loss %.4f  top-1 %.2f  top-5 %.2f  "
                                + "train %.1f images/s (%@)  eval %@%@",
                            epoch + 1, epochs, meter.meanLoss, scores.loss, scores.top1, scores.top5, imagesPerSecond,
                            formatDuration(trainSeconds), formatDuration(evalSeconds), improved ? "  (best)" : ""))
        }
        try run.loadWeights(run.bestWeights, into: model.store)
    }

    func stopIfRequested(epoch: Int, step: Int) throws {
        guard let signal = stopRequest() else { return }
        throw progress.interrupted(by: signal, epoch: epoch, step: step, steps: stepsPerEpoch, epochs: settings.epochs,
                                   folder: run.path, log: log)
    }
}
