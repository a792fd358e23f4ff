// Eval preprocessing settings from outside — `simba eval --mean/--std/--crop-pct`, the config keys
// data.mean/std/crop_pct and a checkpoint's eval_transform metadata — refused with one clear error.

import Foundation
import SimbaTestSupport
import Testing

@testable import SimbaCLI

/// A temporary folder with `images/` (classes class_a…c) and a 1-epoch `config.yaml`.
private func project() throws -> TemporaryFolder {
    let folder = TemporaryFolder("simba-cli-preprocessing-test")
    try VisionFiles.makeFolder(folder.file("images"))
    folder.write(VisionFiles.config(epochs: 1), to: "config.yaml")
    return folder
}

/// One refused eval option: the arguments after `simba eval --data D --checkpoint missing` and a
/// fragment of the message.
struct BadEvalOption: CustomTestStringConvertible, Sendable {
    let arguments: [String]
    let message: String
    var testDescription: String { arguments.joined(separator: " ") }
    /// The message for a std that is not three finite numbers greater than 0.
    static let positive = "must be three finite numbers greater than 0"

    static let all = [
        BadEvalOption(arguments: ["--std", "0,0,0"], message: "--std \(positive) (R,G,B), not '0,0,0'"),
        BadEvalOption(arguments: ["--std", "nan,0.2,0.2"], message: "--std \(positive)"),
        BadEvalOption(arguments: ["--std", "0.2,-0.2,0.2"], message: "--std \(positive)"),
        BadEvalOption(arguments: ["--std", "inf,0.2,0.2"], message: "--std \(positive)"),
        BadEvalOption(arguments: ["--std", "0.2,0.2"], message: "--std must be three comma-separated numbers"),
        BadEvalOption(
            arguments: ["--mean", "inf,0,0"],
            message:
                "--mean must be three finite numbers (R,G,B), not 'inf,0,0'"),
        BadEvalOption(arguments: ["--mean", "nan,0,0"], message: "--mean must be three finite numbers"),
        BadEvalOption(arguments: ["--crop-pct", "1e-9"], message: "give a crop_pct of at least 0.125"),
        BadEvalOption(arguments: ["--crop-pct", "0.1"], message: "give a crop_pct of at least 0.125"),
        BadEvalOption(arguments: ["--crop-pct", "nan"], message: "--crop-pct takes a number in (0, 1]"),
        BadEvalOption(arguments: ["--crop-pct", "2"], message: "--crop-pct takes a number in (0, 1]")
    ]
}

@Suite("Eval preprocessing settings are checked before use")
struct PreprocessingSettingsTests {
    @Test(
        "A bad --mean, --std or --crop-pct is a usage error before any checkpoint is read",
        arguments: BadEvalOption.all)
    func badEvalOption(_ bad: BadEvalOption) {
        let run = simba(["eval", "--data", "D", "--checkpoint", "missing.safetensors"] + bad.arguments)
        #expect(run.result == 2)
        #expect(run.errors.contains(bad.message), "\(run.errors)")
    }

    @Test("A std so small that pixels overflow float32 is refused with the checkpoint's transform, nothing written")
    func overflowingStd() throws {
        let folder = try project()
        #expect(simba(["train", "--config", folder.file("config.yaml"), "--out", folder.file("run")]).result == 0)
        let run = simba([
            "eval", "--checkpoint", folder.file("run"), "--data", folder.file("images"),
            "--std", "1e-40,1,1", "--json", folder.file("out.json")
        ])
        #expect(run.result == 2)
        #expect(run.errors.contains("--std") && run.errors.contains("give a larger std"), "\(run.errors)")
        #expect(!folder.exists("out.json"))
    }

    @Test(
        "data.std, data.mean and data.crop_pct out of bounds stop `simba train` before the run folder",
        arguments: [
            ("data.std=0,0,0", "data.std entry 1 must be > 0 and <= 1e+38, got '0'", "--set data.std"),
            ("data.std=[1, -1, 1]", "data.std entry 2 must be > 0 and <= 1e+38, got '-1'", "--set data.std"),
            ("data.std=1e-40,1,1", "data.std '1e-40,1.0,1.0' with mean", "config.yaml"),
            (
                "data.mean=nan,0,0", "data.mean entry 1 must be a number >= -1e+38 and <= 1e+38, got 'nan'",
                "--set data.mean"
            ),
            ("data.crop_pct=1e-9", "data.crop_pct '1e-09' would resize the shorter side", "config.yaml")
        ])
    func badConfig(_ setting: String, _ message: String, _ place: String) throws {
        let folder = try project()
        let run = simba([
            "train", "--config", folder.file("config.yaml"), "--out", folder.file("run"),
            "--set", setting
        ])
        #expect(run.result == 1)
        #expect(run.errors.contains(message) && run.errors.contains(place), "\(run.errors)")
        #expect(!folder.exists("run"))
    }

    @Test("A checkpoint whose eval_transform metadata holds std 0 is refused, nothing written")
    func badCheckpointTransform() throws {
        let folder = try project()
        #expect(simba(["train", "--config", folder.file("config.yaml"), "--out", folder.file("run")]).result == 0)
        try SafetensorsEditing.editMetadata(folder.file("run/best.safetensors")) { metadata in
            let transform = try #require(metadata["eval_transform"])
            metadata["eval_transform"] = transform.replacingOccurrences(
                of: #""std":\[[^\]]*\]"#, with: #""std":[0,0,0]"#, options: .regularExpression)
            #expect(metadata["eval_transform"] != transform)
        }
        let run = simba([
            "eval", "--checkpoint", folder.file("run"), "--data", folder.file("images"),
            "--json", folder.file("out.json")
        ])
        #expect(run.result == 1)
        #expect(
            run.errors.contains("eval_transform metadata is unusable: std \(BadEvalOption.positive)"),
            "\(run.errors)")
        #expect(!folder.exists("out.json"))
    }

    @Test("A checkpoint whose eval_transform metadata is malformed is refused, not replaced by defaults")
    func malformedCheckpointTransform() throws {
        let folder = try project()
        #expect(simba(["train", "--config", folder.file("config.yaml"), "--out", folder.file("run")]).result == 0)
        try SafetensorsEditing.editMetadata(folder.file("run/best.safetensors")) { metadata in
            let transform = try #require(metadata["eval_transform"])
            metadata["eval_transform"] = transform.replacingOccurrences(
                of: #""std":\[[^\]]*\]"#, with: #""std":[1,1]"#, options: .regularExpression)
            #expect(metadata["eval_transform"] != transform)
        }
        let run = simba([
            "eval", "--checkpoint", folder.file("run"), "--data", folder.file("images"),
            "--json", folder.file("out.json")
        ])
        #expect(run.result == 1)
        #expect(
            run.errors.contains("eval_transform metadata") && run.errors.contains("is not {img_size"),
            "\(run.errors)")
        #expect(!folder.exists("out.json"))
    }
}
