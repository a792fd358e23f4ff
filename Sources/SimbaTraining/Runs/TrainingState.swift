// Everything besides the weights that a resumed run needs to continue exactly: optimizer moments
// and step, epoch, the model's random generator, early-stopping bookkeeping. Saved as safetensors.

import Foundation
import SimbaCore
import SimbaSafetensors

/// Where a run stands after a completed epoch.
public struct TrainingProgress: Codable, Equatable, Sendable {
    /// Epochs completed (the next epoch to run has this index).
    public var epochsDone = 0
    /// Optimizer steps taken over the whole run.
    public var steps = 0
    /// Best validation metric so far and the epoch (1-based) it came from; nil before any.
    public var bestMetric: Double?
    public var bestEpoch: Int?
    /// Epochs since the best one (early stopping).
    public var epochsWithoutImprovement = 0
    /// The model's random generator (DropPath/Dropout masks) after the last epoch.
    public var generatorState: [UInt64] = []
    /// The rows of summary.csv so far (rewritten whole each epoch, so it always matches the state).
    public var summaryRows: [String] = []

    public init() {}
}

/// The training state file (`last.state.safetensors`): AdamW moments `m`, `v` as tensors, and the
/// optimizer step and `TrainingProgress` as JSON metadata.
public enum TrainingStateFile {
    /// The file's bytes for `progress` and the optimizer's moments and step.
    public static func encode(_ progress: TrainingProgress, optimizer: AdamW) throws -> Data {
        let count = optimizer.m.count
        return SafetensorsFile.encode(
            [
                (name: "adamw.m", shape: [count], values: UnsafePointer(optimizer.m.pointer)),
                (name: "adamw.v", shape: [count], values: UnsafePointer(optimizer.v.pointer))
            ],
            metadata: [
                "simba_state": String(decoding: try JSONEncoder.sorted.encode(progress), as: UTF8.self),
                "adamw_step": String(optimizer.stepCount)
            ])
    }

    /// Restores the optimizer in place and returns the progress.
    public static func load(from path: String, into optimizer: AdamW) throws -> TrainingProgress {
        let file = try SafetensorsFile(path: path)
        guard let json = file.metadata["simba_state"], let stepText = file.metadata["adamw_step"],
            let step = Int(stepText),
            let progress = try? JSONDecoder().decode(TrainingProgress.self, from: Data(json.utf8))
        else { throw CheckpointError(path: path, problem: "not a simba training-state file (no simba_state metadata)") }
        for name in ["adamw.m", "adamw.v"] {
            guard file.tensors[name]?.shape == [optimizer.m.count] else {
                throw CheckpointError(
                    path: path,
                    problem:
                        "\(name) does not fit this model (\(optimizer.m.count) parameters): the run folder belongs "
                        + "to another model"
                )
            }
        }
        try file.read("adamw.m", into: optimizer.m.pointer, count: optimizer.m.count)
        try file.read("adamw.v", into: optimizer.v.pointer, count: optimizer.v.count)
        optimizer.stepCount = step
        return progress
    }
}

extension TrainingProgress {
    /// Marks `epoch` (0-based) done, keeps the generator's state for an exact resume and, when the
    /// epoch `improved`, records `metric` as the best.
    mutating func endEpoch(_ epoch: Int, generator: RandomGenerator, metric: Double, improved: Bool) {
        epochsDone = epoch + 1
        let g = generator.state
        generatorState = [g.0, g.1, g.2, g.3]
        if improved {
            bestMetric = metric
            bestEpoch = epoch + 1
        }
    }

    /// What the start line of a run says about resuming: " (resumed after epoch N)", or for a
    /// resumed run stopped before its first epoch ended " (resumed: no epoch had completed, starting
    /// over)", or "" for a new run.
    func resumeNote(resumed: Bool) -> String {
        guard resumed else { return "" }
        return epochsDone > 0
            ? " (resumed after epoch \(epochsDone))" : " (resumed: no epoch had completed, starting over)"
    }
}
