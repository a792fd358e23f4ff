// The three baselines every forecasting report scores beside the model (repeat-last, seasonal
// naive, linear), built once per data set and scored on any split. It does not print.

import Foundation
import SimbaCore
import SimbaData

/// Repeat-last, seasonal naive (period from the data's time step) and the linear map fitted on the
/// train split, in that order; a baseline that cannot be built says why.
public struct ForecastBaselines {
    /// A baseline ready to forecast, or the reason it is missing, with what JSON states about it.
    enum Entry {
        case ready(any ForecastBaseline, details: [String: ReportJSON])
        case missing(key: String, name: String, reason: String)
    }

    let entries: [Entry]
    /// Seconds the linear fit took.
    public let fitSeconds: Double

    /// Windows forecast at once when scoring.
    static let batchWindows = 256

    /// Builds the baselines for `data`, fitting the linear one on its train split.
    public init(data: ForecastData) {
        var entries: [Entry] = [.ready(RepeatLastForecast(), details: [:])]
        let period = data.seasonalPeriod
        if period > 1 {
            entries.append(
                .ready(
                    SeasonalNaiveForecast(period: period, seqLen: data.seqLen),
                    details: ["period": .count(period)]))
        } else {
            entries.append(
                .missing(
                    key: "seasonal_naive", name: "seasonal naive",
                    reason: "no seasonal period for freq \(data.frequency) (known: steps dividing "
                        + "a day, days, business days, months, quarters)"))
        }
        let started = DispatchTime.now().uptimeNanoseconds
        let linear = LinearForecast.fit(data)
        fitSeconds = Double(DispatchTime.now().uptimeNanoseconds - started) * 1e-9
        if let linear {
            entries.append(
                .ready(
                    linear,
                    details: [
                        "ridge": .number(LinearForecast.relativeRidge),
                        "training_windows": .count(linear.trainingWindows)
                    ]))
        } else {
            entries.append(
                .missing(
                    key: "linear", name: "linear",
                    reason: "its least-squares system is not positive definite"))
        }
        self.entries = entries
    }

    /// `linear baseline: fitted on 8449 training windows per column in 0.02 s`.
    public var fitDescription: String {
        for case .ready(let baseline as LinearForecast, _) in entries {
            return String(
                format: "linear baseline: fitted on %d training windows per column in %.2f s",
                baseline.trainingWindows, fitSeconds)
        }
        return "linear baseline: not fitted"
    }

    /// Every baseline's scores on every window of `split`, in the order of `entries`.
    func score(_ data: ForecastData, split: ForecastSplit) -> [BaselineScores] {
        let (l, h, m, k) = (data.seqLen, data.predLen, data.inputColumns, data.outputColumns)
        let windows = data.windowCount(split), batch = min(Self.batchWindows, windows)
        var input = [Float](repeating: 0, count: batch * l * m), truth = [Float](repeating: 0, count: batch * h * k)
        var forecast = truth
        var results: [BaselineScores] = []
        for entry in entries {
            switch entry {
            case .missing(let key, let name, let reason):
                results.append(
                    BaselineScores(
                        key: key, name: name, note: nil, sheet: nil, unavailable: reason,
                        details: [:]))
            case .ready(let baseline, let details):
                if let reason = baseline.unavailable(data, split: split) {
                    results.append(
                        BaselineScores(
                            key: baseline.key, name: baseline.name, note: baseline.note,
                            sheet: nil, unavailable: reason, details: details))
                    continue
                }
                var sheet = ForecastScoreSheet(scaler: data.scaler, columnRange: data.outputColumnRange)
                for first in stride(from: 0, to: windows, by: batch) {
                    let count = min(batch, windows - first)
                    input.withUnsafeMutableBufferPointer { input in
                        truth.withUnsafeMutableBufferPointer { truth in
                            forecast.withUnsafeMutableBufferPointer { forecast in
                                data.fill(
                                    split: split, windows: first..<first + count, input: input.baseAddress!,
                                    target: truth.baseAddress!)
                                baseline.forecast(
                                    data, split: split, first: first, count: count,
                                    into: forecast.baseAddress!)
                                sheet.add(prediction: forecast.baseAddress!, truth: truth.baseAddress!, rows: count * h)
                            }
                        }
                    }
                }
                results.append(
                    BaselineScores(
                        key: baseline.key, name: baseline.name, note: baseline.note, sheet: sheet,
                        unavailable: nil, details: details))
            }
        }
        return results
    }
}

/// One baseline's scores on a split, or why it has none.
struct BaselineScores {
    let key: String
    let name: String
    let note: String?
    let sheet: ForecastScoreSheet?
    let unavailable: String?
    /// Facts for JSON: the seasonal period, the linear map's ridge and training windows.
    let details: [String: ReportJSON]
}
