// `model.linear_skip`: a Linear(L → H) of each variate's normalised window added to the head's
// forecast. Its gradients against finite differences, the forecast it adds, and the key in a run.

import Foundation
import SimbaCore
import SimbaModel
import SimbaTestSupport
import Testing

@testable import SimbaTraining

/// A tiny variate-token config: L 8, H 4, 3 variates, d_model 8, one block, no Dropout.
private func tinyConfig(linearSkip: Bool, mixer: ChannelMixerKind = .einfft) -> TimeSeriesConfig {
    var config = TimeSeriesConfig(seqLen: 8, predLen: 4, variates: 3)
    (config.dModel, config.eLayers, config.dState, config.dropout) = (8, 1, 4, 0)
    (config.linearSkip, config.channelMixer) = (linearSkip, mixer)
    return config
}

/// The forecast (batch, 4, 3) of one forward of `model` on `window`.
private func forecast(_ model: TimeSeriesModel, _ window: [Float], batch: Int) -> [Float] {
    let output = window.withUnsafeBufferPointer { model.forward($0.baseAddress!, batch: batch) }
    return Array(UnsafeBufferPointer(start: output, count: batch * 4 * 3))
}

@Suite("Linear skip")
struct LinearSkipTests {
    @Test(
        "Every parameter's gradient, skip.* included, matches finite differences",
        arguments: [ChannelMixerKind.mlp, .einfft])
    func gradientsMatchFiniteDifferences(mixer: ChannelMixerKind) {
        let model = TimeSeriesModel(config: tinyConfig(linearSkip: true, mixer: mixer), maxBatch: 2, seed: 3)
        #expect(model.store.entries.suffix(2).map(\.name) == ["skip.weight", "skip.bias"])
        let checked = expectGradientsMatchFiniteDifferences(model, batch: 2)
        #expect(checked.count > 20 && checked.contains("skip.weight") && checked.contains("skip.bias"))
    }

    @Test("The skip adds σ·(W·x̂ + b) of each variate's normalised window to the forecast")
    func addsTheLinearMapOfTheWindow() {
        let with = TimeSeriesModel(config: tinyConfig(linearSkip: true), maxBatch: 2, seed: 5)
        let without = TimeSeriesModel(config: tinyConfig(linearSkip: false), maxBatch: 2, seed: 6)
        let shared = without.store.values.count
        #expect(with.store.entries.dropLast(2).map(\.name) == without.store.entries.map(\.name))
        without.store.values.pointer.update(from: with.store.values.pointer, count: shared)
        var generator = RandomGenerator(seed: 4)
        // The skip starts near 0 (N(0, 0.02²), bias 0): give it weights of the size it learns.
        for i in shared..<with.store.values.count { with.store.values.pointer[i] = 0.3 * generator.normal() }
        with.training = false
        without.training = false
        let window = (0..<2 * 8 * 3).map { _ in 2 * generator.normal() + 1 }  // (2, 8, 3)
        let sum = forecast(with, window, batch: 2), head = forecast(without, window, batch: 2)
        let weight = with.store.values.pointer + shared, bias = weight + 4 * 8
        for b in 0..<2 {
            for v in 0..<3 {
                let x = (0..<8).map { Double(window[(b * 8 + $0) * 3 + v]) }
                let mean = x.reduce(0, +) / 8
                let std = (x.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 8 + 1e-5).squareRoot()
                for t in 0..<4 {
                    let map = (0..<8).reduce(Double(bias[t])) { $0 + Double(weight[t * 8 + $1]) * (x[$1] - mean) / std }
                    let row = (b * 4 + t) * 3 + v
                    let added = Double(sum[row]) - Double(head[row])
                    #expect(
                        abs(added - std * map) <= 1e-5 * (1 + abs(std * map)),
                        "window \(b), variate \(v), step \(t): added \(added), σ·(W·x̂ + b) \(std * map)")
                }
            }
        }
    }

    @Test("The key reaches the model; false trains as a config without it; true changes the run")
    func keyAtTraining() throws {
        let runs = KeyRuns()
        #expect(try !runs.settings([]).model.linearSkip)
        #expect(try runs.settings(["model.linear_skip=true"]).model.linearSkip)
        let without = try runs.run("without", [])
        #expect(try runs.run("off", ["model.linear_skip=false"]) == without)
        #expect(try runs.tensorBytes("off") == runs.tensorBytes("without"))
        #expect(try runs.run("on", ["model.linear_skip=true"]) != without)
    }
}
