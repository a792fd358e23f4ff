// Each trial's scores over its runs (one, or one per seed of `search_seeds` and fold of `search_folds`:
// mean and standard deviation), their table (search_means.csv) and the choice of the best trial by mean
// validation MSE. Writes nothing.

import Foundation

/// The mean and the sample standard deviation (n − 1 in the denominator; 0 for one value) of a score.
public struct ScoreSpread: Equatable, Sendable {
    public let mean: Double
    public let deviation: Double

    public init(_ values: [Double]) {
        precondition(!values.isEmpty, "a spread needs at least one value")
        let n = Double(values.count)
        let mean = values.reduce(0, +) / n
        let squares = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
        self.mean = mean
        deviation = values.count > 1 ? (squares / (n - 1)).squareRoot() : 0
    }
}

/// What a trial of a search came to once every one of its runs (seeds and folds) has a record.
public enum TrialOutcome: Equatable, Sendable {
    /// Every run finished with scores: the spread of each score of their best epochs, validation
    /// over every run, test over the runs on the borders' own split (fold 0) only, since another
    /// fold's test scores are on its own scaler's scale.
    case done(valMSE: ScoreSpread, valMAE: ScoreSpread, testMSE: ScoreSpread, testMAE: ScoreSpread)
    /// At least one run failed (`scored` of them finished with scores): the trial is never chosen.
    case failed(scored: Int)
}

public enum SearchMeans {
    /// The outcome of each trial (by number) whose runs (its one run, or one per seed and fold) all
    /// have a record in `records` (by run number); trials with a run still to finish are left out.
    public static func outcomes(plan: SearchPlan, records: [Int: TrialRecord]) -> [Int: TrialOutcome] {
        var outcomes: [Int: TrialOutcome] = [:]
        for trial in plan.trials {
            let runs = plan.runs(of: trial)
            let recorded = runs.compactMap { records[$0.number] }
            guard recorded.count == plan.runsPerTrial else { continue }
            let scores = recorded.compactMap(\.scores)
            guard scores.count == recorded.count else {
                outcomes[trial.number] = .failed(scored: scores.count)
                continue
            }
            let standard = runs.filter(\.isStandardSplit).compactMap { records[$0.number]?.scores }
            outcomes[trial.number] = .done(
                valMSE: ScoreSpread(scores.map(\.valMSE)), valMAE: ScoreSpread(scores.map(\.valMAE)),
                testMSE: ScoreSpread(standard.map(\.testMSE)), testMAE: ScoreSpread(standard.map(\.testMAE)))
        }
        return outcomes
    }

    /// The trial with the lowest mean validation MSE among those done (the lower number on a tie);
    /// test scores play no part. With one run per trial the mean is its score. Nil when none is done.
    public static func best(_ outcomes: [Int: TrialOutcome]) -> Int? {
        let done: [(number: Int, mse: Double)] = outcomes.compactMap { number, outcome in
            guard case let .done(valMSE, _, _, _) = outcome else { return nil }
            return (number, valMSE.mean)
        }
        return done.min { $0.mse < $1.mse || $0.mse == $1.mse && $0.number < $1.number }?.number
    }

    /// Fold means this many times apart get a note: the mean over folds then ranks by the largest.
    public static let foldScaleRatio = 10.0

    /// A note when the folds' validation MSEs are on very different scales: the mean over every run
    /// with scores of each fold, the largest at least `foldScaleRatio` times the smallest. Each fold
    /// standardises with its own train rows, so a column that moves far outside them on a fold's
    /// validation stretch inflates that fold's MSE, and the mean over folds then ranks mostly by it.
    /// Nil without folds, without scores on every fold, or when the folds are alike.
    public static func foldScaleNote(plan: SearchPlan, records: [Int: TrialRecord]) -> String? {
        guard plan.folds > 1 else { return nil }
        var sums = [Double](repeating: 0, count: plan.folds), counts = [Int](repeating: 0, count: plan.folds)
        for run in plan.runs {
            guard let fold = run.fold, let scores = records[run.number]?.scores else { continue }
            sums[fold] += scores.valMSE
            counts[fold] += 1
        }
        guard !counts.contains(0) else { return nil }
        let means = zip(sums, counts).map { $0 / Double($1) }
        guard let high = means.indices.max(by: { means[$0] < means[$1] }),
            let low = means.indices.min(by: { means[$0] < means[$1] }), means[high] >= foldScaleRatio * means[low]
        else { return nil }
        return String(
            format: "fold %d's validation MSEs average %.4g, %.0f times fold %d's %.4g: each fold standardises "
                + "with its own train rows, and a column far outside them on fold %d's validation stretch makes "
                + "the mean over folds rank mostly by that fold (docs/search.md, \"What is searched\")",
            high, means[high], means[high] / means[low], low, means[low], high)
    }

    /// search_means.csv: `trial,folder,<searched keys…>,status,seeds,val_mse,val_mse_std,val_mae,
    /// val_mae_std,test_mse,test_mse_std,test_mae,test_mae_std` (with `search_folds`, `status,seeds,folds,…`),
    /// one row per trial with an outcome, in trial order. `seeds` and `folds` count what each trial
    /// ran (a failed trial has status `failed`, its runs that finished with scores as `seeds`, and empty
    /// scores). Validation columns are over every run, test columns over fold 0's.
    public static func csv(plan: SearchPlan, outcomes: [Int: TrialOutcome]) -> String {
        let scoreColumns = ["val_mse", "val_mae", "test_mse", "test_mae"].flatMap { [$0, $0 + "_std"] }
        let foldColumn = plan.folds > 1 ? ["folds"] : []
        let header = ["trial", "folder"] + plan.axes.map(\.key) + ["status", "seeds"] + foldColumn + scoreColumns
        var lines = [header.joined(separator: ",")]
        for trial in plan.trials {
            guard let outcome = outcomes[trial.number] else { continue }
            var cells = [String(trial.number), SearchTable.cell(trial.folderName)]
            cells += trial.values.map { SearchTable.cell(ConfigValueParser.yamlScalar($0)) }
            switch outcome {
            case let .done(valMSE, valMAE, testMSE, testMAE):
                cells += ["done", String(max(plan.seeds.count, 1))] + (plan.folds > 1 ? [String(plan.folds)] : [])
                for spread in [valMSE, valMAE, testMSE, testMAE] {
                    cells += [String(format: "%.6f", spread.mean), String(format: "%.6f", spread.deviation)]
                }
            case let .failed(scored):
                cells += ["failed", String(scored)] + (plan.folds > 1 ? [String(plan.folds)] : [])
                cells += Array(repeating: "", count: scoreColumns.count)
            }
            lines.append(cells.joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
