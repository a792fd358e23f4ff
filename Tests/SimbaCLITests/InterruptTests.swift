// Ctrl-C and SIGTERM sent to the built `simba` executable: train, forecast and eval stop at their
// next check with status 130/143 and say so, write nothing half done, and a second Ctrl-C quits at once.

import Foundation
import SimbaCLI
import SimbaTestSupport
import Testing

/// The note the signal handler writes on the first signal.
private let handlerNote = "simba: stopping at the next safe point"

/// Sends `signal` to `simba` once its handlers are installed (so before its first check, which
/// comes only after its inputs are read and a step or batch is done) and waits for the handler's note.
private func interrupt(
    _ simba: SimbaProcess, with signal: Int32,
    sourceLocation: SourceLocation = #_sourceLocation
) throws {
    try #require(
        simba.waitForSignalHandlers(), "simba installed no handlers: \(simba.stderr)",
        sourceLocation: sourceLocation)
    simba.send(signal)
    #expect(
        simba.waitUntil { simba.stderr.contains(handlerNote) }, "no note on stderr: \(simba.stderr)",
        sourceLocation: sourceLocation)
}

@Suite("Signals: simba train, forecast and eval as processes")
struct InterruptTests {
    @Test(
        "Ctrl-C stops training with 130 and says how to continue; SIGTERM stops the resumed one with 143; then it ends")
    func trainStopsAndResumes() throws {
        let folder = TemporaryFolder("simba-interrupt")
        folder.write(ForecastFiles.csv(), to: "series.csv")
        folder.write(ForecastFiles.config(epochs: 2), to: "config.yaml")
        let run = folder.file("run")
        let stopped = "stopped at epoch 1 step 1; continue with `simba train --resume \(run)`"

        let first = try SimbaProcess(["train", "--config", folder.file("config.yaml"), "--out", run])
        try interrupt(first, with: SIGINT)
        #expect(first.exitStatus() == 130, "\(first.stderr)")
        #expect(first.stdout.contains(stopped), "\(first.stdout)")
        #expect(try text(run + "/log.txt").contains(stopped))
        expectNoCheckpoint(folder)

        let second = try SimbaProcess(["train", "--resume", run])
        try interrupt(second, with: SIGTERM)
        #expect(second.exitStatus() == 143, "\(second.stderr)")
        #expect(second.stdout.contains("(resumed: no epoch had completed, starting over)"))
        #expect(second.stdout.contains(stopped), "\(second.stdout)")
        expectNoCheckpoint(folder)

        let third = try SimbaProcess(["train", "--resume", run])
        #expect(third.exitStatus() == 0, "\(third.stderr)")
        #expect(try text(run + "/summary.csv").split(separator: "\n").count == 1 + 2)
        let names = try FileManager.default.contentsOfDirectory(atPath: run)
        let leftovers = names.filter { $0.hasPrefix(".checkpoint") || $0.contains(".tmp-") }
        #expect(leftovers.isEmpty, "\(leftovers)")
    }

    /// simba's standard output is a one-page pipe the test does not read, so simba blocks in a write
    /// of its start lines: the first Ctrl-C cannot reach a check, and only the second can end it.
    @Test("A second Ctrl-C ends simba at once with 130 while the first waits for a safe point")
    func secondCtrlCQuits() throws {
        // A long folder name makes the start lines (paths in most of them) far longer than a page.
        let folder = TemporaryFolder("simba-second-ctrl-c-" + String(repeating: "x", count: 120))
        folder.write(ForecastFiles.csv(), to: "series.csv")
        folder.write(ForecastFiles.config(epochs: 1), to: "config.yaml")
        let simba = try SimbaProcess(
            ["train", "--config", folder.file("config.yaml"), "--out", folder.file("run")],
            holdingOutput: true)
        try interrupt(simba, with: SIGINT)
        usleep(300_000)
        #expect(simba.process.isRunning, "the first Ctrl-C ended simba: \(simba.stderr)")
        simba.send(SIGINT)
        #expect(simba.exitStatus(seconds: 30) == 130)
        #expect(!simba.stdout.contains("stopped at epoch"))
        expectNoCheckpoint(folder)
    }

    @Test("Ctrl-C stops simba forecast between batches with 130, writing no output")
    func forecastStops() throws {
        let folder = TemporaryFolder("simba-interrupt")
        folder.write(ForecastFiles.csv(), to: "series.csv")
        folder.write(ForecastFiles.config(epochs: 1), to: "config.yaml")
        #expect(simba(["train", "--config", folder.file("config.yaml"), "--out", folder.file("run")]).result == 0)
        let forecast = try SimbaProcess(["forecast", "--checkpoint", folder.file("run"), "--out", folder.file("out")])
        try interrupt(forecast, with: SIGINT)
        #expect(forecast.exitStatus() == 130, "\(forecast.stderr)")
        #expect(
            forecast.stderr.contains("simba: forecast evaluation stopped by SIGINT; nothing was written"),
            "\(forecast.stderr)")
        let written = (try? FileManager.default.contentsOfDirectory(atPath: folder.file("out"))) ?? []
        #expect(written.isEmpty, "\(written)")
    }

    @Test("SIGTERM stops simba eval between batches with 143, writing no JSON")
    func evalStops() throws {
        let folder = TemporaryFolder("simba-interrupt")
        try VisionFiles.makeFolder(folder.file("images"))
        folder.write(VisionFiles.config(epochs: 1), to: "config.yaml")
        #expect(simba(["train", "--config", folder.file("config.yaml"), "--out", folder.file("run")]).result == 0)
        let eval = try SimbaProcess([
            "eval", "--checkpoint", folder.file("run"), "--data", folder.file("images"),
            "--json", folder.file("result.json")
        ])
        try interrupt(eval, with: SIGTERM)
        #expect(eval.exitStatus() == 143, "\(eval.stderr)")
        #expect(eval.stderr.contains("simba: evaluation stopped by SIGTERM; nothing was written"), "\(eval.stderr)")
        #expect(!folder.exists("result.json"))
    }
}
