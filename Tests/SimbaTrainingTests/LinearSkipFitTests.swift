// `model.linear_skip_fit`: the linear skip started from its least-squares fit. The fit against its
// own optimality condition, the key in a run, its refusal without the skip, and resume.

import Foundation
import SimbaCore
import SimbaData
import SimbaModel
import SimbaTestSupport
import Testing

@testable import SimbaTraining

/// The tiny series read as a forecasting data set: L 16, H 8, features `features`.
private func tinyData(features: String = "M") throws -> ForecastData {
    let folder = TemporaryFolder()
    let file = folder.write(ForecastFiles.csv(), to: "series.csv")
    let options = ForecastOptions(features: ForecastFeatures(rawValue: features)!, seqLen: 16, predLen: 8)
    return try ForecastData(path: file, options: options)
}

@Suite("Linear skip fit")
struct LinearSkipFitTests {
    /// At the minimum of Σ ‖σ(W x̂ + b) + μ − y‖² + λ‖W‖² the gradient is zero: with z = (x − μ, σ)
    /// and β = (Wᵀ; bᵀ), Σ z (zᵀβ − (y − μ)) + λ (W rows) = 0. Summed here in double from the windows,
    /// for the float32 β the fit returns. Relative to the sum of |z|·|y − μ|, float32 rounding of β
    /// leaves 1e-9 to 4e-9 here; the bound is 2e-8, and a fit that regresses on 1 instead of σ for the
    /// bias misses it (1e-7 to 5e-5).
    @Test("The fit zeroes the gradient of the model's loss with the skip alone", arguments: ["M", "MS"], [true, false])
    func fitIsTheMinimum(features: String, revin: Bool) throws {
        let data = try tinyData(features: features)
        let fit = try #require(LinearSkipFit.fit(data, revin: revin))
        let (l, h, m, k) = (16, 8, data.inputColumns, data.outputColumns)
        #expect(fit.weight.count == h * l && fit.bias.count == h)
        var gradient = [Double](repeating: 0, count: (l + 1) * h), scale = 0.0, trace = 0.0
        var input = [Float](repeating: 0, count: l * m), target = [Float](repeating: 0, count: h * k)
        for w in 0..<data.windowCount(.train) {
            data.fill(split: .train, window: w, input: &input, target: &target)
            for j in 0..<k {
                let x = (0..<l).map { Double(input[$0 * m + m - k + j]) }
                let mean = revin ? x.reduce(0, +) / Double(l) : 0
                let variance = revin ? x.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(l) : 0
                let z = x.map { $0 - mean } + [revin ? (variance + 1e-5).squareRoot() : 1]
                trace += z.prefix(l).map { $0 * $0 }.reduce(0, +)
                for t in 0..<h {
                    let y = Double(target[t * k + j]) - mean
                    let fitted = (0..<l).reduce(z[l] * Double(fit.bias[t])) {
                        $0 + z[$1] * Double(fit.weight[t * l + $1])
                    }
                    for i in 0...l {
                        gradient[i * h + t] += z[i] * (fitted - y)
                        scale += abs(z[i] * y)
                    }
                }
            }
        }
        let ridge = LinearForecast.relativeRidge * trace / Double(l)
        for t in 0..<h { for i in 0..<l { gradient[i * h + t] += ridge * Double(fit.weight[t * l + i]) } }
        let largest = gradient.map(abs).max()!
        #expect(largest <= 2e-8 * scale, "largest gradient \(largest), scale \(scale)")
    }

    @Test("A new run starts the skip from the fit and says so; off trains as a config without it")
    func keyAtTraining() throws {
        let runs = KeyRuns()
        #expect(try !runs.settings([]).linearSkipFit)
        #expect(try runs.settings(["model.linear_skip=true", "model.linear_skip_fit=true"]).linearSkipFit)
        let skip = try runs.run("skip", ["model.linear_skip=true"])
        #expect(try runs.run("off", ["model.linear_skip=true", "model.linear_skip_fit=false"]) == skip)
        #expect(try runs.run("fit", ["model.linear_skip=true", "model.linear_skip_fit=true"]) != skip)
        let log = try String(contentsOfFile: runs.folder.file("fit/log.txt"), encoding: .utf8)
        #expect(log.contains("linear skip: started from its least-squares fit on 117 training windows"), "\(log)")
    }

    @Test("model.linear_skip_fit without model.linear_skip is refused, naming both keys")
    func refusedWithoutTheSkip() throws {
        let runs = KeyRuns()
        expectError(ConfigCombinationError.self, containing: ["model.linear_skip_fit", "model.linear_skip: true"]) {
            _ = try runs.settings(["model.linear_skip_fit=true"])
        }
    }

    @Test("A fit whose normal equations exceed the memory available is refused before any is allocated")
    func refusedBeyondTheMemoryAvailable() throws {
        let data = try tinyData()
        var config = TimeSeriesConfig(seqLen: 16, predLen: 8, variates: 3)
        (config.dModel, config.eLayers, config.linearSkip) = (8, 1, true)
        let model = TimeSeriesModel(config: config, maxBatch: 1, seed: 1)
        let before = Array(UnsafeBufferPointer(start: model.store.values.pointer, count: model.store.values.count))
        let needed = LinearSkipFit.workingBytes(l: 16, h: 8, inputColumns: 3, columns: 3)
        // Double: (L + 1)², (L + 1)·H and 256 windows × 3 columns of L + 1 + H; float32: one window.
        let doubles = 17 * 17 + 17 * 8 + 256 * 3 * (17 + 8), floats = 16 * 3 + 8 * 3
        #expect(needed == Double(8 * doubles + 4 * floats))
        expectError(TrainingError.self, containing: ["model.linear_skip_fit needs", "lower data.seq_len"]) {
            _ = try LinearSkipFit.start(model.store, data: data, revin: true, available: needed - 1)
        }
        #expect(Array(UnsafeBufferPointer(start: model.store.values.pointer, count: before.count)) == before)
        #expect(try LinearSkipFit.start(model.store, data: data, revin: true, available: needed).count == 8 * 16 + 8)
    }

    @Test("A stopped run with the fit resumes to the uninterrupted run's weights, without fitting again")
    func resumeDoesNotRefit() throws {
        let runs = KeyRuns()
        let overrides = ["model.linear_skip=true", "model.linear_skip_fit=true", "optimization.epochs=2"]
        let straight = try runs.run("straight", overrides)
        _ = try ForecastJob.train(
            config: runs.config("stopped", overrides), resume: false, log: RunLog(console: false), version: "test",
            stoppingAfter: 1)
        let folder = runs.folder.file("stopped")
        let resumed = try Config(
            schema: .forecast, configFile: folder + "/config.yaml", overrides: ["output.dir=\(folder)"],
            workingDirectory: folder)
        _ = try ForecastJob.train(config: resumed, resume: true, log: RunLog(console: false), version: "test")
        #expect(try String(contentsOfFile: folder + "/summary.csv", encoding: .utf8) == straight)
        #expect(try runs.tensorBytes("stopped") == runs.tensorBytes("straight"))
        let log = try String(contentsOfFile: folder + "/log.txt", encoding: .utf8)
        #expect(log.components(separatedBy: "started from its least-squares fit").count == 2, "\(log)")
    }
}
