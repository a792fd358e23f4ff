// `simba predict`'s loop: a classifier run over a list of unlabelled images in batches, decoded on
// worker threads ahead of the model, each batch handed on as it is done. It writes nothing itself.

import Foundation
import SimbaCore
import SimbaData
import SimbaModel

/// One image's best classes: indices best first (ties toward the lower index, as torch.topk) and
/// their softmax probabilities.
public struct TopClasses: Equatable, Sendable {
    public let indices: [Int]
    public let probabilities: [Double]
}

/// A batch of predictions: the images read (in input order, unreadable ones left out) and their
/// logits, (count, classes) floats valid only during the call that receives it.
public struct PredictionBatch {
    public let paths: [String]
    public let logits: UnsafePointer<Float>
    public let classes: Int
    public var count: Int { paths.count }

    /// The `k` best classes of image `i` of the batch.
    public func top(_ i: Int, k: Int) -> TopClasses {
        ImagePrediction.top(logits + i * classes, classes: classes, k: k)
    }
}

/// What `ImagePrediction.run` did.
public struct PredictionSummary {
    /// Images predicted.
    public let images: Int
    /// Files that could not be read (path, reason), in input order.
    public let skipped: [(path: String, reason: String)]
    public let seconds: Double
}

public enum ImagePrediction {
    /// The most images one run takes: an image's position travels through the loader as an Int32 label.
    public static let maxImages = Int(Int32.max)

    /// Runs `checkpoint` over the images at `paths`, `batchSize` at a time (at most the model's
    /// `maxBatch`), decoded by `workers` threads with `transform`, and hands each batch to `consume`
    /// in input order. Memory stays that of a few batches whatever the number of images.
    ///
    /// Unreadable files are left out of the batches and listed in the summary; with `strict` the
    /// first one stops the run with its `ImageDecodeError`. An image with a NaN or infinite logit
    /// stops it with a `NonFiniteOutputError` naming the image. Ctrl-C stops it between batches.
    public static func run(
        checkpoint: VisionCheckpoint, paths: [String], transform: EvalTransform, batchSize: Int,
        workers: Int, strict: Bool, progress: PredictionProgress?,
        consume: (PredictionBatch) throws -> Void
    ) throws -> PredictionSummary {
        precondition(paths.count <= maxImages, "more than \(maxImages) images")
        let model = checkpoint.model
        let classes = model.config.numClasses
        guard transform.size == model.config.imageSize else {
            throw CheckpointError(
                path: checkpoint.path,
                problem: "the model was built for "
                    + "\(model.config.imageSize)×\(model.config.imageSize) images but the transform makes "
                    + "\(transform.size)×\(transform.size); pass --img-size \(model.config.imageSize)")
        }
        let batch = min(batchSize, model.maxBatch)
        let samples = paths.enumerated().map { ImageSample(path: $1, label: $0) }
        let loader = ImageLoader(
            samples: samples, transform: transform, batchSize: batch, shuffle: false,
            dropLast: false, seed: 0, workers: workers, strict: strict)
        let images = FloatBuffer(count: batch * transform.size * transform.size * 3)
        let positions = UnsafeMutablePointer<Int32>.allocate(capacity: batch)
        defer { positions.deallocate() }
        let start = DispatchTime.now().uptimeNanoseconds
        var predicted = 0, batches = 0
        loader.startEpoch(0)
        while let count = try loader.next(into: images.pointer, labels: positions) {
            try Interruption.check("prediction")
            let output = model.forward(images.pointer, batch: count)
            let kept = (0..<count).map { paths[Int(positions[$0])] }
            for i in 0..<count where !(0..<classes).allSatisfy({ output[i * classes + $0].isFinite }) {
                throw NonFiniteOutputError(
                    description: "the model's outputs for \(kept[i]) hold NaN or infinite values; "
                        + "\(checkpoint.path) holds NaN or infinite weights, or the preprocessing drives the model "
                        + "beyond float32's range (check --mean and --std); no output file was written")
            }
            try consume(PredictionBatch(paths: kept, logits: output, classes: classes))
            predicted += count
            batches += 1
            progress?.update(
                batches: batches, of: loader.batchesPerEpoch,
                images: min(batches * batch, paths.count), skipped: loader.skipped.count)
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9
        return PredictionSummary(images: predicted, skipped: loader.skipped, seconds: seconds)
    }

    /// The `k` best of `classes` logits at `row` and their softmax probabilities, computed in Double
    /// as `VisionEvaluation.writePredictions` does (so both print the same digits).
    public static func top(_ row: UnsafePointer<Float>, classes: Int, k: Int) -> TopClasses {
        precondition(k >= 1 && k <= classes, "k must be in 1...\(classes), got \(k)")
        var maximum = -Float.infinity
        for c in 0..<classes { maximum = max(maximum, row[c]) }
        var total = 0.0
        for c in 0..<classes { total += exp(Double(row[c] - maximum)) }
        let indices = ClassificationScores.topClasses(row, classes: classes, count: k)
        return TopClasses(indices: indices, probabilities: indices.map { exp(Double(row[$0] - maximum)) / total })
    }
}
