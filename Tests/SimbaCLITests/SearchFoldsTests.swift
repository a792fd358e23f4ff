// `simba train --search` with `search_folds`: one run per trial (and seed) and validation fold, each
// run's data.fold, the tables' fold columns, the ranking by the mean over folds with test scores of
// fold 0 only, the `best` link on fold 0, the refused settings, and fold runs as child processes.

import Foundation
import SimbaCLI
import SimbaCore
import SimbaTestSupport
import Testing

@testable import SimbaTraining

/// Writes the record of the run in `search/<run>` with validation MSE `valMSE` and test MSE `testMSE`.
private func record(_ folder: TemporaryFolder, _ run: String, valMSE: Double, testMSE: Double) throws {
    let scores = TrialScores(bestEpoch: 1, valMSE: valMSE, valMAE: valMSE / 2, testMSE: testMSE, testMAE: testMSE / 2)
    try JSONEncoder().encode(TrialRecord(scores: scores, seconds: 1))
        .write(to: URL(fileURLWithPath: folder.file("search/\(run)/search_trial.json")))
}

@Suite("simba train --search with search_folds")
struct SearchFoldsTests {
    @Test("Each trial trains once per fold on its data.fold; the means are over the folds, best links fold 0")
    func foldFoldersAndMeans() throws {
        let folder = searchProject()
        let result = trainSearch(folder, ["--search", "optimization.lr=1e-3,3e-3", "--set", "search_folds=2"])
        #expect(result.result == 0, "\(result.errors)")
        let trials = ["trial-001-lr=0.001", "trial-002-lr=0.003"]
        for trial in trials {
            #expect(
                Set(try FileManager.default.contentsOfDirectory(atPath: folder.file("search/\(trial)")))
                    == ["fold-0", "fold-1"])
            // Each fold's run re-runs alone: its config has its fold and neither a search nor folds.
            let config = try String(contentsOfFile: folder.file("search/\(trial)/fold-1/config.yaml"), encoding: .utf8)
            #expect(
                config.contains("  fold: 1 ") && config.contains("search: {}") && config.contains("search_folds: 1"))
            // 200 rows, ratio borders: val is 20 rows; fold 1 trains on the first 120 rows, not 140.
            let log = try String(contentsOfFile: folder.file("search/\(trial)/fold-1/log.txt"), encoding: .utf8)
            #expect(log.contains("windows: train 97, val 13, test 33") && log.contains("validation fold 1 (data.fold)"))
        }
        #expect(result.output.contains("each with 2 validation folds (search_folds, data.fold 0 to 1): 4 runs"))
        #expect(result.output.contains("trial 2/2 fold 2/2: optimization.lr=0.003, data.fold=1 ("))
        #expect(result.output.contains("trial 1/2 mean of 2 folds: val mse "))

        let runs = try searchTableRows(folder.file("search/search.csv"))
        #expect(
            runs.first == [
                "trial", "fold", "folder", "optimization.lr", "status", "best_epoch", "val_mse", "val_mae",
                "test_mse", "test_mae", "seconds"
            ])
        #expect(
            runs.dropFirst().map { Array($0[0...4]) } == [
                ["1", "0", "trial-001-lr=0.001/fold-0", "0.001", "done"],
                ["1", "1", "trial-001-lr=0.001/fold-1", "0.001", "done"],
                ["2", "0", "trial-002-lr=0.003/fold-0", "0.003", "done"],
                ["2", "1", "trial-002-lr=0.003/fold-1", "0.003", "done"]
            ])
        let means = try searchTableRows(folder.file("search/search_means.csv"))
        #expect(
            means.first == [
                "trial", "folder", "optimization.lr", "status", "seeds", "folds", "val_mse", "val_mse_std", "val_mae",
                "val_mae_std", "test_mse", "test_mse_std", "test_mae", "test_mae_std"
            ])
        var meanValMSE: [Double] = []
        for (t, row) in means.dropFirst().enumerated() {
            #expect(Array(row[0...5]) == [String(t + 1), trials[t], t == 0 ? "0.001" : "0.003", "done", "1", "2"])
            let (fold0, fold1) = (runs[1 + 2 * t], runs[2 + 2 * t])
            let val = (Double(fold0[6])! + Double(fold1[6])!) / 2
            #expect(abs(Double(row[6])! - val) < 2e-6, "\(row)")
            // Test columns are fold 0's alone: its score, no spread.
            #expect(abs(Double(row[10])! - Double(fold0[8])!) < 2e-6 && row[11] == "0.000000", "\(row)")
            meanValMSE.append(Double(row[6])!)
        }
        let chosen = meanValMSE[0] <= meanValMSE[1] ? 0 : 1
        #expect(
            try FileManager.default.destinationOfSymbolicLink(atPath: folder.file("search/best")) == trials[chosen]
                + "/fold-0")
        let forecast = simba(["forecast", "--checkpoint", folder.file("search/best"), "--out", folder.file("scored")])
        #expect(forecast.result == 0, "\(forecast.errors)")
    }

    @Test("With seeds and folds the lowest mean over both wins; test means count fold 0's runs only")
    func seedsTimesFolds() throws {
        let folder = searchProject()
        let arguments = [
            "--search", "optimization.lr=1e-3,2e-3", "--set", "search_seeds=[5, 6]", "--set", "search_folds=2"
        ]
        let first = trainSearch(folder, arguments)
        #expect(first.result == 0, "\(first.errors)")
        #expect(
            first.output.contains(
                "trial 1/2 seed 2/2 fold 1/2: optimization.lr=0.001, optimization.seed=6, data.fold=0 ("))
        #expect(folder.exists("search/trial-002-lr=0.002/seed-6/fold-1/search_trial.json"))
        // Trial 1 is best on fold 0, trial 2 best over both folds.
        for (trial, fold0, fold1) in [("trial-001-lr=0.001", 0.25, 1.0), ("trial-002-lr=0.002", 0.375, 0.5)] {
            for seed in [5, 6] {
                try record(folder, "\(trial)/seed-\(seed)/fold-0", valMSE: fold0, testMSE: 0.5)
                try record(folder, "\(trial)/seed-\(seed)/fold-1", valMSE: fold1, testMSE: 4)
            }
        }
        let resumed = resumeSearch(folder)
        #expect(resumed.result == 0, "\(resumed.errors)")
        #expect(
            try FileManager.default.destinationOfSymbolicLink(atPath: folder.file("search/best"))
                == "trial-002-lr=0.002/seed-5/fold-0")
        #expect(
            resumed.output.contains("best: trial 2 (optimization.lr=0.002), mean of 2 seeds × 2 folds: val mse 0.4375"))
        #expect(resumed.output.contains("its seed 5 fold 0 run: best epoch 1, val mse 0.3750"))
        let means = try searchTableRows(folder.file("search/search_means.csv"))
        #expect(
            means.dropFirst().map { Array($0[3...6]) + [$0[10]] } == [
                ["done", "2", "2", "0.625000", "0.500000"], ["done", "2", "2", "0.437500", "0.500000"]
            ])
        #expect(
            try searchTableRows(folder.file("search/search.csv")).first?.prefix(4) == [
                "trial", "seed", "fold", "folder"
            ])
    }

    @Test("Folds whose validation MSEs are ten times apart get a note naming the larger fold")
    func foldScaleNote() throws {
        let folder = searchProject()
        #expect(trainSearch(folder, ["--search", "optimization.lr=1e-3,2e-3", "--set", "search_folds=2"]).result == 0)
        // Fold 0 averages 0.55, fold 1 averages 7: about 13 times as much.
        for (trial, fold0, fold1) in [("trial-001-lr=0.001", 0.5, 8.0), ("trial-002-lr=0.002", 0.6, 6.0)] {
            try record(folder, "\(trial)/fold-0", valMSE: fold0, testMSE: 0.5)
            try record(folder, "\(trial)/fold-1", valMSE: fold1, testMSE: 0.5)
        }
        let resumed = resumeSearch(folder)
        #expect(resumed.result == 0, "\(resumed.errors)")
        #expect(resumed.output.contains("note: fold 1's validation MSEs average 7, 13 times fold 0's 0.55"))
        #expect(resumed.output.contains("best: trial 2 (optimization.lr=0.002), mean of 2 folds: val mse 3.3000"))

        // Three times apart: no note.
        try record(folder, "trial-001-lr=0.001/fold-1", valMSE: 1.5, testMSE: 0.5)
        try record(folder, "trial-002-lr=0.002/fold-1", valMSE: 1.8, testMSE: 0.5)
        let alike = resumeSearch(folder)
        #expect(alike.result == 0 && !alike.output.contains("note: fold"), "\(alike.output)")
    }

    @Test("Refused fold settings name their key, before anything is written")
    func refusedFolds() throws {
        let folder = searchProject()
        let cases: [(arguments: [String], messages: [String])] = [
            (
                ["--search", "optimization.lr=1e-3", "--set", "search_folds=2", "--set", "data.fold=1"],
                ["data.fold 1 is set, and search_folds 2 gives each run its data.fold (0 to 1); drop data.fold"]
            ),
            (["--set", "search_folds=3"], ["search_folds trains each trial of a search once per validation fold"]),
            (["--search", "data.fold=0,1"], ["search: data.fold cannot be searched"]),
            (["--search", "search_folds=2,3"], ["search: search_folds cannot be searched"]),
            (["--search", "optimization.lr=1e-3", "--set", "search_folds=0"], ["search_folds must be >= 1 and <= 20"]),
            (["--search", "optimization.lr=1e-3", "--set", "search_folds=21"], ["search_folds must be >= 1 and <= 20"]),
            (
                // 200 rows: train 140, val 20; fold 7 would leave no training rows.
                ["--search", "optimization.lr=1e-3", "--set", "search_folds=8"],
                ["search trial 1/1 (optimization.lr=0.001)", "data.fold 7 moves the validation split 7 × 20 rows back"]
            ),
            (
                [
                    "--search", "optimization.lr=" + (1...600).map { "\($0)e-5" }.joined(separator: ","), "--set",
                    "search_folds=20"
                ],
                ["search has 600 trials of 20 folds each, 12000 runs, more than the 10000 a search trains"]
            )
        ]
        for (arguments, messages) in cases {
            let result = trainSearch(folder, arguments)
            #expect(result.result == 1, "\(arguments)")
            for message in messages { #expect(result.errors.contains(message), "\(arguments): \(result.errors)") }
            #expect(!folder.exists("search"), "\(arguments)")
        }
        // A single run takes data.fold on its own.
        let single = simba([
            "train", "--config", folder.file("config.yaml"), "--out", folder.file("one"), "--set", "data.fold=2"
        ])
        #expect(single.result == 0, "\(single.errors)")
        #expect(single.output.contains("validation fold 2 (data.fold)"))
    }

    @Test("Fold runs as child processes score as in one process")
    func parallelFoldRuns() throws {
        let folder = searchProject()
        let both = try searchInProcessAndAsChildren(
            folder, ["--search", "optimization.lr=2e-3", "--set", "search_folds=2"])
        #expect(both.status == 0, "\(both.errors)")
        #expect(both.output.contains("parallel: 2 runs at once as child processes, SIMBA_THREADS=1 each (2 threads)"))
        #expect(both.children == both.inProcess && both.children.count == 3)
    }
}
