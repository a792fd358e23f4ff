// Checkpoints holding NaN weights through `simba eval`, `simba forecast` and `simba train --resume`:
// the error names how many images or which windows, and no result file is written; MAPE skips zero truths.

import Foundation
import SimbaTestSupport
import Testing

@testable import SimbaCLI

@Suite("Non-finite outputs are errors, never scores")
struct NonFiniteOutputTests {
    @Test("simba eval with one NaN weight (head.bias) stops with the image count; no JSON, no predictions")
    func nanLogits() throws {
        let folder = TemporaryFolder("simba-cli-nan-eval-test")
        try VisionFiles.makeFolder(folder.file("images"))
        folder.write(VisionFiles.config(epochs: 1), to: "config.yaml")
        #expect(simba(["train", "--config", folder.file("config.yaml"), "--out", folder.file("run")]).result == 0)
        let eval = [
            "eval", "--checkpoint", folder.file("run"), "--data", folder.file("images"),
            "--json", folder.file("out.json"), "--predictions", folder.file("predictions.csv")
        ]
        #expect(simba(eval).result == 0, "the untouched checkpoint evaluates")
        try FileManager.default.removeItem(atPath: folder.file("out.json"))
        try FileManager.default.removeItem(atPath: folder.file("predictions.csv"))

        let poisoned = try SafetensorsEditing.setNaN(folder.file("run/best.safetensors")) { $0 == "head.bias" }
        try #require(poisoned == ["head.bias"])
        let all = simba(eval)
        #expect(all.result == 1)
        #expect(all.errors.contains("12 of the 12 images produced a NaN or infinite logit or loss"), "\(all.errors)")
        #expect(!all.output.contains(" * Acc@1"), "a summary line was printed")
        #expect(!folder.exists("out.json") && !folder.exists("predictions.csv"))

        // A smaller batch stops at the first batch with a NaN, saying how far it got.
        let first = simba(eval + ["--batch-size", "5"])
        #expect(first.result == 1)
        #expect(first.errors.contains("5 of the first 5 images (of 12) produced a NaN"), "\(first.errors)")
        #expect(!folder.exists("out.json") && !folder.exists("predictions.csv"))
    }

    @Test("The evaluation at the end of `simba train` (classify) refuses NaN logits: no eval_metrics.json")
    func nanTrainingEvaluation() throws {
        let folder = TemporaryFolder("simba-cli-nan-train-eval-test")
        try VisionFiles.makeFolder(folder.file("images"))
        folder.write(VisionFiles.config(epochs: 1), to: "config.yaml")
        #expect(simba(["train", "--config", folder.file("config.yaml"), "--out", folder.file("run")]).result == 0)
        try FileManager.default.removeItem(atPath: folder.file("run/eval_metrics.json"))
        // All epochs are done: a resume only reloads best.safetensors and evaluates it.
        try SafetensorsEditing.setNaN(folder.file("run/best.safetensors")) { $0 == "head.bias" }
        let run = simba(["train", "--resume", folder.file("run")])
        #expect(run.result == 1)
        // Training evaluates in batches of optimization.batch_size (4).
        #expect(run.errors.contains("4 of the first 4 images (of 12) produced a NaN"), "\(run.errors)")
        #expect(!folder.exists("run/eval_metrics.json"))
    }

    @Test("simba forecast with NaN weights names the windows and writes nothing, not even its folder")
    func nanForecast() throws {
        let folder = TemporaryFolder("simba-cli-nan-forecast-test")
        folder.write(ForecastFiles.csv(), to: "series.csv")
        folder.write(ForecastFiles.config(epochs: 1), to: "config.yaml")
        #expect(simba(["train", "--config", folder.file("config.yaml"), "--out", folder.file("run")]).result == 0)
        try SafetensorsEditing.setNaN(folder.file("run/best.safetensors")) { _ in true }
        for extra in [[], ["--future", "--inverse"], ["--split", "val"]] {
            let run = simba(["forecast", "--checkpoint", folder.file("run"), "--out", folder.file("out")] + extra)
            #expect(run.result == 1, "\(extra)")
            #expect(
                run.errors.contains("the forecast holds NaN or infinite values for")
                    && run.errors.contains("(windows 0, 1, 2, 3, 4, …, counted from 0)"), "\(extra): \(run.errors)")
            #expect(!run.errors.contains("EncodingError"))
            #expect(!folder.exists("out"), "\(extra): the output folder was created")
        }
    }

    @Test("MAPE and MSPE skip truths of 0 and count them; the metrics stay finite")
    func zeroTruthsSkipped() throws {
        let folder = TemporaryFolder("simba-cli-mape-test")
        // Column a alternates 1 and 3 over the 140 training rows (mean exactly 2) and is 2 after them:
        // its standardised truth is exactly 0 in the test split (33 windows × 8 steps), not in original units.
        let csv = ForecastFiles.csv { row, column in column == 0 ? (row >= 140 ? "2" : row % 2 == 0 ? "1" : "3") : nil }
        folder.write(csv, to: "series.csv")
        folder.write(ForecastFiles.config(epochs: 1), to: "config.yaml")
        let train = simba(["train", "--config", folder.file("config.yaml"), "--out", folder.file("run")])
        #expect(train.result == 0, "\(train.errors)")
        #expect(
            train.output.contains(
                "MAPE and MSPE skip the targets that are exactly 0: 264 standardised, 0 in original units"))
        let testMetrics =
            try JSONSerialization.jsonObject(
                with: Data(contentsOf: URL(fileURLWithPath: folder.file("run/test_metrics.json")))) as? [String: Any]
        #expect((testMetrics?["test_mape"] as? Double)?.isFinite == true, "\(String(describing: testMetrics))")
        let run = simba(["forecast", "--checkpoint", folder.file("run"), "--out", folder.file("out")])
        #expect(run.result == 0, "\(run.errors)")
        let json = try #require(
            try JSONSerialization.jsonObject(
                with: Data(contentsOf: URL(fileURLWithPath: folder.file("out/metrics.json")))) as? [String: Any])
        let metrics = try #require(json["standardised"] as? [String: Any])
        #expect(
            (metrics["mape"] as? Double)?.isFinite == true && (metrics["mspe"] as? Double)?.isFinite == true,
            "\(metrics)")
        let skipped = try #require(json["skipped_zero_targets"] as? [String: Int])
        #expect(skipped == ["standardised": 264, "original_units": 0])
        #expect(folder.exists("out/predictions.safetensors"))
    }

    @Test("The test scoring at the end of `simba train` refuses NaN forecasts: no test_metrics.json")
    func nanTestScoring() throws {
        let folder = TemporaryFolder("simba-cli-nan-train-test")
        folder.write(ForecastFiles.csv(), to: "series.csv")
        folder.write(ForecastFiles.config(epochs: 1), to: "config.yaml")
        #expect(simba(["train", "--config", folder.file("config.yaml"), "--out", folder.file("run")]).result == 0)
        try FileManager.default.removeItem(atPath: folder.file("run/test_metrics.json"))
        // All epochs are done: a resume only reloads best.safetensors and scores the test split.
        try SafetensorsEditing.setNaN(folder.file("run/best.safetensors")) { _ in true }
        let run = simba(["train", "--resume", folder.file("run")])
        #expect(run.result == 1)
        #expect(run.errors.contains("test windows (windows 0, 1, 2, 3, 4, …"), "\(run.errors)")
        #expect(!folder.exists("run/test_metrics.json"))
    }
}
