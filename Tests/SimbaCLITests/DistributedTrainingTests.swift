// `simba train` under `mpirun` as child processes: two ranks (over shared memory, over TCP) train the
// model one process trains, resume works with another process count, and a failing rank ends the job.

import Foundation
import SimbaCore
import SimbaTestSupport
import Testing

/// A project folder with the tiny forecasting config (dropout 0.2, so shards' masks matter) and its CSV.
private func project() -> TemporaryFolder {
    let folder = TemporaryFolder("simba-mpi")
    folder.write(ForecastFiles.csv(rows: 400), to: "series.csv")
    folder.write(ForecastFiles.config(epochs: 2), to: "config.yaml")
    return folder
}

/// Runs `simba train` (under `launcher` when given) and expects it to succeed; returns its stdout.
@discardableResult
func train(
    _ arguments: [String], launcher: [String] = [], environment: [String: String] = [:],
    sourceLocation: SourceLocation = #_sourceLocation
) throws -> String {
    let simba = try SimbaProcess(["train"] + arguments, environment: environment, launcher: launcher)
    let status = simba.exitStatus()
    #expect(
        status == 0, "\(launcher.joined(separator: " ")) simba train: \(simba.stderr)",
        sourceLocation: sourceLocation)
    return simba.stdout
}

/// The loss of the first step's progress line ("epoch 1/2  step 1/…  loss 1.8029 (…"), as printed.
func firstStepLoss(_ output: String) -> Substring? {
    guard let line = output.split(separator: "\n").first(where: { $0.contains("epoch 1/") && $0.contains(" step 1/") }),
        let loss = line.range(of: "loss ")
    else { return nil }
    return line[loss.upperBound...].prefix { $0 != " " }
}

/// Runs `simba train` with `arguments` plus `--out FOLDER/run` as a two-program job whose rank 1 also
/// gets `rankOne` (`MPIRun.arguments`), and expects rank 1 to end it: a non-zero status, a message
/// naming rank 1 and holding every string of `message`, and no checkpoint in `folder`.
func expectRankOneEndsTheJob(
    _ arguments: [String], rankOne: [String], message: [String], folder: TemporaryFolder,
    sourceLocation: SourceLocation = #_sourceLocation
) throws {
    let first = ["train"] + arguments + ["--out", folder.file("run")]
    let simba = try SimbaProcess(
        MPIRun.arguments(first: first, second: first + rankOne), launcher: MPIRun.launcher(ranks: 1))
    let status = simba.exitStatus()
    #expect(status != nil && status != 0, "\(simba.stdout)", sourceLocation: sourceLocation)
    #expect(simba.stderr.contains("simba: rank 1 of 2 on "), "\(simba.stderr)", sourceLocation: sourceLocation)
    for part in message {
        #expect(simba.stderr.contains(part), "\(simba.stderr)", sourceLocation: sourceLocation)
    }
    expectNoCheckpoint(folder, sourceLocation: sourceLocation)
}

/// Trains `config` (arguments of `simba train`) for 2 epochs in one process (FOLDER/alone) and for 1
/// epoch under 2 ranks (FOLDER/joint), raises the joint run's saved config to 2 epochs and resumes it
/// under 4 ranks; expects the resumed run to finish epoch 2 with the weights and optimizer state of
/// the uninterrupted one (`expectWeights`).
func expectResumeUnderFourRanksMatchesOneProcess(
    _ config: [String], folder: TemporaryFolder, sourceLocation: SourceLocation = #_sourceLocation
) throws {
    try train(config + ["--set", "optimization.epochs=2", "--out", folder.file("alone")])
    try train(
        config + ["--set", "optimization.epochs=1", "--out", folder.file("joint")],
        launcher: MPIRun.launcher(ranks: 2))
    let saved = try text(folder.file("joint/config.yaml"))
    #expect(saved.contains("\n  epochs: 1 "), sourceLocation: sourceLocation)
    folder.write(saved.replacingOccurrences(of: "\n  epochs: 1 ", with: "\n  epochs: 2 "), to: "joint/config.yaml")
    let resumed = try train(["--resume", folder.file("joint")], launcher: MPIRun.launcher(ranks: 4))
    #expect(resumed.contains("epoch 2/2"), "\(resumed)", sourceLocation: sourceLocation)
    for file in ["last.safetensors", "last.state.safetensors"] {
        try expectWeights(file, of: folder.file("joint"), near: folder.file("alone"), sourceLocation: sourceLocation)
    }
}

/// Expects every tensor of `file` in run folder `run` within 1e-6 + 1e-5·|r| of `reference`'s,
/// reporting the first element that is not.
func expectWeights(
    _ file: String, of run: String, near reference: String,
    sourceLocation: SourceLocation = #_sourceLocation
) throws {
    let got = try tensorBits(run + "/" + file), want = try tensorBits(reference + "/" + file)
    #expect(Set(got.keys) == Set(want.keys), sourceLocation: sourceLocation)
    for (name, bits) in want.sorted(by: { $0.key < $1.key }) {
        let values = (got[name] ?? []).map(Float.init(bitPattern:)), expected = bits.map(Float.init(bitPattern:))
        guard values.count == expected.count else {
            Issue.record(
                "\(file) \(name): \(values.count) values, want \(expected.count)",
                sourceLocation: sourceLocation)
            continue
        }
        if let i = values.indices.first(where: { abs(values[$0] - expected[$0]) > 1e-6 + 1e-5 * abs(expected[$0]) }) {
            Issue.record(
                "\(file) \(name)[\(i)]: \(values[i]), one process: \(expected[i])",
                sourceLocation: sourceLocation)
        }
    }
}

/// Expects the numbers of `file` (test_metrics.json) in `run` within 1e-3 relative of `reference`'s.
func expectMetrics(
    of run: String, near reference: String, file: String = "test_metrics.json",
    sourceLocation: SourceLocation = #_sourceLocation
) throws {
    // The flat numbers (test_metrics.json also nests the reports, which hold the same scores and the baselines).
    func metrics(_ folder: String) throws -> [String: Double] {
        let data = try Data(contentsOf: URL(fileURLWithPath: folder + "/" + file))
        let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
        return object.compactMapValues { $0 as? Double }
    }
    let got = try metrics(run), want = try metrics(reference)
    #expect(!want.isEmpty && Set(got.keys) == Set(want.keys), sourceLocation: sourceLocation)
    for (key, value) in want {
        let other = got[key] ?? .nan
        #expect(
            abs(other - value) <= 1e-3 * abs(value), "\(key): \(other), one process: \(value)",
            sourceLocation: sourceLocation)
    }
}

@Suite(
    "Training under mpirun matches one process", .serialized,
    .enabled(if: MPIRun.path != nil, "mpirun is missing: `make setup` installs openmpi-bin"))
struct DistributedTrainingTests {
    /// Two ranks, one shard of the batch of 32 each, against one process: first loss as printed,
    /// weights and summary after 2 epochs (16 steps), test metrics; rank 0 alone prints.
    func twoRanksMatchOneProcess(transport: String) throws {
        let folder = project()
        let config = [
            "--config", folder.file("config.yaml"), "--set", "optimization.batch_size=32",
            "--set", "output.log_every=1"
        ]
        let alone = try train(config + ["--out", folder.file("alone")])
        let joint = try train(
            config + ["--out", folder.file("joint")],
            launcher: MPIRun.launcher(ranks: 2, ["--mca", "btl", transport]))
        let loss = firstStepLoss(alone)
        #expect(loss != nil && firstStepLoss(joint) == loss, "first step: \(joint)")
        let threads =
            try Parallel.configuredWorkers(ProcessInfo.processInfo.environment)
            ?? Parallel.defaultWorkers(cores: ProcessInfo.processInfo.activeProcessorCount, localProcesses: 2)
        #expect(joint.contains("parallel loops \(threads)"), "\(joint)")
        #expect(joint.contains("epoch 2: ") && joint.contains(" ms per step in the gradient allreduce"), "\(joint)")
        #expect(joint.contains("processes: 2 (mpirun)"), "\(joint)")
        #expect(joint.components(separatedBy: "train: forecasting").count == 2, "only rank 0 prints: \(joint)")
        for file in ["last.safetensors", "best.safetensors"] {
            try expectWeights(file, of: folder.file("joint"), near: folder.file("alone"))
        }
        #expect(try text(folder.file("joint/summary.csv")) == text(folder.file("alone/summary.csv")))
        try expectMetrics(of: folder.file("joint"), near: folder.file("alone"))
    }

    @Test func twoRanksOverSharedMemoryMatchOneProcess() throws {
        try twoRanksMatchOneProcess(transport: "self,vader")
    }

    @Test func twoRanksOverTCPMatchOneProcess() throws {
        try twoRanksMatchOneProcess(transport: "self,tcp")
    }

    /// The linear skip started from its fit: every rank fits, rank 0's fit is broadcast, and the
    /// job trains the weights one process trains.
    @Test func twoRanksWithTheFittedSkipMatchOneProcess() throws {
        let folder = project()
        let config = [
            "--config", folder.file("config.yaml"), "--set", "optimization.batch_size=32",
            "--set", "model.linear_skip=true", "--set", "model.linear_skip_fit=true"
        ]
        let alone = try train(config + ["--out", folder.file("alone")])
        let joint = try train(config + ["--out", folder.file("joint")], launcher: MPIRun.launcher(ranks: 2))
        #expect(alone.contains("linear skip: started from its least-squares fit"), "\(alone)")
        #expect(joint.components(separatedBy: "started from its least-squares fit").count == 2, "\(joint)")
        for file in ["last.safetensors", "best.safetensors"] {
            try expectWeights(file, of: folder.file("joint"), near: folder.file("alone"))
        }
        #expect(try text(folder.file("joint/summary.csv")) == text(folder.file("alone/summary.csv")))
    }

    /// One epoch under 2 ranks, then (the config raised to 2 epochs) resumed under 4: the weights
    /// of one process training 2 epochs straight. Constant learning rate, so the epoch count
    /// changes no step; batch 64 has 4 shards.
    @Test func resumeUnderAnotherProcessCountGivesTheUninterruptedWeights() throws {
        let folder = project()
        let config = [
            "--config", folder.file("config.yaml"), "--set", "optimization.batch_size=64",
            "--set", "optimization.schedule=constant"
        ]
        try expectResumeUnderFourRanksMatchesOneProcess(config, folder: folder)
    }

    /// Rank 1 reads a CSV with a bad cell: the job ends with its message, naming rank and host,
    /// and no checkpoint.
    @Test func aFailingRankEndsTheJobWithItsMessage() throws {
        let folder = project()
        let bad = ForecastFiles.csv(rows: 400) { row, column in row == 50 && column == 1 ? "x" : nil }
        folder.write(bad, to: "bad.csv")
        try expectRankOneEndsTheJob(
            ["--config", folder.file("config.yaml")], rankOne: ["--set", "data.path=" + folder.file("bad.csv")],
            message: ["bad.csv:52: column b holds \"x\""], folder: folder)
    }

    /// Three ranks for a batch of two shards: refused before the run folder exists.
    @Test func fewerShardsThanRanksIsRefusedBeforeAnythingIsWritten() throws {
        let folder = project()
        let simba = try SimbaProcess(
            [
                "train", "--config", folder.file("config.yaml"),
                "--set", "optimization.batch_size=32", "--out", folder.file("run")
            ],
            launcher: MPIRun.launcher(ranks: 3))
        let status = simba.exitStatus()
        #expect(status != nil && status != 0)
        #expect(
            simba.stderr.contains("optimization.batch_size 32 splits into 2 shards, fewer than the 3 processes"),
            "\(simba.stderr)")
        #expect(simba.stderr.contains("raise optimization.batch_size to at least 48"), "\(simba.stderr)")
        #expect(!folder.exists("run"))
    }

    /// A mistake every rank meets alike, in the config (MPI started) or in the options (before it),
    /// is printed once, by rank 0, not once per rank: the others wait before printing, and rank 0's
    /// end stops them first.
    @Test(arguments: [["--set", "model.nope=1"], ["--bogus"]])
    func anErrorEveryRankMeetsIsPrintedOnce(mistake: [String]) throws {
        let folder = project()
        let simba = try SimbaProcess(
            ["train", "--config", folder.file("config.yaml"), "--out", folder.file("run")] + mistake,
            launcher: MPIRun.launcher(ranks: 3))
        let status = simba.exitStatus()
        #expect(status != nil && status != 0)
        let messages = simba.stderr.split(separator: "\n").filter { $0.hasPrefix("simba: ") }
        #expect(messages.count == 1, "\(simba.stderr)")
        #expect(messages.first.map { $0.contains("nope") || $0.contains("--bogus") } == true, "\(simba.stderr)")
        #expect(!folder.exists("run"))
    }
}
