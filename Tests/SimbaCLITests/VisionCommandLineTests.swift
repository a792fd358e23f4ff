// `simba train` (task: classify) and `simba eval` through SimbaCommand.run on a tiny SiMBA and
// generated 32×32 PNGs: exit statuses, no checkpoint after bad input, eval's JSON and predictions
// files, --class-map and --strict, and refused checkpoints and weights.

import Foundation
import SimbaCore
import SimbaTestSupport
import SimbaTraining
import Testing

@testable import SimbaCLI

/// A temporary folder with `images/` (classes class_a…c, 12 train and 4 val images each) and
/// `config.yaml` (1 epoch unless `yaml` says otherwise).
private func project(yaml: String = VisionFiles.config(epochs: 1)) throws -> TemporaryFolder {
    let folder = TemporaryFolder("simba-cli-vision-test")
    try VisionFiles.makeFolder(folder.file("images"))
    folder.write(yaml, to: "config.yaml")
    return folder
}

/// `simba train --config config.yaml --out <run>` in `folder`; returns the exit status.
private func trainCommand(_ folder: TemporaryFolder, run: String = "run", _ extra: [String] = []) -> Int32 {
    simba(["train", "--config", folder.file("config.yaml"), "--out", folder.file(run)] + extra).result
}

/// The rows of a CSV file, split on commas (the tests' paths hold none).
private func csvRows(_ path: String) throws -> [[String]] {
    try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map {
        $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
    }
}

/// Tests/Fixtures/eval_images: val/class_a (2 images), class_b (1), class_c (1).
private let fixtureImages = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Fixtures/eval_images").path

@Suite("simba train (classify) from the command line")
struct VisionTrainCommandLineTests {
    @Test("Bad input exits non-zero and writes no checkpoint", arguments: VisionFiles.BadInput.all)
    func badInput(_ input: VisionFiles.BadInput) throws {
        let folder = try project()
        try input.prepare(folder.path)
        #expect(trainCommand(folder, input.overrides.flatMap { ["--set", $0] }) == 1)
        expectNoCheckpoint(folder)
    }

    @Test("An unreadable image is skipped by default: the run completes and its log names the file")
    func unreadableImageSkipped() throws {
        let folder = try project()
        try VisionFiles.BadInput.corrupt(folder.path)
        #expect(trainCommand(folder) == 0)
        #expect(folder.exists("run/best.safetensors"))
        let log = try String(contentsOfFile: folder.file("run/log.txt"), encoding: .utf8)
        #expect(log.contains("warning: skipped \(folder.file(VisionFiles.BadInput.corruptImage))"), "\(log)")
    }
}

@Suite("simba eval from the command line")
struct VisionEvalCommandLineTests {
    @Test("simba eval writes the JSON result and one prediction row per image")
    func jsonAndPredictions() throws {
        let folder = try project()
        #expect(trainCommand(folder) == 0)
        let eval = ["eval", "--checkpoint", folder.file("run"), "--data", fixtureImages, "--batch-size", "3"]
        // A missing output folder is refused before the evaluation runs.
        #expect(simba(eval + ["--json", folder.file("out/result.json")]).result == 2)
        #expect(simba(eval + ["--predictions", folder.file("out/predictions.csv")]).result == 2)
        try FileManager.default.createDirectory(atPath: folder.file("out"), withIntermediateDirectories: true)
        let status = simba(
            eval + ["--json", folder.file("out/result.json"), "--predictions", folder.file("out/predictions.csv")]
        ).result
        #expect(status == 0)

        let json = try JSONSerialization.jsonObject(
            with: Data(contentsOf: URL(fileURLWithPath: folder.file("out/result.json"))))
        let result = try #require(json as? [String: Any])
        #expect(
            Set(result.keys) == [
                "model", "top1", "top1_err", "top5", "top5_err", "param_count", "img_size", "crop_pct", "interpolation"
            ])
        #expect(result["model"] as? String == "run", "a run folder's checkpoint is named after the folder")
        let top1 = try #require((result["top1"] as? NSNumber)?.doubleValue),
            top1Err = try #require((result["top1_err"] as? NSNumber)?.doubleValue)
        #expect([0, 25, 50, 75, 100].contains(top1), "4 images: top-1 \(top1)")
        #expect(abs(top1 + top1Err - 100) < 1e-9)
        // Three classes: the true class is always among the top five.
        #expect((result["top5"] as? NSNumber)?.doubleValue == 100)
        #expect((result["top5_err"] as? NSNumber)?.doubleValue == 0)
        #expect(((result["param_count"] as? NSNumber)?.doubleValue ?? 0) > 0)
        #expect((result["img_size"] as? NSNumber)?.intValue == 32)
        #expect((result["crop_pct"] as? NSNumber)?.doubleValue == 1)
        #expect(result["interpolation"] as? String == "bilinear")

        let rows = try csvRows(folder.file("out/predictions.csv"))
        #expect(rows.first == ["filename", "label", "top1", "top5_classes", "top5_probabilities"])
        let names = ["class_a/a0.png", "class_a/a1.png", "class_b/b0.png", "class_c/c0.png"]
        try #require(rows.count == 1 + names.count)
        var hits = 0
        for (row, name) in zip(rows.dropFirst(), names) {
            #expect(row.count == 5)
            #expect(row[0] == fixtureImages + "/val/" + name)
            #expect(row[1] == String(name.prefix(7)))
            let classes = row[3].split(separator: ";").map(String.init)
            #expect(Set(classes) == Set(VisionFiles.classNames) && classes.first == row[2])
            let probabilities = row[4].split(separator: ";").compactMap { Double($0) }
            #expect(probabilities.count == 3 && probabilities == probabilities.sorted(by: >))
            #expect(abs(probabilities.reduce(0, +) - 1) < 1e-4)
            if row[1] == row[2] { hits += 1 }
        }
        #expect(Double(hits) * 25 == top1, "the predictions' top-1 hits disagree with the JSON's top-1")
    }

    @Test("A checkpoint trained with a class map keeps its classes: eval matches folders by name, map or not")
    func classMap() throws {
        let folder = try project(yaml: VisionFiles.config(epochs: 1, classMap: "classes.txt"))
        let map = folder.write("class_c\nclass_a\nclass_b\n", to: "classes.txt")
        #expect(trainCommand(folder) == 0)
        let eval = ["eval", "--checkpoint", folder.file("run"), "--data", folder.file("images")]
        // The folders sort in another order than the map's: the checkpoint's names decide, with or without it.
        #expect(simba(eval + ["--predictions", folder.file("sorted.csv")]).result == 0)
        #expect(simba(eval + ["--class-map", map, "--predictions", folder.file("mapped.csv")]).result == 0)
        let rows = try csvRows(folder.file("mapped.csv"))
        #expect(rows.count == 1 + 12)
        #expect(try csvRows(folder.file("sorted.csv")) == rows)
        for row in rows.dropFirst() {
            // Labels come from the folders, named through the checkpoint.
            #expect(row[0].contains("/val/" + row[1] + "/"), "\(row)")
        }
        // A map that disagrees with the checkpoint's classes is refused.
        let bad = folder.write("class_a\nclass_b\nclass_c\n", to: "bad.txt")
        #expect(simba(eval + ["--class-map", bad]).result == 1)
    }

    @Test("An unreadable image is skipped by default and stops the evaluation with --strict")
    func strict() throws {
        let folder = try project()
        #expect(trainCommand(folder) == 0)
        try Data("not a PNG".utf8).write(to: URL(fileURLWithPath: folder.file("images/val/class_a/class_a_1.png")))
        let eval = ["eval", "--checkpoint", folder.file("run"), "--data", folder.file("images")]
        #expect(simba(eval + ["--predictions", folder.file("lenient.csv")]).result == 0)
        let rows = try csvRows(folder.file("lenient.csv"))
        #expect(rows.count == 1 + 11)
        #expect(!rows.contains { $0[0].hasSuffix("class_a_1.png") })
        #expect(simba(eval + ["--strict", "--predictions", folder.file("strict.csv")]).result == 1)
        #expect(!folder.exists("strict.csv"))
    }

    @Test("--help lists --class-map and --strict; misused, they are usage errors")
    func help() {
        #expect(EvalCommand.help.contains("--class-map FILE") && EvalCommand.help.contains("--strict "))
        #expect(simba(["eval", "--help"]).result == 0)
        #expect(simba(["eval", "--class-map"]).result == 2)
        #expect(simba(["eval", "--strict=yes"]).result == 2)
    }

    @Test("A checkpoint whose classes differ from the folder's is refused")
    func classNamesDiffer() throws {
        let folder = try project()
        #expect(trainCommand(folder) == 0)
        try VisionFiles.makeFolder(
            folder.file("other"), splits: [("val", 1)], classes: ["class_a", "class_b", "class_z"])
        #expect(
            simba([
                "eval", "--checkpoint", folder.file("run"), "--data", folder.file("other"),
                "--json", folder.file("out.json")
            ]).result == 1)
        #expect(!folder.exists("out.json"))
    }

    @Test("--model simba_s --weights with tensors that do not fit is refused")
    func weightsMismatch() throws {
        let folder = try project()
        try VisionFiles.mismatchedWeights().write(to: URL(fileURLWithPath: folder.file("weights.safetensors")))
        #expect(
            simba([
                "eval", "--model", "simba_s", "--weights", folder.file("weights.safetensors"), "--num-classes", "3",
                "--img-size", "32", "--batch-size", "1", "--data", folder.file("images"),
                "--json", folder.file("out.json")
            ]).result == 1)
        #expect(!folder.exists("out.json"))
    }

    @Test("A truncated or corrupted checkpoint is refused", arguments: ["truncated", "corrupted"])
    func damagedCheckpoint(_ damage: String) throws {
        let folder = try project()
        #expect(trainCommand(folder) == 0)
        try VisionFiles.damage(folder.file("run/best.safetensors"), truncate: damage == "truncated")
        #expect(
            simba([
                "eval", "--checkpoint", folder.file("run/best.safetensors"), "--data", folder.file("images"),
                "--json", folder.file("out.json")
            ]).result == 1)
        #expect(!folder.exists("out.json"))
    }
}
