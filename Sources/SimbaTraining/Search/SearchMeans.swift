// Each trial's scores over its runs (one, or one per seed of `search_seeds`: mean and standard deviation),
// their table (search_means.csv) and the choice of the best trial by mean validation MSE. Writes nothing.

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

/// What a trial of a search with seeds came to once every one of its seeds' runs has a record.
public enum SeedOutcome: Equatable, Sendable {
    /// Every seed finished with scores: the spread of each score of their best epochs.
    case done(valMSE: ScoreSpread, valMAE: ScoreSpread, testMSE: ScoreSpread, testMAE: ScoreSpread)
    /// At least one seed failed (`scored` of them finished with scores): the trial is never chosen.
    case failed(scored: Int)
}

public enum SearchMeans {
    /// The outcome of each trial (by number) whose runs (its one run, or one per seed) all have a record
    /// in `records` (by run number); trials with a run still to finish are left out.
    public static func outcomes(plan: SearchPlan, records: [Int: TrialRecord]) -> [Int: SeedOutcome] {
        var outcomes: [Int: SeedOutcome] = [:]
        for trial in plan.trials {
            let runs = plan.runs(of: trial).compactMap { records[$0.number] }
            guard runs.count == max(plan.seeds.count, 1) else { continue }
            let scores = runs.compactMap(\.scores)
            outcomes[trial.number] =
                scores.count < runs.count
                ? .failed(scored: scores.count)
                : .done(
                    valMSE: ScoreSpread(scores.map(\.valMSE)), valMAE: ScoreSpread(scores.map(\.valMAE)),
                    testMSE: ScoreSpread(scores.map(\.testMSE)), testMAE: ScoreSpread(scores.map(\.testMAE)))
        }
        return outcomes
    }

    /// The trial with the lowest mean validation MSE among those done (the lower number on a tie);
    /// test scores play no part. Without seeds the mean is the one run's score. Nil when none is done.
    public static func best(_ outcomes: [Int: SeedOutcome]) -> Int? {
        let done: [(number: Int, mse: Double)] = outcomes.compactMap { number, outcome in
            guard case let .done(valMSE, _, _, _) = outcome else { return nil }
            return (number, valMSE.mean)
        }
        return done.min { $0.mse < $1.mse || $0.mse == $1.mse && $0.number < $1.number }?.number
    }

    /// search_means.csv: `trial,folder,<searched keys…>,status,seeds,val_mse,val_mse_std,val_mae,
    /// val_mae_std,test_mse,test_mse_std,test_mae,test_mae_std`, one row per trial with an outcome, in
    /// trial order. `seeds` counts the seeds that finished with scores; a failed trial's scores are empty.
    public static func csv(plan: SearchPlan, outcomes: [Int: SeedOutcome]) -> String {
        let scoreColumns = ["val_mse", "val_mae", "test_mse", "test_mae"].flatMap { [$0, $0 + "_std"] }
        let header = ["trial", "folder"] + plan.axes.map(\.key) + ["status", "seeds"] + scoreColumns
        var lines = [header.joined(separator: ",")]
        for trial in plan.trials {
            guard let outcome = outcomes[trial.number] else { continue }
            var cells = [String(trial.number), SearchTable.cell(trial.folderName)]
            cells += trial.values.map { SearchTable.cell(ConfigValueParser.yamlScalar($0)) }
            switch outcome {
            case let .done(valMSE, valMAE, testMSE, testMAE):
                cells += ["done", String(plan.seeds.count)]
                for spread in [valMSE, valMAE, testMSE, testMAE] {
                    cells += [String(format: "%.6f", spread.mean), String(format: "%.6f", spread.deviation)]
                }
            case let .failed(scored):
                cells += ["failed", String(scored)] + Array(repeating: "", count: scoreColumns.count)
            }
            lines.append(cells.joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
