// The folder of one search: what counts as one, its lock, its runs' records, search.csv (and
// search_means.csv) and the `best` link to the chosen run folder. What a run's own folder holds is RunFolder's.

import Foundation
import SimbaCore

/// The folder of a search: config.yaml (the base config with its `search`), log.txt, search.csv,
/// `best` (a relative symbolic link to the best trial's run folder), one run folder per trial (with
/// `search_seeds` or `search_folds`, one folder per trial holding one run folder per seed, or per
/// fold, or per seed a folder holding one per fold, and search_means.csv), each
/// run folder with `search_trial.json` once the run is finished, and `.simba-search.lock`.
///
/// A new search goes into a folder that does not exist or is empty; a folder holding the lock file
/// is a search, continued with `simba train --resume`. One process holds a search at a time.
final class SearchFolder {
    let path: String
    private let lock: FolderLock

    static let lockName = ".simba-search.lock"
    static let recordName = "search_trial.json"

    private init(path: String, lock: FolderLock) {
        self.path = path
        self.lock = lock
    }

    /// Opens `path` for a new search (creating it) or, with `resume`, the search in it; takes its lock.
    static func open(path: String, resume: Bool) throws -> SearchFolder {
        var isFolder: ObjCBool = false
        let exists = FileManager.default.fileExists(atPath: path, isDirectory: &isFolder)
        if exists && !isFolder.boolValue {
            throw CheckpointError(path: path, problem: "is a file, not a folder; choose another folder with --out")
        }
        let entries = exists ? ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []) : []
        let isSearch = entries.contains(lockName)
        if resume && !isSearch {
            throw CheckpointError(
                path: path,
                problem: "is not a search folder (no \(lockName)); start a search with "
                    + "--config and --search")
        }
        if !resume && isSearch {
            throw CheckpointError(
                path: path,
                problem: "already holds a search; continue it with "
                    + "`simba train --resume \(path)`, or choose another folder with --out")
        }
        if !resume && !entries.isEmpty {
            throw CheckpointError(
                path: path,
                problem: "holds \(entries.count) entries and is not a search folder; "
                    + "a search starts only in a new or empty folder: choose another with --out")
        }
        if !exists {
            do {
                try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            } catch {
                throw CheckpointError(
                    path: path,
                    problem: "cannot create the search folder "
                        + "(\(error.localizedDescription)); choose another with --out")
            }
        }
        return SearchFolder(path: path, lock: try FolderLock(folder: path, name: lockName))
    }

    func close() { lock.release() }

    var configFile: String { path + "/config.yaml" }
    var logFile: String { path + "/log.txt" }
    var tableFile: String { path + "/search.csv" }
    var meansFile: String { path + "/search_means.csv" }
    var bestLink: String { path + "/best" }

    func runPath(_ run: TrialRun) -> String { path + "/" + run.folderName }

    /// Whether the run's folder holds a run to continue (`RunFolder`'s mark), rather than nothing.
    func hasBegun(_ run: TrialRun) -> Bool {
        let folder = runPath(run)
        return FileManager.default.fileExists(atPath: folder + "/" + RunFolder.lockName)
            || FileManager.default.fileExists(atPath: folder + "/" + RunFolder.weightsName)
    }

    /// The run's record, nil when it has none (not finished); throws for a damaged one.
    func record(of run: TrialRun) throws -> TrialRecord? {
        let file = runPath(run) + "/" + Self.recordName
        guard let data = FileManager.default.contents(atPath: file) else { return nil }
        let fix = "remove it (or the run's folder) to run it again"
        guard let record = try? JSONDecoder().decode(TrialRecord.self, from: data) else {
            throw CheckpointError(path: file, problem: "is not a trial record written by simba; \(fix)")
        }
        if let problem = record.problem { throw CheckpointError(path: file, problem: "\(problem); \(fix)") }
        return record
    }

    /// Writes the run's record (creating its folder when the run failed before making it).
    func save(_ record: TrialRecord, of run: TrialRun) throws {
        let folder = runPath(run)
        if !FileManager.default.fileExists(atPath: folder) {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        }
        try AtomicFile.write(try JSONEncoder.pretty.encode(record), to: folder + "/" + Self.recordName)
    }

    /// Points `best` at `run`'s folder: a new link renamed over the old one, so `best` is always whole.
    func linkBest(_ run: TrialRun) throws {
        let temporary = path + "/.best.tmp-\(getpid())"
        unlink(temporary)
        guard symlink(run.folderName, temporary) == 0, rename(temporary, bestLink) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw CheckpointError(path: bestLink, problem: "cannot link the best trial (\(reason))")
        }
        AtomicFile.syncFolder(path)
    }
}
