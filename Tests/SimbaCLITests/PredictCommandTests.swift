// `simba predict` through SimbaCommand.run on a tiny SiMBA trained for one epoch and generated PNGs:
// inputs (files, folders, list files), --topk, CSV and JSON lines, --logits, unreadable files,
// usage errors, and the same top-k as `simba eval` on the same images.

import Foundation
import SimbaCore
import SimbaModel
import SimbaSafetensors
import SimbaTestSupport
import SimbaTraining
import Testing

@testable import SimbaCLI

/// A temporary folder with `images/` (class_a…c, 4 train and 2 val images each) and `run/`, a
/// checkpoint trained on it for one epoch by `simba train`.
private func trainedProject(sourceLocation: SourceLocation = #_sourceLocation) throws -> TemporaryFolder {
    let folder = TemporaryFolder("simba-predict-test")
    try VisionFiles.makeFolder(folder.file("images"), splits: [("train", 4), ("val", 2)])
    folder.write(VisionFiles.config(epochs: 1), to: "config.yaml")
    try #require(
        simba(["train", "--config", folder.file("config.yaml"), "--out", folder.file("run")]).result == 0,
        sourceLocation: sourceLocation)
    return folder
}

/// Writes a 32×32 PNG of class colour `classIndex` to `name` inside `folder` (creating sub-folders).
private func writeImage(_ folder: TemporaryFolder, _ name: String, classIndex: Int = 0, image: Int = 0) throws {
    let path = folder.file(name)
    try FileManager.default.createDirectory(
        atPath: (path as NSString).deletingLastPathComponent,
        withIntermediateDirectories: true)
    let rgb = VisionFiles.pixels(size: 32, classIndex: classIndex, image: image)
    let png = VisionFiles.png(width: 32, height: 32, rgb: rgb)
    try png.write(to: URL(fileURLWithPath: path))
}

/// `simba predict --checkpoint <folder>/run ARGS…` with standard error captured.
private func predict(_ folder: TemporaryFolder, _ arguments: [String]) -> CapturedOutput<Int32> {
    simba(["predict", "--checkpoint", folder.file("run")] + arguments)
}

/// The rows of a CSV file without its header, split on commas (the tests' paths hold none).
private func csvRows(_ path: String) throws -> (header: String, rows: [[String]]) {
    let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
    let rows = lines.dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
    return (lines.first ?? "", rows)
}

/// The header for `k` classes a row.
private func header(_ k: Int) -> String {
    let columns = ["label", "index", "prob"].flatMap { name in (0..<k).map { "\(name)_\($0)" } }
    return (["filename"] + columns).joined(separator: ",")
}

/// Checks one CSV row of `k` classes of the model trained on VisionFiles.classNames: names match
/// indices, probabilities are best first and at most 1 in total (exactly 1 when k is every class).
private func expectWellFormed(_ row: [String], k: Int, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(row.count == 1 + 3 * k, "\(row)", sourceLocation: sourceLocation)
    guard row.count == 1 + 3 * k else { return }
    let names = Array(row[1...k]), indices = row[(1 + k)...(2 * k)].compactMap { Int($0) }
    let probabilities = row[(1 + 2 * k)...].compactMap { Double($0) }
    #expect(indices.count == k && Set(indices).count == k, sourceLocation: sourceLocation)
    #expect(names == indices.map { VisionFiles.classNames[$0] }, sourceLocation: sourceLocation)
    #expect(probabilities.count == k && probabilities == probabilities.sorted(by: >), sourceLocation: sourceLocation)
    let total = probabilities.reduce(0, +)
    #expect(k == 3 ? abs(total - 1) < 1e-4 : total < 1, "\(total)", sourceLocation: sourceLocation)
}

@Suite("simba predict: inputs and output")
struct PredictInputTests {
    @Test("A single image file: one row on standard output after the CSV header")
    func singleFile() throws {
        let folder = try trainedProject()
        let image = folder.file("images/val/class_b/class_b_1.png")
        let run = predict(folder, [image])
        #expect(run.result == 0, "\(run.errors)")
        let lines = run.output.split(separator: "\n").map(String.init)
        #expect(lines.contains(header(3)))
        let rows = lines.filter { $0.hasPrefix(image + ",") }
        try #require(rows.count == 1, "\(run.output)")
        expectWellFormed(rows[0].split(separator: ",").map(String.init), k: 3)
        #expect(run.errors.contains("predicted 1 images"))
    }

    @Test("A flat folder: its image files by extension in byte order; other and hidden files ignored")
    func flatFolder() throws {
        let folder = try trainedProject()
        for name in ["flat/c.png", "flat/a.PNG", "flat/b.jpg", "flat/.hidden.png"] { try writeImage(folder, name) }
        folder.write("not an image", to: "flat/notes.md")
        #expect(predict(folder, [folder.file("flat"), "--out", folder.file("p.csv")]).result == 0)
        let (head, rows) = try csvRows(folder.file("p.csv"))
        #expect(head == header(3))
        // b.jpg holds PNG bytes: the decoder goes by the bytes.
        #expect(rows.map { $0[0] } == ["a.PNG", "b.jpg", "c.png"].map { folder.file("flat/" + $0) })
        for row in rows { expectWellFormed(row, k: 3) }
    }

    @Test("A nested folder of any layout: every image below it, sorted by path; a link loop ends")
    func nestedFolder() throws {
        let folder = try trainedProject()
        for name in ["tree/x/2.png", "tree/x/y/1.png", "tree/a.png", "tree/x/10.png"] { try writeImage(folder, name) }
        try FileManager.default.createSymbolicLink(atPath: folder.file("tree/x/loop"), withDestinationPath: "..")
        let run = predict(folder, [folder.file("tree"), "--out", folder.file("p.csv")])
        #expect(run.result == 0, "\(run.errors)")
        let rows = try csvRows(folder.file("p.csv")).rows
        #expect(rows.map { $0[0] } == ["a.png", "x/10.png", "x/2.png", "x/y/1.png"].map { folder.file("tree/" + $0) })
        #expect(
            run.errors.contains("skipped \(folder.file("tree/x/loop")): the folder was listed already"),
            "\(run.errors)")
    }

    @Test("List files (FILE.txt or @FILE): lines in order, relative to the list, folders expanded")
    func listFile() throws {
        let folder = try trainedProject()
        for name in ["flat/b.png", "flat/a.png"] { try writeImage(folder, name) }
        let single = folder.file("images/val/class_c/class_c_0.png")
        folder.write(
            "# predicted in this order\n../images/val/class_c/class_c_1.png\n\n  ../flat  \n\(single)\n",
            to: "lists/list.txt")
        folder.write("../images/val/class_a/class_a_0.png\n", to: "lists/names.lst")
        let run = predict(
            folder,
            [
                folder.file("lists/list.txt"), "@" + folder.file("lists/names.lst"),
                "--out", folder.file("p.csv")
            ])
        #expect(run.result == 0, "\(run.errors)")
        let lists = folder.file("lists/")
        #expect(
            try csvRows(folder.file("p.csv")).rows.map { $0[0] } == [
                lists + "../images/val/class_c/class_c_1.png", lists + "../flat/a.png", lists + "../flat/b.png", single,
                lists + "../images/val/class_a/class_a_0.png"
            ])
        // Lists do not nest.
        folder.write("other.txt\n", to: "lists/nested.txt")
        folder.write("@names.lst\n", to: "lists/nested2.txt")
        for list in ["lists/nested.txt", "lists/nested2.txt"] {
            let nested = predict(folder, [folder.file(list)])
            #expect(nested.result == 1)
            #expect(nested.errors.contains("\(folder.file(list)):1:") && nested.errors.contains("lists do not nest"))
        }
    }

    @Test("--topk: 5 by default but at most the class count; more than the classes is a usage error")
    func topkBounds() throws {
        let folder = try trainedProject()
        let images = folder.file("images/val")
        #expect(predict(folder, [images, "--out", folder.file("default.csv")]).result == 0)
        #expect(try csvRows(folder.file("default.csv")).header == header(3))
        #expect(predict(folder, [images, "--topk", "1", "--out", folder.file("one.csv")]).result == 0)
        let (head, rows) = try csvRows(folder.file("one.csv"))
        #expect(head == header(1) && rows.count == 6)
        for row in rows { expectWellFormed(row, k: 1) }
        let tooMany = predict(folder, [images, "--topk", "4", "--out", folder.file("four.csv")])
        #expect(tooMany.result == 2)
        #expect(tooMany.errors.contains("--topk 4 is more than the model's 3 classes"), "\(tooMany.errors)")
        #expect(!folder.exists("four.csv"))
    }

    @Test("JSON lines by --format or a .jsonl name: filename, label, index and prob lists, best first")
    func jsonLines() throws {
        let folder = try trainedProject()
        let images = folder.file("images/val")
        #expect(predict(folder, [images, "--topk", "2", "--out", folder.file("p.jsonl")]).result == 0)
        #expect(
            predict(folder, [images, "--topk", "2", "--format", "jsonl", "--out", folder.file("p.out")])
                .result == 0)
        #expect(predict(folder, [images, "--topk", "2", "--out", folder.file("p.csv")]).result == 0)
        let csv = try csvRows(folder.file("p.csv")).rows
        for name in ["p.jsonl", "p.out"] {
            let lines = try text(folder.file(name)).split(separator: "\n")
            try #require(lines.count == csv.count)
            for (line, row) in zip(lines, csv) {
                let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
                #expect(Set(object.keys) == ["filename", "label", "index", "prob"])
                #expect(object["filename"] as? String == row[0])
                #expect(object["label"] as? [String] == Array(row[1...2]))
                #expect(object["index"] as? [Int] == row[3...4].compactMap { Int($0) })
                #expect(object["prob"] as? [Double] == row[5...6].compactMap { Double($0) })
            }
        }
    }

    @Test(
        "--logits FILE.npy and FILE.safetensors: (images, classes) float32 rows in the order of FILE.paths.txt",
        arguments: ["npy", "safetensors"])
    func logitsFile(_ format: String) throws {
        let folder = try trainedProject()
        let logits = folder.file("out/logits.\(format)")
        try FileManager.default.createDirectory(atPath: folder.file("out"), withIntermediateDirectories: true)
        let run = predict(
            folder,
            [
                folder.file("images"), "--batch-size", "5", "--logits", logits,
                "--out", folder.file("out/p.csv")
            ])
        #expect(run.result == 0, "\(run.errors)")
        let rows = try csvRows(folder.file("out/p.csv")).rows
        #expect(rows.count == 18)
        let paths = try text(folder.file("out/logits.paths.txt")).split(separator: "\n").map(String.init)
        #expect(paths == rows.map { $0[0] })
        let values: [Float]
        if format == "npy" {
            let bytes = try Data(contentsOf: URL(fileURLWithPath: logits))
            let headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
            #expect(bytes.prefix(6) == Data([0x93] + Array("NUMPY".utf8)) && (10 + headerLength) % 64 == 0)
            let dictionary = String(decoding: bytes[10..<(10 + headerLength)], as: UTF8.self)
            #expect(dictionary.contains("'descr': '<f4'") && dictionary.contains("'shape': (18, 3)"), "\(dictionary)")
            #expect(bytes.count == 10 + headerLength + 18 * 3 * 4)
            values = bytes[(10 + headerLength)...].withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        } else {
            let file = try SafetensorsFile(path: logits)
            #expect(file.names == ["logits"])
            #expect(file.header.tensors["logits"]?.shape == [18, 3])
            #expect(file.metadata["class_names"] == "[\"class_a\",\"class_b\",\"class_c\"]")
            #expect(file.metadata["paths"] == "logits.paths.txt")
            values = try file.floats("logits")
        }
        try #require(values.count == 18 * 3)
        for (i, row) in rows.enumerated() {
            let logitsRow = Array(values[(3 * i)..<(3 * i + 3)])
            #expect(logitsRow.firstIndex(of: logitsRow.max()!) == Int(row[4]), "row \(i): \(logitsRow) vs \(row)")
        }
    }
}

@Suite("simba predict: unreadable files and refused options")
struct PredictRefusalTests {
    @Test("An unreadable image is listed and skipped; with --strict it stops the run and nothing is written")
    func unreadable() throws {
        let folder = try trainedProject()
        for name in ["mixed/a.png", "mixed/c.png"] { try writeImage(folder, name) }
        folder.write("not a PNG", to: "mixed/b.png")
        let lenient = predict(folder, [folder.file("mixed"), "--out", folder.file("p.csv")])
        #expect(lenient.result == 0)
        #expect(
            try csvRows(folder.file("p.csv")).rows.map { $0[0] }
                == [folder.file("mixed/a.png"), folder.file("mixed/c.png")])
        #expect(
            lenient.errors.contains("warning: skipped \(folder.file("mixed/b.png")): not a PNG or JPEG"),
            "\(lenient.errors)")
        #expect(lenient.errors.contains("1 unreadable images skipped"))

        let strict = predict(
            folder,
            [
                folder.file("mixed"), "--strict", "--out", folder.file("strict.csv"),
                "--logits", folder.file("strict.npy")
            ])
        #expect(strict.result == 1)
        #expect(strict.errors.contains("cannot decode image \(folder.file("mixed/b.png"))"), "\(strict.errors)")
        for name in ["strict.csv", "strict.npy", "strict.paths.txt"] { #expect(!folder.exists(name), "\(name)") }
        let left = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.contains(".tmp-") }
        #expect(left.isEmpty, "temporary files left: \(left)")

        // Nothing readable at all is an error too.
        let none = predict(folder, [folder.file("mixed/b.png"), "--out", folder.file("none.csv")])
        #expect(none.result == 1 && none.errors.contains("none of the 1 images could be read"))
        #expect(!folder.exists("none.csv"))
    }

    @Test("A missing input or a folder without images is an error naming it")
    func missingInput() throws {
        let folder = try trainedProject()
        let missing = predict(folder, [folder.file("nowhere.png")])
        #expect(missing.result == 1 && missing.errors.contains("nowhere.png': no such file or folder"))
        try FileManager.default.createDirectory(atPath: folder.file("empty"), withIntermediateDirectories: true)
        let empty = predict(folder, [folder.file("empty")])
        #expect(empty.result == 1 && empty.errors.contains("\(folder.file("empty")): no .jpeg/.jpg/.png file"))
    }

    static let usageErrors: [(arguments: [String], message: String)] = [
        ([], "needs at least one INPUT"),
        (["--topk", "0", "IMAGES"], "--topk of `simba predict` takes a whole number"),
        (["--format", "xml", "IMAGES"], "--format must be csv or jsonl"),
        (["--out", "FOLDER/missing/p.csv", "IMAGES"], "does not exist; create it first"),
        (["--out", "FOLDER/p.txt", "IMAGES"], "cannot tell the format from its extension"),
        (["--out", "FOLDER", "--format", "csv", "IMAGES"], "is a folder; give a file name"),
        (["--logits", "FOLDER/l.bin", "IMAGES"], "must end in .npy or .safetensors"),
        (["--logits", "FOLDER/l.npy", "--out", "FOLDER/l.paths.txt", "--format", "csv", "IMAGES"], "would overwrite"),
        (["--class-map", "FOLDER/classes.txt", "IMAGES"], "drop --class-map"),
        (["--model", "simba_s", "IMAGES"], "not both"),
        (["--batch-size", "0", "IMAGES"], "--batch-size of `simba predict` takes a whole number"),
        (["--workers", "0", "IMAGES"], "--workers of `simba predict` takes a whole number"),
        (["--img-size", "0", "IMAGES"], "--img-size of `simba predict` takes a whole number"),
        (["--crop-pct", "2", "IMAGES"], "--crop-pct takes a number in (0, 1]"),
        (["--data", "IMAGES"], "unknown option '--data'"),
        (["-k", "3", "IMAGES"], "options start with two dashes")
    ]

    @Test(
        "Bad options are usage errors (status 2) with one clear message, before any model is loaded",
        arguments: usageErrors)
    func usageError(_ arguments: [String], _ message: String) throws {
        let folder = TemporaryFolder("simba-predict-usage")
        try writeImage(folder, "images/a.png")
        let resolved = arguments.map {
            $0.replacingOccurrences(of: "IMAGES", with: folder.file("images"))
                .replacingOccurrences(of: "FOLDER", with: folder.path)
        }
        // The checkpoint does not exist: every refusal must come before it is read.
        let run = simba(["predict", "--checkpoint", folder.file("no-run")] + resolved)
        #expect(run.result == 2, "\(run.errors)")
        #expect(run.errors.contains(message), "\(run.errors)")
        #expect(run.errors.split(separator: "\n").filter { $0.hasPrefix("simba: ") }.count == 1)
    }

    @Test("No classifier named, and --help")
    func noClassifierAndHelp() throws {
        let folder = TemporaryFolder("simba-predict-usage")
        try writeImage(folder, "a.png")
        let run = simba(["predict", folder.file("a.png")])
        #expect(run.result == 2 && run.errors.contains("needs --checkpoint FILE, or --model NAME with --weights FILE"))
        #expect(simba(["predict", "--help"]).result == 0)
        let options = ["--checkpoint RUN", "--topk K", "--format F", "--out FILE", "--logits FILE", "--strict", "@FILE"]
        for option in options {
            #expect(PredictCommand.help.contains(option), "\(option)")
        }
        #expect(SimbaCommand.usage.contains("predict "))
    }
}

@Suite("simba predict: official-layout weights and agreement with eval")
struct PredictModelTests {
    @Test("--model --weights: class names are the indices, or a --class-map's names; a map of another size is refused")
    func modelAndWeights() throws {
        let folder = TemporaryFolder("simba-predict-weights")
        try writeImage(folder, "images/a.png")
        var config = VisionConfig.variant("simba_s")!
        config.numClasses = 3
        config.imageSize = 32
        try VisionModel(config: config, maxBatch: 1, seed: 3).store.encodeStateDict(metadata: [:])
            .write(to: URL(fileURLWithPath: folder.file("w.safetensors")))
        let base = [
            "predict", "--model", "simba_s", "--weights", folder.file("w.safetensors"), "--num-classes", "3",
            "--img-size", "32", "--batch-size", "1", folder.file("images")
        ]
        #expect(simba(base + ["--out", folder.file("indices.csv")]).result == 0)
        let indices = try csvRows(folder.file("indices.csv")).rows
        try #require(indices.count == 1)
        #expect(indices[0][1...3] == indices[0][4...6], "names are the indices: \(indices[0])")

        let map = folder.write("cat\ndog\nfox\n", to: "classes.txt")
        #expect(simba(base + ["--class-map", map, "--out", folder.file("named.csv")]).result == 0)
        let named = try csvRows(folder.file("named.csv")).rows
        #expect(named[0][1...3].map { $0 } == named[0][4...6].map { ["cat", "dog", "fox"][Int($0)!] })
        #expect(named[0][4...] == indices[0][4...], "the map renames, the numbers stay")

        let short = folder.write("cat\ndog\n", to: "short.txt")
        let refused = simba(base + ["--class-map", short, "--out", folder.file("short.csv")])
        #expect(
            refused.result == 1 && refused.errors.contains("lists 2 names (one a line) but the model has 3 outputs"))
        #expect(!folder.exists("short.csv"))
    }

    @Test("predict and eval give the same top classes and probabilities (to the printed 5 decimals)")
    func sameAsEval() throws {
        let folder = try trainedProject()
        #expect(
            simba([
                "eval", "--checkpoint", folder.file("run"), "--data", folder.file("images"),
                "--batch-size", "4", "--predictions", folder.file("eval.csv")
            ]).result == 0)
        #expect(
            predict(folder, [folder.file("images/val"), "--batch-size", "4", "--out", folder.file("predict.csv")])
                .result == 0)
        let eval = try csvRows(folder.file("eval.csv")).rows, predicted = try csvRows(folder.file("predict.csv")).rows
        try #require(eval.count == 6 && predicted.count == 6)
        for (e, p) in zip(eval, predicted) {
            #expect(e[0] == p[0])
            #expect(e[3].split(separator: ";").map(String.init) == Array(p[1...3]), "\(e) vs \(p)")
            #expect(e[4].split(separator: ";").map(String.init) == Array(p[7...9]), "\(e) vs \(p)")
        }
    }
}

@Suite("simba predict: signals")
struct PredictSignalTests {
    @Test("Ctrl-C stops simba predict between batches with 130; neither --out nor --logits is written")
    func ctrlC() throws {
        let folder = try trainedProject()
        let simba = try SimbaProcess([
            "predict", "--checkpoint", folder.file("run"), folder.file("images"),
            "--batch-size", "1", "--out", folder.file("p.csv"),
            "--logits", folder.file("l.npy")
        ])
        try #require(simba.waitForSignalHandlers(), "simba installed no handlers: \(simba.stderr)")
        simba.send(SIGINT)
        #expect(simba.exitStatus() == 130, "\(simba.stderr)")
        #expect(simba.stderr.contains("simba: prediction stopped by SIGINT; nothing was written"), "\(simba.stderr)")
        let written = try FileManager.default.contentsOfDirectory(atPath: folder.path)
            .filter { $0.hasPrefix("p.") || $0.hasPrefix("l.") || $0.contains(".tmp-") }
        #expect(written.isEmpty, "\(written)")
    }
}
