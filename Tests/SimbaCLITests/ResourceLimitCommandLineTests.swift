// Sizes that once crashed simba, through SimbaCommand.run: huge --set values, models or batches that
// cannot fit in memory, checkpoints whose model metadata is huge, YAML nested thousands deep.

import Foundation
import SimbaCLI
import SimbaModel
import SimbaTestSupport
import SimbaTraining
import Testing

/// A forecasting project: `series.csv` and a 1-epoch `config.yaml` (tiny SiMBA-TS).
private func forecastProject() -> TemporaryFolder {
    let folder = TemporaryFolder("simba-limits-test")
    folder.write(ForecastFiles.csv(), to: "series.csv")
    folder.write(ForecastFiles.config(epochs: 1), to: "config.yaml")
    return folder
}

/// `simba train --config config.yaml --out run` plus `extra`.
private func train(_ folder: TemporaryFolder, _ extra: [String] = []) -> Int32 {
    simba(["train", "--config", folder.file("config.yaml"), "--out", folder.file("run")] + extra).result
}

/// Rewrites the `"model"` metadata of the safetensors file at `path` by `edit` (on the header text),
/// keeping the header's length field and 8-byte padding consistent.
private func editModelMetadata(_ path: String, _ edit: (String) -> String) throws {
    let data = try Data(contentsOf: URL(fileURLWithPath: path))
    let length = data.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
    let header = String(decoding: data[8..<8 + length], as: UTF8.self).trimmingCharacters(in: .whitespaces)
    let edited = edit(header)
    #expect(edited != header, "the edit changed nothing in \(path)")
    var bytes = Array(edited.utf8)
    while bytes.count % 8 != 0 { bytes.append(UInt8(ascii: " ")) }
    var out = Data((0..<8).map { UInt8(truncatingIfNeeded: bytes.count >> (8 * $0)) })
    out.append(contentsOf: bytes)
    out.append(data[(8 + length)...])
    try out.write(to: URL(fileURLWithPath: path))
}

@Suite("Sizes from outside are bounded before anything is allocated")
struct ResourceLimitCommandLineTests {
    /// The overrides that segfaulted `simba train`: each exits 1 and leaves no run folder.
    @Test(arguments: [
        "optimization.batch_size=1000000000", "model.d_model=1000000", "model.d_state=100000000",
        "model.mlp_ratio=100000000", "data.seq_len=1000000000000"
    ])
    func hugeOverride(_ override: String) throws {
        let folder = forecastProject()
        #expect(train(folder, ["--set", override]) == 1)
        #expect(!folder.exists("run"))
        let key = String(override.prefix { $0 != "=" })
        expectError(ConfigError.self, containing: [key, "must be >= "]) {
            _ = try Config(schema: .forecast, configFile: folder.file("config.yaml"), overrides: [override])
        }
    }

    @Test("A model or batch too large for the machine is refused with the estimate, before the run folder exists")
    func tooLargeForMemory() throws {
        let folder = forecastProject()
        let overrides = ["--set", "model.d_model=8192", "--set", "optimization.batch_size=65536"]
        #expect(train(folder, overrides) == 1)
        #expect(!folder.exists("run"))
        var model = TimeSeriesConfig(seqLen: 16, predLen: 8, variates: 3)
        model.dModel = 8192
        expectError(
            MemoryError.self,
            containing: [
                "at batch 65536 needs about", "(optimization.batch_size drives it)",
                "this machine has", "lower optimization.batch_size to "
            ]
        ) {
            try MemoryBudget.check(
                model, batch: 65536, training: true, batchSetting: "optimization.batch_size",
                sizeSettings: "model.*")
        }
    }

    @Test("The refusal names the size settings when even one sample does not fit, and the largest batch that does")
    func budgetMessages() throws {
        let model = VisionConfig.variant("simba_s")!
        let one = MemoryEstimate.vision(model, batch: 1, training: true).bytes
        expectError(MemoryError.self, containing: ["even at batch 1", "model.* drive it", "choose a smaller model"]) {
            try MemoryBudget.check(
                model, batch: 8, training: true, batchSetting: "optimization.batch_size",
                sizeSettings: "model.*", available: one / 2)
        }
        let ten = MemoryEstimate.vision(model, batch: 10, training: true).bytes
        expectError(MemoryError.self, containing: ["at batch 64 needs about", "lower --batch-size to 10 or less"]) {
            try MemoryBudget.check(
                model, batch: 64, training: true, batchSetting: "--batch-size",
                sizeSettings: "model.*", available: ten + 1)
        }
        let fits = try MemoryBudget.check(
            model, batch: 10, training: true, batchSetting: "--batch-size",
            sizeSettings: "model.*", available: ten + 1)
        #expect(fits.bytes == ten)
        #expect(MemoryBudget.availableBytes().map { $0 > 0 } ?? true)
    }

    @Test("Results whose size the data decides (logits, forecasts) are refused when they cannot fit")
    func resultsTooLargeForMemory() throws {
        let what = "the logits of 1281167 images × 1000 classes"
        expectError(
            MemoryError.self,
            containing: [
                what + " need about 5.1 GB", "has 1.0 GB available",
                "evaluate the folder in parts"
            ]
        ) {
            try MemoryBudget.require(
                bytes: 4 * 1_281_167 * 1000, for: what, advice: "evaluate the folder in parts",
                available: 1e9)
        }
        try MemoryBudget.require(bytes: 1e9, for: what, advice: "", available: 1e9)
    }

    @Test("simba train for images refuses a batch that cannot fit, writing nothing")
    func visionBatchTooLarge() throws {
        let folder = TemporaryFolder("simba-limits-vision-test")
        try VisionFiles.makeFolder(folder.file("images"))
        folder.write(VisionFiles.config(epochs: 1), to: "config.yaml")
        let status = simba([
            "train", "--config", folder.file("config.yaml"), "--out", folder.file("run"),
            "--set", "data.img_size=4096", "--set", "optimization.batch_size=65536"
        ]).result
        #expect(status == 1)
        #expect(!folder.exists("run"))
    }

    @Test("A forecasting checkpoint whose metadata says dModel 1e9 or seqLen 1e12 is refused naming the file and field")
    func hugeForecastCheckpointMetadata() throws {
        let folder = forecastProject()
        #expect(train(folder) == 0)
        let best = folder.file("run/best.safetensors")
        let original = try Data(contentsOf: URL(fileURLWithPath: best))
        for (field, value, fragment) in [
            ("dModel", "1000000000", "d_model 1000000000"), ("seqLen", "1e12", "seq_len"),
            ("dState", "100000000", "d_state 100000000")
        ] {
            try original.write(to: URL(fileURLWithPath: best))
            try editModelMetadata(best) {
                $0.replacingOccurrences(of: #"\"\#(field)\":"#, with: #"\"\#(field)\":\#(value),\"unused\":"#)
            }
            let forecast = ["forecast", "--checkpoint", folder.file("run"), "--out", folder.file("out")]
            #expect(simba(forecast).result == 1)
            #expect(!folder.exists("out/metrics.json"))
            expectError(CheckpointError.self, containing: [best, fragment]) {
                _ = try ForecastCheckpoint(path: folder.file("run"), maxBatch: 4, workingDirectory: folder.path)
            }
        }
    }

    @Test("A classification checkpoint whose metadata says embed dims 1e9 is refused by simba eval")
    func hugeVisionCheckpointMetadata() throws {
        let folder = TemporaryFolder("simba-limits-vision-test")
        try VisionFiles.makeFolder(folder.file("images"))
        folder.write(VisionFiles.config(epochs: 1), to: "config.yaml")
        #expect(simba(["train", "--config", folder.file("config.yaml"), "--out", folder.file("run")]).result == 0)
        let best = folder.file("run/best.safetensors")
        try editModelMetadata(best) { $0.replacingOccurrences(of: #"\"dState\":4"#, with: #"\"dState\":100000000"#) }
        let eval = ["eval", "--checkpoint", best, "--data", folder.file("images"), "--json", folder.file("result.json")]
        #expect(simba(eval).result == 1)
        #expect(!folder.exists("result.json"))
        expectError(CheckpointError.self, containing: [best, "d_state 100000000 must be from 1 to 1024"]) {
            _ = try VisionCheckpoint.fromCheckpoint(path: best, maxBatch: 4)
        }
    }

    @Test("simba eval refuses --batch-size 1000000000 (a usage error); a batch beyond memory gets the estimate")
    func evalHugeBatch() throws {
        let folder = TemporaryFolder("simba-limits-vision-test")
        try VisionFiles.makeFolder(folder.file("images"))
        folder.write(VisionFiles.config(epochs: 1), to: "config.yaml")
        #expect(simba(["train", "--config", folder.file("config.yaml"), "--out", folder.file("run")]).result == 0)
        let best = folder.file("run/best.safetensors")
        let refused = simba([
            "eval", "--checkpoint", best, "--data", folder.file("images"), "--batch-size", "1000000000"
        ])
        #expect(refused.result == 2)
        #expect(refused.errors.contains("--batch-size"), "\(refused.errors)")
        expectError(MemoryError.self, containing: ["at batch 1000000000", "(--batch-size drives it)"]) {
            _ = try VisionCheckpoint.fromCheckpoint(path: best, maxBatch: 1_000_000_000)
        }
    }

    @Test("simba info and simba eval --model refuse model sizes beyond the bounds as usage errors")
    func hugeModelOptions() {
        #expect(simba(["info", "--model", "simba_s", "--num-classes", "1000000000"]).result == 2)
        #expect(
            simba([
                "eval", "--model", "simba_s", "--weights", "none.safetensors", "--data", "none",
                "--img-size", "1000000000"
            ]).result == 2)
    }

    @Test("A config nested 5,000 deep exits 1 without a crash and writes nothing")
    func deepYAML() throws {
        let folder = forecastProject()
        folder.write(
            "data:\n  path: series.csv\nmodel:\n  d_model: " + String(repeating: "[", count: 5000)
                + String(repeating: "]", count: 5000) + "\n", to: "config.yaml")
        #expect(train(folder) == 1)
        let mapping = (0..<5000).map { String(repeating: " ", count: $0) + "a:" }.joined(separator: "\n")
        folder.write(mapping, to: "config.yaml")
        #expect(train(folder) == 1)
        #expect(!folder.exists("run"))
    }
}
