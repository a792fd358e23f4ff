// A run's folder: what counts as one, the lock that gives it to one run at a time, and the
// crash-consistent save and recovery of its checkpoint. What a checkpoint holds is TrainingState's.

import Foundation
import SimbaCore
import SimbaSafetensors

/// The folder of one training run: config.yaml, log.txt, summary.csv, last.safetensors,
/// last.state.safetensors, best.safetensors, the final metrics, and `.simba.lock`.
///
/// **What a run folder is.** A folder holding `.simba.lock`, the file the first `simba train` into
/// it creates (and leaves: it is both the marker and the lock), or, for runs written before that
/// file existed, `last.safetensors`. A new run (`--out DIR`) goes into a DIR that does not exist,
/// is empty, or is a run folder without a checkpoint (a run stopped before its first epoch ended);
/// it refuses a file, any other non-empty folder (simba never writes among someone else's files)
/// and a run folder with a checkpoint (continue that one with `--resume`). A resume needs a run
/// folder; one without a checkpoint (no epoch completed) starts the run over.
///
/// **One run at a time.** `open` takes an exclusive `flock` on `.simba.lock` and writes its pid
/// there; the lock is held until `close()` or the end of the process, however it ends. A second
/// `open` of the folder, by any process, is refused with the holder's pid.
///
/// **Crash-consistent checkpoints.** An epoch's checkpoint is last.state.safetensors,
/// last.safetensors, best.safetensors (when the epoch is the best so far) and summary.csv.
/// `saveCheckpoint` runs `saveSteps(best:)` in order:
///  1. stage: each file is written and fsynced into `.checkpoint-next/`;
///  2. commit: `.checkpoint-next` is renamed to `.checkpoint-commit`, one atomic rename, the commit
///     point, made durable by an fsync of the folder;
///  3. install: each file is renamed from `.checkpoint-commit/` over its place in the folder;
///  4. finish: the folder is fsynced and the empty `.checkpoint-commit` removed.
///
/// `open` recovers from a process that died anywhere in that sequence: it completes the installs a
/// `.checkpoint-commit` still holds and removes a `.checkpoint-next`. The folder then holds either
/// the previous epoch's checkpoint or the new one, each whole, and `--resume` continues from the
/// last committed epoch exactly as the uninterrupted run would have. `open` also removes the
/// `.NAME.tmp-PID` files of `AtomicFile` writes whose process is gone.
public final class RunFolder {
    public let path: String
    private let lock: FolderLock
    /// Called before each step of every checkpoint save with the epoch (1-based) and the step;
    /// tests throw from it to stand in for a process killed at that point.
    var beforeSaveStep: ((_ epoch: Int, _ step: SaveStep) throws -> Void)?

    /// The lock file, also the mark of a run folder.
    public static let lockName = ".simba.lock"
    static let stagingName = ".checkpoint-next"
    static let commitName = ".checkpoint-commit"
    static let stateName = "last.state.safetensors"
    static let weightsName = "last.safetensors"
    static let bestName = "best.safetensors"
    static let summaryName = "summary.csv"

    private init(path: String, lock: FolderLock) {
        self.path = path
        self.lock = lock
    }

    /// Opens the run folder at `path` for a new run (creating it when needed) or, with `resume`,
    /// for continuing the run in it; takes its lock and recovers an interrupted checkpoint save.
    /// Throws `CheckpointError` for a file, a foreign folder, a folder in use, a new run into a
    /// folder with a checkpoint, and a resume of a folder that is not a run.
    public static func open(path: String, resume: Bool) throws -> RunFolder {
        try claim(path, resume: resume)
        let run = RunFolder(path: path, lock: try FolderLock(folder: path, name: lockName))
        try run.recover()
        if !resume && run.hasCheckpoint {
            throw CheckpointError(
                path: path,
                problem: "already holds a run (last.safetensors); continue it with "
                    + "--resume \(path), or choose another folder with --out or --set output.dir=…")
        }
        return run
    }

    /// Checks that `path` may hold this run before anything is written there, creating it for a
    /// new run when it does not exist.
    private static func claim(_ path: String, resume: Bool) throws {
        let elsewhere = "choose another folder with --out or --set output.dir=…"
        var isFolder: ObjCBool = false
        let exists = FileManager.default.fileExists(atPath: path, isDirectory: &isFolder)
        if exists && !isFolder.boolValue {
            throw CheckpointError(path: path, problem: "is a file, not a folder; \(elsewhere)")
        }
        let entries = exists ? try listing(path) : []
        let isRun = entries.contains(lockName) || entries.contains(weightsName)
        if resume {
            guard isRun else {
                throw CheckpointError(
                    path: path,
                    problem: "no last.safetensors to resume from: not a folder a "
                        + "`simba train` run wrote; start a new run with --config")
            }
            return
        }
        guard entries.isEmpty || isRun else {
            let shown = entries.sorted().prefix(3).map { "'\(String($0.prefix(24)))'" }.joined(separator: ", ")
            let more = entries.count > 3 ? ", …" : ""
            throw CheckpointError(
                path: path,
                problem: "holds \(entries.count) entries (\(shown)\(more)) and is not a "
                    + "simba run folder; simba starts a run only in a new or empty folder: \(elsewhere)")
        }
        if !exists {
            do {
                try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            } catch {
                let reason = error.localizedDescription
                throw CheckpointError(path: path, problem: "cannot create the run folder (\(reason)); \(elsewhere)")
            }
        }
    }

    private static func listing(_ path: String) throws -> [String] {
        do {
            return try FileManager.default.contentsOfDirectory(atPath: path)
        } catch {
            throw CheckpointError(
                path: path,
                problem: "cannot list the folder (\(error.localizedDescription)); "
                    + "check its permissions or choose another with --out")
        }
    }

    /// Ends this run's hold on the folder (idempotent; the end of the process does it too).
    public func close() { lock.release() }

    public var configFile: String { path + "/config.yaml" }
    public var logFile: String { path + "/log.txt" }
    public var summaryFile: String { path + "/" + Self.summaryName }
    public var lastWeights: String { path + "/" + Self.weightsName }
    public var bestWeights: String { path + "/" + Self.bestName }
    public var lastState: String { path + "/" + Self.stateName }

    /// True when the folder holds a checkpoint a run could resume from.
    public var hasCheckpoint: Bool { FileManager.default.fileExists(atPath: lastWeights) }

    public func write(_ text: String, to file: String) throws {
        try AtomicFile.write(Data(text.utf8), to: file)
    }

    /// One step of a checkpoint save (see the type's documentation for the sequence).
    enum SaveStep: Equatable, Sendable, CustomStringConvertible {
        /// Write the file of this name into `.checkpoint-next`.
        case stage(String)
        /// Rename `.checkpoint-next` to `.checkpoint-commit`.
        case commit
        /// Rename the file of this name from `.checkpoint-commit` into the folder.
        case install(String)
        /// Sync the folder and remove the empty `.checkpoint-commit`.
        case finish

        var description: String {
            switch self {
            case .stage(let name): "stage \(name)"
            case .commit: "commit"
            case .install(let name): "install \(name)"
            case .finish: "finish"
            }
        }
    }

    /// The files of a checkpoint, in the order they are staged and installed.
    static func checkpointFiles(best: Bool) -> [String] {
        best ? [stateName, weightsName, bestName, summaryName] : [stateName, weightsName, summaryName]
    }

    /// Every step of one save, in order.
    static func saveSteps(best: Bool) -> [SaveStep] {
        let files = checkpointFiles(best: best)
        return files.map { .stage($0) } + [.commit] + files.map { .install($0) } + [.finish]
    }

    /// Saves a completed epoch: training state, last (and, when `best`, best) weights and
    /// summary.csv, committed together (see the type's documentation).
    public func saveCheckpoint(
        progress: TrainingProgress, optimizer: AdamW, store: ParameterStore, metadata: [String: String],
        best: Bool, summaryHeader: String
    ) throws {
        var meta = metadata
        meta["epoch"] = String(progress.epochsDone)
        let weights = store.encodeStateDict(metadata: meta)
        let contents: [String: Data] = [
            Self.stateName: try TrainingStateFile.encode(progress, optimizer: optimizer),
            Self.weightsName: weights, Self.bestName: weights,
            Self.summaryName: Data((([summaryHeader] + progress.summaryRows).joined(separator: "\n") + "\n").utf8)
        ]
        let staging = path + "/" + Self.stagingName, commit = path + "/" + Self.commitName
        try removeTree(staging)
        try createFolder(staging)
        for step in Self.saveSteps(best: best) {
            try beforeSaveStep?(progress.epochsDone, step)
            switch step {
            case .stage(let name): try AtomicFile.write(contents[name]!, to: staging + "/" + name)
            case .commit: try AtomicFile.move(staging, to: commit)
            case .install(let name): try AtomicFile.move(commit + "/" + name, to: path + "/" + name)
            case .finish: try removeTree(commit)
            }
        }
    }

    /// Brings the folder back to its last committed checkpoint after a process that died while
    /// saving: installs what a committed save had not yet installed, drops an uncommitted one,
    /// and removes the temporary files of writes whose process is gone.
    private func recover() throws {
        let commit = path + "/" + Self.commitName
        if FileManager.default.fileExists(atPath: commit) {
            for name in Self.checkpointFiles(best: true) {
                let staged = commit + "/" + name
                if FileManager.default.fileExists(atPath: staged) { try AtomicFile.move(staged, to: path + "/" + name) }
            }
            try removeTree(commit)
        }
        try removeTree(path + "/" + Self.stagingName)
        if let stuck = AtomicFile.removeStaleTemporaries(in: path).first {
            throw CheckpointError(
                path: path + "/" + stuck,
                problem: "cannot remove this leftover of an interrupted "
                    + "save; remove it by hand")
        }
    }

    /// Removes `target` and everything in it, if it exists.
    private func removeTree(_ target: String) throws {
        guard FileManager.default.fileExists(atPath: target) else { return }
        do {
            try FileManager.default.removeItem(atPath: target)
        } catch {
            throw CheckpointError(
                path: target,
                problem: "cannot remove this leftover of an interrupted save "
                    + "(\(error.localizedDescription)); remove it by hand")
        }
        AtomicFile.syncFolder(path)
    }

    private func createFolder(_ target: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: false)
        } catch {
            throw CheckpointError(
                path: target,
                problem: "cannot create it for the checkpoint (\(error.localizedDescription))")
        }
    }

    /// Restores the last checkpoint into `store`, `optimizer` and `generator`; returns the progress.
    public func resume(store: ParameterStore, optimizer: AdamW, generator: inout RandomGenerator) throws
        -> TrainingProgress
    {
        let weights = try SafetensorsFile(path: lastWeights)
        try store.loadStateDict(from: weights)
        let progress = try TrainingStateFile.load(from: lastState, into: optimizer)
        guard weights.metadata["epoch"] == String(progress.epochsDone) else {
            let epoch = weights.metadata["epoch"] ?? "?"
            throw CheckpointError(
                path: path,
                problem: "last.safetensors (epoch \(epoch)) and last.state.safetensors "
                    + "(epoch \(progress.epochsDone)) disagree: they were not saved "
                    + "together by simba (copied or changed by hand?), so the run cannot resume exactly; "
                    + "best.safetensors is intact")
        }
        guard progress.generatorState.count == 4 else {
            throw CheckpointError(
                path: lastState, problem: "the training state has no generator state; it was not written by this simba")
        }
        generator.state = (
            progress.generatorState[0], progress.generatorState[1], progress.generatorState[2],
            progress.generatorState[3]
        )
        return progress
    }

    /// Loads weights saved by simba (or a PyTorch state_dict) into `store`.
    public func loadWeights(_ file: String, into store: ParameterStore) throws {
        try store.loadStateDict(from: SafetensorsFile(path: file))
    }
}
