// A run's folder: config.yaml, log.txt, summary.csv, last/best weights and the training state.
// Every file is written atomically, so an interrupted run never leaves a half-written one.

import Foundation
import SimbaCore

public final class RunFolder {
    public let path: String

    /// Opens (creating it if needed) the folder at `path`.
    public init(path: String) throws {
        self.path = path
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw CheckpointError(path: path, problem: "cannot create the run folder (\(error.localizedDescription)); choose another with --out")
        }
    }

    /// Opens the run folder for a new run (refusing one that already holds a checkpoint, so
    /// nothing is overwritten) or for `resume` (requiring a checkpoint).
    public static func open(path: String, resume: Bool) throws -> RunFolder {
        let run = try RunFolder(path: path)
        if resume && !run.hasCheckpoint {
            throw CheckpointError(path: path, problem: "no last.safetensors to resume from; start a new run with --config")
        }
        if !resume && run.hasCheckpoint {
            throw CheckpointError(path: path, problem: "already holds a run (last.safetensors); continue it with --resume \(path), or choose another folder with --out or --set output.dir=…")
        }
        return run
    }

    public var configFile: String { path + "/config.yaml" }
    public var logFile: String { path + "/log.txt" }
    public var summaryFile: String { path + "/summary.csv" }
    public var lastWeights: String { path + "/last.safetensors" }
    public var bestWeights: String { path + "/best.safetensors" }
    public var lastState: String { path + "/last.state.safetensors" }

    /// True when the folder holds a checkpoint a run could resume from.
    public var hasCheckpoint: Bool { FileManager.default.fileExists(atPath: lastWeights) }

    public func write(_ text: String, to file: String) throws {
        try AtomicFile.write(Data(text.utf8), to: file)
    }

    /// Saves a completed epoch: the training state, then last (and, when `best`, best) weights,
    /// then summary.csv, each atomically. The state and the weights name their epoch, so a crash
    /// between files is detected by `resume` instead of continuing from mismatched files.
    public func saveCheckpoint(
        progress: TrainingProgress, optimizer: AdamW, store: ParameterStore, metadata: [String: String],
        best: Bool, summaryHeader: String
    ) throws {
        try TrainingStateFile.save(progress, optimizer: optimizer, to: lastState)
        var meta = metadata
        meta["epoch"] = String(progress.epochsDone)
        let weights = store.encodeStateDict(metadata: meta)
        try AtomicFile.write(weights, to: lastWeights)
        if best { try AtomicFile.write(weights, to: bestWeights) }
        try write(([summaryHeader] + progress.summaryRows).joined(separator: "\n") + "\n", to: summaryFile)
    }

    /// Restores the last checkpoint into `store`, `optimizer` and `generator`; returns the progress.
    public func resume(store: ParameterStore, optimizer: AdamW, generator: inout RandomGenerator) throws -> TrainingProgress {
        let weights = try SafetensorsFile(path: lastWeights)
        try store.loadStateDict(from: weights)
        let progress = try TrainingStateFile.load(from: lastState, into: optimizer)
        guard weights.metadata["epoch"] == String(progress.epochsDone) else {
            throw CheckpointError(path: path, problem: "last.safetensors (epoch \(weights.metadata["epoch"] ?? "?")) and last.state.safetensors (epoch \(progress.epochsDone)) disagree: the run stopped while saving, so it cannot resume exactly; best.safetensors is intact")
        }
        guard progress.generatorState.count == 4 else {
            throw CheckpointError(path: lastState, problem: "the training state has no generator state; it was not written by this simba")
        }
        generator.state = (progress.generatorState[0], progress.generatorState[1], progress.generatorState[2], progress.generatorState[3])
        return progress
    }

    /// Loads weights saved by simba (or a PyTorch state_dict) into `store`.
    public func loadWeights(_ file: String, into store: ParameterStore) throws {
        try store.loadStateDict(from: SafetensorsFile(path: file))
    }
}
