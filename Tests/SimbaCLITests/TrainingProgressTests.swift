// What `simba train` and `simba eval` report about time, through SimbaCommand.run: the whole run's
// ETA, training images/s apart from evaluation, eval's mean batch time, SIMBA_THREADS in the help.

import Foundation
import SimbaTestSupport
import Testing

@testable import SimbaCLI

@Suite("Progress and timing in simba train and simba eval")
struct TrainingProgressTests {
    @Test("Progress lines give the epoch's and the whole run's ETA; epoch lines split training and evaluation")
    func trainProgress() throws {
        let folder = try VisionFiles.project(yaml: VisionFiles.config(epochs: 2))
        let run = simba(VisionFiles.trainArguments(folder))
        #expect(run.result == 0, "\(run.errors)")
        // 36 images, batch 4, log_every 5: one progress line per epoch, at step 5 of 9 (other tests
        // running meanwhile may print lines of their own).
        for epoch in 1...2 {
            let line = try #require(
                run.output.split(separator: "\n").first {
                    $0.hasPrefix("epoch \(epoch)/2  step 5/9")
                }, "\(run.output)")
            let eta = try #require(line.range(of: "ETA ")).upperBound
            let parts = line[eta...].split(separator: " ")
            #expect(parts.count == 4 && parts[1] == "epoch," && parts[3] == "run", "\(line)")
        }
        let log = try text(folder.file("run/log.txt"))
        let epochs = log.split(separator: "\n").filter { $0.hasPrefix("epoch ") && $0.contains("train loss") }
        #expect(epochs.count == 2)
        for line in epochs {
            #expect(line.contains(" images/s (") && line.contains("  eval "), "\(line)")
        }
    }

    @Test("simba eval prints the mean time per batch, not the time so far")
    func evalMeanBatchTime() throws {
        let folder = try VisionFiles.project()
        #expect(simba(VisionFiles.trainArguments(folder)).result == 0)
        let start = Date()
        let run = simba([
            "eval", "--checkpoint", folder.file("run"), "--data", folder.file("images"),
            "--split", "train", "--batch-size", "1"
        ])
        let wall = Date().timeIntervalSince(start)
        #expect(run.result == 0, "\(run.errors)")
        let line = try #require(run.output.split(separator: "\n").last { $0.hasPrefix("Test: [  36/36]") })
        let time = try #require(line.range(of: "Time ")).upperBound
        let fields = line[time...].split(separator: " ")
        let last = try #require(Double(fields[0]))
        let mean = try #require(Double(fields[1].trimmingCharacters(in: CharacterSet(charactersIn: "()"))))
        #expect(last >= 0 && mean >= 0)
        // The mean of 36 batches times 36 is at most the command's whole time (a running total would not be).
        #expect(mean * 36 <= wall + 0.01, "\(line) in \(wall) s")
    }

    @Test(
        "train and eval help document SIMBA_THREADS; a bad value stops train with its name",
        arguments: ["train", "eval"])
    func threadsDocumented(_ command: String) throws {
        let help = simba([command, "--help"])
        #expect(help.output.contains("SIMBA_THREADS sets the parallel loop workers (a whole number from 1 to 256"))
        let folder = try VisionFiles.project()
        let bad = simba(VisionFiles.trainArguments(folder), environment: ["SIMBA_THREADS": "two"])
        #expect(bad.result == 1)
        #expect(bad.errors.contains("SIMBA_THREADS is 'two'"), "\(bad.errors)")
        expectNoCheckpoint(folder)
    }
}
