// The model's scores on a split beside the baselines': the table printed under the model's scores,
// the per-column lines and the JSON block of metrics.json and test_metrics.json. It computes no forecast.

import Foundation
import SimbaData

/// What one split's report says: the model's pooled and per-column scores, each baseline's, and
/// the model's ratio to the best baseline (the lowest pooled standardised MSE, and MAE).
public struct ForecastComparison {
    public let split: ForecastSplit
    public let windows: Int
    public let steps: Int
    public let model: ForecastScoreSheet
    let baselines: [BaselineScores]

    /// Per-column scores are printed for at most this many columns; more go to the JSON file only.
    static let printedColumns = 8

    /// Scores the baselines on `split` of `data` beside `model`, the model's scores on the same windows.
    public init(model: ForecastScoreSheet, baselines: ForecastBaselines, data: ForecastData, split: ForecastSplit) {
        self.split = split
        windows = data.windowCount(split)
        steps = data.predLen
        self.model = model
        self.baselines = baselines.score(data, split: split)
    }

    /// The baseline with the lowest pooled standardised `metric` (MSE or MAE), and the model's ratio to it.
    func best(_ metric: KeyPath<ForecastMetricAccumulator, Double>) -> (baseline: BaselineScores, ratio: Double)? {
        let scored = baselines.compactMap { b in b.sheet.map { (b, $0.pooledStandardised[keyPath: metric]) } }
        guard let (baseline, value) = scored.min(by: { $0.1 < $1.1 }) else { return nil }
        return (baseline, model.pooledStandardised[keyPath: metric] / value)
    }

    // MARK: - Printing

    /// The model and every baseline, pooled standardised MSE and MAE, then the ratio line and notes.
    public var tableLines: [String] {
        let names = ["model"] + baselines.map(\.name)
        let width = max(names.map(\.count).max() ?? 0, "forecaster".count) + 2
        func pad(_ text: String) -> String { text.padding(toLength: width, withPad: " ", startingAt: 0) }
        var lines = [
            "\(split.rawValue) split, standardised, pooled over \(windows) windows × \(steps) steps × "
                + "\(model.columns.count) column\(model.columns.count == 1 ? "" : "s"):",
            "  " + pad("forecaster") + "      mse       mae"
        ]
        func row(_ name: String, _ sums: ForecastMetricAccumulator) -> String {
            "  " + pad(name) + String(format: "%9.4f %9.4f", sums.mse, sums.mae)
        }
        lines.append(row("model", model.pooledStandardised))
        for baseline in baselines {
            if let sheet = baseline.sheet {
                lines.append(row(baseline.name, sheet.pooledStandardised))
            } else {
                lines.append("  " + pad(baseline.name) + "      n/a: " + (baseline.unavailable ?? ""))
            }
        }
        if let mse = best(\.mse), let mae = best(\.mae) {
            lines.append(
                String(
                    format: "  model / best baseline: mse %.3f (%@), mae %.3f (%@)",
                    mse.ratio, mse.baseline.name, mae.ratio, mae.baseline.name))
        }
        lines += baselines.compactMap(\.note).map { "  (\($0))" }
        let skipped = (model.pooledStandardised.zeroTargets, model.pooledOriginal.zeroTargets)
        if skipped.0 > 0 || skipped.1 > 0 {
            lines.append(
                "  MAPE and MSPE skip the targets that are exactly 0: \(skipped.0) standardised, "
                    + "\(skipped.1) in original units")
        }
        return lines
    }

    /// `val split: model mse 0.7012, best baseline linear 0.7321 (ratio 0.958)`: the table in one line.
    public var ratioLine: String {
        let mse = model.pooledStandardised.mse
        guard let best = best(\.mse) else {
            return String(format: "%@ split: model mse %.4f, no baseline available", split.rawValue, mse)
        }
        return String(
            format: "%@ split: model mse %.4f, best baseline %@ %.4f (ratio %.3f)", split.rawValue, mse,
            best.baseline.name, best.baseline.sheet!.pooledStandardised.mse, best.ratio)
    }

    /// The model's MSE and MAE per target column, standardised and in original units; for more
    /// than `printedColumns` columns, one line pointing at `file`.
    public func perColumnLines(file: String) -> [String] {
        let k = model.columns.count
        guard k > 1 else { return [] }
        guard k <= Self.printedColumns else {
            return ["per-column scores of the \(k) columns (standardised and original units): \(file), per_column"]
        }
        let width = max(model.columns.map(\.count).max() ?? 0, "column".count) + 2
        func pad(_ text: String) -> String { text.padding(toLength: width, withPad: " ", startingAt: 0) }
        var lines = [
            "model per column:",
            "  " + pad("column") + "      mse       mae   mse (units)  mae (units)"
        ]
        for (j, column) in model.columns.enumerated() {
            let (s, o) = (model.standardised[j], model.original[j])
            lines.append("  " + pad(column) + String(format: "%9.4f %9.4f  %12.5g %12.5g", s.mse, s.mae, o.mse, o.mae))
        }
        return lines
    }

    // MARK: - JSON

    /// `{"standardised", "original_units", "skipped_zero_targets", "per_column", "baselines",
    /// "ratio_to_best_baseline", "split", "windows", "steps", "columns"}` (docs/forecasting-reports.md).
    var json: ReportJSON {
        var members = Self.scores(model)
        let pooled = (model.pooledStandardised, model.pooledOriginal)
        members["skipped_zero_targets"] = .object([
            "standardised": .count(pooled.0.zeroTargets),
            "original_units": .count(pooled.1.zeroTargets)
        ])
        members["split"] = .string(split.rawValue)
        members["windows"] = .count(windows)
        members["steps"] = .count(steps)
        members["columns"] = .array(model.columns.map { .string($0) })
        var baselineMembers: [String: ReportJSON] = [:]
        for baseline in baselines {
            var entry = baseline.details
            entry["name"] = .string(baseline.name)
            if let note = baseline.note { entry["note"] = .string(note) }
            if let sheet = baseline.sheet {
                entry.merge(Self.scores(sheet)) { $1 }
            } else {
                entry["unavailable"] = .string(baseline.unavailable ?? "")
            }
            baselineMembers[baseline.key] = .object(entry)
        }
        members["baselines"] = .object(baselineMembers)
        if let mse = best(\.mse), let mae = best(\.mae) {
            members["ratio_to_best_baseline"] = .object([
                "mse": .number(mse.ratio), "mse_baseline": .string(mse.baseline.key),
                "mae": .number(mae.ratio), "mae_baseline": .string(mae.baseline.key)
            ])
        }
        return .object(members)
    }

    /// Pooled metrics on both scales and MSE/MAE per column.
    static func scores(_ sheet: ForecastScoreSheet) -> [String: ReportJSON] {
        let columns: [ReportJSON] = sheet.columns.indices.map { j in
            .object([
                "column": .string(sheet.columns[j]), "standardised": .errors(sheet.standardised[j]),
                "original_units": .errors(sheet.original[j])
            ])
        }
        return [
            "standardised": .metrics(sheet.pooledStandardised), "original_units": .metrics(sheet.pooledOriginal),
            "per_column": .array(columns)
        ]
    }
}
