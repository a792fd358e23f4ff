// `model.channel_independent`: each variate token through the blocks alone. Its gradients against
// finite differences, each variate's forecast as the one-variate model's, and the key in a run.

import Foundation
import SimbaCore
import SimbaModel
import SimbaTestSupport
import Testing

@testable import SimbaTraining

/// A tiny variate-token config: L 8, H 4, 3 variates, d_model 8, one block, no Dropout.
private func tinyConfig(
    variates: Int = 3, channelIndependent: Bool, mixer: ChannelMixerKind = .einfft
) -> TimeSeriesConfig {
    var config = TimeSeriesConfig(seqLen: 8, predLen: 4, variates: variates)
    (config.dModel, config.eLayers, config.dState, config.dropout) = (8, 1, 4, 0)
    (config.channelIndependent, config.channelMixer) = (channelIndependent, mixer)
    return config
}

/// The forecast (batch, 4, M) of one forward of `model` on `window`.
private func forecast(_ model: TimeSeriesModel, _ window: [Float], batch: Int) -> [Float] {
    let output = window.withUnsafeBufferPointer { model.forward($0.baseAddress!, batch: batch) }
    return Array(UnsafeBufferPointer(start: output, count: batch * 4 * model.config.variates))
}

@Suite("Channel independence")
struct ChannelIndependenceTests {
    @Test(
        "Every parameter's gradient matches finite differences with channel independence",
        arguments: [ChannelMixerKind.mlp, .einfft])
    func gradientsMatchFiniteDifferences(mixer: ChannelMixerKind) {
        let model = TimeSeriesModel(
            config: tinyConfig(channelIndependent: true, mixer: mixer), maxBatch: 2, seed: 3)
        #expect(expectGradientsMatchFiniteDifferences(model, batch: 2).count > 20)
    }

    @Test("Each variate's forecast is the one-variate model's on that variate alone; mixing reads the others")
    func variatesAreForecastAlone() {
        let independent = TimeSeriesModel(config: tinyConfig(channelIndependent: true), maxBatch: 2, seed: 5)
        let single = TimeSeriesModel(config: tinyConfig(variates: 1, channelIndependent: false), maxBatch: 2, seed: 6)
        // The parameters do not depend on the variates: the same table, so the weights carry over.
        #expect(independent.store.entries.map(\.name) == single.store.entries.map(\.name))
        #expect(independent.store.parameterCount == single.store.parameterCount)
        single.store.values.pointer.update(
            from: independent.store.values.pointer, count: independent.store.values.count)
        independent.training = false
        single.training = false
        var generator = RandomGenerator(seed: 2)
        let window = (0..<2 * 8 * 3).map { _ in generator.normal() }  // (2, 8, 3)
        let all = forecast(independent, window, batch: 2)
        for v in 0..<3 {
            let alone = (0..<2 * 8).map { window[$0 * 3 + v] }  // (2, 8, 1)
            let expected = forecast(single, alone, batch: 2)
            for (row, value) in expected.enumerated() {
                let actual = all[row * 3 + v]
                #expect(
                    abs(actual - value) <= 1e-5 + 1e-4 * abs(value),
                    "variate \(v), row \(row): with the others \(actual), alone \(value)")
            }
        }
        // Changing the shape of variate 0's window (not only its level or scale, which RevIN
        // removes) leaves the others' forecasts alone, unlike the mixing model.
        var changed = window
        for i in stride(from: 0, to: changed.count, by: 3) { changed[i] += Float(i % 5) * 0.3 }
        let after = forecast(independent, changed, batch: 2)
        #expect((0..<all.count).filter { $0 % 3 != 0 }.allSatisfy { all[$0] == after[$0] })
        #expect((0..<all.count).filter { $0 % 3 == 0 }.contains { all[$0] != after[$0] })
        let mixing = TimeSeriesModel(config: tinyConfig(channelIndependent: false), maxBatch: 2, seed: 5)
        mixing.training = false
        let mixed = forecast(mixing, window, batch: 2), mixedAfter = forecast(mixing, changed, batch: 2)
        #expect((0..<mixed.count).filter { $0 % 3 != 0 }.contains { mixed[$0] != mixedAfter[$0] })
    }

    @Test("The key reaches the model; false trains as a config without it; true changes the run")
    func keyAtTraining() throws {
        let runs = KeyRuns()
        #expect(try !runs.settings([]).model.channelIndependent)
        #expect(try runs.settings(["model.channel_independent=true"]).model.channelIndependent)
        let without = try runs.run("without", [])
        #expect(try runs.run("off", ["model.channel_independent=false"]) == without)
        #expect(try runs.tensorBytes("off") == runs.tensorBytes("without"))
        #expect(try runs.run("on", ["model.channel_independent=true"]) != without)
    }
}
