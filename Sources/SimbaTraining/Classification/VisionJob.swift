// `simba train` for image classification, from a resolved config to a finished run folder: finds
// the image folders, builds the model and trainer, prints what it is about to do, trains.

import Foundation
import SimbaCore
import SimbaData
import SimbaDistributed
import SimbaModel

public enum VisionJob {
    /// The settings a config asks for, for a training split (`splitPath`) of `classFolders` class
    /// folders: the model's problems and a `model.num_classes` other than the folders' are config
    /// errors, as are preprocessing values out of bounds (`EvalTransform.checked`), each naming its key.
    public static func settings(_ config: Config, classFolders: Int, splitPath: String) throws -> VisionSettings {
        var settings = config.settings(VisionSettings.keys, base: VisionSettings())
        let file = config.configFile ?? "config"
        if settings.classes != 0 && settings.classes != classFolders {
            throw ConfigCombinationError(
                description: "model.num_classes is \(settings.classes) but \(splitPath) has "
                    + "\(classFolders) class folders; set 0 to use the folders (\(file))")
        }
        settings.model.numClasses = classFolders
        let problems = settings.model.problems()
        guard problems.isEmpty else {
            throw ConfigCombinationError(description: problems.map { "\($0) (\(file))" }.joined(separator: "\n"))
        }
        do {
            _ = try EvalTransform.checked(
                size: settings.model.imageSize, cropPct: settings.cropPct, interpolation: settings.interpolation,
                normalization: try Normalization.checked(mean: settings.mean, std: settings.std))
        } catch let error as PreprocessingError {
            throw ConfigCombinationError(description: "data.\(error) (\(file))")
        }
        return settings
    }

    /// The eval transform as checkpoint metadata: {"img_size", "crop_pct", "interpolation", "mean", "std"}.
    static func evalTransformJSON(_ eval: EvalTransform) -> String {
        let mean = eval.normalization.mean.map { String($0) }.joined(separator: ","),
            std = eval.normalization.std.map { String($0) }.joined(separator: ",")
        return
            "{\"img_size\":\(eval.size),\"crop_pct\":\(eval.cropPct),"
            + "\"interpolation\":\"\(eval.interpolation.rawValue)\",\"mean\":[\(mean)],\"std\":[\(std)]}"
    }

    /// Trains (or, with `resume`, continues) the run `config` describes, writing into `output.dir`,
    /// which it holds locked until it returns (see `RunFolder`). Ctrl-C or SIGTERM stop it after
    /// the current step with `Interrupted`, the folder left at its last complete epoch. With `group`,
    /// this process is one rank of an mpirun job: every rank trains its share of every batch and
    /// rank 0 alone writes the folder and prints. Collective.
    public static func train(
        config: Config, resume: Bool, log: RunLog, version: String,
        group: ProcessGroup? = nil
    ) throws {
        try train(config: config, resume: resume, log: log, version: version, control: RunControl(), group: group)
    }

    /// `train`, stopping once `stoppingAfter` epochs are done as an interrupted run would (for tests of resume).
    static func train(config: Config, resume: Bool, log: RunLog, version: String, stoppingAfter: Int?) throws {
        try train(
            config: config, resume: resume, log: log, version: version,
            control: RunControl(stoppingAfter: stoppingAfter))
    }

    /// `train`, cut short or disturbed as `control` says (for tests of stops and crashes).
    static func train(
        config: Config, resume: Bool, log: RunLog, version: String, control: RunControl,
        group: ProcessGroup? = nil
    ) throws {
        let root = config.path("data.root")
        let classMap = config.path("data.class_map").isEmpty ? nil : config.path("data.class_map")
        let trainFolder = try ImageFolder(root: root, split: config.string("data.train_split"), classMap: classMap)
        let evalFolder = try ImageFolder(root: root, split: config.string("data.val_split"), classMap: classMap)
        let skipped = trainFolder.warnings + evalFolder.warnings
        guard trainFolder.classNames == evalFolder.classNames else {
            let onlyTrain = trainFolder.classNames.filter { !evalFolder.classNames.contains($0) }
            let onlyEval = evalFolder.classNames.filter { !trainFolder.classNames.contains($0) }
            throw ConfigCombinationError(
                description:
                    "\(root): the train and eval splits have different class folders "
                    + "(\(trainFolder.classNames.count) vs \(evalFolder.classNames.count))"
                    + (onlyTrain.isEmpty
                        ? "" : "; only in \(trainFolder.splitPath): \(onlyTrain.prefix(10).joined(separator: ", "))")
                    + (onlyEval.isEmpty
                        ? "" : "; only in \(evalFolder.splitPath): \(onlyEval.prefix(10).joined(separator: ", "))")
                    + "; give both the same classes or a class map (data.class_map)"
                    + (skipped.isEmpty
                        ? ""
                        : "; listing the folders warned: \(skipped[0])"
                            + (skipped.count > 1 ? " (and \(skipped.count - 1) more)" : "")))
        }
        let settings = try settings(
            config, classFolders: trainFolder.classNames.count,
            splitPath: trainFolder.splitPath)
        let model = settings.model, eval = settings.eval, classes = model.numClasses

        if let group {
            try VisionTrainer.checkSlices(batchSize: settings.batchSize, group: group)
            try GradientBuckets.check(bucketMB: settings.bucketMB, table: VisionModel.parameterTable(config: model))
        }
        // In a job each rank holds the activations of its share, and shares its machine's memory with
        // the other ranks there.
        let share = group.map { BatchShare(rank: $0.rank, ranks: $0.size) }
        let memory = try MemoryBudget.check(
            model, batch: share?.largestShare(batchSize: settings.batchSize) ?? settings.batchSize, training: true,
            batchSetting: "optimization.batch_size", sizeSettings: "data.img_size and model.*",
            available: MemoryBudget.availableBytes().map { $0 / Double(group?.localSize ?? 1) })
        let outputDir = config.string("output.dir")
        let run = (group?.rank ?? 0) == 0 ? try RunFolder.open(path: outputDir, resume: resume) : nil
        defer { run?.close() }
        run?.beforeSaveStep = control.beforeSaveStep
        if let run { try log.open(run.logFile) }
        let metadata = [
            "format": "pt", "simba_version": version, "task": "classify", "config": config.yaml(),
            "model": String(decoding: try JSONEncoder.sorted.encode(model), as: UTF8.self),
            "class_names": String(decoding: try JSONEncoder.sorted.encode(trainFolder.classNames), as: UTF8.self),
            "eval_transform": evalTransformJSON(eval)
        ]
        let trainer = try VisionTrainer(
            settings: settings, trainFolder: trainFolder, evalFolder: evalFolder, run: run,
            folder: run?.path ?? outputDir, log: log, metadata: metadata, resume: resume,
            group: group)
        trainer.stopRequest = control.stopRequest
        // A resume rewrites it too, recording the keys it changed (`ResumeChanges`); rank 0 alone writes.
        if let run { try run.write(config.yaml(), to: run.configFile) }
        log.line("simba \(version) train: classification\(trainer.progress.resumeNote(resumed: resume))")
        log.line(config.describe())
        log.line(
            "data: \(trainFolder.splitPath): \(trainFolder.samples.count) images, \(evalFolder.splitPath): "
                + "\(evalFolder.samples.count) images, \(classes) classes "
                + "(class folders sorted \(trainFolder.classOrder))")
        for warning in skipped { log.line("warning: \(warning)") }
        log.line(
            String(
                format: "eval transform: resize shorter side to %d (%@), center crop %d, mean %@, std %@",
                eval.resizeSize, eval.interpolation.rawValue, eval.size, "\(settings.mean)", "\(settings.std)"))
        log.line(
            String(
                format: "model: SiMBA %@, %d parameters; lr %.3g (scaled by batch %d / %d)",
                model.channelMixer.rawValue,
                trainer.model.store.parameterCount, settings.peakLR, settings.batchSize, settings.lrBaseBatch))
        if let transfer = trainer.transfer {
            log.line(transfer.summary)
        } else if resume && !settings.initWeights.isEmpty {
            log.line("init: model.init is not read: the run continues from its own checkpoint")
        }
        log.line(
            "threads: BLAS \(BLAS.threads) (\(BLAS.coreName) kernels), parallel loops \(Parallel.workers), data "
                + "workers \(settings.workers)"
        )
        log.line(
            "memory: about \(MemoryEstimate.describe(bytes: memory.bytes)) estimated for a training step"
                + (group == nil ? "" : " per process"))
        if let group {
            log.line(
                "processes: \(group.size) (mpirun), each running a share of about "
                    + "\(settings.batchSize / group.size) of every batch's \(settings.batchSize) images; "
                    + "BatchNorm statistics "
                    + (settings.syncBN ? "over the whole batch (sync_bn)" : "per process, averaged at each epoch end")
                    + "; rank 0 on \(group.host) writes the run folder")
        }
        log.line("run folder: \(run?.path ?? outputDir)")
        try trainer.train(stoppingAfter: control.stoppingAfter)
        let best = try trainer.evaluate()
        guard let run else { return }
        let json = try JSONEncoder.pretty.encode([
            "best_epoch": Double(trainer.progress.bestEpoch ?? 0), "top1": best.top1, "top5": best.top5,
            "loss": best.loss
        ])
        try AtomicFile.write(json, to: run.path + "/eval_metrics.json")
        log.line(
            String(
                format: "best epoch %d: top-1 %.2f  top-5 %.2f  loss %.4f (%d images)",
                trainer.progress.bestEpoch ?? 0, best.top1, best.top5, best.loss, best.images))
    }
}
