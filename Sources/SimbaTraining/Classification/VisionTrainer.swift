// Trains a SiMBA image classifier on an image folder: seeded epochs of augmented batches,
// label-smoothed (or mixup/cutmix) cross-entropy, AdamW with warmup+cosine, evaluation every epoch,
// summary.csv, last/best checkpoints and exact resume; alone or as one rank of an `mpirun` job, each
// rank decoding and running its share of every batch. It does not start or end MPI.

import Foundation
import SimbaCore
import SimbaData
import SimbaDistributed
import SimbaModel
import SimbaSafetensors

public final class VisionTrainer {
    public let settings: VisionSettings
    public let trainFolder: ImageFolder
    public let evalFolder: ImageFolder
    public let model: VisionModel
    public let optimizer: AdamW
    /// The run folder: nil on ranks other than 0, which write nothing.
    let run: RunFolder?
    /// The run folder's path, for messages (every rank knows it; rank 0 alone opens it).
    let folder: String
    /// The job whose ranks share every batch, if any, and this rank's share of each.
    let group: ProcessGroup?
    let share: BatchShare?
    let log: RunLog
    let metadata: [String: String]
    public private(set) var progress = TrainingProgress()
    let schedule: LearningRateSchedule
    let update: OptimizerStep
    let stepsPerEpoch: Int
    let mixup: Mixup
    let trainLoader: ImageLoader
    let evalLoader: ImageLoader
    // Batch buffers, allocated once. `rows` is the batch alone, the largest share in a job.
    let images: FloatBuffer  // (rows, size, size, 3): the samples this process runs
    let labels: UnsafeMutablePointer<Int32>  // (batch): the whole batch's
    let targets: FloatBuffer  // (rows, classes)
    let probabilities: FloatBuffer  // (rows, classes)
    let dLogits: FloatBuffer  // (rows, classes)
    let mixScratch: FloatBuffer  // one image
    // In a job only.
    let delivered: FloatBuffer?  // (selected positions, size, size, 3): what the loaders decoded
    let partners: FloatBuffer?  // (rows, size, size, 3): the share's unmixed mixup partners, with mixup
    let shareLabels: UnsafeMutablePointer<Int32>?  // (rows): the share's labels
    let unreadable: FloatBuffer?  // (batch): 1 where some process could not read the image
    /// Training images this epoch that another process could not read (rank 0 lists them).
    private var skippedElsewhere: [String] = []
    /// The weights the model started from (`model.init`), nil without them or on a resume from a checkpoint.
    public let transfer: WeightTransfer?
    /// The signal asking training to stop, checked after every step and evaluation batch.
    var stopRequest: () -> Int32? = { Interruption.pending }
    /// Seconds the last evaluation after an epoch took (for the whole run's ETA).
    private var evalSeconds = 0.0
    /// In a job: the collectives of every step.
    private var reduction: StepReduction?

    public static let summaryHeader = "epoch,train_loss,eval_loss,eval_top1,eval_top5,lr"

    public convenience init(
        settings: VisionSettings, trainFolder: ImageFolder, evalFolder: ImageFolder, run: RunFolder,
        log: RunLog, metadata: [String: String], resume: Bool
    ) throws {
        try self.init(
            settings: settings, trainFolder: trainFolder, evalFolder: evalFolder, run: run, folder: run.path,
            log: log, metadata: metadata, resume: resume, group: nil)
    }

    /// The trainer of one rank of `group` (or of the only process, without one): every rank builds
    /// the same model from the seed, decodes and runs its share of every batch (`BatchShare`);
    /// rank 0 alone has `run` and reads files: with `resume` the checkpoint, with `model.init` the
    /// starting weights, and sends them to the others. A batch smaller than the group throws.
    /// Collective: every rank calls it.
    public init(
        settings: VisionSettings, trainFolder: ImageFolder, evalFolder: ImageFolder, run: RunFolder?,
        folder: String, log: RunLog, metadata: [String: String], resume: Bool, group: ProcessGroup?
    ) throws {
        precondition((run != nil) == ((group?.rank ?? 0) == 0), "rank 0 alone has the run folder")
        self.settings = settings
        self.trainFolder = trainFolder
        self.evalFolder = evalFolder
        self.run = run
        self.folder = folder
        self.group = group
        self.log = log
        self.metadata = metadata
        guard trainFolder.samples.count >= settings.batchSize else {
            throw TrainingError(
                "\(trainFolder.splitPath) has \(trainFolder.samples.count) images, fewer than "
                    + "optimization.batch_size \(settings.batchSize): lower the batch size"
            )
        }
        if let group {
            try Self.checkSlices(batchSize: settings.batchSize, group: group)
            try Self.checkSameImages(trainFolder, evalFolder, group: group)
        }
        // The weights must fit before the model (and its batch-sized activations) is built; on a resume the
        // other ranks of a job take rank 0's.
        if resume && (run?.hasCheckpoint ?? true) {
            if let run {
                try SafetensorsHeader(path: run.lastWeights).checkFits(
                    VisionModel.parameterTable(config: settings.model))
            }
            transfer = nil
        } else if !settings.initWeights.isEmpty && run != nil {
            transfer = try WeightTransfer.plan(
                settings.initWeights,
                table: VisionModel.parameterTable(config: settings.model))
        } else {
            transfer = nil
        }
        let share = group.map { BatchShare(rank: $0.rank, ranks: $0.size) }
        self.share = share
        let (b, s, k) = (settings.batchSize, settings.model.imageSize, settings.model.numClasses)
        let rows = share?.largestShare(batchSize: b) ?? b
        model = VisionModel(config: settings.model, maxBatch: rows, wholeBatch: b, seed: settings.seed)
        try transfer?.apply(to: model.store)
        if let group, !settings.initWeights.isEmpty, !resume { Self.broadcastWeights(of: model, over: group) }
        if let group, settings.syncBN {
            model.context.sumOverSlices = { group.sum($0, count: $1) }
        }
        if let group {
            let reduction = try StepReduction(
                group: group, gradients: model.store.gradients.pointer, count: model.store.parameterCount,
                bucketMB: settings.bucketMB)
            if reduction.buckets != nil { model.context.gradientsFinal = reduction.gradientsFinal }
            self.reduction = reduction
        }
        optimizer = AdamW(store: model.store, weightDecay: settings.optimizer == .adamw ? settings.weightDecay : 0)
        stepsPerEpoch = trainFolder.samples.count / settings.batchSize
        schedule = LearningRateSchedule(
            kind: settings.schedule, lr: settings.peakLR, minLR: settings.minLR, warmupLR: settings.warmupLR,
            warmupEpochs: settings.warmupEpochs, epochs: settings.epochs, stepsPerEpoch: stepsPerEpoch)
        update = OptimizerStep(
            optimizer: optimizer, kind: settings.optimizer, weightDecay: settings.weightDecay,
            gradClip: settings.gradClip, schedule: schedule)
        mixup = Mixup(
            mixupAlpha: settings.mixupAlpha, cutmixAlpha: settings.cutmixAlpha, labelSmoothing: settings.labelSmoothing)
        let trainSelection = share?.selection(batchSize: b, mixing: mixup.isActive)
        let evalSelection = share?.selection(batchSize: b, mixing: false)
        trainLoader = ImageLoader(
            samples: trainFolder.samples, transform: settings.train, batchSize: b, shuffle: true, dropLast: true,
            seed: settings.seed, workers: settings.workers, strict: settings.strict, selection: trainSelection)
        evalLoader = ImageLoader(
            samples: evalFolder.samples, transform: settings.eval, batchSize: b, shuffle: false, dropLast: false,
            seed: settings.seed, workers: settings.workers, strict: settings.strict, selection: evalSelection)
        let pixels = s * s * 3
        images = FloatBuffer(count: rows * pixels)
        labels = .allocate(capacity: b)
        targets = FloatBuffer(count: rows * k)
        probabilities = FloatBuffer(count: rows * k)
        dLogits = FloatBuffer(count: rows * k)
        mixScratch = FloatBuffer(count: share == nil ? pixels : 0)
        let selected = max(trainSelection?.capacity ?? 0, evalSelection?.capacity ?? 0)
        delivered = share.map { _ in FloatBuffer(count: selected * pixels) }
        partners = share != nil && mixup.isActive ? FloatBuffer(count: rows * pixels) : nil
        unreadable = share.map { _ in FloatBuffer(count: b) }
        shareLabels = share.map { _ in .allocate(capacity: rows) }
        if resume, let run, run.hasCheckpoint {
            progress = try run.resume(store: model.store, optimizer: optimizer, generator: &model.context.generator)
        }
        if resume, let group { try receiveState(from: group) }
    }

    /// Throws unless every rank of `group` gets at least one image of a `batchSize` batch.
    public static func checkSlices(batchSize: Int, group: ProcessGroup) throws {
        guard batchSize < group.size else { return }
        throw TrainingError(
            "optimization.batch_size \(batchSize) is smaller than the \(group.size) processes of this "
                + "mpirun job, each of which runs a slice of every batch: start fewer processes or raise the batch size"
        )
    }

    /// Throws unless every rank lists the same images as rank 0: the same count and labels, in the
    /// same order, in both splits (compared by a checksum; paths may differ between machines). Ranks
    /// with other folders would run different steps and their reductions would not match. Collective.
    static func checkSameImages(_ trainFolder: ImageFolder, _ evalFolder: ImageFolder, group: ProcessGroup) throws {
        var checksum: UInt64 = 0xCBF2_9CE4_8422_2325
        for folder in [trainFolder, evalFolder] {
            checksum = (checksum ^ UInt64(folder.samples.count)) &* 0x100_0000_01B3
            for sample in folder.samples { checksum = (checksum ^ UInt64(sample.label)) &* 0x100_0000_01B3 }
        }
        var rankZero = checksum
        group.broadcast(&rankZero)
        guard rankZero == checksum else {
            throw TrainingError(
                "\(group.description) lists other images than rank 0 in \(trainFolder.splitPath) "
                    + "(\(trainFolder.samples.count) images) or \(evalFolder.splitPath) (\(evalFolder.samples.count)): "
                    + "every process must read the same image folder (a copy of it on each machine)")
        }
    }

    /// Rank 0's weights, running statistics, optimizer moments and step count, progress and random
    /// generator, on every rank (no shared file system needed). Collective.
    func receiveState(from group: ProcessGroup) throws {
        try ReplicaState.receive(
            from: group, store: model.store, optimizer: optimizer, progress: &progress,
            generator: &model.context.generator)
    }

    deinit {
        labels.deallocate()
        shareLabels?.deallocate()
    }

    /// Reports every image a loader skipped, and those another process of the job could not read.
    func reportSkipped(_ loader: ImageLoader, elsewhere: [String] = []) {
        for (path, reason) in loader.skipped { log.line("warning: skipped \(path): \(reason)") }
        for path in elsewhere { log.line("warning: skipped \(path): another process of the job could not read it") }
        let count = loader.skipped.count + elsewhere.count
        if count > 0 { log.line("warning: \(count) unreadable images skipped this epoch") }
    }

    /// Loads the next training batch: the whole batch alone; in a job, this rank's share of it
    /// into `images` and `shareLabels` (and the share's partners into `partners`), after the ranks
    /// agree on which files any could not read and drop those samples, as one process would.
    /// `labels` holds the readable samples' labels. Returns their count and the samples this
    /// process runs; nil at the epoch's end. Collective in a job.
    func nextTrainingBatch(_ loader: ImageLoader) throws -> (count: Int, samples: [Int])? {
        guard let group, let share, let delivered, let unreadable, let shareLabels else {
            return try loader.next(into: images.pointer, labels: labels).map { ($0, Array(0..<$0)) }
        }
        guard let delivery = try loader.nextSelected(into: delivered.pointer, labels: labels) else { return nil }
        unreadable.pointer.update(repeating: 0, count: delivery.count)
        for position in delivery.failed { unreadable.pointer[position] = 1 }
        reduction?.agree(unreadable.pointer, count: delivery.count)
        let kept = (0..<delivery.count).filter { unreadable.pointer[$0] == 0 }
        guard kept.count >= group.size else {
            throw TrainingError(
                "a training batch kept \(kept.count) images after skipping unreadable ones, fewer "
                    + "than the \(group.size) processes of this mpirun job: remove the unreadable images "
                    + "(listed with data.strict: true) or start fewer processes")
        }
        if run != nil {
            for position in 0..<delivery.count
            where unreadable.pointer[position] > 0 && delivery.index(of: position) == nil {
                skippedElsewhere.append(loader.sample(atPosition: position).path)
            }
        }
        for (j, position) in kept.enumerated() { labels[j] = labels[position] }
        let samples = share.samples(of: kept.count)
        for (i, sample) in samples.enumerated() { shareLabels[i] = labels[sample] }
        let source = (delivery, UnsafePointer(delivered.pointer))
        try gather(samples.map { kept[$0] }, from: source, loader: loader, into: images.pointer)
        if let partners {
            try gather(
                samples.map { kept[kept.count - 1 - $0] }, from: source, loader: loader, into: partners.pointer)
        }
        return (kept.count, samples)
    }

    /// Copies the images at batch `positions` to consecutive images of `destination`: from the
    /// delivery (its description and its images), or decoded here when unreadable files moved them
    /// out of this rank's selection.
    private func gather(
        _ positions: [Int], from source: (delivery: SelectedBatch, images: UnsafePointer<Float>),
        loader: ImageLoader, into destination: UnsafeMutablePointer<Float>
    ) throws {
        let pixels = loader.sampleFloats
        for (i, position) in positions.enumerated() {
            if let index = source.delivery.index(of: position) {
                (destination + i * pixels).update(from: source.images + index * pixels, count: pixels)
                continue
            }
            do {
                try loader.prepare(position: position, into: destination + i * pixels)
            } catch let error as ImageDecodeError {
                throw TrainingError(
                    "\(loader.sample(atPosition: position).path): \(error.reason); another process of this job "
                        + "read it: every machine needs the same image files")
            }
        }
    }

    /// One optimizer step's forward and backward on `samples` of a batch of `batch`, loaded by
    /// `nextTrainingBatch`; returns the loss, a mean over the whole batch. Gradients are left in
    /// the store for the optimizer. In a job every rank draws the batch's mixing (the same on
    /// each), mixes its share and runs it, weighting its loss and gradients by its part of the
    /// batch; then gradients and loss shares are summed.
    func step(batch: Int, samples: [Int], generator: inout RandomGenerator) -> Float {
        let (s, k) = (settings.model.imageSize, settings.model.numClasses)
        let n = samples.count
        if mixup.isActive, let partners {
            mixup.apply(
                samples: samples, images: images.pointer, partners: partners.pointer, labels: labels,
                targets: targets.pointer, batch: batch, size: s, classes: k, generator: &generator)
        } else if mixup.isActive {
            mixup.apply(
                images: images.pointer, labels: labels, targets: targets.pointer, scratch: mixScratch.pointer,
                batch: batch, size: s, classes: k, generator: &generator)
        } else {
            Kernels.current.crossEntropy.smoothedOneHot(
                targets: targets.pointer, labels: shareLabels ?? labels, batch: n, classes: k,
                smoothing: Float(settings.labelSmoothing))
        }
        model.store.zeroGradients()
        let weight = Float(n) / Float(batch)
        if group != nil { model.context.batchShare = (samples, batch) }
        let logits = model.forward(images.pointer, batch: n)
        let loss = Kernels.current.crossEntropy.forward(
            probabilities: probabilities.pointer, logits: logits, targets: targets.pointer, batch: n, classes: k)
        dLogits.pointer.update(repeating: 0, count: n * k)
        Kernels.current.crossEntropy.backward(
            dLogits: dLogits.pointer, probabilities: probabilities.pointer, targets: targets.pointer, batch: n,
            classes: k, dLoss: group == nil ? 1 : weight)
        model.backward(dLogits.pointer, batch: n)
        // In a job: gradients and loss shares summed over the ranks. Every rank drew the whole batch's
        // DropPath masks, so the model's generators agree without being sent.
        return reduction?.reduce(loss: loss * weight, stopRequested: stopRequest() != nil) ?? loss
    }

    /// Replaces every rank's BatchNorm running statistics by their mean over the ranks (timm's
    /// `distribute_bn`), so that evaluation and checkpoints use the same model everywhere. Collective.
    func averageRunningStatistics(over group: ProcessGroup) {
        let buffers = model.store.buffers
        group.sum(buffers.pointer, count: buffers.count)
        let scale = 1 / Float(group.size)
        for i in 0..<buffers.count { buffers.pointer[i] *= scale }
    }

    /// Loss and top-1/top-5 on the evaluation folder (evaluation mode, eval transform). A stop
    /// request ends it after the current batch with `Interrupted`. In a job each rank scores its
    /// share of every batch and the counts and sums are added over the ranks. Collective.
    public func evaluate() throws -> ClassificationScores {
        let wasTraining = model.training
        model.training = false
        defer { model.training = wasTraining }
        let loader = evalLoader
        loader.startEpoch(0)
        var scores = ClassificationScores()
        while let count = try nextEvaluationBatch(loader) {
            if count > 0 {
                let logits = model.forward(images.pointer, batch: count)
                scores.add(logits: logits, labels: labels, batch: count, classes: settings.model.numClasses)
            }
            try scores.checkFinite(
                total: evalFolder.samples.count,
                "the weights have diverged; \(progress.keptCheckpoint(in: folder)). Lower optimization.lr or set "
                    + "optimization.grad_clip")
            if group == nil { try stopIfRequested(epoch: progress.epochsDone, step: stepsPerEpoch) }
        }
        reportSkipped(loader)
        guard let group else { return scores }
        var totals = scores.totals + [Double(loader.skipped.count)]
        totals.withUnsafeMutableBufferPointer { group.sum($0.baseAddress!, count: $0.count) }
        let elsewhere = Int(totals.removeLast()) - loader.skipped.count
        if elsewhere > 0 { log.line("warning: the other processes skipped \(elsewhere) more unreadable images") }
        return ClassificationScores(totals: totals)
    }

    /// Loads the next evaluation batch's images this process scores into `images` and their labels
    /// into `labels` and returns how many (0 when its share was all unreadable); nil at the end. In a
    /// job each rank scores its share of the batch's positions, skipping the files it cannot read:
    /// the scores are sums, so which rank scores a sample does not change them.
    func nextEvaluationBatch(_ loader: ImageLoader) throws -> Int? {
        guard let delivered else { return try loader.next(into: images.pointer, labels: labels) }
        guard let delivery = try loader.nextSelected(into: delivered.pointer, labels: labels) else { return nil }
        let pixels = loader.sampleFloats
        var count = 0
        for (index, position) in delivery.positions.enumerated() where !delivery.failed.contains(position) {
            (images.pointer + count * pixels).update(from: delivered.pointer + index * pixels, count: pixels)
            labels[count] = labels[position]
            count += 1
        }
        return count
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
            skippedElsewhere = []
            var mixGenerator = RandomGenerator(seed: settings.seed).split(UInt64(epoch) + 0x4D49_5855_5000)
            var meter = EpochMeter(epoch: epoch + 1, epochs: epochs, steps: stepsPerEpoch, evalSeconds: evalSeconds)
            reduction?.startEpoch()
            var lr = schedule.rate(atStep: progress.steps)
            while let (count, samples) = try nextTrainingBatch(loader) {
                let loss = step(batch: count, samples: samples, generator: &mixGenerator)
                lr = try update.apply(
                    store: model.store, loss: loss, step: progress.steps,
                    position: "epoch \(epoch + 1), step \(meter.stepsDone + 1)",
                    kept: progress.keptCheckpoint(in: folder))
                progress.steps += 1
                meter.add(loss: loss, samples: count)
                log.progress(meter.line(loss: loss, lr: lr), plainToo: meter.stepsDone % settings.logEvery == 0)
                try stopIfRequested(epoch: epoch, step: meter.stepsDone)
            }
            reportSkipped(loader, elsewhere: skippedElsewhere)
            let (trainSeconds, imagesPerSecond) = (meter.seconds, meter.samplesPerSecond)
            if let group, let reduction {
                log.line(reduction.epochLine(epoch: epoch, steps: meter.stepsDone, trainSeconds: meter.seconds))
                if !settings.syncBN { averageRunningStatistics(over: group) }
            }
            let evalStart = DispatchTime.now().uptimeNanoseconds
            let scores = try evaluate()
            evalSeconds = Double(DispatchTime.now().uptimeNanoseconds - evalStart) * 1e-9
            if let group { try checkWeightsAgree(group, epoch: epoch) }
            let improved = scores.top1 > (progress.bestMetric ?? -1)
            progress.endEpoch(epoch, generator: model.context.generator, metric: scores.top1, improved: improved)
            progress.summaryRows.append(
                String(
                    format: "%d,%.6f,%.6f,%.4f,%.4f,%.3e", epoch + 1, meter.meanLoss, scores.loss, scores.top1,
                    scores.top5, lr))
            try run?.saveCheckpoint(
                progress: progress, optimizer: optimizer, store: model.store, metadata: metadata,
                best: improved, summaryHeader: Self.summaryHeader)
            log.line(
                String(
                    format: "epoch %d/%d  train loss %.4f  eval loss %.4f  top-1 %.2f  top-5 %.2f  "
                        + "train %.1f images/s (%@)  eval %@%@",
                    epoch + 1, epochs, meter.meanLoss, scores.loss, scores.top1, scores.top5, imagesPerSecond,
                    formatDuration(trainSeconds), formatDuration(evalSeconds), improved ? "  (best)" : ""))
        }
        if let run { try run.loadWeights(run.bestWeights, into: model.store) }
        if let group { Self.broadcastWeights(of: model, over: group) }
    }

    /// Rank 0's weights and running statistics on every rank. Collective.
    static func broadcastWeights(of model: VisionModel, over group: ProcessGroup) {
        let store = model.store
        group.broadcast(store.values.pointer, count: store.values.count * MemoryLayout<Float>.size)
        group.broadcast(store.buffers.pointer, count: store.buffers.count * MemoryLayout<Float>.size)
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

    /// Throws unless this rank's weights and running statistics are bit for bit rank 0's (compared
    /// by a checksum of their bits). Collective.
    func checkWeightsAgree(_ group: ProcessGroup, epoch: Int) throws {
        try ReplicaState.checkAgree(group, store: model.store, epoch: epoch, kept: progress.keptCheckpoint(in: folder))
    }
}
