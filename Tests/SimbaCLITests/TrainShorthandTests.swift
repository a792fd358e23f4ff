// `simba train --epochs/--lr/--batch-size/--seed/--workers` through SimbaCommand.run: each sets its
// config key as --set would, and unknown options that name a config key point to `--set`.

import Foundation
import SimbaTestSupport
import Testing

@testable import SimbaCLI

@Suite("simba train's everyday options")
struct TrainShorthandTests {
    @Test("--epochs, --lr, --batch-size, --seed and --workers land in config.yaml as command-line overrides")
    func shorthandsSetTheirKeys() throws {
        let folder = try VisionFiles.project(yaml: VisionFiles.config(epochs: 3))
        let run = simba(
            VisionFiles.trainArguments(
                folder,
                [
                    "--epochs", "1", "--lr", "0.003", "--batch-size", "6", "--seed", "5", "--workers", "1"
                ]))
        #expect(run.result == 0, "\(run.errors)")
        let config = try text(folder.file("run/config.yaml"))
        for line in ["  epochs: 1", "  lr: 0.003", "  batch_size: 6", "  seed: 5", "  workers: 1"] {
            #expect(config.contains(line), "config.yaml lacks \(line)")
        }
        #expect(run.output.contains("(command line: --set optimization.epochs=1)"), "\(run.output)")
        #expect(run.output.contains("(command line: --set data.workers=1)"), "\(run.output)")
        let summary = try text(folder.file("run/summary.csv")).split(separator: "\n")
        #expect(summary.count == 2, "one epoch, not the config's three")
    }

    @Test("A shorthand and --set of its key together are refused, as is --workers for forecasting")
    func conflicts() throws {
        let folder = try VisionFiles.project()
        let both = simba(VisionFiles.trainArguments(folder, ["--epochs", "2", "--set", "optimization.epochs=3"]))
        #expect(both.result == 2)
        #expect(
            both.errors.contains("--epochs and --set optimization.epochs=… both set optimization.epochs; keep one"),
            "\(both.errors)")
        folder.write(ForecastFiles.csv(), to: "series.csv")
        folder.write(ForecastFiles.config(epochs: 1), to: "forecast.yaml")
        let workers = simba([
            "train", "--config", folder.file("forecast.yaml"), "--out", folder.file("f"),
            "--workers", "2"
        ])
        #expect(workers.result == 2)
        #expect(
            workers.errors.contains("--workers sets data.workers, which a forecast config does not have"),
            "\(workers.errors)")
        #expect(!folder.exists("run") && !folder.exists("f"))
    }

    @Test("A bad shorthand value is refused naming its key")
    func badValue() throws {
        let folder = try VisionFiles.project()
        let run = simba(VisionFiles.trainArguments(folder, ["--epochs", "0"]))
        #expect(run.result != 0)
        #expect(run.errors.contains("optimization.epochs must be >= 1"), "\(run.errors)")
        expectNoCheckpoint(folder)
    }

    @Test(
        "An unknown option that names a config key suggests --set with it",
        arguments: [
            ("--warmup-epochs", "--set optimization.warmup_epochs=…"),
            ("--d-state", "--set model.d_state=…"),
            ("--optimization.min_lr", "--set optimization.min_lr=…")
        ])
    func unknownOptionHint(_ option: String, _ hint: String) {
        let run = simba(["train", option, "3"])
        #expect(run.result == 2)
        #expect(run.errors.contains("unknown option '\(option)'"), "\(run.errors)")
        #expect(run.errors.contains("(a config key: \(hint)"), "\(run.errors)")
    }

    @Test("An unknown option near a real one still gets the spelling hint")
    func spellingHint() {
        let run = simba(["train", "--epoch", "3"])
        #expect(run.result == 2)
        #expect(run.errors.contains("did you mean '--epochs'?"), "\(run.errors)")
    }
}
