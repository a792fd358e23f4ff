// The settings of one forecasting run, as the trainer needs them: data options, model architecture,
// optimizer, schedule, early stopping, output. Filled from a resolved config by its schema's keys.

import SimbaData
import SimbaModel

/// Which optimizer: Adam (weight decay, if any, added to the gradient as L2, PyTorch `Adam`) or
/// AdamW (decoupled decay, PyTorch `AdamW`).
public enum OptimizerKind: String, Sendable, Codable, CaseIterable {
    case adam
    case adamw
}

/// Every default here is the config key's default too (`ForecastSettings.keys`; a test compares them).
public struct ForecastSettings: Sendable {
    /// How to read the CSV (the job opens the file `data.path` names).
    public var data = ForecastOptions(seqLen: 96, predLen: 96)
    /// The model. Its lengths and variates are the data's: `ForecastJob` sets them once the data is read.
    public var model = TimeSeriesConfig(seqLen: 96, predLen: 96, variates: 1)
    /// Starts the linear skip from its least-squares fit on the training windows (`LinearSkipFit`)
    /// instead of the initialisation every Linear gets; a new run only, never a resumed one.
    public var linearSkipFit = false
    public var optimizer: OptimizerKind = .adamw
    public var lr = 1e-3
    public var minLR = 0.0
    public var weightDecay = 0.05
    public var batchSize = 32
    public var epochs = 10
    public var schedule: LearningRateSchedule.Kind = .cosine
    public var warmupEpochs = 0.0
    /// Global gradient-norm clip; 0 turns clipping off.
    public var gradClip = 0.0
    /// Under mpirun: MiB of gradients per bucket summed while the backward runs; 0 sums them all after it.
    public var bucketMB = 0.0
    /// Epochs without a better validation MSE before stopping; 0 never stops early.
    public var patience = 3
    public var seed: UInt64 = 2024
    /// Plain progress lines (not on a terminal) every this many steps.
    public var logEvery = 50

    public init() {}
}
