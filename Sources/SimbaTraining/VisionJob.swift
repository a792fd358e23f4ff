// `simba train` for image classification, from a resolved config to a finished run folder: finds
// the image folders, builds the model and trainer, prints what it is about to do, trains.

import Foundation
import SimbaCore
import SimbaData
import SimbaModel

public enum VisionJob {
    /// "32,64,96,128" → four whole numbers, or nil when empty.
    static func four(_ config: Config, _ key: String) throws -> [Int]? {
        let text = config.string(key)
        if text.isEmpty { return nil }
        let values = text.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard values.count == 4 else {
            throw ConfigCombinationError(description: "\(key) must be four comma-separated whole numbers (one per stage), got '\(text)' (\(config.configFile ?? "config"))")
        }
        return values
    }

    /// The model a config asks for, for `classes` classes.
    public static func modelConfig(_ config: Config, classes: Int) throws -> VisionConfig {
        var model = VisionConfig.variant(config.string("model.variant"))!
        if config.int("model.stem_hidden_dim") > 0 { model.stemHiddenDim = config.int("model.stem_hidden_dim") }
        if let dims = try four(config, "model.embed_dims") { model.embedDims = dims }
        if let depths = try four(config, "model.depths") { model.depths = depths }
        if let ratios = try four(config, "model.mlp_ratios") { model.mlpRatios = ratios }
        model.dState = config.int("model.d_state")
        model.channelMixer = config.choice("model.channel_mixer")
        model.tokenLabel = config.bool("model.token_label")
        model.dropPathRate = config.float("model.drop_path")
        model.numClasses = classes
        model.imageSize = config.int("data.img_size")
        let problems = model.problems()
        guard problems.isEmpty else {
            throw ConfigCombinationError(description: problems.map { "\($0) (\(config.configFile ?? "config"))" }.joined(separator: "\n"))
        }
        return model
    }

    /// The evaluation transform a config asks for; a value out of bounds (EvalTransform.checked)
    /// is a config error naming its key.
    public static func evalTransform(_ config: Config) throws -> EvalTransform {
        do {
            let mean = try Normalization.channels(config.string("data.mean"), .mean)
            let std = try Normalization.channels(config.string("data.std"), .std)
            return try EvalTransform.checked(
                size: config.int("data.img_size"), cropPct: config.double("data.crop_pct"),
                interpolation: config.choice("data.interpolation"),
                normalization: try Normalization.checked(mean: mean, std: std))
        } catch let error as PreprocessingError {
            throw ConfigCombinationError(description: "data.\(error) (\(config.configFile ?? "config"))")
        }
    }

    /// The eval transform as checkpoint metadata: {"img_size", "crop_pct", "interpolation", "mean", "std"}.
    static func evalTransformJSON(_ eval: EvalTransform) -> String {
        let mean = eval.normalization.mean.map { String($0) }.joined(separator: ","), std = eval.normalization.std.map { String($0) }.joined(separator: ",")
        return "{\"img_size\":\(eval.size),\"crop_pct\":\(eval.cropPct),\"interpolation\":\"\(eval.interpolation.rawValue)\",\"mean\":[\(mean)],\"std\":[\(std)]}"
    }

    /// Trains (or, with `resume`, continues) the run `config` describes, writing into `output.dir`,
    /// which it holds locked until it returns (see `RunFolder`). Ctrl-C or SIGTERM stop it after
    /// the current step with `Interrupted`, the folder left at its last complete epoch.
    public static func train(config: Config, resume: Bool, log: RunLog, version: String) throws {
        try train(config: config, resume: resume, log: log, version: version, control: RunControl())
    }

    /// `train`, stopping once `stoppingAfter` epochs are done as an interrupted run would (for tests of resume).
    static func train(config: Config, resume: Bool, log: RunLog, version: String, stoppingAfter: Int?) throws {
        try train(config: config, resume: resume, log: log, version: version,
                  control: RunControl(stoppingAfter: stoppingAfter))
    }

    /// `train`, cut short or disturbed as `control` says (for tests of stops and crashes).
    static func train(config: Config, resume: Bool, log: RunLog, version: String, control: RunControl) throws {
        let root = config.path("data.root")
        let classMap = config.path("data.class_map").isEmpty ? nil : config.path("data.class_map")
        let trainFolder = try ImageFolder(root: root, split: config.string("data.train_split"), classMap: classMap)
        let evalFolder = try ImageFolder(root: root, split: config.string("data.val_split"), classMap: classMap)
        let skipped = trainFolder.warnings + evalFolder.warnings
        guard trainFolder.classNames == evalFolder.classNames else {
            let onlyTrain = trainFolder.classNames.filter { !evalFolder.classNames.contains($0) }
            let onlyEval = evalFolder.classNames.filter { !trainFolder.classNames.contains($0) }
            throw ConfigCombinationError(description: "\(root): the train and eval splits have different class folders (\(trainFolder.classNames.count) vs \(evalFolder.classNames.count))"
                + (onlyTrain.isEmpty ? "" : "; only in \(trainFolder.splitPath): \(onlyTrain.prefix(10).joined(separator: ", "))")
                + (onlyEval.isEmpty ? "" : "; only in \(evalFolder.splitPath): \(onlyEval.prefix(10).joined(separator: ", "))")
                + "; give both the same classes or a class map (data.class_map)"
                + (skipped.isEmpty ? "" : "; listing the folders warned: \(skipped[0])"
                    + (skipped.count > 1 ? " (and \(skipped.count - 1) more)" : "")))
        }
        let classes = config.int("model.num_classes") == 0 ? trainFolder.classNames.count : config.int("model.num_classes")
        guard classes == trainFolder.classNames.count else {
            throw ConfigCombinationError(description: "model.num_classes is \(classes) but \(trainFolder.splitPath) has \(trainFolder.classNames.count) class folders; set 0 to use the folders (\(config.configFile ?? "config"))")
        }
        let model = try modelConfig(config, classes: classes)
        let eval = try evalTransform(config)
        let jitter = Float(config.double("augment.color_jitter")), erasing = config.double("augment.random_erasing")
        let train = TrainTransform(
            size: model.imageSize, crop: RandomResizedCrop(scale: config.double("augment.scale_min")...1),
            interpolation: eval.interpolation, flipProbability: config.double("augment.hflip"),
            colorJitter: jitter > 0 ? ColorJitter(brightness: jitter, contrast: jitter, saturation: jitter) : nil,
            erasing: erasing > 0 ? RandomErasing(probability: erasing) : nil, normalization: eval.normalization)
        var settings = VisionSettings(model: model, train: train, eval: eval)
        settings.optimizer = config.choice("optimization.optimizer")
        settings.batchSize = config.int("optimization.batch_size")
        settings.lr = config.double("optimization.lr") * Double(settings.batchSize) / Double(config.int("optimization.lr_base_batch"))
        settings.minLR = config.double("optimization.min_lr")
        settings.warmupLR = config.double("optimization.warmup_lr")
        settings.warmupEpochs = config.double("optimization.warmup_epochs")
        settings.weightDecay = config.double("optimization.weight_decay")
        settings.epochs = config.int("optimization.epochs")
        settings.schedule = config.choice("optimization.schedule")
        settings.gradClip = config.double("optimization.grad_clip")
        settings.seed = UInt64(config.int("optimization.seed"))
        settings.logEvery = config.int("output.log_every")
        settings.labelSmoothing = config.double("augment.label_smoothing")
        settings.mixupAlpha = config.double("augment.mixup")
        settings.cutmixAlpha = config.double("augment.cutmix")
        settings.workers = config.int("data.workers")
        settings.strict = config.bool("data.strict")

        let memory = try MemoryBudget.check(model, batch: settings.batchSize, training: true,
                                            batchSetting: "optimization.batch_size",
                                            sizeSettings: "data.img_size and model.*")
        let run = try RunFolder.open(path: config.string("output.dir"), resume: resume)
        defer { run.close() }
        run.beforeSaveStep = control.beforeSaveStep
        try log.open(run.logFile)
        let metadata = [
            "format": "pt", "simba_version": version, "task": "classify", "config": config.yaml(),
            "model": String(decoding: try JSONEncoder.sorted.encode(model), as: UTF8.self),
            "class_names": String(decoding: try JSONEncoder.sorted.encode(trainFolder.classNames), as: UTF8.self),
            "eval_transform": evalTransformJSON(eval),
        ]
        let trainer = try VisionTrainer(settings: settings, trainFolder: trainFolder, evalFolder: evalFolder, run: run,
                                        log: log, metadata: metadata, resume: resume)
        trainer.stopRequest = control.stopRequest
        if !resume { try run.write(config.yaml(), to: run.configFile) }
        log.line("simba \(version) train: classification\(trainer.progress.resumeNote(resumed: resume))")
        log.line(config.describe())
        log.line("data: \(trainFolder.splitPath): \(trainFolder.samples.count) images, \(evalFolder.splitPath): \(evalFolder.samples.count) images, \(classes) classes")
        for warning in skipped { log.line("warning: \(warning)") }
        log.line(String(format: "eval transform: resize shorter side to %d (%@), center crop %d, mean %@, std %@",
                        eval.resizeSize, eval.interpolation.rawValue, eval.size, config.string("data.mean"), config.string("data.std")))
        log.line(String(format: "model: SiMBA %@, %d parameters; lr %.3g (scaled by batch %d / %d)", model.channelMixer.rawValue,
                        trainer.model.store.parameterCount, settings.lr, settings.batchSize, config.int("optimization.lr_base_batch")))
        log.line("threads: BLAS \(BLAS.threads) (\(BLAS.coreName) kernels), parallel loops \(Parallel.workers), data workers \(settings.workers)")
        log.line("memory: about \(MemoryEstimate.describe(bytes: memory.bytes)) estimated for a training step")
        log.line("run folder: \(run.path)")
        try trainer.train(stoppingAfter: control.stoppingAfter)
        let best = try trainer.evaluate()
        let json = try JSONEncoder.pretty.encode([
            "best_epoch": Double(trainer.progress.bestEpoch ?? 0), "top1": best.top1, "top5": best.top5, "loss": best.loss,
        ])
        try AtomicFile.write(json, to: run.path + "/eval_metrics.json")
        log.line(String(format: "best epoch %d: top-1 %.2f  top-5 %.2f  loss %.4f (%d images)",
                        trainer.progress.bestEpoch ?? 0, best.top1, best.top5, best.loss, best.images))
    }
}
