// What follows every backward pass in every trainer: a check of the loss, Adam's L2 decay,
// gradient clipping, the scheduled learning rate and the AdamW update. No forward or backward here.

import SimbaCore

struct OptimizerStep {
    let optimizer: AdamW
    let kind: OptimizerKind
    let weightDecay: Double
    /// Global gradient-norm clip; 0 is off.
    let gradClip: Double
    let schedule: LearningRateSchedule

    /// Updates `store` from its gradients as optimizer step `step` of the run and returns the
    /// learning rate used. A non-finite `loss` stops the run before anything changes, with a
    /// message saying where (`position`) and what was kept (`kept`).
    func apply(store: ParameterStore, loss: Float, step: Int, position: String, kept: String) throws -> Double {
        guard loss.isFinite else {
            throw TrainingError(
                "the loss became \(loss) at \(position); \(kept). Lower optimization.lr or set optimization.grad_clip")
        }
        if kind == .adam && weightDecay > 0 {
            // PyTorch Adam(weight_decay=…): g += wd·p on the decayed tensors.
            let wd = Float(weightDecay)
            for entry in store.entries where entry.kind == .parameter && entry.decay {
                let p = store.values.pointer + entry.offset, g = store.gradients.pointer + entry.offset
                for i in 0..<entry.count { g[i] += wd * p[i] }
            }
        }
        if gradClip > 0 {
            GradientClipping.clipGlobalNorm(
                gradients: store.gradients.pointer, count: store.parameterCount, maxNorm: Float(gradClip))
        }
        let lr = schedule.rate(atStep: step)
        optimizer.step(store: store, learningRate: Float(lr))
        return lr
    }
}

extension TrainingProgress {
    /// What a run stopped by a non-finite value leaves behind, for its message.
    func keptCheckpoint(in folder: String) -> String {
        epochsDone == 0 ? "no checkpoint was written" : "the checkpoint of epoch \(epochsDone) is kept in \(folder)"
    }
}
