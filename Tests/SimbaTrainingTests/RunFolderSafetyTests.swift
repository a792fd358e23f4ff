// Run folders under faults at the job level: the lock, refused output folders, stale temporary
// files, a checkpoint save cut short before each of its steps. Signals are InterruptedRunTests'.

import Foundation
import SimbaCore
import SimbaTestSupport
import Testing

@testable import SimbaTraining

/// Stands in for a process killed at the point the hook throws it.
private struct InjectedCrash: Error {}

/// A project folder with `series.csv` and `config.yaml` (the tiny forecasting config).
private func project() -> TemporaryFolder {
    let folder = TemporaryFolder("simba-run-safety")
    folder.write(ForecastFiles.csv(), to: "series.csv")
    folder.write(ForecastFiles.config(), to: "config.yaml")
    return folder
}

/// The project's config writing into `folder/<run>`.
private func config(_ folder: TemporaryFolder, run: String = "run") throws -> Config {
    try Config(
        schema: .forecast, configFile: folder.file("config.yaml"), overrides: ["output.dir=\(folder.file(run))"],
        workingDirectory: folder.path)
}

/// The config a resumed run reads, as `simba train --resume DIR` builds it.
private func resumeConfig(_ runFolder: String) throws -> Config {
    try Config(
        schema: .forecast, configFile: runFolder + "/config.yaml", overrides: ["output.dir=\(runFolder)"],
        workingDirectory: runFolder)
}

private func train(_ config: Config, resume: Bool = false, control: RunControl = RunControl()) throws {
    _ = try ForecastJob.train(
        config: config, resume: resume, log: RunLog(isTerminal: false, console: false),
        version: "test", control: control)
}

/// Every file of `path` (recursively, hidden ones too) with its bytes.
private func snapshot(_ path: String) throws -> [String: Data] {
    var files: [String: Data] = [:]
    for name in FileManager.default.subpaths(atPath: path) ?? [] {
        var isFolder: ObjCBool = false
        _ = FileManager.default.fileExists(atPath: path + "/" + name, isDirectory: &isFolder)
        if !isFolder.boolValue { files[name] = try Data(contentsOf: URL(fileURLWithPath: path + "/" + name)) }
    }
    return files
}

/// A pid that no process has: that of a child that has exited and been reaped.
private func deadPid() throws -> Int32 {
    let child = Process()
    child.executableURL = URL(fileURLWithPath: "/bin/true")
    try child.run()
    child.waitUntilExit()
    return child.processIdentifier
}

@Suite("Run folders: one run at a time")
struct RunFolderLockTests {
    @Test("A second open of a folder in use is refused, naming the holder's pid; it is free again once closed")
    func secondOpenRefused() throws {
        let folder = TemporaryFolder()
        let path = folder.file("run")
        let holder = try RunFolder.open(path: path, resume: false)
        #expect(try text(path + "/" + RunFolder.lockName) == "\(getpid())\n")
        for resume in [false, true] {
            let fragments = [path, "in use by another simba run", "process \(getpid())", "kill \(getpid())"]
            expectError(CheckpointError.self, containing: fragments) {
                _ = try RunFolder.open(path: path, resume: resume)
            }
        }
        holder.close()
        try RunFolder.open(path: path, resume: false).close()
    }

    @Test("A training run into a folder in use is refused before it writes anything")
    func trainIntoFolderInUse() throws {
        let folder = project()
        let holder = try RunFolder.open(path: folder.file("run"), resume: false)
        defer { holder.close() }
        let before = try snapshot(folder.file("run"))
        expectError(CheckpointError.self, containing: ["in use by another simba run", "process \(getpid())"]) {
            try train(config(folder))
        }
        #expect(try snapshot(folder.file("run")) == before)
        #expect(before.keys.sorted() == [RunFolder.lockName])
    }
}

@Suite("Run folders: output folders that are refused or accepted")
struct RunFolderOutputTests {
    @Test("A non-empty folder that is not a run is refused and left untouched, whatever it holds")
    func foreignFolderRefused() throws {
        let folder = project()
        folder.write("my own config\n", to: "mine/config.yaml")
        folder.write("my,own\n1,2\n", to: "mine/summary.csv")
        let before = try snapshot(folder.file("mine"))
        let fragments = [
            folder.file("mine"), "holds 2 entries", "'config.yaml'", "'summary.csv'",
            "is not a simba run folder", "--out"
        ]
        expectError(CheckpointError.self, containing: fragments) {
            try train(config(folder, run: "mine"))
        }
        #expect(try snapshot(folder.file("mine")) == before)
        expectError(CheckpointError.self, containing: ["is not a simba run folder"]) {
            _ = try RunFolder.open(path: "/", resume: false)
        }
        #expect(!FileManager.default.fileExists(atPath: "/" + RunFolder.lockName))
    }

    @Test("A path that is a file is refused for a new run and for a resume, and the file is unchanged")
    func fileRefused() throws {
        let folder = project()
        let file = folder.write("not a folder\n", to: "run")
        for resume in [false, true] {
            expectError(CheckpointError.self, containing: [file, "is a file, not a folder", "--out"]) {
                _ = try RunFolder.open(path: file, resume: resume)
            }
        }
        #expect(try text(file) == "not a folder\n")
    }

    @Test("A resume of a folder no run wrote is refused without writing there")
    func resumeOfForeignFolderRefused() throws {
        let folder = project()
        folder.write("x\n", to: "mine/notes.txt")
        expectError(CheckpointError.self, containing: [folder.file("mine"), "no last.safetensors", "--config"]) {
            _ = try RunFolder.open(path: folder.file("mine"), resume: true)
        }
        #expect(try snapshot(folder.file("mine")).keys.sorted() == ["notes.txt"])
    }

    @Test("An empty folder and a run folder without a checkpoint (a run that failed at its start) take a new run")
    func emptyAndCheckpointlessRunFoldersAccepted() throws {
        let folder = project()
        try FileManager.default.createDirectory(atPath: folder.file("empty"), withIntermediateDirectories: true)
        try RunFolder.open(path: folder.file("empty"), resume: false).close()
        let started = try RunFolder.open(path: folder.file("started"), resume: false)
        try started.write("old\n", to: started.logFile)
        started.close()
        try train(config(folder, run: "started"))
        #expect(folder.exists("started/last.safetensors"))
    }
}

@Suite("Run folders: leftovers of killed saves")
struct RunFolderLeftoverTests {
    @Test("Opening a run folder removes temporary files whose writer is gone and an uncommitted save, keeps others")
    func staleTemporaryFilesRemoved() throws {
        let folder = project()
        try train(config(folder), control: RunControl(stoppingAfter: 1))
        let dead = try deadPid(), live = getppid()
        let checkpointSized = String(repeating: "x", count: try snapshot(folder.file("run"))["last.safetensors"]!.count)
        folder.write(checkpointSized, to: "run/.last.safetensors.tmp-\(dead)")
        folder.write("epoch", to: "run/.summary.csv.tmp-\(dead)")
        folder.write(checkpointSized, to: "run/\(RunFolder.stagingName)/last.safetensors")
        folder.write("in progress", to: "run/.notes.txt.tmp-\(live)")
        try train(resumeConfig(folder.file("run")), resume: true, control: RunControl(stoppingAfter: 2))
        #expect(!folder.exists("run/.last.safetensors.tmp-\(dead)"))
        #expect(!folder.exists("run/.summary.csv.tmp-\(dead)"))
        #expect(!folder.exists("run/\(RunFolder.stagingName)"))
        #expect(folder.exists("run/.notes.txt.tmp-\(live)"), "a file another live process may be writing was removed")
    }

    @Test("Temporary file names are recognised with their writer's pid, and nothing else is")
    func temporaryNames() {
        #expect(AtomicFile.temporaryWriter(of: ".last.safetensors.tmp-1234") == 1234)
        let own = URL(fileURLWithPath: AtomicFile.temporaryPath(for: "/a/b.csv")).lastPathComponent
        #expect(AtomicFile.temporaryWriter(of: own) == getpid())
        let others = [
            "last.safetensors", ".tmp-12", "x.tmp-12", ".x.tmp-", ".x.tmp-12a", ".x.tmp-99999999999",
            ".simba.lock"
        ]
        for name in others {
            #expect(AtomicFile.temporaryWriter(of: name) == nil, "\(name)")
        }
    }
}

/// The uninterrupted run every cut-short one is compared with, trained once.
private let reference: Result<TemporaryFolder, Error> = Result {
    let folder = project()
    try train(config(folder, run: "straight"))
    return folder
}

@Suite("Run folders: a checkpoint save cut short at any step")
struct CheckpointSaveFaultTests {
    /// Every (epoch, step) of the saves of epochs 1 (no checkpoint before it) and 2 (one before it).
    /// Both epochs improve validation in the tiny config, so their saves include best.safetensors.
    static let cuts: [(epoch: Int, step: RunFolder.SaveStep)] =
        [1, 2].flatMap { epoch in RunFolder.saveSteps(best: true).map { (epoch, $0) } }

    @Test(
        "A run killed before any step of a save resumes from the last committed epoch, bit for bit",
        arguments: cuts.map { "\($0.epoch): \($0.step)" })
    func killedDuringSave(_ cut: String) throws {
        let (epoch, step) = Self.cuts.first { "\($0.epoch): \($0.step)" == cut }!
        let straight = try reference.get()
        let folder = project()
        let run = folder.file("run")
        var seen: [RunFolder.SaveStep] = []
        let control = RunControl(beforeSaveStep: { e, s in
            if e == epoch { seen.append(s) }
            if e == epoch && s == step { throw InjectedCrash() }
        })
        #expect(throws: InjectedCrash.self) { try train(config(folder), control: control) }
        #expect(seen.last == step, "the save of epoch \(epoch) never reached \(step); steps seen: \(seen)")

        let steps = RunFolder.saveSteps(best: true)
        let committed = steps.firstIndex(of: step)! > steps.firstIndex(of: .commit)!
        let lastComplete = committed ? epoch : epoch - 1
        // A new run into the folder is refused exactly when there is a committed checkpoint to lose.
        if lastComplete > 0 {
            expectError(CheckpointError.self, containing: ["already holds a run", "--resume"]) {
                try train(config(folder))
            }
        }
        try train(resumeConfig(run), resume: true)
        let log = try text(run + "/log.txt")
        let resumed = lastComplete > 0 ? "(resumed after epoch \(lastComplete))" : "(resumed: no epoch had completed"
        #expect(log.contains(resumed))
        #expect(try text(straight.file("straight/summary.csv")) == text(run + "/summary.csv"))
        for file in ["last.safetensors", "best.safetensors", "last.state.safetensors"] {
            #expect(
                try tensorBits(straight.file("straight/" + file)) == tensorBits(run + "/" + file),
                "\(file) differs")
        }
        let leftovers = try snapshot(run).keys.filter { $0.hasPrefix(".checkpoint") || $0.contains(".tmp-") }
        #expect(leftovers.isEmpty, "left behind: \(leftovers)")
    }
}
