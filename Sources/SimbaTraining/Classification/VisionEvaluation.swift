// `simba eval`: a SiMBA classifier (a simba checkpoint, or official PyTorch weights for a named
// variant) scored on an image folder, timm validate.py style. It never changes the weights.

import Foundation
import SimbaCore
import SimbaData
import SimbaModel
import SimbaSafetensors

/// A classifier ready to evaluate, with what its checkpoint says about classes and preprocessing.
public struct VisionCheckpoint {
    public let path: String
    public let model: VisionModel
    /// The class folder names it was trained on (nil for bare weights).
    public let classNames: [String]?
    /// The eval transform it was trained with (nil for bare weights).
    public let evalTransform: EvalTransform?

    /// A checkpoint written by `simba train` for classification: model, classes and transform
    /// come from its metadata. Its tensors are checked against that model before it is built.
    public static func fromCheckpoint(path: String, maxBatch: Int) throws -> VisionCheckpoint {
        let file = try open(path)
        guard file.metadata["task"] == "classify", let modelJSON = file.metadata["model"],
            let namesJSON = file.metadata["class_names"]
        else {
            throw CheckpointError(
                path: path,
                problem:
                    "not a simba classification checkpoint (its metadata lacks task/model/class_names); for official "
                    + "PyTorch weights use --model NAME --weights FILE"
            )
        }
        let config: VisionConfig, names: [String]
        do {
            config = try JSONDecoder().decode(VisionConfig.self, from: Data(modelJSON.utf8))
            names = try JSONDecoder().decode([String].self, from: Data(namesJSON.utf8))
        } catch {
            throw CheckpointError(
                path: path, problem: "its model metadata is damaged (\(error)); the file was not written by this simba")
        }
        guard config.problems().isEmpty, names.count == config.numClasses else {
            throw CheckpointError(
                path: path, problem: "its model metadata is inconsistent: \(config.problems().joined(separator: "; "))")
        }
        try MemoryBudget.check(config, batch: maxBatch)
        try file.header.checkFits(VisionModel.parameterTable(config: config))
        let model = VisionModel(config: config, maxBatch: maxBatch)
        try model.store.loadStateDict(from: file)
        model.training = false
        return VisionCheckpoint(
            path: path, model: model, classNames: names,
            evalTransform: try evalTransform(file.metadata["eval_transform"], path: path))
    }

    /// A safetensors file holding a state_dict (the official PyTorch one converted by
    /// scripts/tools/convert_pth.py, or simba's) for the model `config` describes. The file's tensor
    /// table is checked against the model's before the model is built: a file that does not fit
    /// throws `StateDictMismatch` at once, whatever the model's size.
    public static func fromWeights(path: String, config: VisionConfig, maxBatch: Int) throws -> VisionCheckpoint {
        let file = try open(path)
        try MemoryBudget.check(config, batch: maxBatch, sizeSettings: "--model and --img-size")
        try file.header.checkFits(VisionModel.parameterTable(config: config))
        let model = VisionModel(config: config, maxBatch: maxBatch)
        try model.store.loadStateDict(from: file)
        model.training = false
        return VisionCheckpoint(path: path, model: model, classNames: nil, evalTransform: nil)
    }

    /// The safetensors file at `path`; a missing or damaged one is a CheckpointError saying what to do.
    static func open(_ path: String) throws -> SafetensorsFile {
        do {
            return try SafetensorsFile(path: path)
        } catch let error as SafetensorsError {
            throw CheckpointError(
                path: path,
                problem:
                    "\(error.problem): the file is missing, damaged (truncated or overwritten) or not a safetensors "
                    + "file; pass another checkpoint (e.g. the run's last.safetensors) or train again"
            )
        }
    }

    /// The transform stored by VisionJob, or nil when the checkpoint stores none; a stored one that
    /// is not the JSON VisionJob writes, or whose values are out of bounds (EvalTransform.checked),
    /// is a CheckpointError (never silently replaced by the defaults).
    static func evalTransform(_ json: String?, path: String) throws -> EvalTransform? {
        guard let json else { return nil }
        guard let object = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any],
            let size = (object["img_size"] as? NSNumber)?.intValue,
            let crop = (object["crop_pct"] as? NSNumber)?.doubleValue,
            let interpolation = (object["interpolation"] as? String).flatMap(Interpolation.init(rawValue:)),
            let mean = (object["mean"] as? [NSNumber])?.map(\.floatValue),
            let std = (object["std"] as? [NSNumber])?.map(\.floatValue),
            mean.count == 3, std.count == 3
        else {
            throw CheckpointError(
                path: path,
                problem: "its eval_transform metadata \(quoted(json)) is not "
                    + "{img_size, crop_pct, interpolation, mean[3], std[3]}; the file was not written by "
                    + "this simba or was changed by hand")
        }
        do {
            return try EvalTransform.checked(
                size: size, cropPct: crop, interpolation: interpolation,
                normalization: try Normalization.checked(mean: mean, std: std))
        } catch let error as PreprocessingError {
            throw CheckpointError(
                path: path,
                problem: "its eval_transform metadata is unusable: \(error); "
                    + "the file was not written by this simba")
        }
    }
}

/// What `VisionEvaluation.run` measured.
public struct VisionEvalResult {
    public let scores: ClassificationScores
    /// (images, classes), in the order of `samples`.
    public let logits: [Float]
    /// The images scored, in folder order (unreadable ones left out).
    public let samples: [ImageSample]
}

public enum VisionEvaluation {
    /// Scores `checkpoint` on every image of `folder`, printing timm-style progress lines to `log`.
    /// `outputs` gives the model output each class folder (in label order) is scored against; nil:
    /// by name among the checkpoint's class names (a folder the checkpoint does not name is refused),
    /// or for bare weights the folder order, which needs as many folders as outputs. Top-1/top-5 are
    /// taken over all the model's outputs, as timm does; outputs without a folder are simply absent.
    /// Unreadable images are skipped with a warning, or with `strict` stop the evaluation with their error.
    /// A batch with a NaN or infinite logit stops it with a NonFiniteOutputError (never a hit).
    public static func run(
        checkpoint: VisionCheckpoint, folder: ImageFolder, transform: EvalTransform, batchSize: Int,
        workers: Int, log: RunLog?, logEvery: Int = 50, strict: Bool = false,
        outputs: [Int]? = nil
    ) throws -> VisionEvalResult {
        let model = checkpoint.model
        let classes = model.config.numClasses
        let outputs =
            try outputs
            ?? defaultOutputs(
                classNames: checkpoint.classNames, classes: classes,
                model: checkpoint.path, folder: folder)
        precondition(
            outputs.count == folder.classNames.count && outputs.allSatisfy { (0..<classes).contains($0) },
            "an output index per class folder, each below the model's class count")
        guard transform.size == model.config.imageSize else {
            throw CheckpointError(
                path: checkpoint.path,
                problem:
                    "the model was built for \(model.config.imageSize)×\(model.config.imageSize) images but the "
                    + "transform makes \(transform.size)×\(transform.size); pass --img-size "
                    + "\(model.config.imageSize)"
            )
        }
        let batch = min(batchSize, model.maxBatch)
        let loader = ImageLoader(
            samples: folder.samples, transform: transform, batchSize: batch, shuffle: false,
            dropLast: false, seed: 0, workers: workers, strict: strict)
        let images = FloatBuffer(count: batch * transform.size * transform.size * 3)
        let labels = UnsafeMutablePointer<Int32>.allocate(capacity: batch)
        defer { labels.deallocate() }
        var scores = ClassificationScores()
        try MemoryBudget.require(
            bytes: 4 * Double(folder.samples.count) * Double(classes),
            for: "the logits of \(folder.samples.count) images × \(classes) classes",
            advice: "evaluate the folder in parts")
        var logits: [Float] = []
        logits.reserveCapacity(folder.samples.count * classes)
        let start = DispatchTime.now().uptimeNanoseconds
        var batchStart = start
        var batches = 0
        loader.startEpoch(0)
        while let count = try loader.next(into: images.pointer, labels: labels) {
            try Interruption.check("evaluation")
            for i in 0..<count { labels[i] = Int32(outputs[Int(labels[i])]) }
            let output = model.forward(images.pointer, batch: count)
            scores.add(logits: output, labels: labels, batch: count, classes: classes)
            try scores.checkFinite(
                total: folder.samples.count,
                "\(checkpoint.path) holds NaN or infinite weights, or the preprocessing drives the model beyond "
                    + "float32's range; evaluate another checkpoint (e.g. a run's last.safetensors) or check "
                    + "--mean and --std. Nothing was written")
            logits.append(contentsOf: UnsafeBufferPointer(start: output, count: count * classes))
            batches += 1
            // timm's batch time: this batch's seconds (loading included) and the mean over the batches so far.
            let now = DispatchTime.now().uptimeNanoseconds
            let batchSeconds = Double(now - batchStart) * 1e-9
            let meanSeconds = Double(now - start) * 1e-9 / Double(batches)
            batchStart = now
            if let log, batches % logEvery == 0 || batches == loader.batchesPerEpoch {
                log.line(
                    String(
                        format: "Test: [%4d/%d]  Time %.3f (%.3f)  Loss %.4f  Acc@1 %7.3f  Acc@5 %7.3f",
                        batches, loader.batchesPerEpoch, batchSeconds, meanSeconds, scores.loss, scores.top1,
                        scores.top5))
            }
        }
        if let log {
            for (path, reason) in loader.skipped { log.line("warning: skipped \(path): \(reason)") }
            if !loader.skipped.isEmpty { log.line("warning: \(loader.skipped.count) unreadable images skipped") }
        }
        let skipped = Set(loader.skipped.map(\.path))
        let scored = folder.samples.filter { !skipped.contains($0.path) }
        return VisionEvalResult(
            scores: scores, logits: logits,
            samples: scored.map { ImageSample(path: $0.path, label: outputs[$0.label]) })
    }

    /// The outputs `run` scores the folders against without a map, for the model at `model` with
    /// `classes` outputs: by name among a checkpoint's `classNames`, or for bare weights (nil) the
    /// folder order (as many folders as outputs); a CheckpointError naming `model` otherwise.
    public static func defaultOutputs(classNames: [String]?, classes: Int, model: String, folder: ImageFolder) throws
        -> [Int]
    {
        if let names = classNames {
            let unknown = folder.classNames.filter { !names.contains($0) }
            guard unknown.isEmpty else {
                throw CheckpointError(
                    path: model,
                    problem: "\(folder.splitPath) has class folders outside the "
                        + "\(names.count) classes the model was trained on; folders the model does not know: "
                        + "\(unknown.prefix(10).joined(separator: ", "))"
                        + (unknown.count > 10 ? ", …" : "") + "; rename or remove them")
            }
            return try ClassIndex(names: names, rule: "").outputs(for: folder, mapName: model)
        }
        guard folder.classNames.count == classes else {
            throw CheckpointError(
                path: model,
                problem: "the model has \(classes) classes but \(folder.splitPath) has "
                    + "\(folder.classNames.count) class folders; pass --num-classes to match the weights, give a "
                    + "class map "
                    + "(--class-map, or --imagenet-classes for synset folders) to score some classes, or evaluate on a "
                    + "folder with the same classes")
        }
        return Array(0..<classes)
    }

    /// Writes `filename,label,top1,top5_classes,top5_probabilities` per image (classes by name,
    /// `;`-separated, best first; softmax probabilities). `classNames` names every model output.
    public static func writePredictions(_ result: VisionEvalResult, classNames: [String], to path: String) throws {
        let classes = classNames.count
        var csv = "filename,label,top1,top5_classes,top5_probabilities\n"
        try result.logits.withUnsafeBufferPointer { all in
            for (i, sample) in result.samples.enumerated() {
                let row = all.baseAddress! + i * classes
                let maximum = (0..<classes).map { row[$0] }.max() ?? 0
                let total = (0..<classes).reduce(0.0) { $0 + exp(Double(row[$1] - maximum)) }
                let top = ClassificationScores.topClasses(row, classes: classes, count: min(5, classes))
                let probabilities = top.map { String(format: "%.5f", exp(Double(row[$0] - maximum)) / total) }
                let name = sample.path.contains(",") ? "\"\(sample.path)\"" : sample.path
                let topNames = top.map { classNames[$0] }.joined(separator: ";")
                csv +=
                    "\(name),\(classNames[sample.label]),\(classNames[top[0]]),\(topNames),"
                    + "\(probabilities.joined(separator: ";"))\n"
            }
            try AtomicFile.write(Data(csv.utf8), to: path)
        }
    }
}
