// Training runs stopped by a stop request at the job level (the request stands in for Ctrl-C):
// where they stop, what they say and leave, and that a resume ends bit-exactly where the uninterrupted run does.

import Foundation
import SimbaCore
import SimbaTestSupport
import Testing

@testable import SimbaTraining

/// A stop request that fires on its `at`-th check (checks come after every step and before every
/// checkpoint, and after every evaluation batch of a classification run).
private func stopRequest(at call: Int, signal: Int32 = SIGINT) -> () -> Int32? {
    var calls = 0
    return {
        calls += 1
        return calls == call ? signal : nil
    }
}

/// Expects `body` to throw `Interrupted` by `signal`, already reported, whose message holds `fragment`.
private func expectInterrupted(
    _ signal: Int32, saying fragment: String,
    sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void
) {
    do {
        try body()
        Issue.record("the run was not interrupted", sourceLocation: sourceLocation)
    } catch let stop as Interrupted {
        #expect(stop.signal == signal && stop.reported && stop.status == 128 + signal, sourceLocation: sourceLocation)
        #expect(stop.description.contains(fragment), "\(stop.description)", sourceLocation: sourceLocation)
    } catch {
        Issue.record("expected Interrupted, got \(error)", sourceLocation: sourceLocation)
    }
}

private let checkpointFiles = ["last.safetensors", "best.safetensors", "last.state.safetensors"]

/// Expects the run folders `a` and `b` to hold the same summary.csv and bit-identical checkpoints.
private func expectSameCheckpoint(_ a: String, _ b: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
    #expect(try text(a + "/summary.csv") == text(b + "/summary.csv"), sourceLocation: sourceLocation)
    for file in checkpointFiles {
        #expect(
            try tensorBits(a + "/" + file) == tensorBits(b + "/" + file), "\(file) differs",
            sourceLocation: sourceLocation)
    }
}

@Suite("Interrupted runs: forecasting")
struct InterruptedForecastRunTests {
    /// The tiny config has 117 training windows at batch 16: 7 steps, so 8 checks an epoch.
    static let stops: [(check: Int, message: String, lastComplete: Int)] = [
        (11, "stopped at epoch 2 step 3", 1),
        (8, "stopped at epoch 1 step 7", 0)
    ]

    @Test(
        "A stopped run keeps the last complete epoch, says how to continue, and its resume ends bit-exactly",
        arguments: stops.map(\.check))
    func stoppedAndResumed(_ check: Int) throws {
        let (_, message, lastComplete) = Self.stops.first { $0.check == check }!
        let folder = TemporaryFolder("simba-interrupted")
        folder.write(ForecastFiles.csv(), to: "series.csv")
        let file = folder.write(ForecastFiles.config(), to: "config.yaml")
        func config(_ run: String) throws -> Config {
            try Config(
                schema: .forecast, configFile: file, overrides: ["output.dir=\(folder.file(run))"],
                workingDirectory: folder.path)
        }
        func train(_ config: Config, resume: Bool = false, control: RunControl = RunControl()) throws {
            _ = try ForecastJob.train(
                config: config, resume: resume, log: RunLog(isTerminal: false, console: false),
                version: "test", control: control)
        }
        try train(config("straight"))
        let run = folder.file("run")
        expectInterrupted(SIGINT, saying: "\(message); continue with `simba train --resume \(run)`") {
            try train(config("run"), control: RunControl(stopRequest: stopRequest(at: check)))
        }
        #expect(try text(run + "/log.txt").contains("\(message); continue with `simba train --resume \(run)`"))
        if lastComplete > 0 {
            try train(config("reference"), control: RunControl(stoppingAfter: lastComplete))
            try expectSameCheckpoint(folder.file("reference"), run)
        } else {
            expectNoCheckpoint(folder)
        }
        #expect(!folder.exists("run/test_metrics.json"))

        let resumed = try Config(
            schema: .forecast, configFile: run + "/config.yaml", overrides: ["output.dir=\(run)"],
            workingDirectory: run)
        try train(resumed, resume: true)
        try expectSameCheckpoint(folder.file("straight"), run)
        #expect(try text(folder.file("straight/test_metrics.json")) == text(run + "/test_metrics.json"))
    }
}

@Suite("Interrupted runs: classification")
struct InterruptedVisionRunTests {
    /// The tiny project has 36 training images at batch 4 (9 steps) and 12 evaluation images (3
    /// batches): 12 checks an epoch, 3 epochs, then the final evaluation.
    static let stops: [(check: Int, message: String)] = [
        (22, "stopped at epoch 2 step 9; continue with"),
        (37, "stopped at the final evaluation; continue with")
    ]

    @Test(
        "A run stopped during an evaluation resumes to the uninterrupted run's weights and metrics",
        arguments: stops.map(\.check))
    func stoppedDuringEvaluation(_ check: Int) throws {
        let message = Self.stops.first { $0.check == check }!.message
        let folder = TemporaryFolder("simba-interrupted-vision")
        try VisionFiles.makeFolder(folder.file("images"))
        let file = folder.write(VisionFiles.config(), to: "config.yaml")
        func train(_ run: String, resume: Bool = false, control: RunControl = RunControl()) throws {
            let config = try Config(
                schema: .classify, configFile: resume ? folder.file(run + "/config.yaml") : file,
                overrides: ["output.dir=\(folder.file(run))"], workingDirectory: folder.path)
            try VisionJob.train(
                config: config, resume: resume, log: RunLog(isTerminal: false, console: false),
                version: "test", control: control)
        }
        try train("straight")
        expectInterrupted(SIGTERM, saying: message) {
            try train("run", control: RunControl(stopRequest: stopRequest(at: check, signal: SIGTERM)))
        }
        #expect(!folder.exists("run/eval_metrics.json"))
        try train("run", resume: true)
        try expectSameCheckpoint(folder.file("straight"), folder.file("run"))
        #expect(try text(folder.file("straight/eval_metrics.json")) == text(folder.file("run/eval_metrics.json")))
    }
}
