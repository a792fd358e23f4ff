// What one run of a search scored, read from its run folder, and the table of every recorded run
// (search.csv); SearchMeans chooses the best trial. It trains and writes nothing.

import Foundation
import SimbaCore

/// A trial's scores with the weights of its best epoch, on the standardised scale.
public struct TrialScores: Codable, Equatable, Sendable {
    public var bestEpoch: Int
    public var valMSE, valMAE, testMSE, testMAE: Double

    enum CodingKeys: String, CodingKey {
        case bestEpoch = "best_epoch"
        case valMSE = "val_mse"
        case valMAE = "val_mae"
        case testMSE = "test_mse"
        case testMAE = "test_mae"
    }

    /// Reads the scores of the finished run in `folder`: the best epoch and test scores from
    /// test_metrics.json, the validation scores from that epoch's row of summary.csv (columns
    /// found by their header names). Throws `CheckpointError` naming the file that lacks them.
    public static func read(runFolder folder: String) throws -> TrialScores {
        let metricsFile = folder + "/test_metrics.json"
        guard let data = FileManager.default.contents(atPath: metricsFile),
            let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            let epoch = (json["best_epoch"] as? NSNumber)?.intValue, epoch >= 1,
            let testMSE = (json["test_mse"] as? NSNumber)?.doubleValue,
            let testMAE = (json["test_mae"] as? NSNumber)?.doubleValue
        else {
            throw CheckpointError(
                path: metricsFile,
                problem: "missing or without best_epoch, test_mse and test_mae: "
                    + "the trial did not finish; remove its folder to run it again")
        }
        let summaryFile = folder + "/summary.csv"
        let rows = (FileManager.default.contents(atPath: summaryFile).map { String(decoding: $0, as: UTF8.self) } ?? "")
            .split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        if let header = rows.first, let e = header.firstIndex(of: "epoch"), let m = header.firstIndex(of: "val_mse"),
            let a = header.firstIndex(of: "val_mae"),
            let row = rows.dropFirst().first(where: { $0.count == header.count && Int($0[e]) == epoch }),
            let valMSE = Double(row[m]), let valMAE = Double(row[a]), valMSE.isFinite, valMAE.isFinite
        {
            return TrialScores(bestEpoch: epoch, valMSE: valMSE, valMAE: valMAE, testMSE: testMSE, testMAE: testMAE)
        }
        throw CheckpointError(
            path: summaryFile,
            problem: "has no val_mse and val_mae for the best epoch \(epoch): "
                + "the trial's folder was changed by hand; remove it to run the trial again")
    }
}

/// The outcome of one run (a trial, or a trial's seed), kept as `search_trial.json` in its folder: its
/// scores, or why it failed. A run with a record is finished; a resumed search skips it.
public struct TrialRecord: Codable, Equatable, Sendable {
    public var scores: TrialScores?
    /// The error that ended the trial; nil when it finished with scores.
    public var failure: String?
    /// Wall-clock seconds of the process (the first `simba train` or a `--resume`) that finished the trial.
    public var seconds: Double

    /// The record's problem, or nil when it is whole: scores or a failure (not both), finite values.
    var problem: String? {
        if (scores == nil) == (failure == nil) { return "holds both scores and a failure, or neither" }
        if let s = scores, s.bestEpoch < 1 || ![s.valMSE, s.valMAE, s.testMSE, s.testMAE].allSatisfy(\.isFinite) {
            return "holds an invalid best epoch or score"
        }
        return seconds.isFinite && seconds >= 0 ? nil : "holds invalid seconds"
    }
}

public enum SearchTable {
    /// search.csv: `trial,folder,<searched keys…>,status,best_epoch,val_mse,val_mae,test_mse,test_mae,seconds`
    /// (with `search_seeds`, `trial,seed,folder,…`; with `search_folds`, `trial,[seed,]fold,folder,…`),
    /// one row per recorded run (`records` by run number) in run order; a failed run has status
    /// `failed` and empty scores. A fold's test scores are on its own scaler's scale.
    public static func csv(plan: SearchPlan, records: [Int: TrialRecord]) -> String {
        let scoreColumns = ["status", "best_epoch", "val_mse", "val_mae", "test_mse", "test_mae", "seconds"]
        let seedColumn = plan.seeds.isEmpty ? [] : ["seed"]
        let foldColumn = plan.folds > 1 ? ["fold"] : []
        let header: [String] = ["trial"] + seedColumn + foldColumn + ["folder"] + plan.axes.map(\.key) + scoreColumns
        var lines = [header.joined(separator: ",")]
        for run in plan.runs {
            guard let record = records[run.number] else { continue }
            var cells = [String(run.trial.number)] + (run.seed.map { [String($0)] } ?? [])
            cells += (run.fold.map { [String($0)] } ?? []) + [cell(run.folderName)]
            cells += run.trial.values.map { cell(ConfigValueParser.yamlScalar($0)) }
            if let s = record.scores {
                let scores: [Double] = [s.valMSE, s.valMAE, s.testMSE, s.testMAE]
                cells += ["done", String(s.bestEpoch)]
                cells += scores.map { String(format: "%.6f", $0) }
            } else {
                cells += ["failed", "", "", "", "", ""]
            }
            cells.append(String(format: "%.1f", record.seconds))
            lines.append(cells.joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// A CSV cell: quoted (quotes doubled) when it holds a comma or a quote.
    static func cell(_ text: String) -> String {
        guard text.contains(",") || text.contains("\"") else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
