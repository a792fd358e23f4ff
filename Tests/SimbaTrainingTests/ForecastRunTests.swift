// Forecast runs end to end at the job level on a tiny SiMBA-TS: bit-exact reproducibility and
// resume, non-finite losses, refused folders and the message of every bad input. No CLI here.

import Foundation
import SimbaCore
import SimbaData
import SimbaTestSupport
import Testing

@testable import SimbaTraining

/// A config file `config.yaml` in `folder` with `yaml`, its run folder `folder/<run>`.
private func makeConfig(
    _ folder: TemporaryFolder, _ yaml: String = ForecastFiles.config(), run: String = "run",
    overrides: [String] = []
) throws -> Config {
    let file = folder.write(yaml, to: "config.yaml")
    return try Config(
        schema: .forecast, configFile: file, overrides: ["output.dir=\(folder.file(run))"] + overrides,
        workingDirectory: folder.path)
}

/// The config a resumed run reads, as `simba train --resume DIR` builds it.
private func resumeConfig(_ runFolder: String, overrides: [String] = []) throws -> Config {
    try Config(
        schema: .forecast, configFile: runFolder + "/config.yaml", overrides: ["output.dir=\(runFolder)"] + overrides,
        workingDirectory: runFolder)
}

@discardableResult
private func train(_ config: Config, resume: Bool = false, stoppingAfter: Int? = nil) throws -> ForecastRunResult {
    try ForecastJob.train(
        config: config, resume: resume, log: RunLog(console: false), version: "test", stoppingAfter: stoppingAfter)
}

@Suite("Forecast runs: reproducibility and resume", .serialized)
struct ForecastReproducibilityTests {
    @Test("The same config and seed give bit-identical losses, weights and optimizer state")
    func sameSeedSameRun() throws {
        let folder = TemporaryFolder()
        folder.write(ForecastFiles.csv(), to: "series.csv")
        try train(makeConfig(folder, run: "first"))
        try train(makeConfig(folder, run: "second"))
        let summary = try text(folder.file("first/summary.csv"))
        #expect(summary.split(separator: "\n").count == 4)
        #expect(summary == (try text(folder.file("second/summary.csv"))))
        for file in ["last.safetensors", "best.safetensors", "last.state.safetensors"] {
            #expect(
                try tensorBits(folder.file("first/" + file)) == tensorBits(folder.file("second/" + file)),
                "\(file) differs")
        }
    }

    @Test("A run stopped after epoch k and resumed matches the run that never stopped, bit for bit", arguments: [1, 2])
    func resumeMatchesUninterrupted(stoppedAfter k: Int) throws {
        let folder = TemporaryFolder()
        folder.write(ForecastFiles.csv(), to: "series.csv")
        let straight = try train(makeConfig(folder, run: "straight"))
        try train(makeConfig(folder, run: "stopped"), stoppingAfter: k)
        let stoppedSummary = try text(folder.file("stopped/summary.csv"))
        #expect(stoppedSummary.split(separator: "\n").count == 1 + k)
        // A new process: everything rebuilt from the run folder's config.yaml and checkpoint.
        let resumed = try train(resumeConfig(folder.file("stopped")), resume: true)
        #expect(try text(folder.file("straight/summary.csv")) == text(folder.file("stopped/summary.csv")))
        for file in ["last.safetensors", "best.safetensors", "last.state.safetensors"] {
            #expect(
                try tensorBits(folder.file("straight/" + file)) == tensorBits(folder.file("stopped/" + file)),
                "\(file) differs")
        }
        #expect(resumed.bestEpoch == straight.bestEpoch)
        #expect(resumed.test == straight.test)
        let log = try text(folder.file("stopped/log.txt"))
        #expect(log.contains("resumed after epoch \(k)"))
    }
}

@Suite("Forecast runs: non-finite losses", .serialized)
struct ForecastNonFiniteTests {
    @Test("A loss that overflows in epoch 2 stops the run and keeps epoch 1's checkpoint untouched")
    func nonFiniteLossInEpochTwoKeepsCheckpoint() throws {
        let folder = TemporaryFolder()
        folder.write(ForecastFiles.csv(), to: "series.csv")
        try train(makeConfig(folder), stoppingAfter: 1)
        let files = ["last.safetensors", "best.safetensors", "last.state.safetensors", "summary.csv"]
        let before = try files.map { try Data(contentsOf: URL(fileURLWithPath: folder.file("run/" + $0))) }
        // Epoch 2 continues with a learning rate of 1e30: its first step's loss is finite, the step
        // throws the weights past float32, and the next loss is not finite.
        expectError(
            TrainingError.self,
            containing: ["epoch 2", "checkpoint of epoch 1 is kept in \(folder.file("run"))", "optimization.lr"]
        ) {
            try train(resumeConfig(folder.file("run"), overrides: ["optimization.lr=1e30"]), resume: true)
        }
        let after = try files.map { try Data(contentsOf: URL(fileURLWithPath: folder.file("run/" + $0))) }
        #expect(before == after, "a file of the last good checkpoint changed")
    }

    @Test("A loss that is not finite in epoch 1 throws TrainingError and writes no checkpoint")
    func nonFiniteLossInEpochOne() throws {
        let folder = TemporaryFolder()
        folder.write(ForecastFiles.csv(), to: "series.csv")
        expectError(TrainingError.self, containing: ["epoch 1", "the loss became", "no checkpoint was written"]) {
            try train(makeConfig(folder, overrides: ["optimization.lr=1e30"]))
        }
        expectNoCheckpoint(folder)
    }

    @Test("Weights that overflow in an epoch's last step are not saved as a checkpoint")
    func overflowAtEpochEndWritesNoCheckpoint() throws {
        // 80 rows: 33 training windows, batch 20, so one step per epoch: the step's loss is finite
        // and the overflow shows only in the validation scores that follow it.
        let folder = TemporaryFolder()
        folder.write(ForecastFiles.csv(rows: 80), to: "series.csv")
        expectError(TrainingError.self, containing: ["end of epoch 1", "not finite", "no checkpoint was written"]) {
            try train(makeConfig(folder, overrides: ["optimization.lr=1e30", "optimization.batch_size=20"]))
        }
        expectNoCheckpoint(folder)
    }
}

@Suite("Forecast runs: folders that are refused")
struct ForecastRunFolderTests {
    @Test("A new run into a folder that holds a checkpoint is refused and overwrites nothing")
    func newRunIntoCheckpointFolder() throws {
        let folder = TemporaryFolder()
        folder.write(ForecastFiles.csv(), to: "series.csv")
        let config = try makeConfig(folder, ForecastFiles.config(epochs: 1))
        try train(config)
        let names = ["last.safetensors", "best.safetensors", "last.state.safetensors", "summary.csv", "config.yaml"]
        let before = try names.map { try Data(contentsOf: URL(fileURLWithPath: folder.file("run/" + $0))) }
        expectError(CheckpointError.self, containing: [folder.file("run"), "already holds a run", "--resume"]) {
            try train(config)
        }
        let after = try names.map { try Data(contentsOf: URL(fileURLWithPath: folder.file("run/" + $0))) }
        #expect(before == after)
    }

    @Test("Resuming a folder without a checkpoint is refused")
    func resumeWithoutCheckpoint() throws {
        let folder = TemporaryFolder()
        folder.write(ForecastFiles.csv(), to: "series.csv")
        expectError(CheckpointError.self, containing: [folder.file("run"), "no last.safetensors"]) {
            try train(makeConfig(folder), resume: true)
        }
        expectNoCheckpoint(folder)
    }
}

/// One bad input: the CSV text and config, and what its message must say.
struct BadInput: CustomTestStringConvertible, Sendable {
    let name: String
    let csv: String
    let yaml: String
    let fragments: [String]
    var testDescription: String { name }

    init(
        _ name: String, csv: String = ForecastFiles.csv(), yaml: String = ForecastFiles.config(), _ fragments: [String]
    ) {
        self.name = name
        self.csv = csv
        self.yaml = yaml
        self.fragments = fragments
    }

    /// The CSV with cell (row, column) replaced by `text` (row 0 is line 2 of the file).
    static func cell(_ row: Int, _ column: Int, _ text: String) -> String {
        ForecastFiles.csv { r, c in r == row && c == column ? text : nil }
    }

    static let data: [BadInput] = [
        BadInput("missing data file", yaml: ForecastFiles.config(data: "missing.csv"), ["missing.csv", "no such file"]),
        BadInput(
            "no date column", csv: ForecastFiles.csv().replacingOccurrences(of: "date,a,b,OT", with: "time,a,b,OT"),
            yaml: ForecastFiles.config()
                .replacingOccurrences(of: "target: OT", with: "target: OT\n  date_column: date"),
            ["series.csv", "data.date_column", "\"date\"", "time, a, b, OT"]),
        BadInput(
            "unparseable date",
            csv: ForecastFiles.csv().replacingOccurrences(of: "2021-03-01 05:00:00", with: "2021-03-01 5 o'clock"),
            ["series.csv:7", "column date", "5 o'clock", "ISO 8601", "data.date_format"]),
        BadInput("non-numeric cell", csv: cell(10, 1, "abc"), ["series.csv:12", "column b", "\"abc\"", "not a number"]),
        BadInput("empty cell", csv: cell(3, 0, ""), ["series.csv:5", "column a", "empty", "data.missing"]),
        BadInput(
            "NaN value", csv: cell(20, 2, "NaN"),
            ["series.csv:22", "column OT", "NaN", "missing", "data.missing"]),
        BadInput("Inf value", csv: cell(21, 2, "inf"), ["series.csv:23", "column OT", "inf", "not a finite number"]),
        BadInput(
            "float32 overflow", csv: cell(22, 0, "1e39"),
            ["series.csv:24", "column a", "1e39", "float32's range"]),
        BadInput(
            "unknown target",
            yaml: ForecastFiles.config(extra: "").replacingOccurrences(of: "target: OT", with: "target: oil"),
            ["series.csv", "\"oil\"", "choose one of a, b, OT"]),
        BadInput(
            "fewer rows than L+H in a split", csv: ForecastFiles.csv(rows: 60),
            ["series.csv", "val split has", "needs at least 24", "seq_len 16 + pred_len 8"]),
        BadInput(
            "constant column", csv: ForecastFiles.csv { _, c in c == 1 ? "4.5" : nil },
            ["series.csv", "column b has one value in the whole file", "data.drop"])
    ]

    static let config: [BadInput] = [
        BadInput(
            "fractional batch size",
            yaml: ForecastFiles.config().replacingOccurrences(of: "batch_size: 16", with: "batch_size: 32.5"),
            ["config.yaml line", "optimization.batch_size", "32.5"]),
        BadInput(
            "dropout out of range", yaml: ForecastFiles.config(dropout: "1.5"),
            ["config.yaml line", "model.dropout", "1.5"]),
        BadInput(
            "unknown key", yaml: ForecastFiles.config(extra: "output:\n  log_evry: 5"),
            ["config.yaml line", "output.log_evry", "did you mean 'output.log_every'"]),
        BadInput(
            "wrong type", yaml: ForecastFiles.config(lr: "fast"), ["config.yaml line", "optimization.lr", "'fast'"])
    ]
}

@Suite("Forecast runs: bad input ends with one clear message and no checkpoint")
struct ForecastBadInputTests {
    @Test("Data problems name the file, line and column", arguments: BadInput.data)
    func badData(_ input: BadInput) throws {
        let folder = TemporaryFolder()
        folder.write(input.csv, to: "series.csv")
        let config = try makeConfig(folder, input.yaml)
        expectError(DataError.self, containing: input.fragments) { try train(config) }
        expectNoCheckpoint(folder)
    }

    @Test("Config problems name the file, line and key", arguments: BadInput.config)
    func badConfig(_ input: BadInput) throws {
        let folder = TemporaryFolder()
        folder.write(input.csv, to: "series.csv")
        expectError(ConfigError.self, containing: input.fragments) { _ = try makeConfig(folder, input.yaml) }
    }
}
