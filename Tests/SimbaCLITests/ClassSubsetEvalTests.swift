// `simba eval` on folders holding only some of a model's classes, through SimbaCommand.run: the
// ImageNet-1k synset order, `name index` class maps, numeric folder names, checkpoints by name.

import Foundation
import SimbaModel
import SimbaSafetensors
import SimbaTestSupport
import Testing

@testable import SimbaCLI

/// The rows of a CSV file, split on commas (the tests' paths hold none).
private func csvRows(_ path: String) throws -> [[String]] {
    try text(path).split(separator: "\n").map {
        $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
    }
}

@Suite("simba eval on a subset of the model's classes")
struct ClassSubsetEvalTests {
    /// The synset list shipped in SimbaData.
    static let synsetFile = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Sources/SimbaData/Resources/imagenet_synsets.txt").path

    /// Random simba_s weights with 1000 outputs (the layout of official ImageNet-1k weights).
    private func thousandClassWeights(_ folder: TemporaryFolder) throws -> String {
        var config = VisionConfig.variant("simba_s")!
        config.numClasses = 1000
        config.imageSize = 32
        let path = folder.file("simba_s_1k.safetensors")
        try VisionModel(config: config, maxBatch: 1, seed: 3).store.saveStateDict(to: path, metadata: ["format": "pt"])
        return path
    }

    @Test("Synset folders of 1000-class weights are scored by the ImageNet-1k order or a `name index` map")
    func imageNetSubset() throws {
        let folder = TemporaryFolder("simba-class-subset")
        let synsets = ["n01440764", "n01443537", "n15075141"]
        try VisionFiles.makeFolder(folder.file("images"), splits: [("val", 2)], classes: synsets)
        let eval = [
            "eval", "--model", "simba_s", "--weights", try thousandClassWeights(folder), "--img-size", "32",
            "--data", folder.file("images"), "--batch-size", "4"
        ]
        let run = simba(
            eval + [
                "--imagenet-classes", "--predictions", folder.file("synsets.csv"),
                "--json", folder.file("synsets.json")
            ])
        #expect(run.result == 0, "\(run.errors)")
        #expect(
            run.output.contains(
                "classes: 3 class folders (sorted byte-wise) scored against 1000 outputs by the "
                    + "ImageNet-1k synset order"), "\(run.output)")
        let rows = try csvRows(folder.file("synsets.csv")).dropFirst()
        #expect(rows.count == 6)
        #expect(rows.allSatisfy { synsets.contains($0[1]) && $0[3].split(separator: ";").count == 5 })
        // Top-5 is over all 1000 outputs: random weights rank other synsets among them.
        #expect(rows.contains { $0[3].split(separator: ";").contains { !synsets.contains(String($0)) } })
        let json = try #require(
            try JSONSerialization.jsonObject(
                with: Data(contentsOf: URL(fileURLWithPath: folder.file("synsets.json")))) as? [String: Any])
        let hits = rows.filter { $0[1] == $0[2] }.count
        #expect((json["top1"] as? NSNumber)?.doubleValue == (Double(hits) * 100 / 6 * 1000).rounded() / 1000)

        // The same outputs given as `name index` lines score the same.
        let map = folder.write("n01440764 0\nn01443537\t1\n\nn15075141 999\n", to: "map.txt")
        #expect(simba(eval + ["--class-map", map, "--predictions", folder.file("map.csv")]).result == 0)
        // Outputs the map does not name are written as their index: k stands for the k-th synset.
        let synsetList = try text(Self.synsetFile).split(separator: "\n").filter { !$0.hasPrefix("#") }.map(String.init)
        #expect(synsetList.count == 1000 && synsetList == synsetList.sorted())
        let mapped = try csvRows(folder.file("map.csv")).dropFirst().map { row in
            row.enumerated().map { column, field in
                column == 2 || column == 3
                    ? field.split(separator: ";").map { Int($0).map { synsetList[$0] } ?? String($0) }
                        .joined(separator: ";")
                    : field
            }
        }
        #expect(mapped == Array(rows))
    }

    @Test("Folders the map lacks, bad indices and a map of names that misses outputs are refused")
    func refusedMaps() throws {
        let folder = TemporaryFolder("simba-class-subset-errors")
        try VisionFiles.makeFolder(folder.file("images"), splits: [("val", 1)], classes: ["n01440764", "tabby"])
        let eval = [
            "eval", "--model", "simba_s", "--weights", try thousandClassWeights(folder), "--img-size", "32",
            "--data", folder.file("images"), "--batch-size", "2", "--json", folder.file("out.json")
        ]
        let cases: [([String], Int32, String)] = [
            (
                ["--imagenet-classes"], 1,
                "1 class folder ('tabby') not among the classes of the ImageNet-1k synset order"
            ),
            ([], 1, "the model has 1000 classes but"),
            (
                ["--class-map", folder.write("n01440764 0\ntabby 1000\n", to: "big.txt")], 1,
                "big.txt:2: index 1000 is not below the model's 1000 outputs"
            ),
            (
                ["--class-map", folder.write("n01440764 5\ntabby 5\n", to: "twice.txt")], 1,
                "twice.txt:2: index 5 is given already on line 1"
            ),
            (
                ["--class-map", folder.write("n01440764\ntabby\n", to: "names.txt")], 1,
                "the class map lists 2 names (one a line) but the model has 1000 outputs"
            ),
            (["--class-map", folder.file("names.txt"), "--imagenet-classes"], 2, "not both"),
            (["--imagenet-classes", "--num-classes", "10"], 1, "but the model has 10 outputs")
        ]
        for (extra, status, message) in cases {
            let run = simba(eval + extra)
            #expect(run.result == status, "\(extra)")
            #expect(run.errors.contains(message), "\(extra): \(run.errors)")
            #expect(!folder.exists("out.json"))
        }
    }

    @Test("Whole-number class folders sort by value; a checkpoint scores any subset of its classes by name")
    func numericFoldersAndCheckpointSubset() throws {
        let folder = try VisionFiles.project(classes: ["1", "2", "10"])
        let train = simba(VisionFiles.trainArguments(folder))
        #expect(train.result == 0, "\(train.errors)")
        #expect(train.output.contains("3 classes (class folders sorted numeric)"), "\(train.output)")
        let names = try #require(try SafetensorsFile(path: folder.file("run/best.safetensors")).metadata["class_names"])
        #expect(names == "[\"1\",\"2\",\"10\"]")
        try FileManager.default.removeItem(atPath: folder.file("images/val/1"))
        let eval = simba([
            "eval", "--checkpoint", folder.file("run"), "--data", folder.file("images"),
            "--predictions", folder.file("subset.csv")
        ])
        #expect(eval.result == 0, "\(eval.errors)")
        #expect(
            eval.output.contains(
                "classes: 2 class folders (sorted numeric) scored by name against the "
                    + "checkpoint's 3 classes"), "\(eval.output)")
        let rows = try csvRows(folder.file("subset.csv")).dropFirst()
        #expect(rows.count == 8)
        for row in rows { #expect(row[0].contains("/val/\(row[1])/"), "\(row)") }
    }
}
