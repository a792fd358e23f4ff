// `simba train --search` on a tiny series: trial folders, search.csv, the best trial by validation,
// resuming a stopped search, refused keys and values, parallel trials, and `simba forecast` on `best`.

import Foundation
import SimbaCLI
import SimbaCore
import SimbaTestSupport
import Testing

@testable import SimbaTraining

/// Reads one file's bytes.
private func bytes(_ path: String) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: path)) }

@Suite("simba train --search")
struct SearchCommandTests {
    @Test("A 2x2 grid trains four trials in named folders, lists them in search.csv, links the best by validation")
    func gridFoldersTableAndForecast() throws {
        let folder = searchProject()
        let result = trainSearch(folder, ["--search", "optimization.lr=1e-3,3e-3", "--search", "data.seq_len=16,24"])
        #expect(result.result == 0, "\(result.errors)")
        let names = [
            "trial-001-lr=0.001,seq_len=16", "trial-002-lr=0.001,seq_len=24",
            "trial-003-lr=0.003,seq_len=16", "trial-004-lr=0.003,seq_len=24"
        ]
        let entries = try FileManager.default.contentsOfDirectory(atPath: folder.file("search"))
        #expect(Set(entries) == Set(names + ["best", "config.yaml", "log.txt", "search.csv", ".simba-search.lock"]))
        #expect(result.output.contains("trial 3/4: optimization.lr=0.003, data.seq_len=16"))

        let rows = try searchTableRows(folder.file("search/search.csv"))
        #expect(
            rows.first == [
                "trial", "folder", "optimization.lr", "data.seq_len", "status", "best_epoch", "val_mse",
                "val_mae", "test_mse", "test_mae", "seconds"
            ])
        #expect(
            rows.dropFirst().map { Array($0[0..<6]) } == [
                ["1", names[0], "0.001", "16", "done", "1"], ["2", names[1], "0.001", "24", "done", "1"],
                ["3", names[2], "0.003", "16", "done", "1"], ["4", names[3], "0.003", "24", "done", "1"]
            ])
        for (row, name) in zip(rows.dropFirst(), names) {
            // The trial's own summary row of its best epoch holds the same validation and test scores.
            let summary = try searchTableRows(folder.file("search/\(name)/summary.csv"))
            #expect(Array(summary[1][2...5]) == Array(row[6...9]))
            let config = try String(contentsOfFile: folder.file("search/\(name)/config.yaml"), encoding: .utf8)
            #expect(config.contains("search: {}"))
        }
        let valMSE = rows.dropFirst().map { Double($0[6])! }
        let best = valMSE.indices.min { valMSE[$0] < valMSE[$1] }!
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: folder.file("search/best")) == names[best])

        let forecast = simba(["forecast", "--checkpoint", folder.file("search/best"), "--out", folder.file("scored")])
        #expect(forecast.result == 0, "\(forecast.errors)")
        let json = try bytes(folder.file("scored/metrics.json"))
        let metrics = try JSONSerialization.jsonObject(with: json) as? [String: Any]
        let mse = ((metrics?["standardised"] as? [String: Any])?["mse"] as? NSNumber)?.doubleValue
        #expect(mse.map { abs($0 - Double(rows[best + 1][8])!) < 1e-5 } == true, "\(String(describing: metrics))")
    }

    @Test("The best trial is the one with the lowest validation MSE even when another has the lowest test MSE")
    func bestByValidationNotTest() throws {
        let folder = searchProject()
        #expect(trainSearch(folder, ["--search", "optimization.lr=1e-3,3e-3"]).result == 0)
        // Records as if trial 1 validated best and tested worst; a resume reads them and relinks `best`.
        let records: [(String, TrialScores)] = [
            ("trial-001-lr=0.001", TrialScores(bestEpoch: 1, valMSE: 0.5, valMAE: 0.5, testMSE: 9, testMAE: 3)),
            ("trial-002-lr=0.003", TrialScores(bestEpoch: 1, valMSE: 0.9, valMAE: 0.7, testMSE: 0.1, testMAE: 0.2))
        ]
        for (name, scores) in records {
            let record = TrialRecord(scores: scores, failure: nil, seconds: 1)
            let file = folder.file("search/\(name)/search_trial.json")
            try JSONEncoder().encode(record).write(to: URL(fileURLWithPath: file))
        }
        let resumed = resumeSearch(folder)
        #expect(resumed.result == 0, "\(resumed.errors)")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: folder.file("search/best")) == records[0].0)
        #expect(resumed.output.contains("best: trial 1 (optimization.lr=0.001)"))
        let rows = try searchTableRows(folder.file("search/search.csv"))
        #expect(rows[1][5...8] == ["0.500000", "0.500000", "9.000000", "3.000000"])
        let plan = try SearchPlan(
            config: Config(
                schema: .forecast, configFile: folder.file("config.yaml"),
                searches: ["optimization.lr=1e-3,3e-3,1e-2"]))
        let outcomes = SearchMeans.outcomes(
            plan: plan,
            records: [
                1: TrialRecord(scores: records[0].1, seconds: 0),
                2: TrialRecord(scores: records[1].1, seconds: 0),
                3: TrialRecord(failure: "diverged", seconds: 0)
            ])
        #expect(SearchMeans.best(outcomes) == 1)
    }

    @Test("A stopped search resumes: finished trials untouched, the stopped one continued, the rest trained")
    func resumeSkipsFinishedTrials() throws {
        let folder = searchProject(epochs: 2)
        let config = try Config(
            schema: .forecast, configFile: folder.file("config.yaml"),
            overrides: ["output.dir=\(folder.file("search"))"],
            searches: ["optimization.lr=1e-3,2e-3,3e-3"])
        let second = folder.file("search/trial-002-lr=0.002")
        // Ctrl-C as soon as the second trial has saved its first epoch.
        let stop = searchStopped(config, once: second + "/last.safetensors")
        #expect(stop?.status == 130)
        #expect(stop?.description.contains("--resume \(folder.file("search"))") == true)
        #expect(folder.exists("search/trial-001-lr=0.001/search_trial.json"))
        #expect(!folder.exists("search/trial-002-lr=0.002/search_trial.json"))
        #expect(!folder.exists("search/trial-003-lr=0.003"))
        #expect(try searchTableRows(folder.file("search/search.csv")).count == 2)
        let first = try bytes(folder.file("search/trial-001-lr=0.001/log.txt"))

        let resumed = resumeSearch(folder)
        #expect(resumed.result == 0, "\(resumed.errors)")
        #expect(resumed.output.contains("resumed with 1 finished"))
        #expect(!resumed.output.contains("trial 1/3:"))
        #expect(try bytes(folder.file("search/trial-001-lr=0.001/log.txt")) == first)
        #expect(try String(contentsOfFile: second + "/log.txt", encoding: .utf8).contains("(resumed after epoch 1)"))
        let rows = try searchTableRows(folder.file("search/search.csv"))
        #expect(rows.dropFirst().map { $0[3] } == ["done", "done", "done"])
    }

    @Test("A diverging trial is recorded as failed and the search goes on; a search where every trial fails fails")
    func failedTrials() throws {
        let folder = searchProject()
        let mixed = trainSearch(folder, ["--search", "optimization.lr=1e-3,1e30"])
        #expect(mixed.result == 0, "\(mixed.errors)")
        #expect(mixed.output.contains("trial 2/2 failed"))
        let rows = try searchTableRows(folder.file("search/search.csv"))
        #expect(rows.dropFirst().map { $0[3] } == ["done", "failed"])
        #expect(rows[2][4...8] == ["", "", "", "", ""])
        let record = try String(
            contentsOfFile: folder.file("search/trial-002-lr=1e+30/search_trial.json"),
            encoding: .utf8)
        #expect(record.contains("failure") && record.contains("optimization.lr"))
        #expect(
            try FileManager.default.destinationOfSymbolicLink(atPath: folder.file("search/best"))
                == "trial-001-lr=0.001")

        let allFailed = trainSearch(folder, out: "diverged", ["--search", "optimization.lr=1e30,2e30"])
        #expect(allFailed.result == 1)
        #expect(allFailed.errors.contains("no trial of the search finished with scores"))
        #expect(!folder.exists("diverged/best"))
    }

    @Test("Bad searched keys and values are refused before anything is written, as --set refuses them")
    func refusedKeysAndValues() throws {
        let folder = searchProject()
        let cases: [(arguments: [String], status: Int32, message: String)] = [
            (
                ["--search", "optimization.lrr=1e-3,3e-3"], 1,
                "search: unknown key 'optimization.lrr'; did you mean 'optimization.lr'?"
            ),
            (["--search", "optimization.lr=1e-3,abc"], 1, "search: optimization.lr value 2 must be a number > 0"),
            (["--search", "model.d_model=8,2"], 1, "search: model.d_model value 2 must be >= 4"),
            (["--search", "optimization.lr=1e-3,1e-3"], 1, "optimization.lr lists 0.001 twice"),
            (["--search", "optimization.lr"], 1, "--search expects key=value,value,…"),
            (["--search", "data.pred_len=8,16"], 1, "search: data.pred_len cannot be searched"),
            (["--search", "output.dir=a,b"], 1, "search: output.dir cannot be searched"),
            (["--search", "model.mlp_ratio=2,4"], 1, "model.mlp_ratio acts only with model.channel_mixer: mlp"),
            (["--search", "data.seq_len=16,500"], 1, "search trial 2/2 (data.seq_len=500)"),
            (["--search-parallel", "2"], 2, "--search-parallel sets how many trials of a search run at once"),
            (["--search", "optimization.lr=1e-3,3e-3", "--search-parallel", "0"], 2, "--search-parallel")
        ]
        for (arguments, status, message) in cases {
            let result = trainSearch(folder, arguments)
            #expect(result.result == status, "\(arguments)")
            #expect(result.errors.contains(message), "\(arguments): \(result.errors)")
            #expect(!folder.exists("search"), "\(arguments)")
        }
        // A value --set refuses is refused by --search with the same status and reason.
        let set = trainSearch(folder, ["--set", "optimization.lr=abc"])
        let search = trainSearch(folder, ["--search", "optimization.lr=abc"])
        #expect(set.result == search.result)
        #expect(set.errors.contains("must be a number > 0") && search.errors.contains("must be a number > 0"))

        folder.write(ForecastFiles.config(extra: "search:\n  optimization.lr: 1e-3\n"), to: "config.yaml")
        let notAList = trainSearch(folder, [])
        #expect(notAList.result == 1)
        #expect(notAList.errors.contains("search: optimization.lr must be a list of the values to try"))
        #expect(notAList.errors.contains("config.yaml line"))

        folder.write("task: classify\n", to: "classify.yaml")
        let classify = simba(["train", "--config", folder.file("classify.yaml"), "--search", "optimization.lr=1,2"])
        #expect(classify.result == 2)
        #expect(classify.errors.contains("--search trains forecasters only"))
        let resume = ["train", "--resume", folder.file("search"), "--search", "optimization.lr=1,2"]
        #expect(simba(resume).result == 2)
    }

    @Test("search: in a config with search_trials draws that many distinct combinations, the same for a seed")
    func randomDraws() throws {
        let yaml = ForecastFiles.config(
            extra: """
                search:
                  optimization.lr: [1e-3, 2e-3, 3e-3]
                  model.d_model: [8, 12]
                search_trials: 3
                search_seed: 7
                """)
        let config = try Config(schema: .forecast, yaml: yaml, file: "c.yaml")
        let plan = try SearchPlan(config: config)
        #expect(plan.combinations == 6)
        #expect(plan.trials.count == 3)
        #expect(Set(plan.trials.map(plan.describe)).count == 3)
        #expect(plan.trials.map(\.number) == [1, 2, 3])
        #expect(try SearchPlan(config: config).trials == plan.trials)
        let reread = try Config(schema: .forecast, yaml: config.yaml(), file: "c.yaml")
        #expect(reread == config)
        let all = try SearchPlan(config: config.replacing([("search_trials", .int(6))]))
        #expect(all.trials.count == 6 && all.trials[1].folderName == "trial-002-lr=0.001,d_model=12")
        #expect(all.note == "search_trials 6 is not below the 6 combinations: training every one")
        #expect(try SearchPlan(config: config.replacing([("search_trials", .int(0))])).note == nil)
    }

    @Test("Trials at once: threads / 2 by default, forced by --search-parallel, each with the threads shared out")
    func parallelRule() throws {
        #expect(SearchParallelism.trials(forced: nil, cores: 2) == 1)
        #expect(SearchParallelism.trials(forced: nil, cores: 1) == 1)
        #expect(SearchParallelism.trials(forced: nil, cores: 16) == 8)
        #expect(SearchParallelism.trials(forced: 3, cores: 2) == 3)
        #expect(SearchParallelism.threads(trials: 3, cores: 2) == 1)
        #expect(SearchParallelism.threads(trials: 4, cores: 16) == 4)

        let folder = searchProject()
        let child = try SimbaProcess(
            [
                "train", "--config", folder.file("config.yaml"), "--out", folder.file("search"),
                "--search", "optimization.lr=1e-3,3e-3", "--search-parallel", "2"
            ],
            environment: ["SIMBA_THREADS": "2"])
        #expect(child.exitStatus() == 0, "\(child.stderr)")
        #expect(child.stdout.contains("parallel: 2 trials at once as child processes, SIMBA_THREADS=1 each"))
        let rows = try searchTableRows(folder.file("search/search.csv"))
        #expect(rows.dropFirst().map { $0[3] } == ["done", "done"])
        #expect(folder.exists("search/best/best.safetensors"))
    }

    @Test("Ctrl-C stops parallel trials and the search with 130; --resume finishes it")
    func interruptParallelSearch() throws {
        let folder = searchProject(epochs: 30)
        let arguments = [
            "train", "--config", folder.file("config.yaml"), "--out", folder.file("search"),
            "--search", "optimization.lr=1e-3,2e-3,3e-3", "--search-parallel", "2"
        ]
        let search = try SimbaProcess(arguments, environment: ["SIMBA_THREADS": "2"])
        #expect(search.waitForSignalHandlers())
        #expect(search.waitUntil { folder.exists("search/trial-001-lr=0.001/last.safetensors") })
        search.send(SIGINT)
        #expect(search.exitStatus() == 130, "\(search.stderr)")
        #expect(search.stdout.contains("search stopped by SIGINT"))
        #expect(search.stdout.contains("simba train --resume \(folder.file("search"))"))
        #expect(!folder.exists("search/trial-003-lr=0.003"))
        #expect(!folder.exists("search/trial-001-lr=0.001/search_trial.json"))

        let resumed = try SimbaProcess(
            ["train", "--resume", folder.file("search"), "--search-parallel", "2"],
            environment: ["SIMBA_THREADS": "2"])
        #expect(resumed.exitStatus() == 0, "\(resumed.stderr)")
        #expect(resumed.stdout.contains("trial 1/3: optimization.lr=0.001, continued"))
        let rows = try searchTableRows(folder.file("search/search.csv"))
        #expect(rows.dropFirst().map { $0[3] } == ["done", "done", "done"])
    }
}
