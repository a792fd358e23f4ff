// `optimization.bucket_mb`: the gradient sum of an `mpirun` job in many small buckets started during the
// backward gives one process's weights for both tasks; bad values are refused naming the key.

import Foundation
import SimbaTestSupport
import Testing

/// The tiny forecasting config and its CSV, or the tiny classify config and its images.
private func bucketProject(task: String) throws -> TemporaryFolder {
    let folder = TemporaryFolder("simba-buckets")
    if task == "forecast" {
        folder.write(ForecastFiles.csv(rows: 400), to: "series.csv")
        folder.write(ForecastFiles.config(epochs: 2), to: "config.yaml")
    } else {
        try VisionFiles.makeFolder(folder.file("images"), splits: [("train", 4), ("val", 4)])
        folder.write(VisionFiles.config(epochs: 2), to: "config.yaml")
    }
    return folder
}

@Suite("Gradient buckets: values refused")
struct GradientBucketConfigTests {
    @Test(
        "A negative, non-numeric or absurd bucket_mb is refused naming the key, writing nothing",
        arguments: ["forecast", "classify"], ["-1", "abc", "1e9", "nan"])
    func badValuesAreRefused(task: String, value: String) throws {
        let folder = try bucketProject(task: task)
        let simba = try SimbaProcess([
            "train", "--config", folder.file("config.yaml"), "--out", folder.file("run"),
            "--set", "optimization.bucket_mb=\(value)"
        ])
        #expect(simba.exitStatus() != 0)
        #expect(simba.stderr.contains("optimization.bucket_mb"), "\(simba.stderr)")
        #expect(simba.stderr.contains(">= 0 and <= 1024"), "\(simba.stderr)")
        #expect(!folder.exists("run"))
    }

    @Test("A value in the config file is refused with its line")
    func badValueInTheFile() throws {
        let folder = try bucketProject(task: "forecast")
        folder.write(
            ForecastFiles.config(epochs: 1).replacingOccurrences(
                of: "  patience: 0\n", with: "  patience: 0\n  bucket_mb: -0.5\n"), to: "config.yaml")
        let simba = try SimbaProcess(["train", "--config", folder.file("config.yaml"), "--out", folder.file("run")])
        #expect(simba.exitStatus() != 0)
        #expect(simba.stderr.contains("optimization.bucket_mb") && simba.stderr.contains("line 19"), "\(simba.stderr)")
    }
}

@Suite(
    "Gradient buckets under mpirun", .serialized,
    .enabled(if: MPIRun.path != nil, "mpirun is missing: `make setup` installs openmpi-bin"))
struct GradientBucketMPITests {
    /// Two ranks summing the gradients in buckets of 262 floats (0.001 MiB), started as the backward
    /// of each rank's shard finishes them, against one process: the summary of every epoch as
    /// printed and the weights. Batch 32: each rank runs one shard (rank 1 a replica, whose own
    /// buffer is summed before it reaches the model's), the sums a + b exactly; batch 64: two
    /// shards each, summed in the buffer after the backward, in buckets too.
    @Test(arguments: [32, 64])
    func forecastingInManyBucketsMatchesOneProcess(batch: Int) throws {
        let folder = try bucketProject(task: "forecast")
        let config = [
            "--config", folder.file("config.yaml"), "--set", "optimization.batch_size=\(batch)",
            "--set", "optimization.bucket_mb=0.001"
        ]
        try train(config + ["--out", folder.file("alone")])
        try train(config + ["--out", folder.file("joint")], launcher: MPIRun.launcher(ranks: 2))
        for file in ["last.safetensors", "last.state.safetensors"] {
            try expectWeights(file, of: folder.file("joint"), near: folder.file("alone"))
        }
        if batch == 32 {
            #expect(try text(folder.file("joint/summary.csv")) == text(folder.file("alone/summary.csv")))
            #expect(
                try tensorBits(folder.file("joint/last.safetensors"))
                    == tensorBits(folder.file("alone/last.safetensors")))
        }
    }

    /// Two ranks with sync_bn (blocking allreduces inside the backward, between the buckets) and
    /// buckets of 262 floats (47 of them for the 12,178 gradients) against one process, within the
    /// tolerance of DistributedVisionTrainingTests.
    @Test func classificationInManyBucketsMatchesOneProcess() throws {
        let folder = try bucketProject(task: "classify")
        let config = [
            "--config", folder.file("config.yaml"), "--set", "optimization.sync_bn=true",
            "--set", "optimization.lr=0.0005", "--set", "optimization.bucket_mb=0.001"
        ]
        try train(config + ["--out", folder.file("alone")])
        try train(config + ["--out", folder.file("joint")], launcher: MPIRun.launcher(ranks: 2))
        for file in ["last.safetensors", "last.state.safetensors"] {
            try expectWeights(file, of: folder.file("joint"), near: folder.file("alone"))
        }
    }

    /// Buckets so small that the model needs more than 65,536 MPI requests: refused on every rank
    /// before anything is written.
    @Test func tooManyBucketsAreRefusedBeforeAnythingIsWritten() throws {
        let folder = try bucketProject(task: "forecast")
        let simba = try SimbaProcess(
            [
                "train", "--config", folder.file("config.yaml"), "--out", folder.file("run"),
                "--set", "model.d_model=128", "--set", "optimization.bucket_mb=0.000001"
            ], launcher: MPIRun.launcher(ranks: 2))
        #expect(simba.exitStatus() != 0)
        #expect(simba.stderr.contains("optimization.bucket_mb 1e-06 cuts the model's"), "\(simba.stderr)")
        #expect(simba.stderr.contains("more than 65536: raise it"), "\(simba.stderr)")
        #expect(!folder.exists("run"))
    }
}
