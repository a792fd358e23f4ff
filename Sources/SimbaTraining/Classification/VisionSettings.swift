// The settings of one image-classification run, as the trainer needs them: model, preprocessing,
// augmentation, optimizer, schedule, output. Filled from a resolved config by its schema's keys.

import SimbaData
import SimbaModel

/// Everything a vision run needs besides the data folders. Every default here is the config key's
/// default too (`VisionSettings.keys`; a test compares them).
public struct VisionSettings: Sendable {
    /// The model: simba_s's sizes until the config's variant and sizes land. `VisionJob` sets its
    /// class count from `classes` and the folders.
    public var model = VisionConfig.variant("simba_s")!
    /// Classes asked for; 0 = the number of class folders.
    public var classes = 0
    /// Weights the model starts from (`WeightTransfer`); "" = SiMBA's initialisation alone.
    public var initWeights = ""
    public var cropPct = 0.96
    public var interpolation: Interpolation = .bicubic
    public var mean: [Float] = Normalization.imageNet.mean
    public var std: [Float] = Normalization.imageNet.std
    public var workers = 1
    public var strict = false
    /// Smallest area fraction of the random resized crop.
    public var scaleMin = 0.08
    public var hflip = 0.5
    /// Brightness, contrast and saturation jitter; 0 = off.
    public var colorJitter: Float = 0
    public var randomErasing = 0.0
    public var labelSmoothing = 0.1
    public var mixupAlpha = 0.0
    public var cutmixAlpha = 0.0
    public var optimizer: OptimizerKind = .adamw
    /// Peak learning rate at a batch of `lrBaseBatch` (see `peakLR`).
    public var lr = 1e-3
    public var lrBaseBatch = 512
    public var minLR = 1e-5
    public var warmupLR = 1e-6
    public var warmupEpochs = 5.0
    public var weightDecay = 0.05
    public var batchSize = 64
    public var epochs = 300
    public var schedule: LearningRateSchedule.Kind = .cosine
    public var gradClip = 0.0
    /// Under mpirun: BatchNorm batch statistics over every process's slice (SyncBatchNorm), not each one's.
    public var syncBN = false
    /// Under mpirun: MiB of gradients per bucket summed while the backward runs; 0 sums them all after it.
    public var bucketMB = 4.0
    public var seed: UInt64 = 42
    public var logEvery = 50

    public init() {}

    /// The peak learning rate of this batch: `lr` scaled linearly from `lrBaseBatch` images.
    public var peakLR: Double { lr * Double(batchSize) / Double(lrBaseBatch) }

    /// The evaluation transform. The values must have passed `VisionJob.evalTransform`'s checks.
    public var eval: EvalTransform {
        EvalTransform(
            size: model.imageSize, cropPct: cropPct, interpolation: interpolation,
            normalization: Normalization(mean: mean, std: std))
    }

    /// The training transform (random resized crop, flip, optional jitter and erasing), with `eval`'s
    /// interpolation and normalisation.
    public var train: TrainTransform {
        TrainTransform(
            size: model.imageSize, crop: RandomResizedCrop(scale: scaleMin...1), interpolation: interpolation,
            flipProbability: hflip,
            colorJitter: colorJitter > 0
                ? ColorJitter(brightness: colorJitter, contrast: colorJitter, saturation: colorJitter) : nil,
            erasing: randomErasing > 0 ? RandomErasing(probability: randomErasing) : nil,
            normalization: Normalization(mean: mean, std: std))
    }
}
