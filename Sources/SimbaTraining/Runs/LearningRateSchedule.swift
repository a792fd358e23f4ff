// Learning rate as a pure function of the optimizer step: constant, cosine with linear warmup, or
// halved each epoch (Time-Series-Library's "type1"). It holds no state, so resume needs none.

import Foundation

/// A learning-rate schedule over `epochs`·`stepsPerEpoch` optimizer steps.
public struct LearningRateSchedule: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        /// `lr` throughout (after warmup).
        case constant
        /// Cosine from `lr` to `minLR` at the last step (timm's CosineLRScheduler, stepped per
        /// optimizer step).
        case cosine
        /// `lr`·0.5^epoch: Time-Series-Library's `lradj: type1`, stepped per epoch.
        case halveEachEpoch = "halve_each_epoch"
    }

    public var kind: Kind
    public var lr: Double
    public var minLR: Double
    /// Every schedule starts with a linear warmup from `warmupLR` to `lr` over `warmupEpochs`.
    public var warmupLR: Double
    public var warmupEpochs: Double
    public var epochs: Int
    public var stepsPerEpoch: Int

    public init(
        kind: Kind, lr: Double, minLR: Double = 0, warmupLR: Double? = nil, warmupEpochs: Double = 0, epochs: Int,
        stepsPerEpoch: Int
    ) {
        precondition(epochs > 0 && stepsPerEpoch > 0, "a schedule needs at least one epoch and one step")
        self.kind = kind
        self.lr = lr
        self.minLR = minLR
        self.warmupLR = warmupLR ?? minLR
        self.warmupEpochs = warmupEpochs
        self.epochs = epochs
        self.stepsPerEpoch = stepsPerEpoch
    }

    /// The learning rate of optimizer step `step` (0-based, counted over the whole run).
    public func rate(atStep step: Int) -> Double {
        let warmupSteps = warmupEpochs * Double(stepsPerEpoch)
        if Double(step) < warmupSteps {
            return warmupLR + (lr - warmupLR) * Double(step + 1) / warmupSteps
        }
        switch kind {
        case .constant:
            return lr
        case .cosine:
            let total = Double(epochs * stepsPerEpoch) - warmupSteps
            let progress = total <= 1 ? 1 : (Double(step) - warmupSteps) / (total - 1)
            return minLR + 0.5 * (lr - minLR) * (1 + cos(Double.pi * min(progress, 1)))
        case .halveEachEpoch:
            return lr * pow(0.5, Double(step / stepsPerEpoch))
        }
    }
}
