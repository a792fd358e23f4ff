// One-epoch forecasting runs of the tiny test config with config overrides, for tests of what a key
// changes: the resolved config and each run's summary.csv and weights. It checks nothing itself.

import Foundation
import SimbaTestSupport

@testable import SimbaTraining

/// Runs in one temporary folder holding the tiny series and a one-epoch config; each run named
/// `name` writes to the folder's `name/`.
struct KeyRuns {
    let folder = TemporaryFolder()
    let file: String

    init() {
        folder.write(ForecastFiles.csv(), to: "series.csv")
        file = folder.write(ForecastFiles.config(epochs: 1), to: "config.yaml")
    }

    /// The config with `overrides`, writing to `name/`.
    func config(_ name: String, _ overrides: [String]) throws -> Config {
        try Config(
            schema: .forecast, configFile: file, overrides: ["output.dir=\(folder.file(name))"] + overrides,
            workingDirectory: folder.path)
    }

    /// The settings a run with `overrides` would use.
    func settings(_ overrides: [String]) throws -> ForecastSettings {
        try ForecastJob.settings(config("settings", overrides), variates: 3)
    }

    /// Trains run `name` with `overrides` and returns its summary.csv.
    func run(_ name: String, _ overrides: [String]) throws -> String {
        _ = try ForecastJob.train(
            config: config(name, overrides), resume: false, log: RunLog(console: false), version: "test")
        return try String(contentsOfFile: folder.file(name + "/summary.csv"), encoding: .utf8)
    }

    /// Run `name`'s best weights: the tensor bytes after the header (which names the run's own folder).
    func tensorBytes(_ name: String) throws -> Data {
        let data = try Data(contentsOf: URL(fileURLWithPath: folder.file(name + "/best.safetensors")))
        let headerLength = data.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        return data.dropFirst(8 + headerLength)
    }
}
