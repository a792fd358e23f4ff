// `simba eval`: parses its options, loads the classifier (a simba checkpoint or official weights
// for a named variant), runs VisionEvaluation and prints timm's summary line and JSON result.

import Foundation
import SimbaCore
import SimbaData
import SimbaModel
import SimbaTraining

enum EvalCommand {
    static let help = """
        Usage: simba eval --checkpoint FILE.safetensors --data ROOT [--split val] [options]
               simba eval --model simba_s|simba_b|simba_l --weights FILE.safetensors --data ROOT [options]

        Scores a classifier on every image of ROOT/<split>/<class>/ (timm validate.py style): progress
        lines, ` * Acc@1 … Acc@5 …` and a JSON result. Each class folder is scored against one output:
        a checkpoint's by the class names it was trained on (any subset of them); for --weights, the
        position of the folder in the sorted folder names (byte-wise, or by value when every name is a
        whole number, as timm sorts ImageNet-V2's 0 … 999), or the output a class map gives. Top-1 and
        top-5 are over all outputs; outputs without a folder are simply absent from the score.

          --checkpoint FILE    a classification checkpoint written by `simba train` (or its run folder)
          --model NAME         with --weights: official PyTorch weights (scripts/tools/convert_pth.py
                               converts a .pth) for this variant; also --channel-mixer einfft|mlp,
                               --num-classes N (default 1000, at most \(grouped(InfoCommand.maxClasses))),
                               --no-token-label
          --split NAME         split folder (default val; also valid, validation), or the root itself
          --class-map FILE     the output of each class folder: one name a line (line k = output k,
                               every output listed), or `name index` lines for any subset of the
                               outputs; a folder the map does not name is an error; with a
                               checkpoint, the map must agree with the checkpoint's classes
          --imagenet-classes   class folders are ImageNet-1k synsets (n01440764 …), scored against
                               the standard 1000-class order (shipped with simba); any subset of them
          --strict             stop at an unreadable image instead of skipping it with a warning
          --img-size N         input size (default: the checkpoint's, or 224; at most \(EvalTransform.maxSize))
          --crop-pct X         resize the shorter side to img_size/crop_pct, then center-crop (default
                               the checkpoint's, or 0.96; timm's default is 0.875); in (0, 1], and
                               at least \(1 / Double(EvalTransform.maxResizeFactor)) \
        (a resize to at most \(EvalTransform.maxResizeFactor) × img_size)
          --interpolation I    bicubic (default) or bilinear
          --mean R,G,B         normalisation mean after /255 (default ImageNet's); finite numbers
          --std R,G,B          normalisation std (default ImageNet's); finite numbers greater than 0
          --batch-size N       images per forward pass (default 64, at most \(grouped(maxBatchSize)))
          --workers N          decoding threads (default 2, at most \(maxWorkers))
          --predictions FILE   per-image CSV: filename,label,top1,top5_classes,top5_probabilities
          --json FILE          also write the JSON result to FILE

        Progress lines give `Time LAST (MEAN)` as timm does: the last batch's seconds and the mean per batch.

        Environment: SIMBA_THREADS sets the parallel loop workers (a whole number from 1 to \(Parallel.maxWorkers);
        default the machine's active cores; any other value stops the command with an error naming it).

        """

    static let command = Command(
        name: "eval",
        valued: [
            "checkpoint", "model", "weights", "data", "split", "img-size", "crop-pct", "interpolation", "mean",
            "std", "batch-size", "workers", "predictions", "json", "channel-mixer", "num-classes", "class-map"
        ],
        flags: ["no-token-label", "strict", "imagenet-classes"], help: { help }, run: run)

    /// The largest --batch-size of `simba eval` and `simba forecast`.
    static let maxBatchSize = 65_536
    /// The most decoding threads --workers starts.
    static let maxWorkers = 256

    static func run(_ options: Options) throws {
        guard let root = options.value("data") else {
            throw UsageError("`simba eval` needs --data ROOT (an image folder); see `simba eval --help`")
        }
        for name in ["json", "predictions"] {
            guard let file = options.value(name) else { continue }
            let parent = URL(fileURLWithPath: file).deletingLastPathComponent().path
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: parent, isDirectory: &isFolder), isFolder.boolValue else {
                throw UsageError(
                    "--\(name) \(file): the folder \(parent) does not exist; create it first (checked before the "
                        + "evaluation starts)"
                )
            }
        }
        let batch = try options.int("batch-size", in: 1...maxBatchSize) ?? 64
        let workers = try options.int("workers", in: 1...maxWorkers) ?? 2
        let overrides = try TransformOverrides(options)
        let source = try ClassifierOptions.source(options, command: "eval", imageSize: overrides.imageSize)
        // The folder is listed and matched to the model's outputs once the options are checked, before any
        // weights are read.
        let folder = try ImageFolder(root: root, split: options.value("split") ?? "val")
        let checkpoint: VisionCheckpoint, classes: EvalClasses, name: String
        switch source {
        case let .checkpoint(file, checkpointName):
            checkpoint = try VisionCheckpoint.fromCheckpoint(path: file, maxBatch: batch)
            classes = try EvalClasses(
                options, classNames: checkpoint.classNames,
                outputs: checkpoint.model.config.numClasses, model: file, folder: folder)
            name = checkpointName
        case let .weights(file, config, variant):
            classes = try EvalClasses(
                options, classNames: nil, outputs: config.numClasses, model: file,
                folder: folder)
            checkpoint = try VisionCheckpoint.fromWeights(path: file, config: config, maxBatch: batch)
            name = variant
        }
        let transform = try overrides.transform(for: checkpoint)
        let size = transform.size
        let log = RunLog()
        log.line(
            "simba eval \(name): \(folder.splitPath), \(folder.samples.count) images, "
                + "\(folder.classNames.count) class folders; \(ClassifierOptions.describe(transform))")
        log.line(classes.description)
        for warning in folder.warnings { log.line("warning: \(warning)") }
        let result = try VisionEvaluation.run(
            checkpoint: checkpoint, folder: folder, transform: transform, batchSize: batch,
            workers: workers, log: log, strict: options.has("strict"),
            outputs: classes.outputs)
        let s = result.scores
        log.line(String(format: " * Acc@1 %.3f (%.3f) Acc@5 %.3f (%.3f)", s.top1, 100 - s.top1, s.top5, 100 - s.top5))
        let json = String(
            format:
                "{\"model\": \"%@\", \"top1\": %.3f, \"top1_err\": %.3f, \"top5\": %.3f, \"top5_err\": %.3f, "
                + "\"param_count\": %.2f, \"img_size\": %d, \"crop_pct\": %.3f, \"interpolation\": \"%@\"}",
            name, s.top1, 100 - s.top1, s.top5, 100 - s.top5, Double(checkpoint.model.store.parameterCount) / 1e6,
            size, transform.cropPct, transform.interpolation.rawValue)
        log.line(json)
        if let path = options.value("json") { try AtomicFile.write(Data((json + "\n").utf8), to: path) }
        if let path = options.value("predictions") {
            try VisionEvaluation.writePredictions(result, classNames: classes.outputNames, to: path)
        }
    }
}
