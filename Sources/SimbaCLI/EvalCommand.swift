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
        lines, ` * Acc@1 … Acc@5 …` and a JSON result. Class index = position of the class folder in
        the byte-wise sorted list of folder names (ImageNet synsets sort the same in every order).

          --checkpoint FILE    a classification checkpoint written by `simba train` (or its run folder)
          --model NAME         with --weights: official PyTorch weights (scripts/tools/convert_pth.py
                               converts a .pth) for this variant; also --channel-mixer einfft|mlp,
                               --num-classes N (default 1000, at most \(grouped(InfoCommand.maxClasses))),
                               --no-token-label
          --split NAME         split folder (default val; also valid, validation), or the root itself
          --class-map FILE     one class name a line, fixing the class order (as data.class_map in
                               training); default: the sorted folder names
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

        """

    static let command = Command(
        name: "eval",
        valued: ["checkpoint", "model", "weights", "data", "split", "img-size", "crop-pct", "interpolation", "mean",
                 "std", "batch-size", "workers", "predictions", "json", "channel-mixer", "num-classes", "class-map"],
        flags: ["no-token-label", "strict"], help: { help }, run: run)

    /// The largest --batch-size of `simba eval` and `simba forecast`.
    static let maxBatchSize = 65_536
    /// The most decoding threads --workers starts.
    static let maxWorkers = 256

    static func run(_ options: Options) throws {
        guard let root = options.value("data") else { throw UsageError("`simba eval` needs --data ROOT (an image folder); see `simba eval --help`") }
        for name in ["json", "predictions"] {
            guard let file = options.value(name) else { continue }
            let parent = URL(fileURLWithPath: file).deletingLastPathComponent().path
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: parent, isDirectory: &isFolder), isFolder.boolValue else {
                throw UsageError("--\(name) \(file): the folder \(parent) does not exist; create it first (checked before the evaluation starts)")
            }
        }
        let batch = try options.int("batch-size", in: 1...maxBatchSize) ?? 64
        let workers = try options.int("workers", in: 1...maxWorkers) ?? 2
        let overrides = try TransformOverrides(options)
        let (checkpoint, name) = try ClassifierOptions.load(options, command: "eval", imageSize: overrides.imageSize,
                                                           maxBatch: batch)
        let transform = try overrides.transform(for: checkpoint)
        let size = transform.size
        let folder = try ImageFolder(root: root, split: options.value("split") ?? "val", classMap: options.value("class-map"))
        let log = RunLog()
        log.line("simba eval \(name): \(folder.splitPath), \(folder.samples.count) images, "
                 + "\(folder.classNames.count) classes; \(ClassifierOptions.describe(transform))")
        for warning in folder.warnings { log.line("warning: \(warning)") }
        let result = try VisionEvaluation.run(checkpoint: checkpoint, folder: folder, transform: transform, batchSize: batch,
                                              workers: workers, log: log, strict: options.has("strict"))
        let s = result.scores
        log.line(String(format: " * Acc@1 %.3f (%.3f) Acc@5 %.3f (%.3f)", s.top1, 100 - s.top1, s.top5, 100 - s.top5))
        let json = String(format: "{\"model\": \"%@\", \"top1\": %.3f, \"top1_err\": %.3f, \"top5\": %.3f, \"top5_err\": %.3f, \"param_count\": %.2f, \"img_size\": %d, \"crop_pct\": %.3f, \"interpolation\": \"%@\"}",
                          name, s.top1, 100 - s.top1, s.top5, 100 - s.top5, Double(checkpoint.model.store.parameterCount) / 1e6,
                          size, transform.cropPct, transform.interpolation.rawValue)
        log.line(json)
        if let path = options.value("json") { try AtomicFile.write(Data((json + "\n").utf8), to: path) }
        if let path = options.value("predictions") {
            try VisionEvaluation.writePredictions(result, classNames: checkpoint.classNames ?? folder.classNames, to: path)
        }
    }
}
