// Weights that do not fit the model are refused before the model is built: `simba eval --weights`,
// `simba eval --checkpoint` and `simba train --resume`, each fast and naming the tensors.

import Foundation
import SimbaCLI
import SimbaCore
import SimbaModel
import SimbaSafetensors
import SimbaTestSupport
import SimbaTraining
import Testing

/// Tests/Fixtures/eval_images: a tiny image folder.
private let fixtureImages = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Fixtures/eval_images").path

/// Building simba_s at 224² takes 7 s at batch 8 in a debug build (27 s and 7 GB at batch 64 in a
/// release build); refusing its weights from the header takes milliseconds. The bound leaves room
/// for a loaded machine; batch 32 keeps a regression's memory moderate.
private let fastEnough: Duration = .seconds(10)

@Suite("Weights are checked against the model before it is built")
struct WeightsFitCommandLineTests {
    @Test("simba eval --model simba_s --weights WRONG fails at once, listing the mismatched tensors")
    func evalWeightsFailFast() throws {
        let folder = TemporaryFolder("simba-weights-fit")
        let weights = folder.file("wrong.safetensors")
        try VisionFiles.mismatchedWeights().write(to: URL(fileURLWithPath: weights))
        let (run, duration) = timedSimba([
            "eval", "--model", "simba_s", "--weights", weights, "--num-classes", "3",
            "--batch-size", "32", "--data", fixtureImages,
            "--json", folder.file("out.json")
        ])
        #expect(run.result == 1)
        #expect(duration < fastEnough)
        #expect(!folder.exists("out.json"))

        var config = VisionConfig.variant("simba_s")!
        config.numClasses = 3
        let expected = VisionModel.parameterTable(config: config).count - 1
        let more = expected - StateDictMismatch.shownPerList
        let start = ContinuousClock.now
        expectError(
            StateDictMismatch.self,
            containing: [
                weights, "missing (\(expected)): patch_embed1.", "… and \(more) more",
                "unexpected (1): bogus.weight", "wrong shape (1): head.weight (file F32 [2, 3], model F32 [3, 448])"
            ]
        ) {
            _ = try VisionCheckpoint.fromWeights(path: weights, config: config, maxBatch: 32)
        }
        #expect(duration + (ContinuousClock.now - start) < fastEnough * 2)
    }

    @Test("simba eval --checkpoint whose tensors do not fit its own metadata fails at once")
    func evalCheckpointFailsFast() throws {
        let folder = TemporaryFolder("simba-weights-fit")
        let path = folder.file("foreign.safetensors")
        var config = VisionConfig.variant("simba_s")!
        config.numClasses = 3
        let model = String(decoding: try JSONEncoder().encode(config), as: UTF8.self)
        let values = [Float](repeating: 0, count: 6)
        let bytes = values.withUnsafeBufferPointer { buffer in
            SafetensorsFile.encode(
                [(name: "head.weight", shape: [3, 2], values: buffer.baseAddress!)],
                metadata: ["task": "classify", "model": model, "class_names": "[\"a\",\"b\",\"c\"]"])
        }
        try bytes.write(to: URL(fileURLWithPath: path))
        let (run, duration) = timedSimba([
            "eval", "--checkpoint", path, "--batch-size", "32", "--data", fixtureImages
        ])
        #expect(run.result == 1)
        let start = ContinuousClock.now
        expectError(StateDictMismatch.self, containing: [path, "wrong shape (1): head.weight"]) {
            _ = try VisionCheckpoint.fromCheckpoint(path: path, maxBatch: 32)
        }
        #expect(duration + (ContinuousClock.now - start) < fastEnough * 2)
    }

    @Test("simba train --resume with a last.safetensors that does not fit the run's model is refused")
    func resumeChecksWeightsFirst() throws {
        let folder = TemporaryFolder("simba-weights-fit")
        folder.write(ForecastFiles.csv(), to: "series.csv")
        folder.write(ForecastFiles.config(epochs: 1), to: "config.yaml")
        let run = folder.file("run")
        #expect(simba(["train", "--config", folder.file("config.yaml"), "--out", run]).result == 0)
        let last = run + "/last.safetensors"
        try VisionFiles.mismatchedWeights().write(to: URL(fileURLWithPath: last))
        #expect(simba(["train", "--resume", run]).result == 1)
        let config = try Config(
            schema: .forecast, configFile: run + "/config.yaml", overrides: ["output.dir=\(run)"],
            workingDirectory: folder.path)
        expectError(
            StateDictMismatch.self,
            containing: [
                last, "missing (", "unexpected (1): bogus.weight",
                "wrong shape (1): head.weight"
            ]
        ) {
            _ = try ForecastJob.train(config: config, resume: true, log: RunLog(console: false), version: "test")
        }
    }
}
