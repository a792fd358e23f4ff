// `simba predict`: a classifier's top-k classes for unlabelled images (timm inference.py style),
// as CSV or JSON lines, with raw logits on request. It scores nothing; `simba eval` does.

import Foundation
import SimbaCore
import SimbaData
import SimbaModel
import SimbaTraining

enum PredictCommand {
    static let help = """
        Usage: simba predict --checkpoint RUN|FILE [options] INPUT...
               simba predict --model simba_s|simba_b|simba_l --weights FILE [--class-map FILE] [options] INPUT...

        Prints each image's top-k classes with their softmax probabilities (timm inference.py style), one
        row per image in input order. Progress, warnings and the summary go to standard error.

        INPUT is an image file (any name: PNG or JPEG is told by its first bytes), a folder (every
        .jpeg/.jpg/.png file in it and its sub-folders, any layout, sorted byte-wise by path; hidden
        names skipped, links followed, each folder once), or a list file: @FILE, or any FILE.txt, with one
        image file or folder a line (blank lines and # comments skipped; relative to the list's folder).
        Give `--` before inputs that start with a dash.

          --checkpoint RUN     a classification checkpoint written by `simba train` (or its run folder,
                               which means RUN/best.safetensors); its class names and eval transform
          --model NAME         with --weights: official PyTorch weights (scripts/tools/convert_pth.py
                               converts a .pth) for this variant; also --channel-mixer einfft|mlp,
                               --num-classes N (default 1000), --no-token-label
          --class-map FILE     with --model: one class name a line, in output order, or `name index`
                               lines for some outputs (the others keep their index as name; default:
                               every output's index is its name)
          --topk K             classes per image (default 5, or the class count when smaller; at most
                               the class count)
          --format F           csv or jsonl (default: --out's extension, .csv or .jsonl; csv on standard
                               output)
          --out FILE           write the predictions to FILE, atomically at the end (default: standard
                               output, row by row)
          --logits FILE        also write the raw outputs, (images, classes) float32, to FILE.npy or
                               FILE.safetensors, streamed to disk; the image paths, one a line in the
                               same order, go to FILE.paths.txt beside it
          --strict             stop at an unreadable image (status 1) instead of listing and skipping it
          --img-size N         input size (default: the checkpoint's, or 224; at most \(EvalTransform.maxSize))
          --crop-pct X         resize the shorter side to img_size/crop_pct, then center-crop (default
                               the checkpoint's, or 0.96; timm's default is 0.875); in (0, 1]
          --interpolation I    bicubic (default) or bilinear
          --mean R,G,B         normalisation mean after /255 (default: the checkpoint's, or ImageNet's)
          --std R,G,B          normalisation std (default: the checkpoint's, or ImageNet's)
          --batch-size N       images per forward pass (default 64, at most \(grouped(EvalCommand.maxBatchSize)))
          --workers N          decoding threads (default 2, at most \(EvalCommand.maxWorkers))

        CSV columns: filename,label_0,…,label_{K-1},index_0,…,index_{K-1},prob_0,…,prob_{K-1} (best
        first; probabilities with 5 decimals, as `simba eval --predictions`). JSON lines:
        {"filename": …, "label": [...], "index": [...], "prob": [...]}. filename is the path as listed
        (timm prints the base name unless --fullname). Rows and logits are streamed as batches finish,
        so memory stays a few batches whatever the number of images. Unreadable files are named on
        standard error with a count; a missing INPUT, or no readable image at all, is an error (status 1).

        """

    static let command = Command(
        name: "predict",
        valued: [
            "checkpoint", "model", "weights", "class-map", "channel-mixer", "num-classes", "topk", "format",
            "out", "logits", "img-size", "crop-pct", "interpolation", "mean", "std", "batch-size", "workers"
        ],
        flags: ["no-token-label", "strict"], takesInputs: true, help: { help }, run: run)

    /// Default classes per image, as timm's inference.py.
    static let defaultTopK = 5

    static func run(_ options: Options) throws {
        guard !options.inputs.isEmpty else {
            throw UsageError(
                "`simba predict` needs at least one INPUT: an image file, a folder or a list file "
                    + "(@FILE or FILE.txt); see `simba predict --help`")
        }
        let batch = try options.int("batch-size", in: 1...EvalCommand.maxBatchSize) ?? 64
        let workers = try options.int("workers", in: 1...EvalCommand.maxWorkers) ?? 2
        let topk = try options.int("topk", in: 1...InfoCommand.maxClasses)
        let format = try outputFormat(options)
        let out = try options.value("out").map { try checkedOutput($0, option: "out") }
        let logits = try options.value("logits").map { path -> String in
            guard LogitsFile.format(of: path) != nil else {
                throw UsageError(
                    "--logits \(quoted(path)) must end in .npy or .safetensors (the format it is "
                        + "written in)")
            }
            return try checkedOutput(path, option: "logits")
        }
        if let out, let logits, [logits, LogitsFile.pathsFile(for: logits)].contains(out) {
            throw UsageError(
                "--out \(quoted(out)) would overwrite what --logits writes (\(quoted(logits)) and "
                    + "\(quoted(LogitsFile.pathsFile(for: logits)))); choose another name")
        }
        if options.value("checkpoint") != nil, options.value("class-map") != nil {
            throw UsageError(
                "--class-map names the classes of --model with --weights; a --checkpoint holds its "
                    + "own class names, so drop --class-map")
        }
        let overrides = try TransformOverrides(options)
        // A class map is checked against --model's class count before the weights are read (without --model,
        // loading below says what is missing).
        let mapNames = try options.value("class-map").flatMap { path -> [String]? in
            guard let model = options.value("model") else { return nil }
            return try ClassIndex.read(path, outputs: InfoCommand.modelConfig(model, options).numClasses).names
        }

        let progress = PredictionProgress()
        let inputs = try ImageInputs(options.inputs)
        for warning in inputs.warnings { progress.line("warning: \(warning)") }
        guard inputs.paths.count <= ImagePrediction.maxImages else {
            throw UsageError(
                "the inputs list \(grouped(inputs.paths.count)) images, more than the "
                    + "\(grouped(ImagePrediction.maxImages)) one run takes; predict them in parts")
        }
        let (checkpoint, name) = try ClassifierOptions.load(
            options, command: "predict",
            imageSize: overrides.imageSize,
            maxBatch: min(batch, inputs.paths.count))
        let classes = checkpoint.model.config.numClasses
        let classNames = checkpoint.classNames ?? mapNames ?? (0..<classes).map(String.init)
        if let topk, topk > classes {
            throw UsageError("--topk \(topk) is more than the model's \(classes) classes; give at most \(classes)")
        }
        let rows = PredictionRows(format: format, classNames: classNames, k: topk ?? min(defaultTopK, classes))
        let transform = try overrides.transform(for: checkpoint)
        progress.line(
            "simba predict \(name): \(grouped(inputs.paths.count)) images, \(classes) classes, top \(rows.k) "
                + "as \(format.rawValue); \(ClassifierOptions.describe(transform))")

        let file = try out.map { try AtomicFileStream(path: $0) }
        let logitsFile = try logits.map {
            try LogitsFile(path: $0, capacity: inputs.paths.count, classNames: classNames)
        }
        try emit(rows.header, to: file)
        let summary = try ImagePrediction.run(
            checkpoint: checkpoint, paths: inputs.paths, transform: transform, batchSize: batch, workers: workers,
            strict: options.has("strict"), progress: progress
        ) { batch in
            try emit(rows.rows(batch), to: file)
            try logitsFile?.append(batch)
        }
        for (path, reason) in summary.skipped { progress.line("warning: skipped \(path): \(reason)") }
        if !summary.skipped.isEmpty { progress.line("warning: \(summary.skipped.count) unreadable images skipped") }
        guard summary.images > 0 else {
            throw ImageInputError.noneReadable(count: inputs.paths.count)
        }
        try logitsFile?.commit()
        try file?.commit()
        let written = [out, logits, logits.map(LogitsFile.pathsFile)].compactMap { $0 }
        progress.line(
            String(
                format: "predicted %d images in %.1f s (%.1f images/s)", summary.images, summary.seconds,
                Double(summary.images) / max(summary.seconds, 1e-9))
                + (written.isEmpty ? "" : "; wrote " + written.joined(separator: ", ")))
    }

    /// --format, or the format --out's extension names (.csv, .jsonl), or csv for standard output.
    static func outputFormat(_ options: Options) throws -> PredictionFormat {
        if let text = options.value("format") {
            guard let format = PredictionFormat(rawValue: text) else {
                throw UsageError("--format must be csv or jsonl, not \(quoted(text))")
            }
            return format
        }
        guard let out = options.value("out") else { return .csv }
        guard let format = PredictionFormat(rawValue: URL(fileURLWithPath: out).pathExtension.lowercased()) else {
            throw UsageError(
                "--out \(quoted(out)): cannot tell the format from its extension; name it .csv or "
                    + ".jsonl, or give --format csv|jsonl")
        }
        return format
    }

    /// `path`, checked before any work: its folder exists and it is not a folder itself.
    static func checkedOutput(_ path: String, option: String) throws -> String {
        let parent = URL(fileURLWithPath: path).deletingLastPathComponent().path
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: parent, isDirectory: &isFolder), isFolder.boolValue else {
            throw UsageError(
                "--\(option) \(quoted(path)): the folder \(quoted(parent)) does not exist; create it "
                    + "first (checked before the prediction starts)")
        }
        if FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue {
            throw UsageError("--\(option) \(quoted(path)) is a folder; give a file name")
        }
        return path
    }

    /// Writes `text` to the output file, or to standard output when there is none.
    static func emit(_ text: String, to file: AtomicFileStream?) throws {
        guard !text.isEmpty else { return }
        if let file {
            try file.append(Data(text.utf8))
        } else {
            FileHandle.standardOutput.write(Data(text.utf8))
        }
    }
}
