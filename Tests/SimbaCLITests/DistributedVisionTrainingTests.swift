// `simba train` for classification under `mpirun`: two ranks with sync_bn train the model one process
// trains, without it they train with per-rank BatchNorm statistics, and a failing rank ends the job.

import Foundation
import SimbaTestSupport
import Testing

/// A project folder with the tiny classify config (batch 4, DropPath 0.1, mixup 0.2, flips) and its
/// images: 12 training images, 3 steps an epoch, 2 epochs.
private func visionProject() throws -> TemporaryFolder {
    let folder = TemporaryFolder("simba-mpi-vision")
    try VisionFiles.makeFolder(folder.file("images"), splits: [("train", 4), ("val", 4)])
    folder.write(VisionFiles.config(epochs: 2), to: "config.yaml")
    return folder
}

@Suite(
    "Classification under mpirun", .serialized,
    .enabled(if: MPIRun.path != nil, "mpirun is missing: `make setup` installs openmpi-bin"))
struct DistributedVisionTrainingTests {
    /// Two ranks with sync_bn, each running 2 images of every batch of 4, against one process: the
    /// first step's loss as printed, every tensor of the checkpoints after 6 steps (BatchNorm running
    /// statistics and AdamW moments included) and the final eval metrics; rank 0 alone prints.
    /// The ranks add their slices' gradients in another order than one process, and AdamW turns a
    /// gradient's relative rounding δ into an update error of up to lr·δ on weights whose gradient
    /// nearly cancels: peak lr 5e-4 keeps that below the tolerance (at 2e-3 one weight of 12,178 was
    /// 1.45e-6 off after 3 steps, its bound 1.34e-6).
    func twoRanksWithSyncBatchNormMatchOneProcess(transport: String) throws {
        let folder = try visionProject()
        let config = [
            "--config", folder.file("config.yaml"), "--set", "optimization.sync_bn=true",
            "--set", "optimization.lr=0.0005", "--set", "output.log_every=1"
        ]
        let alone = try train(config + ["--out", folder.file("alone")])
        let joint = try train(
            config + ["--out", folder.file("joint")],
            launcher: MPIRun.launcher(ranks: 2, ["--mca", "btl", transport]))
        let loss = firstStepLoss(alone)
        #expect(loss != nil && firstStepLoss(joint) == loss, "first step: \(joint)")
        #expect(
            joint.contains("processes: 2 (mpirun)") && joint.contains("over the whole batch (sync_bn)"),
            "\(joint)")
        #expect(joint.contains("epoch 2: ") && joint.contains(" ms per step in the gradient allreduce"), "\(joint)")
        #expect(joint.components(separatedBy: "train: classification").count == 2, "only rank 0 prints: \(joint)")
        for file in ["last.safetensors", "best.safetensors", "last.state.safetensors"] {
            try expectWeights(file, of: folder.file("joint"), near: folder.file("alone"))
        }
        try expectMetrics(of: folder.file("joint"), near: folder.file("alone"), file: "eval_metrics.json")
    }

    @Test func twoRanksWithSyncBatchNormOverSharedMemoryMatchOneProcess() throws {
        try twoRanksWithSyncBatchNormMatchOneProcess(transport: "self,vader")
    }

    @Test func twoRanksWithSyncBatchNormOverTCPMatchOneProcess() throws {
        try twoRanksWithSyncBatchNormMatchOneProcess(transport: "self,tcp")
    }

    /// Without sync_bn each rank normalises its 2 images by their own statistics: the job completes
    /// (its ranks' weights and averaged running statistics agreed at every epoch end, or it would
    /// stop), writes a whole run folder, and its first loss and weights differ from the sync_bn
    /// run's, which are one process's, so the per-rank statistics are really used.
    @Test func twoRanksWithPerRankBatchNormTrainAndDifferFromSyncBatchNorm() throws {
        let folder = try visionProject()
        let config = ["--config", folder.file("config.yaml"), "--set", "output.log_every=1"]
        let perRank = try train(config + ["--out", folder.file("per-rank")], launcher: MPIRun.launcher(ranks: 2))
        let synced = try train(
            config + ["--set", "optimization.sync_bn=true", "--out", folder.file("synced")],
            launcher: MPIRun.launcher(ranks: 2))
        #expect(perRank.contains("per process, averaged at each epoch end"), "\(perRank)")
        #expect(perRank.contains("epoch 2/2"), "\(perRank)")
        for file in ["last.safetensors", "best.safetensors", "eval_metrics.json", "summary.csv"] {
            #expect(folder.exists("per-rank/" + file), "\(file)")
        }
        #expect(
            firstStepLoss(perRank) != nil && firstStepLoss(perRank) != firstStepLoss(synced),
            "per rank: \(perRank)\nsynchronised: \(synced)")
        let got = try tensorBits(folder.file("per-rank/last.safetensors"))
        let want = try tensorBits(folder.file("synced/last.safetensors"))
        #expect(got.keys.sorted() == want.keys.sorted())
        let mean = "patch_embed1.conv.1.running_mean"
        #expect(want[mean] != nil && got[mean] != want[mean], "the stem's running mean")
    }

    /// One epoch under 2 ranks with sync_bn, then (the config raised to 2 epochs) resumed under 4:
    /// the weights, running statistics and AdamW state of one process training 2 epochs straight.
    /// Constant learning rate, so the epoch count changes no step.
    @Test func resumeUnderAnotherProcessCountGivesTheUninterruptedWeights() throws {
        let folder = try visionProject()
        let config = [
            "--config", folder.file("config.yaml"), "--set", "optimization.sync_bn=true",
            "--set", "optimization.lr=0.0005", "--set", "optimization.schedule=constant"
        ]
        try expectResumeUnderFourRanksMatchesOneProcess(config, folder: folder)
    }

    /// An undecodable training image, without data.strict: whichever rank's share holds it, every
    /// rank drops it from the batch as one process does (a rank whose partner moved decodes it
    /// itself), so the weights are one process's and rank 0 names the file.
    @Test func anUnreadableImageIsSkippedByEveryRankAsByOneProcess() throws {
        let folder = try visionProject()
        try VisionFiles.BadInput.corrupt(folder.path)
        let config = [
            "--config", folder.file("config.yaml"), "--set", "optimization.sync_bn=true",
            "--set", "optimization.lr=0.0005"
        ]
        let alone = try train(config + ["--out", folder.file("alone")])
        let joint = try train(config + ["--out", folder.file("joint")], launcher: MPIRun.launcher(ranks: 2))
        for output in [alone, joint] {
            #expect(
                output.contains("class_b_3.png") && output.contains("1 unreadable images skipped this epoch"),
                "\(output)")
        }
        try expectWeights("last.safetensors", of: folder.file("joint"), near: folder.file("alone"))
    }

    /// With model.init, rank 0 alone reads the starting weights and sends them: rank 1 is given a
    /// path that does not exist and the job still trains the weights one process trains from them.
    @Test func startingWeightsAreReadByRankZeroAlone() throws {
        let folder = try visionProject()
        let config = ["--config", folder.file("config.yaml"), "--set", "optimization.lr=0.0005"]
        try train(config + ["--set", "optimization.epochs=1", "--out", folder.file("base")])
        let start = ["--set", "optimization.sync_bn=true", "--set", "model.init=" + folder.file("base")]
        try train(config + start + ["--out", folder.file("alone")])
        let simba = try SimbaProcess(
            MPIRun.arguments(
                first: ["train"] + config + start + ["--out", folder.file("joint")],
                second: ["train"] + config + start + [
                    "--set", "model.init=" + folder.file("nowhere"),
                    "--out", folder.file("joint")
                ]),
            launcher: MPIRun.launcher(ranks: 1))
        #expect(simba.exitStatus() == 0, "\(simba.stderr)")
        #expect(simba.stdout.contains("base"), "the log names the starting weights: \(simba.stdout)")
        try expectWeights("last.safetensors", of: folder.file("joint"), near: folder.file("alone"))
    }

    /// Rank 1 reads an image folder whose training images are all undecodable, with data.strict:
    /// the job ends with its message, naming rank and host, and no checkpoint.
    @Test func aFailingRankEndsTheClassificationJobWithItsMessage() throws {
        let folder = try visionProject()
        try VisionFiles.makeFolder(folder.file("bad/images"), splits: [("train", 4), ("val", 4)])
        let train = folder.file("bad/images/train")
        for name in try FileManager.default.subpathsOfDirectory(atPath: train) where name.hasSuffix(".png") {
            try Data("not a PNG at all".utf8).write(to: URL(fileURLWithPath: train + "/" + name))
        }
        try expectRankOneEndsTheJob(
            ["--config", folder.file("config.yaml"), "--set", "data.strict=true"],
            rankOne: ["--set", "data.root=" + folder.file("bad/images")],
            message: ["bad/images/train/class_", "cannot decode image"], folder: folder)
    }

    /// Rank 1 reads a folder with more training images than rank 0's: stopped with a message
    /// naming the rank before any step (the ranks would run different steps), nothing written.
    @Test func ranksReadingDifferentImageFoldersAreStopped() throws {
        let folder = try visionProject()
        try VisionFiles.makeFolder(folder.file("other/images"))
        try expectRankOneEndsTheJob(
            ["--config", folder.file("config.yaml")], rankOne: ["--set", "data.root=" + folder.file("other/images")],
            message: ["lists other images than rank 0"], folder: folder)
    }

    /// Five ranks for a batch of four images: refused before the run folder exists.
    @Test func moreRanksThanImagesInABatchIsRefusedBeforeAnythingIsWritten() throws {
        let folder = try visionProject()
        let simba = try SimbaProcess(
            ["train", "--config", folder.file("config.yaml"), "--out", folder.file("run")],
            launcher: MPIRun.launcher(ranks: 5))
        let status = simba.exitStatus()
        #expect(status != nil && status != 0)
        #expect(simba.stderr.contains("optimization.batch_size 4 is smaller than the 5 processes"), "\(simba.stderr)")
        #expect(!folder.exists("run"))
    }
}
