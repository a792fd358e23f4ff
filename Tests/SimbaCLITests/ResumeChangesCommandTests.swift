// `simba train --resume` with config changes, through SimbaCommand.run: --epochs extends a run,
// keys that would change its results are refused by name, and an edited config.yaml is caught.

import Foundation
import SimbaTestSupport
import Testing

@testable import SimbaCLI

@Suite("simba train --resume with a changed config")
struct ResumeChangesCommandTests {
    /// A project with a finished 1-epoch run in `run`.
    private func finishedRun() throws -> TemporaryFolder {
        let folder = try VisionFiles.project()
        #expect(simba(VisionFiles.trainArguments(folder)).result == 0)
        return folder
    }

    private func summaryRows(_ folder: TemporaryFolder) throws -> Int {
        try text(folder.file("run/summary.csv")).split(separator: "\n").count - 1
    }

    @Test("--resume with --epochs trains a finished run on, and config.yaml records the new length")
    func extend() throws {
        let folder = try finishedRun()
        let run = simba(["train", "--resume", folder.file("run"), "--epochs", "2"])
        #expect(run.result == 0, "\(run.errors)")
        #expect(run.errors.contains("simba: note: resuming with optimization.epochs ('1' → '2')"), "\(run.errors)")
        #expect(try summaryRows(folder) == 2)
        #expect(try text(folder.file("run/config.yaml")).contains("  epochs: 2"))
        // The rewritten config.yaml matches the checkpoint: a plain resume has nothing left to do.
        let again = simba(["train", "--resume", folder.file("run")])
        #expect(again.result == 0, "\(again.errors)")
        #expect(!again.errors.contains("resuming with"), "\(again.errors)")
        #expect(try summaryRows(folder) == 2)
    }

    @Test("A key that would change the results is refused on --resume by name, unless allowed")
    func refusedKey() throws {
        let folder = try finishedRun()
        let run = simba(["train", "--resume", folder.file("run"), "--epochs", "2", "--lr", "0.1"])
        #expect(run.result == 2)
        #expect(run.errors.contains("optimization.lr cannot change on --resume"), "\(run.errors)")
        #expect(run.errors.contains("optimization.epochs, output.log_every, data.workers"), "\(run.errors)")
        #expect(try summaryRows(folder) == 1)
        let allowed = simba([
            "train", "--resume", folder.file("run"), "--epochs", "2", "--lr", "0.1",
            "--allow-config-change"
        ])
        #expect(allowed.result == 0, "\(allowed.errors)")
        #expect(try summaryRows(folder) == 2)
        // The flag means nothing for a new run.
        let fresh = simba(VisionFiles.trainArguments(folder, run: "fresh", ["--allow-config-change"]))
        #expect(
            fresh.result == 2 && fresh.errors.contains("--allow-config-change applies to --resume"),
            "\(fresh.errors)")
    }

    @Test("An edited config.yaml is refused naming the key; changeable keys may be edited")
    func editedConfig() throws {
        let folder = try finishedRun()
        let file = folder.file("run/config.yaml")
        let original = try text(file)
        try original.replacingOccurrences(of: "  hflip: 0.5", with: "  hflip: 0.25")
            .write(toFile: file, atomically: true, encoding: .utf8)
        let run = simba(["train", "--resume", folder.file("run"), "--epochs", "2"])
        #expect(run.result == 1)
        #expect(
            run.errors.contains(
                "config.yaml: differs from the config the run's checkpoint was trained with: "
                    + "augment.hflip ('0.5' → '0.25')"), "\(run.errors)")
        #expect(run.errors.contains("--allow-config-change"))
        #expect(try summaryRows(folder) == 1)
        try original.replacingOccurrences(of: "  log_every: 5", with: "  log_every: 2")
            .write(toFile: file, atomically: true, encoding: .utf8)
        let edited = simba(["train", "--resume", folder.file("run"), "--epochs", "2"])
        #expect(edited.result == 0, "\(edited.errors)")
        #expect(edited.errors.contains("resuming with output.log_every ('5' → '2')"), "\(edited.errors)")
    }

    @Test("--epochs below the epochs done is refused")
    func fewerEpochs() throws {
        let folder = try finishedRun()
        #expect(simba(["train", "--resume", folder.file("run"), "--epochs", "2"]).result == 0)
        let run = simba(["train", "--resume", folder.file("run"), "--epochs", "1"])
        #expect(run.result == 1)
        #expect(run.errors.contains("optimization.epochs is 1 but the run has done 2 epochs"), "\(run.errors)")
    }
}
