// `simba train` run folders from the command line, as separate processes: one run per folder (the
// second is refused with the first's pid, even after a kill -9 the folder is free), refused --out.

import Foundation
import SimbaCLI
import SimbaTestSupport
import SimbaTraining
import Testing

/// A project folder with `series.csv` and `config.yaml` of `epochs` epochs.
private func project(epochs: Int = 1) -> TemporaryFolder {
    let folder = TemporaryFolder("simba-cli-run-folder")
    folder.write(ForecastFiles.csv(), to: "series.csv")
    folder.write(ForecastFiles.config(epochs: epochs), to: "config.yaml")
    return folder
}

/// Every file of `path` with its bytes (top level, hidden ones too).
private func contents(_ path: String) throws -> [String: Data] {
    var files: [String: Data] = [:]
    for name in try FileManager.default.contentsOfDirectory(atPath: path) {
        files[name] = try Data(contentsOf: URL(fileURLWithPath: path + "/" + name))
    }
    return files
}

@Suite("Run folders from the command line")
struct RunFolderCommandTests {
    @Test("A second simba train into a folder in use is refused naming the first's pid; kill -9 frees the folder")
    func concurrentRunsAndKill() throws {
        let folder = project(epochs: 10_000)
        let run = folder.file("run")
        let first = try SimbaProcess(["train", "--config", folder.file("config.yaml"), "--out", run])
        defer { if first.process.isRunning { first.send(SIGKILL) } }
        #expect(first.waitUntil { first.stdout.contains("run folder: ") }, "\(first.stderr)")
        let pid = first.process.processIdentifier
        for arguments in [["--config", folder.file("config.yaml"), "--out", run], ["--resume", run]] {
            let second = try SimbaProcess(["train"] + arguments)
            #expect(second.exitStatus() == 1)
            #expect(
                second.stderr.contains("\(run): is in use by another simba run (process \(pid))"),
                "\(second.stderr)")
        }
        first.send(SIGKILL)
        first.process.waitUntilExit()
        // The lock went with the process; whatever the kill interrupted is recovered on opening.
        let reopened = try RunFolder.open(path: run, resume: true)
        reopened.close()
    }

    @Test("--out refuses a folder of someone else's files and a file, with status 1, and changes neither")
    func outRefusesForeignFolderAndFile() throws {
        let folder = project()
        folder.write("my own\n", to: "mine/config.yaml")
        folder.write("a,b\n", to: "mine/summary.csv")
        let file = folder.write("a file\n", to: "file")
        let before = try contents(folder.file("mine"))
        let foreign = try SimbaProcess(["train", "--config", folder.file("config.yaml"), "--out", folder.file("mine")])
        #expect(foreign.exitStatus() == 1)
        let refusal =
            "\(folder.file("mine")): holds 2 entries ('config.yaml', 'summary.csv') and is not a simba run folder"
        #expect(foreign.stderr.contains(refusal), "\(foreign.stderr)")
        #expect(try contents(folder.file("mine")) == before)
        let onFile = try SimbaProcess(["train", "--config", folder.file("config.yaml"), "--out", file])
        #expect(onFile.exitStatus() == 1)
        #expect(
            onFile.stderr.contains("\(file): is a file, not a folder; choose another folder with --out"),
            "\(onFile.stderr)")
        #expect(try text(file) == "a file\n")
    }

    @Test("A folder held by this process is refused to simba train with this process's pid")
    func heldByTest() throws {
        let folder = project()
        let holder = try RunFolder.open(path: folder.file("run"), resume: false)
        defer { holder.close() }
        #expect(simba(["train", "--config", folder.file("config.yaml"), "--out", folder.file("run")]).result == 1)
        let simba = try SimbaProcess(["train", "--config", folder.file("config.yaml"), "--out", folder.file("run")])
        #expect(simba.exitStatus() == 1)
        #expect(simba.stderr.contains("process \(getpid())"), "\(simba.stderr)")
        #expect(!folder.exists("run/config.yaml"))
    }
}
