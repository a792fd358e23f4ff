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

    /// Loads weights saved by simba (or a PyTorch state_dict) into `store`.
    public func loadWeights(_ file: String, into store: ParameterStore) throws {
        try store.loadStateDict(from: SafetensorsFile(path: file))
    }
}
