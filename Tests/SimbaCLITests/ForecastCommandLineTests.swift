// `simba train` and `simba forecast` through SimbaCommand.run on a tiny SiMBA-TS: exit statuses,
// no checkpoint after bad input, refused folders and options, foreign and damaged checkpoints, --future.

import Foundation
import SimbaCLI
import SimbaCore
import SimbaSafetensors
import SimbaTestSupport
import SimbaTraining
import Testing

/// A temporary folder with `series.csv` and `config.yaml` (1 epoch unless `yaml` says otherwise).
private func project(csv: String = ForecastFiles.csv(), yaml: String = ForecastFiles.config(epochs: 1))
    -> TemporaryFolder
{
    let folder = TemporaryFolder("simba-cli-test")
    folder.write(csv, to: "series.csv")
    folder.write(yaml, to: "config.yaml")
    return folder
}

/// `simba train --config config.yaml --out <run>` in `folder`; returns the exit status.
private func trainCommand(_ folder: TemporaryFolder, run: String = "run", _ extra: [String] = []) -> Int32 {
    simba(["train", "--config", folder.file("config.yaml"), "--out", folder.file(run)] + extra).result
}

private func contents(_ folder: TemporaryFolder, _ names: [String]) throws -> [Data] {
    try names.map { try Data(contentsOf: URL(fileURLWithPath: folder.file($0))) }
}

/// One bad input for `simba train`.
struct BadTrainInput: CustomTestStringConvertible, Sendable {
    let name: String
    let csv: String
    let yaml: String
    var testDescription: String { name }

    init(_ name: String, csv: String = ForecastFiles.csv(), yaml: String = ForecastFiles.config(epochs: 1)) {
        self.name = name
        self.csv = csv
        self.yaml = yaml
    }

    static func cell(_ row: Int, _ column: Int, _ text: String) -> String {
        ForecastFiles.csv { r, c in r == row && c == column ? text : nil }
    }

    static let all: [BadTrainInput] = [
        BadTrainInput("missing data file", yaml: ForecastFiles.config(data: "missing.csv", epochs: 1)),
        BadTrainInput(
            "no date column",
            csv: ForecastFiles.csv().replacingOccurrences(of: "date,a,b,OT", with: "time,a,b,OT"),
            yaml: ForecastFiles.config(epochs: 1)
                .replacingOccurrences(of: "target: OT", with: "target: OT\n  date_column: date")),
        BadTrainInput(
            "unparseable date",
            csv: ForecastFiles.csv().replacingOccurrences(of: "2021-03-01 05:00:00", with: "yesterday")),
        BadTrainInput("non-numeric cell", csv: cell(10, 1, "abc")),
        BadTrainInput("empty cell", csv: cell(3, 0, "")),
        BadTrainInput("NaN value", csv: cell(20, 2, "nan")),
        BadTrainInput("Inf value", csv: cell(20, 2, "-Infinity")),
        BadTrainInput(
            "unknown target",
            yaml: ForecastFiles.config(epochs: 1).replacingOccurrences(of: "target: OT", with: "target: oil")),
        BadTrainInput("fewer rows than L+H in a split", csv: ForecastFiles.csv(rows: 60)),
        BadTrainInput("constant column", csv: ForecastFiles.csv { _, c in c == 0 ? "1" : nil }),
        BadTrainInput(
            "fractional batch size",
            yaml: ForecastFiles.config(epochs: 1).replacingOccurrences(of: "batch_size: 16", with: "batch_size: 32.5")),
        BadTrainInput("dropout out of range", yaml: ForecastFiles.config(epochs: 1, dropout: "1.5")),
        BadTrainInput("unknown config key", yaml: ForecastFiles.config(epochs: 1, extra: "output:\n  log_evry: 5")),
        BadTrainInput(
            "batch larger than the training split",
            yaml: ForecastFiles.config(epochs: 1).replacingOccurrences(of: "batch_size: 16", with: "batch_size: 1000")),
        BadTrainInput("non-finite loss", yaml: ForecastFiles.config(epochs: 1, lr: "1e30"))
    ]
}

@Suite("simba train from the command line")
struct TrainCommandLineTests {
    @Test("Bad input exits non-zero and writes no checkpoint", arguments: BadTrainInput.all)
    func badInput(_ input: BadTrainInput) {
        let folder = project(csv: input.csv, yaml: input.yaml)
        #expect(trainCommand(folder) != 0)
        expectNoCheckpoint(folder)
    }

    @Test("A new run into a folder that holds a checkpoint is refused and changes nothing")
    func newRunIntoCheckpointFolder() throws {
        let folder = project()
        #expect(trainCommand(folder) == 0)
        let names = [
            "run/last.safetensors", "run/best.safetensors", "run/last.state.safetensors", "run/summary.csv",
            "run/config.yaml"
        ]
        let before = try contents(folder, names)
        #expect(trainCommand(folder, ["--set", "optimization.lr=0.01"]) == 1)
        #expect(try contents(folder, names) == before)
    }

    @Test("--resume of a folder without a checkpoint is refused")
    func resumeWithoutCheckpoint() throws {
        let folder = project()
        // Not a run folder at all.
        try FileManager.default.createDirectory(atPath: folder.file("empty"), withIntermediateDirectories: true)
        #expect(simba(["train", "--resume", folder.file("empty")]).result == 2)
        expectNoCheckpoint(folder, run: "empty")
        // A config.yaml but no checkpoint.
        folder.write(ForecastFiles.config(data: folder.file("series.csv"), epochs: 1), to: "half/config.yaml")
        #expect(simba(["train", "--resume", folder.file("half")]).result == 1)
        expectNoCheckpoint(folder, run: "half")
    }

    @Test("--resume combined with --set, --config or --out is refused")
    func resumeWithOverrides() throws {
        let folder = project()
        #expect(trainCommand(folder) == 0)
        let names = ["run/last.safetensors", "run/summary.csv"]
        let before = try contents(folder, names)
        #expect(simba(["train", "--resume", folder.file("run"), "--set", "optimization.lr=0.1"]).result == 2)
        #expect(
            simba(["train", "--resume", folder.file("run"), "--config", folder.file("config.yaml")]).result == 2)
        #expect(simba(["train", "--resume", folder.file("run"), "--out", folder.file("other")]).result == 2)
        #expect(try contents(folder, names) == before)
        #expect(!folder.exists("other"))
    }
}

@Suite("simba forecast from the command line")
struct ForecastCommandLineTests {
    @Test("--future writes future.csv continuing the file's step with finite values; metrics.json has the five metrics")
    func future() throws {
        let rows = 200
        let folder = project(csv: ForecastFiles.csv(rows: rows))
        #expect(trainCommand(folder) == 0)
        #expect(
            simba([
                "forecast", "--checkpoint", folder.file("run"), "--future", "--inverse", "--out", folder.file("out")
            ]).result == 0)

        let lines = try String(contentsOfFile: folder.file("out/future.csv"), encoding: .utf8).split(separator: "\n")
        #expect(lines.first == "date,a,b,OT")
        #expect(lines.count == 1 + 8)
        let lastRow = ForecastFiles.timestamp(1_614_556_800 + Int64(rows - 1) * 3600)
        let next = ForecastFiles.timestamp(1_614_556_800 + Int64(rows) * 3600)
        #expect(lastRow == "2021-03-09 07:00:00")
        for (t, line) in lines.dropFirst().enumerated() {
            let cells = line.split(separator: ",", omittingEmptySubsequences: false)
            #expect(cells.count == 4)
            #expect(String(cells[0]) == ForecastFiles.timestamp(1_614_556_800 + Int64(rows + t) * 3600))
            for cell in cells.dropFirst() {
                let value = Double(cell)
                #expect(value != nil && value!.isFinite, "future value '\(cell)'")
            }
        }
        #expect(lines.dropFirst().first.map { String($0.prefix(19)) } == next)

        let metrics = try JSONSerialization.jsonObject(
            with: Data(contentsOf: URL(fileURLWithPath: folder.file("out/metrics.json"))))
        let report = try #require(metrics as? [String: Any])
        for scale in ["standardised", "original_units"] {
            let values = try #require(report[scale] as? [String: Double], "metrics.json lacks \(scale)")
            #expect(Set(values.keys) == ["mse", "mae", "rmse", "mape", "mspe"])
            #expect(values.values.allSatisfy { $0.isFinite }, "\(values)")
        }
        #expect(folder.exists("out/predictions.safetensors"))
    }

    @Test("A checkpoint whose tensors do not fit its model is refused with StateDictMismatch")
    func foreignCheckpoint() throws {
        let folder = project()
        #expect(trainCommand(folder, run: "small") == 0)
        #expect(trainCommand(folder, run: "wide", ["--set", "model.d_model=12"]) == 0)
        // The small run's metadata (config, model, scaler) with the wide run's tensors.
        let small = try SafetensorsFile(path: folder.file("small/best.safetensors"))
        let wide = try SafetensorsFile(path: folder.file("wide/best.safetensors"))
        var values: [Float] = []
        var offsets: [Int] = []
        for name in wide.names {
            offsets.append(values.count)
            values += try wide.floats(name)
        }
        let bytes = values.withUnsafeBufferPointer { buffer in
            SafetensorsFile.encode(
                wide.names.enumerated().map { i, name in
                    (name: name, shape: wide.tensors[name]!.shape, values: buffer.baseAddress! + offsets[i])
                }, metadata: small.metadata)
        }
        let mixed = folder.file("mixed.safetensors")
        try bytes.write(to: URL(fileURLWithPath: mixed))

        #expect(simba(["forecast", "--checkpoint", mixed, "--out", folder.file("out")]).result == 1)
        #expect(!folder.exists("out/metrics.json"))
        do {
            _ = try ForecastCheckpoint(path: mixed, maxBatch: 4, workingDirectory: folder.path)
            Issue.record("a checkpoint that does not fit its model was accepted")
        } catch let error as StateDictMismatch {
            let message = String(describing: error)
            #expect(
                message.contains(mixed) && message.contains("does not fit the model")
                    && message.contains("wrong shape"), "\(message)")
        }
    }

    @Test(
        "A truncated or corrupted weights file is refused with a message naming it",
        arguments: ["truncated", "corrupted"])
    func damagedCheckpoint(_ damage: String) throws {
        let folder = project()
        #expect(trainCommand(folder) == 0)
        var bytes = try Data(contentsOf: URL(fileURLWithPath: folder.file("run/best.safetensors")))
        if damage == "truncated" {
            bytes = bytes.prefix(bytes.count - 100)
        } else {
            for i in 8..<40 { bytes[i] = 0xFF }
        }
        try bytes.write(to: URL(fileURLWithPath: folder.file("run/best.safetensors")))

        #expect(simba(["forecast", "--checkpoint", folder.file("run"), "--out", folder.file("out")]).result == 1)
        #expect(!folder.exists("out/metrics.json"))
        do {
            _ = try ForecastCheckpoint(path: folder.file("run"), maxBatch: 4, workingDirectory: folder.path)
            Issue.record("a \(damage) checkpoint was accepted")
        } catch let error as CheckpointError {
            let message = String(describing: error)
            #expect(message.contains(folder.file("run/best.safetensors")), "\(message)")
            #expect(message.contains(damage == "truncated" ? "outside the file" : "not valid JSON"), "\(message)")
            #expect(
                message.contains("the file is damaged") && message.contains("pass another checkpoint"), "\(message)")
        }
    }
}
