// `simba train --search` with `search_seeds`: one run folder per trial and seed, search_means.csv, the
// choice by the mean validation MSE, the refused seed lists, resuming and parallel seed runs.

import Foundation
import SimbaCLI
import SimbaCore
import SimbaTestSupport
import Testing

@testable import SimbaTraining

/// Where the search's `best` link points.
private func bestTarget(_ folder: TemporaryFolder) throws -> String {
    try FileManager.default.destinationOfSymbolicLink(atPath: folder.file("search/best"))
}

/// Writes `scores` (nil: a failure) as the record of the run in `search/<run>`.
private func record(_ folder: TemporaryFolder, _ run: String, valMSE: Double?) throws {
    let record = TrialRecord(
        scores: valMSE.map { TrialScores(bestEpoch: 1, valMSE: $0, valMAE: $0 / 2, testMSE: 1 - $0, testMAE: 0.5) },
        failure: valMSE == nil ? "diverged" : nil, seconds: 1)
    try JSONEncoder().encode(record).write(to: URL(fileURLWithPath: folder.file("search/\(run)/search_trial.json")))
}

@Suite("simba train --search with search_seeds")
struct SearchSeedsTests {
    @Test("Each trial trains once per seed; search_means.csv holds the mean and deviation of search.csv's rows")
    func seedFoldersAndMeans() throws {
        let folder = searchProject()
        let result = trainSearch(
            folder, ["--search", "optimization.lr=1e-3,3e-3", "--set", "search_seeds=[2024, 1, 2]"])
        #expect(result.result == 0, "\(result.errors)")
        let trials = ["trial-001-lr=0.001", "trial-002-lr=0.003"]
        let entries = try FileManager.default.contentsOfDirectory(atPath: folder.file("search"))
        #expect(
            Set(entries)
                == Set(
                    trials + ["best", "config.yaml", "log.txt", "search.csv", "search_means.csv", ".simba-search.lock"])
        )
        for trial in trials {
            #expect(
                Set(try FileManager.default.contentsOfDirectory(atPath: folder.file("search/\(trial)")))
                    == ["seed-2024", "seed-1", "seed-2"])
            // Each seed's run re-runs alone: its config has its seed and neither a search nor seeds.
            let config = try String(contentsOfFile: folder.file("search/\(trial)/seed-1/config.yaml"), encoding: .utf8)
            #expect(
                config.contains("  seed: 1 ") && config.contains("search: {}") && config.contains("search_seeds: []"))
        }
        #expect(result.output.contains("search: 2 trials of 2 combinations (every combination), each with 3 seeds"))
        #expect(result.output.contains("trial 2/2 seed 3/3: optimization.lr=0.003, optimization.seed=2 ("))
        #expect(result.output.contains("trial 1/2 mean of 3 seeds: val mse "))

        let runs = try searchTableRows(folder.file("search/search.csv"))
        #expect(
            runs.first == [
                "trial", "seed", "folder", "optimization.lr", "status", "best_epoch", "val_mse", "val_mae",
                "test_mse", "test_mae", "seconds"
            ])
        #expect(
            runs.dropFirst().map { Array($0[0...4]) } == [
                ["1", "2024", "trial-001-lr=0.001/seed-2024", "0.001", "done"],
                ["1", "1", "trial-001-lr=0.001/seed-1", "0.001", "done"],
                ["1", "2", "trial-001-lr=0.001/seed-2", "0.001", "done"],
                ["2", "2024", "trial-002-lr=0.003/seed-2024", "0.003", "done"],
                ["2", "1", "trial-002-lr=0.003/seed-1", "0.003", "done"],
                ["2", "2", "trial-002-lr=0.003/seed-2", "0.003", "done"]
            ])
        // Different seeds train differently.
        #expect(Set(runs.dropFirst().prefix(3).map { $0[6] }).count == 3)

        let means = try searchTableRows(folder.file("search/search_means.csv"))
        #expect(
            means.first == [
                "trial", "folder", "optimization.lr", "status", "seeds", "val_mse", "val_mse_std", "val_mae",
                "val_mae_std", "test_mse", "test_mse_std", "test_mae", "test_mae_std"
            ])
        #expect(means.count == 3)
        var meanValMSE: [Double] = []
        for (t, row) in means.dropFirst().enumerated() {
            #expect(Array(row[0...4]) == [String(t + 1), trials[t], t == 0 ? "0.001" : "0.003", "done", "3"])
            let seeds = runs[(1 + 3 * t)...(3 + 3 * t)]
            for (s, column) in [6, 7, 8, 9].enumerated() {
                let values = seeds.map { Double($0[column])! }
                let mean = values.reduce(0, +) / 3
                let deviation = (values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 2).squareRoot()
                #expect(abs(Double(row[5 + 2 * s])! - mean) < 2e-6, "\(row) column \(column)")
                #expect(abs(Double(row[6 + 2 * s])! - deviation) < 2e-6, "\(row) column \(column)")
            }
            meanValMSE.append(Double(row[5])!)
        }
        let chosen = meanValMSE[0] <= meanValMSE[1] ? 0 : 1
        #expect(try bestTarget(folder) == trials[chosen] + "/seed-2024")
        #expect(result.output.contains("chosen by mean validation MSE"))

        let forecast = simba(["forecast", "--checkpoint", folder.file("search/best"), "--out", folder.file("scored")])
        #expect(forecast.result == 0, "\(forecast.errors)")
    }

    @Test("The lowest mean validation MSE wins over the lowest single seed; a trial with a failed seed never wins")
    func bestByMean() throws {
        let folder = searchProject()
        let seeds = ["--search", "optimization.lr=1e-3,2e-3,3e-3", "--set", "search_seeds=[5, 6]"]
        #expect(trainSearch(folder, seeds).result == 0)
        // Trial 1 has the best seed-5 run, trial 2 the best mean, trial 3 the best run of all and a failed seed.
        try record(folder, "trial-001-lr=0.001/seed-5", valMSE: 0.5)
        try record(folder, "trial-001-lr=0.001/seed-6", valMSE: 0.9)
        try record(folder, "trial-002-lr=0.002/seed-5", valMSE: 0.625)
        try record(folder, "trial-002-lr=0.002/seed-6", valMSE: 0.625)
        try record(folder, "trial-003-lr=0.003/seed-5", valMSE: 0.125)
        try record(folder, "trial-003-lr=0.003/seed-6", valMSE: nil)
        let resumed = resumeSearch(folder)
        #expect(resumed.result == 0, "\(resumed.errors)")
        #expect(try bestTarget(folder) == "trial-002-lr=0.002/seed-5")
        #expect(
            resumed.output.contains(
                "best: trial 2 (optimization.lr=0.002), mean of 2 seeds: val mse 0.6250 (sd 0.0000)"))

        let means = try searchTableRows(folder.file("search/search_means.csv"))
        #expect(Array(means[1][3...6]) == ["done", "2", "0.700000", "0.282843"])
        #expect(Array(means[2][3...6]) == ["done", "2", "0.625000", "0.000000"])
        #expect(Array(means[3][3...]) == ["failed", "1"] + Array(repeating: "", count: 8))
        #expect(try searchTableRows(folder.file("search/search.csv"))[6][4] == "failed")

        // A tie goes to the lower trial number.
        let tie = TrialOutcome.done(
            valMSE: ScoreSpread([0.5]), valMAE: ScoreSpread([1]), testMSE: ScoreSpread([1]), testMAE: ScoreSpread([1]))
        #expect(SearchMeans.best([3: tie, 2: tie, 1: .failed(scored: 0)]) == 2)
        #expect(SearchMeans.best([1: .failed(scored: 1)]) == nil)
    }

    @Test("Refused seed lists name search_seeds, all problems at once, before anything is written")
    func refusedSeeds() throws {
        let folder = searchProject()
        let lrs = (1...101).map { "\($0)e-4" }.joined(separator: ",")
        let hundred = "[" + (0..<100).map(String.init).joined(separator: ",") + "]"
        let cases: [(arguments: [String], messages: [String])] = [
            (
                ["--search", "optimization.lr=1e-3", "--set", "search_seeds=[1, 2, 1, 1]"],
                ["search_seeds lists 1 twice; keep one"]
            ),
            (
                ["--search", "optimization.lr=1e-3", "--set", "search_seeds=[1, -2]"],
                ["search_seeds entry 2 must be >= 0"]
            ),
            (
                [
                    "--search", "optimization.lr=1e-3", "--set",
                    "search_seeds=[" + (0...100).map(String.init).joined(separator: ",") + "]"
                ],
                ["search_seeds must be a list of 0 to 100 entries", "got 101 entries"]
            ),
            (
                ["--search", "optimization.seed=1,2", "--set", "search_seeds=[3, 3]"],
                [
                    "search_seeds lists 3 twice",
                    "search_seeds sets each run's optimization.seed, which the search also varies; use one or the other"
                ]
            ),
            (["--search", "search_seeds=[[1], [2]]"], ["search: search_seeds cannot be searched"]),
            (
                ["--search", "optimization.lr=" + lrs, "--set", "search_seeds=" + hundred],
                ["search has 101 trials of 100 seeds each, 10100 runs, more than the 10000 a search trains"]
            ),
            (
                ["--set", "search_seeds=[1, 2]"],
                ["search_seeds trains each trial of a search once per seed, and this config has no search"]
            )
        ]
        for (arguments, messages) in cases {
            let result = trainSearch(folder, arguments)
            #expect(result.result == 1, "\(arguments)")
            for message in messages { #expect(result.errors.contains(message), "\(arguments): \(result.errors)") }
            #expect(!folder.exists("search"), "\(arguments)")
        }
        let yaml = ForecastFiles.config(extra: "search_seeds: [2024, 1, 2]\n")
        let listed = try Config(schema: .forecast, yaml: yaml, file: "c.yaml")
        #expect(listed.value("search_seeds") == .list([.int(2024), .int(1), .int(2)]))
        let unlisted = try Config(schema: .forecast, yaml: ForecastFiles.config(), file: "c.yaml")
        #expect(unlisted.value("search_seeds") == .list([]))
    }

    @Test("A stopped search with seeds resumes: finished seed runs untouched, the stopped one continued")
    func resumeSkipsFinishedSeedRuns() throws {
        let folder = searchProject(epochs: 2)
        let config = try Config(
            schema: .forecast, configFile: folder.file("config.yaml"),
            overrides: ["output.dir=\(folder.file("search"))", "search_seeds=[7, 8]"],
            searches: ["optimization.lr=1e-3,3e-3"])
        let first = folder.file("search/trial-001-lr=0.001/seed-7")
        let second = folder.file("search/trial-001-lr=0.001/seed-8")
        // Ctrl-C as soon as the first trial's second seed has saved its first epoch.
        let stop = searchStopped(config, once: second + "/last.safetensors")
        #expect(stop?.status == 130)
        #expect(stop?.description.contains("with 1 of 4 runs (trials times seeds)") == true)
        #expect(folder.exists("search/trial-001-lr=0.001/seed-7/search_trial.json"))
        #expect(!folder.exists("search/trial-001-lr=0.001/seed-8/search_trial.json"))
        #expect(!folder.exists("search/trial-002-lr=0.003"))
        #expect(try searchTableRows(folder.file("search/search_means.csv")).count == 1)
        let log = try Data(contentsOf: URL(fileURLWithPath: first + "/log.txt"))

        let resumed = resumeSearch(folder)
        #expect(resumed.result == 0, "\(resumed.errors)")
        #expect(resumed.output.contains("resumed with 1 finished"))
        #expect(!resumed.output.contains("trial 1/2 seed 1/2:"))
        #expect(resumed.output.contains("trial 1/2 seed 2/2:"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: first + "/log.txt")) == log)
        #expect(try String(contentsOfFile: second + "/log.txt", encoding: .utf8).contains("(resumed after epoch 1)"))
        #expect(
            try searchTableRows(folder.file("search/search.csv")).dropFirst().map { $0[4] } == [
                "done", "done", "done", "done"
            ])
        #expect(
            try searchTableRows(folder.file("search/search_means.csv")).dropFirst().map { $0[3] } == ["done", "done"])
    }

    @Test("Seed runs as child processes score as in one process")
    func parallelSeedRuns() throws {
        let folder = searchProject()
        let both = try searchInProcessAndAsChildren(
            folder, ["--search", "optimization.lr=2e-3", "--set", "search_seeds=[3, 4]"])
        #expect(both.status == 0, "\(both.errors)")
        #expect(both.output.contains("parallel: 2 runs at once as child processes"))
        #expect(both.children == both.inProcess && both.children.count == 3)
        #expect(try bestTarget(folder) == "trial-001-lr=0.002/seed-3")
    }

    @Test("search_seeds: [] leaves the search as it was: search.csv's header, no means; older folders resume")
    func emptySeedsAsBefore() throws {
        let folder = searchProject(extra: "search_seeds: []\n")
        let result = trainSearch(folder, ["--search", "optimization.lr=1e-3,3e-3"])
        #expect(result.result == 0, "\(result.errors)")
        #expect(
            try searchTableRows(folder.file("search/search.csv")).first == [
                "trial", "folder", "optimization.lr", "status", "best_epoch", "val_mse", "val_mae", "test_mse",
                "test_mae", "seconds"
            ])
        #expect(!folder.exists("search/search_means.csv"))
        #expect(folder.exists("search/trial-001-lr=0.001/search_trial.json"))
        #expect(result.output.contains("trial 2/2: optimization.lr=0.003 ("))
        let log = try String(contentsOfFile: folder.file("search/log.txt"), encoding: .utf8)
        #expect(log.contains("parallel: one trial at a time") && log.contains("best so far: trial"))
        #expect(!log.contains("seed 1/") && !log.contains("search_seeds") && !log.contains("mean of"))

        // A search folder written before search_seeds existed (no such line in any config.yaml) resumes.
        for file in [
            "search/config.yaml", "search/trial-001-lr=0.001/config.yaml", "search/trial-002-lr=0.003/config.yaml"
        ] {
            let text = try String(contentsOfFile: folder.file(file), encoding: .utf8)
            let old = text.split(separator: "\n").filter { !$0.hasPrefix("search_seeds") }.joined(separator: "\n")
            try old.write(toFile: folder.file(file), atomically: true, encoding: .utf8)
        }
        try FileManager.default.removeItem(atPath: folder.file("search/trial-002-lr=0.003/search_trial.json"))
        let resumed = resumeSearch(folder)
        #expect(resumed.result == 0, "\(resumed.errors)")
        #expect(resumed.output.contains("resumed with 1 finished"))
        #expect(try searchTableRows(folder.file("search/search.csv")).dropFirst().map { $0[3] } == ["done", "done"])
        #expect(!folder.exists("search/search_means.csv"))
    }
}
