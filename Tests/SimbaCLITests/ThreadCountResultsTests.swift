// `simba train` as a child process under SIMBA_THREADS 1, 2 and 4: the run's weights files are the
// same bytes whatever the thread count. It checks results only, not speed.

import Foundation
import SimbaTestSupport
import Testing

@Suite("The thread count changes no result", .serialized)
struct ThreadCountResultsTests {
    /// The tiny config at batch 64 (four shards per batch), two epochs, into the same run folder
    /// each time (the folder's path is in the weights' metadata), moved aside after each run.
    @Test func weightsFilesAreTheSameBytesAtOneTwoAndFourThreads() throws {
        let folder = TemporaryFolder()
        folder.write(ForecastFiles.csv(rows: 400), to: "series.csv")
        folder.write(ForecastFiles.config(epochs: 2), to: "config.yaml")
        for threads in ["1", "2", "4"] {
            let simba = try SimbaProcess(
                [
                    "train", "--config", folder.file("config.yaml"), "--set", "optimization.batch_size=64",
                    "--out", folder.file("run")
                ],
                environment: ["SIMBA_THREADS": threads])
            let status = simba.exitStatus()
            #expect(status == 0, "SIMBA_THREADS=\(threads): \(simba.stderr)")
            #expect(simba.stdout.contains("parallel loops \(threads)"), "\(simba.stdout)")
            #expect(
                simba.stdout.contains("batches: 64 windows in 4 shards of up to 16, \(threads) at a time"),
                "\(simba.stdout)")
            try FileManager.default.moveItem(atPath: folder.file("run"), toPath: folder.file("run-\(threads)"))
        }
        for file in ["last.safetensors", "best.safetensors", "last.state.safetensors", "summary.csv"] {
            let one = try Data(contentsOf: URL(fileURLWithPath: folder.file("run-1/" + file)))
            for threads in ["2", "4"] {
                let other = try Data(contentsOf: URL(fileURLWithPath: folder.file("run-\(threads)/" + file)))
                #expect(other == one, "\(file) at SIMBA_THREADS=\(threads) differs from SIMBA_THREADS=1")
            }
        }
    }
}
