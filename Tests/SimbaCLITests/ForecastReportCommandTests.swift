// What `simba train` and `simba forecast` report beside the model: the baselines' table under the
// model's scores, the JSON blocks with per-column scores and the ratio, and predictions.csv.

import Foundation
import SimbaCLI
import SimbaTestSupport
import Testing

private func jsonObject(_ path: String) throws -> [String: Any] {
    let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path)))
    return try #require(json as? [String: Any], "\(path) is not a JSON object")
}

/// Checks one split's report block: the model's pooled and per-column scores, the three baselines
/// and the ratio to the best of them.
private func checkReport(_ report: [String: Any], split: String, windows: Int, columns: [String]) throws {
    #expect(report["split"] as? String == split && report["windows"] as? Int == windows && report["steps"] as? Int == 8)
    #expect(report["columns"] as? [String] == columns)
    for scale in ["standardised", "original_units"] {
        let pooled = try #require(report[scale] as? [String: Any], "no \(scale)")
        #expect(Set(pooled.keys) == ["mse", "mae", "rmse", "mape", "mspe"])
    }
    let perColumn = try #require(report["per_column"] as? [[String: Any]])
    #expect(perColumn.compactMap { $0["column"] as? String } == columns)
    for column in perColumn {
        let original = try #require(column["original_units"] as? [String: Double])
        let standardised = try #require(column["standardised"] as? [String: Double])
        #expect(Set(original.keys) == ["mse", "mae"] && Set(standardised.keys) == ["mse", "mae"])
        #expect(original["mse"]! > 0 && standardised["mae"]! > 0)
    }
    let baselines = try #require(report["baselines"] as? [String: [String: Any]])
    #expect(Set(baselines.keys) == ["repeat_last", "seasonal_naive", "linear"])
    #expect(baselines["seasonal_naive"]?["period"] as? Int == 24)
    #expect((baselines["seasonal_naive"]?["note"] as? String)?.contains("8 rows before the look-back") == true)
    #expect(baselines["linear"]?["training_windows"] as? Int == 140 - 16 - 8 + 1)
    var best = Double.infinity, bestKey = ""
    for (key, baseline) in baselines {
        let pooled = try #require(baseline["standardised"] as? [String: Any], "\(key) has no scores")
        let mse = try #require(pooled["mse"] as? Double)
        if mse < best { (best, bestKey) = (mse, key) }
        #expect((baseline["per_column"] as? [Any])?.count == columns.count)
    }
    let ratio = try #require(report["ratio_to_best_baseline"] as? [String: Any])
    let modelMSE = try #require((report["standardised"] as? [String: Any])?["mse"] as? Double)
    #expect(ratio["mse_baseline"] as? String == bestKey)
    // JSONSerialization's numbers (NSDecimalNumber) convert to Double only to about 1e-7.
    #expect(abs((ratio["mse"] as? Double ?? 0) - modelMSE / best) < 1e-6)
}

@Suite("Forecasting reports: baselines, per-column scores, predictions.csv")
struct ForecastReportCommandTests {
    @Test("simba train and simba forecast print the baselines under the model and write them to JSON")
    func baselinesInOutputAndJSON() throws {
        let folder = TemporaryFolder("simba-cli-report-test")
        folder.write(ForecastFiles.csv(), to: "series.csv")
        folder.write(ForecastFiles.config(epochs: 1), to: "config.yaml")
        let train = simba(["train", "--config", folder.file("config.yaml"), "--out", folder.file("run")])
        #expect(train.result == 0, "\(train.errors)")
        for text in [
            "linear baseline: fitted on 117 training windows per column",
            "test split, standardised, pooled over 33 windows × 8 steps × 3 columns:",
            "  repeat-last ", "  seasonal naive(24) ", "  linear ", "model / best baseline: mse ",
            "model per column:", "val split: model mse "
        ] {
            #expect(train.output.contains(text), "train output lacks '\(text)'")
        }
        let testMetrics = try jsonObject(folder.file("run/test_metrics.json"))
        #expect(testMetrics["test_mse"] is Double && testMetrics["best_epoch"] as? Int == 1)
        let columns = ["a", "b", "OT"]
        let (test, val) = (testMetrics["test"] as? [String: Any], testMetrics["val"] as? [String: Any])
        try checkReport(try #require(test), split: "test", windows: 33, columns: columns)
        try checkReport(try #require(val), split: "val", windows: 13, columns: columns)
        let pooled = try #require(test?["standardised"] as? [String: Any])
        #expect(pooled["mse"] as? Double == testMetrics["test_mse"] as? Double)

        let forecast = simba(["forecast", "--checkpoint", folder.file("run"), "--out", folder.file("out")])
        #expect(forecast.result == 0, "\(forecast.errors)")
        for text in [
            "test split, standardised, pooled over 33 windows × 8 steps × 3 columns:", "  seasonal naive(24) ",
            "model / best baseline: mse ", "predictions.csv: 792 lines"
        ] {
            #expect(forecast.output.contains(text), "forecast output lacks '\(text)'")
        }
        let metrics = try jsonObject(folder.file("out/metrics.json"))
        try checkReport(metrics, split: "test", windows: 33, columns: ["a", "b", "OT"])
        // The same checkpoint on the same windows: the same scores as training's.
        #expect(
            abs(
                ((metrics["standardised"] as? [String: Any])?["mse"] as? Double ?? 0)
                    - (testMetrics["test_mse"] as? Double ?? 1)) < 1e-6)
    }

    @Test("predictions.csv holds every window × step × column with its timestamp, truth and forecast")
    func predictionsCSV() throws {
        let folder = TemporaryFolder("simba-cli-predictions-test")
        let csv = ForecastFiles.csv()
        folder.write(csv, to: "series.csv")
        folder.write(ForecastFiles.config(epochs: 1), to: "config.yaml")
        #expect(simba(["train", "--config", folder.file("config.yaml"), "--out", folder.file("run")]).result == 0)
        #expect(simba(["forecast", "--checkpoint", folder.file("run"), "--out", folder.file("out")]).result == 0)
        let text = try String(contentsOfFile: folder.file("out/predictions.csv"), encoding: .utf8)
        let lines = text.split(separator: "\n")
        #expect(lines.first == "window,timestamp,column,step,truth,forecast")
        #expect(lines.count == 1 + 33 * 8 * 3)
        // Test rows start at 144 (200 − 40 − L 16); window w, step s forecasts row 144 + 16 + w + s − 1.
        let rows = csv.split(separator: "\n").dropFirst().map { $0.split(separator: ",").map(String.init) }
        let names = ["a", "b", "OT"]
        for (index, line) in lines.dropFirst().enumerated() {
            let cells = line.split(separator: ",").map(String.init)
            try #require(cells.count == 6, "line \(index + 2): \(line)")
            let (w, s, j) = (index / 24, index / 3 % 8 + 1, index % 3)
            #expect(
                cells[0] == String(w) && cells[2] == names[j] && cells[3] == String(s),
                "line \(index + 2): \(line)")
            let row = rows[160 + w + s - 1]
            #expect(cells[1] == row[0], "line \(index + 2): timestamp \(cells[1]), file \(row[0])")
            let truth = try #require(Double(cells[4])), expected = try #require(Double(row[1 + j]))
            #expect(
                abs(truth - expected) <= 1e-5 * max(1, abs(expected)),
                "line \(index + 2): truth \(truth), file \(expected)")
            #expect(Double(cells[5])?.isFinite == true)
        }
        // No temporary file is left beside it.
        let entries = try FileManager.default.contentsOfDirectory(atPath: folder.file("out"))
        #expect(!entries.contains { $0.hasPrefix(".") }, "\(entries)")
    }

    @Test("Weekly data has no seasonal period: seasonal naive is n/a, the other baselines still count")
    func seasonalNaiveUnavailable() throws {
        let folder = TemporaryFolder("simba-cli-weekly-test")
        // The synthetic series re-dated one row a week.
        let weekly = ForecastFiles.csv().split(separator: "\n").enumerated().map { r, line in
            r == 0
                ? String(line)
                : ForecastFiles.timestamp(1_614_556_800 + Int64(r - 1) * 604_800)
                    + line.drop { $0 != "," }
        }
        folder.write(weekly.joined(separator: "\n") + "\n", to: "series.csv")
        folder.write(ForecastFiles.config(epochs: 1), to: "config.yaml")
        let train = simba(["train", "--config", folder.file("config.yaml"), "--out", folder.file("run")])
        #expect(train.result == 0, "\(train.errors)")
        #expect(
            train.output.contains("  seasonal naive        n/a: no seasonal period for freq 1 week"),
            "\(train.output)")
        let report = try #require(try jsonObject(folder.file("run/test_metrics.json"))["test"] as? [String: Any])
        let baselines = try #require(report["baselines"] as? [String: [String: Any]])
        let seasonal = try #require(baselines["seasonal_naive"])
        #expect(seasonal["unavailable"] is String && seasonal["standardised"] == nil)
        let ratio = try #require(report["ratio_to_best_baseline"] as? [String: Any])
        #expect(["repeat_last", "linear"].contains(ratio["mse_baseline"] as? String ?? ""))
    }
}
