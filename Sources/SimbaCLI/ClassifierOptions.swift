// The options `simba eval` and `simba predict` share: which classifier to load (a checkpoint, or
// official weights for a named variant) and its eval transform's overrides. It runs no model.

import Foundation
import SimbaCore
import SimbaData
import SimbaModel
import SimbaTraining

/// --img-size, --crop-pct, --interpolation, --mean and --std as given (nil: the checkpoint's or the default).
struct TransformOverrides {
    let imageSize: Int?
    let cropPct: Double?
    let interpolation: Interpolation?
    let mean: [Float]?
    let std: [Float]?

    /// Reads and checks the options; a value out of bounds is a UsageError naming its option.
    init(_ options: Options) throws {
        imageSize = try options.int("img-size", in: 1...EvalTransform.maxSize)
        cropPct = try options.value("crop-pct").map { text -> Double in
            guard let x = Double(text), x > 0, x <= 1 else {
                throw UsageError("--crop-pct takes a number in (0, 1], not \(quoted(text))")
            }
            return try ClassifierOptions.preprocessing { try EvalTransform.checkedCropPct(x) }
        }
        interpolation = try options.value("interpolation").map { text -> Interpolation in
            guard let i = Interpolation(rawValue: text) else {
                throw UsageError("--interpolation must be bicubic or bilinear, not \(quoted(text))")
            }
            return i
        }
        mean = try options.value("mean").map { text in
            try ClassifierOptions.preprocessing { try Normalization.channels(text, .mean) }
        }
        std = try options.value("std").map { text in
            try ClassifierOptions.preprocessing { try Normalization.channels(text, .std) }
        }
    }

    /// The eval transform for `checkpoint`: each value given, else the checkpoint's, else SiMBA's
    /// default (the model's input size, crop_pct 0.96, bicubic, ImageNet's mean and std).
    func transform(for checkpoint: VisionCheckpoint) throws -> EvalTransform {
        let base = checkpoint.evalTransform
        return try ClassifierOptions.preprocessing {
            try EvalTransform.checked(
                size: imageSize ?? base?.size ?? checkpoint.model.config.imageSize,
                cropPct: cropPct ?? base?.cropPct ?? 0.96,
                interpolation: interpolation ?? base?.interpolation ?? .bicubic,
                normalization: try Normalization.checked(
                    mean: mean ?? base?.normalization.mean ?? Normalization.imageNet.mean,
                    std: std ?? base?.normalization.std ?? Normalization.imageNet.std))
        }
    }
}

enum ClassifierOptions {
    /// Where the classifier comes from: a checkpoint file (a run folder means its best.safetensors),
    /// or official weights for a named variant at `imageSize` (default 224). Reads nothing but the
    /// options; `name` is what the log calls the model.
    enum Source {
        case checkpoint(file: String, name: String)
        case weights(file: String, config: VisionConfig, name: String)
    }

    /// The source `options` name (--checkpoint, or --model with --weights and the model options).
    static func source(_ options: Options, command: String, imageSize: Int?) throws -> Source {
        if let path = options.value("checkpoint") {
            guard options.value("weights") == nil, options.value("model") == nil else {
                throw UsageError("give either --checkpoint or --model with --weights, not both")
            }
            if let option = InfoCommand.modelOption(options) {
                throw UsageError(
                    "--\(option) changes the model of --model with --weights; a --checkpoint holds "
                        + "its own model, so drop --\(option)")
            }
            var isFolder: ObjCBool = false
            let folder = FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) && isFolder.boolValue
            let file = folder ? path + "/best.safetensors" : path
            // The run folder's name says more than "best".
            let name =
                folder
                ? URL(fileURLWithPath: path).lastPathComponent
                : URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent
            return .checkpoint(file: file, name: name)
        } else if let variant = options.value("model"), let weights = options.value("weights") {
            var config = try InfoCommand.modelConfig(variant, options)
            config.imageSize = imageSize ?? 224
            guard config.problems().isEmpty else { throw UsageError(config.problems().joined(separator: "; ")) }
            return .weights(file: weights, config: config, name: variant)
        } else {
            throw UsageError("`simba \(command)` needs --checkpoint FILE, or --model NAME with --weights FILE")
        }
    }

    /// The classifier `--checkpoint FILE|RUN` or `--model NAME --weights FILE` (with --channel-mixer,
    /// --num-classes, --no-token-label) names, built for batches of up to `maxBatch` images at
    /// `imageSize` (for --model; a checkpoint has its own), and the name to report it by (a run
    /// folder's name, the checkpoint file's stem, or the variant). `command` names the command in messages.
    static func load(
        _ options: Options, command: String, imageSize: Int?,
        maxBatch: Int
    ) throws -> (checkpoint: VisionCheckpoint, name: String) {
        switch try source(options, command: command, imageSize: imageSize) {
        case let .checkpoint(file, name):
            return (try VisionCheckpoint.fromCheckpoint(path: file, maxBatch: maxBatch), name)
        case let .weights(file, config, name):
            return (try VisionCheckpoint.fromWeights(path: file, config: config, maxBatch: maxBatch), name)
        }
    }

    /// "resize shorter side to 230 (bicubic), center crop 224, mean 0.485,0.456,0.406, std …".
    static func describe(_ transform: EvalTransform) -> String {
        String(
            format: "resize shorter side to %d (%@), center crop %d, mean %@, std %@", transform.resizeSize,
            transform.interpolation.rawValue, transform.size,
            transform.normalization.mean.map { String($0) }.joined(separator: ","),
            transform.normalization.std.map { String($0) }.joined(separator: ","))
    }

    /// `body`'s result; a PreprocessingError becomes a UsageError naming the option (--img-size,
    /// --crop-pct, --mean, --std), even when the value it refuses came from the checkpoint.
    static func preprocessing<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as PreprocessingError {
            throw UsageError("--\(error.setting.rawValue.replacingOccurrences(of: "_", with: "-")) \(error.problem)")
        }
    }
}
