// The whole-model benchmark behind `simba bench model`: the cases of `make bench`, each
// timed as scripts/reference/bench_reference.py times the PyTorch reference. Measures; asserts nothing.

import Foundation
import SimbaCore
import SimbaData
import SimbaModel
import SimbaTraining

public enum ModelBenchmark {
    /// Case names, shared with scripts/reference/bench_reference.py and scripts/tools/bench.py.
    public static let cases = [
        "sgemm", "cores", "train-einfft-64", "train-mlp-64", "train-einfft-128", "token-linearity", "infer-einfft-224",
        "etth1-epoch", "memory-einfft-224"
    ]

    /// One measured case: the median of `samples` (after `warmup` untimed runs) in `unit`.
    public struct Result {
        let name: String
        let unit: String
        let value: Double
        var samples: [Double] = []
        var warmup = 0
        /// GFLOP/s of the model's matrix products over the timed runs (training cases).
        var matmulGFLOPs: Double?
        /// Share of the timed wall time spent in matrix products.
        var matmulShare: Double?
        /// FMA GFLOP/s of one thread and of all workers at once (`cores`).
        var fmaGFLOPs: (one: Double, all: Double)?

        public var json: String {
            var fields = [
                "\"case\": \"\(name)\"", "\"impl\": \"simba\"", "\"unit\": \"\(unit)\"", "\"value\": \(value)",
                "\"samples\": [\(samples.map { String($0) }.joined(separator: ", "))]", "\"warmup\": \(warmup)",
                "\"threads\": \(Parallel.workers)", "\"blas_kernels\": \"\(BLAS.coreName)\""
            ]
            if let matmulGFLOPs { fields.append("\"matmul_gflops\": \(matmulGFLOPs)") }
            if let matmulShare { fields.append("\"matmul_share\": \(matmulShare)") }
            if let fmaGFLOPs {
                fields += ["\"fma_gflops_one\": \(fmaGFLOPs.one)", "\"fma_gflops_all\": \(fmaGFLOPs.all)"]
            }
            return "{" + fields.joined(separator: ", ") + "}"
        }

        public var text: String {
            var line =
                name.padding(toLength: 18, withPad: " ", startingAt: 0) + String(format: " %10.3f ", value) + unit
            if let matmulGFLOPs, let matmulShare {
                line += String(
                    format: "   matrix products %.1f GFLOP/s, %.0f%% of the time", matmulGFLOPs, 100 * matmulShare)
            }
            if let fmaGFLOPs {
                line += String(
                    format: "   fused multiply-adds %.1f GFLOP/s on one thread, %.1f on %d", fmaGFLOPs.one,
                    fmaGFLOPs.all, Parallel.workers)
            }
            return line
        }
    }

    /// Runs the case `name`, one of `cases` (checked by the caller).
    public static func run(name: String, repeats: Int, warmup: Int, configFile: String) throws -> Result {
        switch name {
        case "sgemm": return sgemm(repeats: repeats, warmup: warmup)
        case "cores": return CoreProbe.run(repeats: repeats, warmup: warmup)
        case "train-einfft-64":
            return visionTraining(name, mixer: .einfft, size: 64, batch: 16, repeats: repeats, warmup: warmup)
        case "train-mlp-64":
            return visionTraining(name, mixer: .mlp, size: 64, batch: 16, repeats: repeats, warmup: warmup)
        case "train-einfft-128":
            return visionTraining(name, mixer: .einfft, size: 128, batch: 16, repeats: repeats, warmup: warmup)
        case "token-linearity": return tokenLinearity(name, repeats: repeats, warmup: warmup)
        case "infer-einfft-224": return visionInference(name, size: 224, batch: 8, repeats: repeats, warmup: warmup)
        case "etth1-epoch": return try forecastEpoch(name, configFile: configFile, repeats: repeats, warmup: warmup)
        case "memory-einfft-224": return peakMemory(name, size: 224, batch: 32)
        default:
            preconditionFailure("unknown benchmark case '\(name)': the caller checks names against `cases`")
        }
    }

    /// Seconds of each of `repeats` calls of `body` after `warmup` untimed calls.
    static func samples(repeats: Int, warmup: Int, _ body: () throws -> Void) rethrows -> [Double] {
        for _ in 0..<warmup { try body() }
        return try (0..<repeats).map { _ in try seconds(body) }
    }

    /// Wall seconds of one call of `body`.
    static func seconds(_ body: () throws -> Void) rethrows -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        try body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        let mid = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
    }

    /// sgemm 1024³ through simba's BLAS wrapper: the machine's matrix-product speed in this run.
    static func sgemm(repeats: Int, warmup: Int) -> Result {
        let n = 1024
        let a = KernelBenchmark.random(n * n, seed: 1), b = KernelBenchmark.random(n * n, seed: 2),
            c = FloatBuffer(count: n * n)
        let seconds = samples(repeats: max(repeats, 5), warmup: max(warmup, 1)) {
            BLAS.gemm(
                transposeA: false, transposeB: false, m: n, n: n, k: n, a: a.pointer, lda: n,
                b: b.pointer, ldb: n, beta: 0, c: c.pointer, ldc: n)
        }
        let flops = 2 * pow(Double(n), 3)
        return Result(
            name: "sgemm", unit: "GFLOP/s", value: flops / median(seconds) * 1e-9,
            samples: seconds.map { flops / $0 * 1e-9 }, warmup: max(warmup, 1))
    }

    /// SiMBA-S (token labelling on, 1000 classes, no drop path) at `size`×`size`.
    static func simbaS(mixer: ChannelMixerKind, size: Int) -> VisionConfig {
        var config = VisionConfig.variant("simba_s")!
        config.channelMixer = mixer
        config.imageSize = size
        return config
    }

    /// Fixed N(0, 1) images (batch, size, size, 3) and labels.
    static func randomBatch(size: Int, batch: Int, classes: Int) -> (FloatBuffer, [Int32]) {
        let images = KernelBenchmark.random(batch * size * size * 3, seed: 11)
        var generator = RandomGenerator(seed: 12)
        return (images, (0..<batch).map { _ in Int32(generator.next() % UInt64(classes)) })
    }

    /// One training step as `simba train` takes it: forward, label-smoothed (0.1) cross-entropy,
    /// backward, AdamW (lr 1e-3, weight decay 0.05). Images/s.
    static func visionTraining(
        _ name: String, mixer: ChannelMixerKind, size: Int, batch: Int, repeats: Int, warmup: Int
    ) -> Result {
        let step = trainingStep(mixer: mixer, size: size, batch: batch)
        for _ in 0..<warmup { step() }
        BLAS.meter = GemmMeter()
        let seconds = samples(repeats: repeats, warmup: 0, step)
        let meter = BLAS.meter!
        BLAS.meter = nil
        return Result(
            name: name, unit: "images/s", value: Double(batch) / median(seconds),
            samples: seconds.map { Double(batch) / $0 }, warmup: warmup,
            matmulGFLOPs: meter.gflopsPerSecond, matmulShare: meter.seconds / seconds.reduce(0, +))
    }

    /// Seconds of a train-einfft-128 step over a train-einfft-64 step (4× the tokens), both models in
    /// this process and their steps alternated, so both sizes meet the same host speed: the median of
    /// the per-round ratios.
    static func tokenLinearity(_ name: String, repeats: Int, warmup: Int) -> Result {
        let small = trainingStep(mixer: .einfft, size: 64, batch: 16)
        let large = trainingStep(mixer: .einfft, size: 128, batch: 16)
        var ratios: [Double] = []
        for round in 0..<(warmup + repeats) {
            let smallSeconds = seconds(small), largeSeconds = seconds(large)
            if round >= warmup { ratios.append(largeSeconds / smallSeconds) }
        }
        return Result(name: name, unit: "ratio", value: median(ratios), samples: ratios, warmup: warmup)
    }

    /// A closure running one training step of SiMBA-S at `size`×`size` on fixed random images.
    static func trainingStep(mixer: ChannelMixerKind, size: Int, batch: Int) -> () -> Void {
        let config = simbaS(mixer: mixer, size: size)
        let classes = config.numClasses
        let model = VisionModel(config: config, maxBatch: batch, seed: 1)
        model.training = true
        let optimizer = AdamW(store: model.store, weightDecay: 0.05)
        let (images, labels) = randomBatch(size: size, batch: batch, classes: classes)
        let targets = FloatBuffer(count: batch * classes), probabilities = FloatBuffer(count: batch * classes)
        let dLogits = FloatBuffer(count: batch * classes)
        labels.withUnsafeBufferPointer {
            Kernels.current.crossEntropy.smoothedOneHot(
                targets: targets.pointer, labels: $0.baseAddress!, batch: batch, classes: classes, smoothing: 0.1)
        }
        let step = {
            model.store.zeroGradients()
            let logits = model.forward(images.pointer, batch: batch)
            _ = Kernels.current.crossEntropy.forward(
                probabilities: probabilities.pointer, logits: logits, targets: targets.pointer, batch: batch,
                classes: classes)
            dLogits.pointer.update(repeating: 0, count: batch * classes)
            Kernels.current.crossEntropy.backward(
                dLogits: dLogits.pointer, probabilities: probabilities.pointer, targets: targets.pointer,
                batch: batch, classes: classes, dLoss: 1)
            model.backward(dLogits.pointer, batch: batch)
            optimizer.step(store: model.store, learningRate: 1e-3)
        }
        return step
    }

    /// Evaluation-mode forward passes. Images/s.
    static func visionInference(_ name: String, size: Int, batch: Int, repeats: Int, warmup: Int) -> Result {
        let config = simbaS(mixer: .einfft, size: size)
        let model = VisionModel(config: config, maxBatch: batch, seed: 1)
        model.training = false
        let (images, _) = randomBatch(size: size, batch: batch, classes: config.numClasses)
        let seconds = samples(repeats: repeats, warmup: warmup) { _ = model.forward(images.pointer, batch: batch) }
        return Result(
            name: name, unit: "images/s", value: Double(batch) / median(seconds),
            samples: seconds.map { Double(batch) / $0 }, warmup: warmup)
    }

    /// Epochs of the shipped ETTh1 96→96 config as `simba train` runs them (training pass,
    /// validation and test scores, checkpoint), in a temporary run folder. Seconds per epoch.
    static func forecastEpoch(_ name: String, configFile: String, repeats: Int, warmup: Int) throws -> Result {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("simba-bench-\(getpid())").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let config = try Config(
            schema: .forecast, configFile: configFile,
            overrides: ["output.dir=\(folder)", "optimization.epochs=\(warmup + repeats)", "optimization.patience=0"],
            workingDirectory: FileManager.default.currentDirectoryPath)
        let data = try ForecastData(path: config.path("data.path"), options: ForecastJob.dataOptions(config))
        let settings = try ForecastJob.settings(config, variates: data.inputColumns)
        let run = try RunFolder.open(path: folder, resume: false)
        let trainer = try ForecastTrainer(
            settings: settings, data: data, run: run, log: RunLog(console: false),
            metadata: ["format": "pt"], resume: false)
        let seconds = try samples(repeats: repeats, warmup: warmup) { try trainer.trainEpoch() }
        return Result(name: name, unit: "seconds", value: median(seconds), samples: seconds, warmup: warmup)
    }

    /// Peak resident memory (VmHWM) of the process after one SiMBA-S EinFFT training step. Run it
    /// in a fresh process: the peak counts everything the process ever held. MB (10⁶ bytes).
    static func peakMemory(_ name: String, size: Int, batch: Int) -> Result {
        _ = visionTraining(name, mixer: .einfft, size: size, batch: batch, repeats: 1, warmup: 0)
        return Result(name: name, unit: "MB", value: Double(peakResidentBytes()) * 1e-6)
    }

    /// VmHWM of /proc/self/status in bytes (0 where the file does not exist). The line is
    /// "VmHWM:" then the kB figure right-aligned after a tab, so an 8-digit figure has no space
    /// before it: split on any whitespace.
    static func peakResidentBytes() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
        for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            let kilobytes = line.split(whereSeparator: \.isWhitespace).compactMap { Int($0) }.first ?? 0
            return kilobytes * 1024
        }
        return 0
    }
}
