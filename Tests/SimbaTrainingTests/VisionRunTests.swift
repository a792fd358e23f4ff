// Classification runs end to end at the job level on a tiny SiMBA and generated 32×32 PNGs:
// bit-exact reproducibility and resume, the message of every bad input, and the messages of
// evaluation on mismatched classes, mismatched weights and damaged files. No CLI here.

import Foundation
import SimbaCore
import SimbaData
import SimbaModel
import SimbaSafetensors
import SimbaTestSupport
import Testing

@testable import SimbaTraining

/// A project folder: `images/` (3 classes, 12 train and 4 val images each) and `config.yaml`.
private func project(yaml: String = VisionFiles.config()) throws -> TemporaryFolder {
    let folder = TemporaryFolder("simba-vision-test")
    try VisionFiles.makeFolder(folder.file("images"))
    folder.write(yaml, to: "config.yaml")
    return folder
}

/// The config of `folder/config.yaml` with its run folder `folder/<run>`.
private func makeConfig(_ folder: TemporaryFolder, run: String = "run", overrides: [String] = []) throws -> Config {
    try Config(
        schema: .classify, configFile: folder.file("config.yaml"),
        overrides: ["output.dir=\(folder.file(run))"] + overrides,
        workingDirectory: folder.path)
}

/// The config a resumed run reads, as `simba train --resume DIR` builds it.
private func resumeConfig(_ runFolder: String) throws -> Config {
    try Config(
        schema: .classify, configFile: runFolder + "/config.yaml", overrides: ["output.dir=\(runFolder)"],
        workingDirectory: runFolder)
}

private func train(_ config: Config, resume: Bool = false, stoppingAfter: Int? = nil) throws {
    try VisionJob.train(
        config: config, resume: resume, log: RunLog(console: false), version: "test", stoppingAfter: stoppingAfter)
}

@Suite("Vision runs: reproducibility and resume", .serialized)
struct VisionReproducibilityTests {
    @Test("The same config and seed give the same summary.csv and bit-identical weights and optimizer state")
    func sameSeedSameRun() throws {
        let folder = try project()
        try train(makeConfig(folder, run: "first"))
        try train(makeConfig(folder, run: "second"))
        let summary = try text(folder.file("first/summary.csv"))
        #expect(summary.split(separator: "\n").count == 1 + 3)
        #expect(summary == (try text(folder.file("second/summary.csv"))))
        for file in ["last.safetensors", "best.safetensors", "last.state.safetensors"] {
            #expect(
                try tensorBits(folder.file("first/" + file)) == tensorBits(folder.file("second/" + file)),
                "\(file) differs")
        }
    }

    /// Drop path, mixup, flips and crops all draw random numbers, and two loader workers race, so a
    /// resume that lost any stream or depended on timing would differ in the last bit.
    @Test("A run stopped after epoch 1 and resumed matches the run that never stopped, bit for bit")
    func resumeMatchesUninterrupted() throws {
        let folder = try project()
        try train(makeConfig(folder, run: "straight"))
        try train(makeConfig(folder, run: "stopped"), stoppingAfter: 1)
        #expect(try text(folder.file("stopped/summary.csv")).split(separator: "\n").count == 1 + 1)
        // A new process: everything rebuilt from the run folder's config.yaml and checkpoint.
        try train(resumeConfig(folder.file("stopped")), resume: true)
        #expect(try text(folder.file("straight/summary.csv")) == text(folder.file("stopped/summary.csv")))
        for file in ["last.safetensors", "best.safetensors", "last.state.safetensors"] {
            #expect(
                try tensorBits(folder.file("straight/" + file)) == tensorBits(folder.file("stopped/" + file)),
                "\(file) differs")
        }
        #expect(try text(folder.file("straight/eval_metrics.json")) == text(folder.file("stopped/eval_metrics.json")))
        #expect(try text(folder.file("stopped/log.txt")).contains("resumed after epoch 1"))
    }
}

@Suite("Vision runs: class maps")
struct VisionClassMapTests {
    @Test("data.class_map is relative to the config file's folder, fixes the class order, survives a resume")
    func classMapResolvedAndResumable() throws {
        let folder = try project(yaml: VisionFiles.config(epochs: 2, classMap: "maps/classes.txt"))
        folder.write("class_c\nclass_a\nclass_b\n", to: "maps/classes.txt")
        // Run from another working directory: the map is found next to the config, not there.
        let config = try Config(
            schema: .classify, configFile: folder.file("config.yaml"), overrides: ["output.dir=\(folder.file("run"))"],
            workingDirectory: "/")
        #expect(config.path("data.class_map") == folder.file("maps/classes.txt"))
        try train(config, stoppingAfter: 1)
        let saved = try SafetensorsFile(path: folder.file("run/last.safetensors"))
        #expect(saved.metadata["class_names"] == "[\"class_c\",\"class_a\",\"class_b\"]")
        try train(resumeConfig(folder.file("run")), resume: true)
        #expect(try text(folder.file("run/summary.csv")).split(separator: "\n").count == 1 + 2)
        // Without a map the key reads back empty from the saved config.yaml.
        let plain = try project(yaml: VisionFiles.config(epochs: 1))
        try train(makeConfig(plain))
        #expect(try resumeConfig(plain.file("run")).path("data.class_map") == "")
    }
}

@Suite("Vision runs: bad input ends with one clear message and no checkpoint")
struct VisionBadInputTests {
    @Test("Every bad input names the folder, file or key and says what to do", arguments: VisionFiles.BadInput.all)
    func badInput(_ input: VisionFiles.BadInput) throws {
        let folder = try project()
        try input.prepare(folder.path)
        do {
            try train(makeConfig(folder, overrides: input.overrides))
            Issue.record("\(input.name): the run was accepted")
        } catch {
            let message = String(describing: error)
            for fragment in input.fragments(folder.path) {
                #expect(message.contains(fragment), "'\(fragment)' not in: \(message)")
            }
        }
        expectNoCheckpoint(folder)
    }

    @Test("By default an unreadable image is skipped with a warning naming it, and the run completes")
    func unreadableImageSkipped() throws {
        let folder = try project(yaml: VisionFiles.config(epochs: 1))
        try VisionFiles.BadInput.corrupt(folder.path)
        try train(makeConfig(folder))
        #expect(folder.exists("run/best.safetensors") && folder.exists("run/eval_metrics.json"))
        let log = try text(folder.file("run/log.txt"))
        #expect(log.contains("warning: skipped \(folder.file(VisionFiles.BadInput.corruptImage))"), "\(log)")
        #expect(log.contains("unreadable images skipped"))
    }
}

@Suite("Vision evaluation: mismatched classes, weights and damaged files")
struct VisionEvaluationErrorTests {
    @Test("A checkpoint whose class names differ from the folder's is refused, naming the difference")
    func classNamesDiffer() throws {
        let folder = try project(yaml: VisionFiles.config(epochs: 1))
        try train(makeConfig(folder))
        try VisionFiles.makeFolder(
            folder.file("other"), splits: [("val", 1)], classes: ["class_a", "class_b", "class_z"])
        let checkpoint = try VisionCheckpoint.fromCheckpoint(path: folder.file("run/best.safetensors"), maxBatch: 4)
        let other = try ImageFolder(root: folder.file("other"), split: "val")
        expectError(
            CheckpointError.self,
            containing: [
                folder.file("run/best.safetensors"),
                "folders the model does not know: class_z"
            ]
        ) {
            _ = try VisionEvaluation.run(
                checkpoint: checkpoint, folder: other, transform: checkpoint.evalTransform!, batchSize: 4,
                workers: 1, log: nil)
        }
    }

    @Test("Official-style weights with missing, unexpected and mis-shaped tensors list each kind")
    func weightsMismatch() throws {
        let folder = TemporaryFolder()
        let path = folder.file("weights.safetensors")
        try VisionFiles.mismatchedWeights().write(to: URL(fileURLWithPath: path))
        var config = VisionConfig.variant("simba_s")!
        config.numClasses = 3
        config.imageSize = 32
        expectError(
            StateDictMismatch.self,
            containing: [
                path, "missing (", "unexpected (1): bogus.weight", "wrong shape (1): head.weight",
                "Check that the model options"
            ]
        ) {
            _ = try VisionCheckpoint.fromWeights(path: path, config: config, maxBatch: 1)
        }
    }

    @Test(
        "A truncated or corrupted checkpoint is refused with a message naming it and what to do",
        arguments: ["truncated", "corrupted"])
    func damagedCheckpoint(_ damage: String) throws {
        let folder = try project(yaml: VisionFiles.config(epochs: 1))
        try train(makeConfig(folder))
        let path = folder.file("run/best.safetensors")
        try VisionFiles.damage(path, truncate: damage == "truncated")
        expectError(
            CheckpointError.self,
            containing: [
                path, damage == "truncated" ? "outside the file" : "not valid JSON",
                "damaged (truncated or overwritten)", "pass another checkpoint"
            ]
        ) {
            _ = try VisionCheckpoint.fromCheckpoint(path: path, maxBatch: 4)
        }
    }
}
