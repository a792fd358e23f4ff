// `model.head_dropout`: Dropout on the tokens entering SiMBA-TS's head. Its gradient against finite
// differences with the mask held fixed, evaluation untouched, and 0 leaving a run as it was.

import Foundation
import SimbaCore
import SimbaModel
import SimbaTestSupport
import Testing

@testable import SimbaTraining

/// Σ forecast·weights of one forward of `model` on `window` (2 windows), from generator state `state`.
private func loss(
    _ model: TimeSeriesModel, _ window: [Float], _ weights: [Float],
    from state: RandomGenerator
) -> Double {
    model.context.generator = state
    let forecast = window.withUnsafeBufferPointer { model.forward($0.baseAddress!, batch: 2) }
    return weights.indices.reduce(0.0) { $0 + Double(forecast[$1]) * Double(weights[$1]) }
}

@Suite("Head dropout")
struct HeadDropoutTests {
    @Test(
        "The norm's gradient through head dropout matches finite differences with the same mask",
        arguments: [
            TokenAxis.variate, .time
        ])
    func gradientThroughTheMask(axis: TokenAxis) {
        var config = TimeSeriesConfig(seqLen: 8, predLen: 4, variates: 3)
        (config.dModel, config.eLayers, config.dState, config.tokenAxis) = (8, 1, 4, axis)
        (config.dropout, config.headDropout) = (0, 0.5)
        let model = TimeSeriesModel(config: config, maxBatch: 2, seed: 3)
        var generator = RandomGenerator(seed: 9)
        let window = (0..<2 * 8 * 3).map { _ in generator.normal() }
        let weights = (0..<2 * 4 * 3).map { _ in generator.normal() }
        let state = model.context.generator

        model.store.zeroGradients()
        _ = loss(model, window, weights, from: state)
        weights.withUnsafeBufferPointer { model.backward($0.baseAddress!, batch: 2) }
        let norm = model.store["norm.weight"]
        let values = model.store.values.pointer + norm.entry.offset
        let gradients = model.store.gradients.pointer + norm.entry.offset
        let step: Float = 1e-2
        for i in 0..<norm.count {
            let kept = values[i]
            values[i] = kept + step
            let up = loss(model, window, weights, from: state)
            values[i] = kept - step
            let down = loss(model, window, weights, from: state)
            values[i] = kept
            let numeric = (up - down) / (2 * Double(step))
            #expect(
                abs(Double(gradients[i]) - numeric) <= 2e-3 + 2e-2 * abs(numeric),
                "norm.weight[\(i)]: backward \(gradients[i]), finite differences \(numeric)")
        }
        // Evaluation draws no mask: two forwards from different generator states agree.
        model.context.training = false
        let first = loss(model, window, weights, from: RandomGenerator(seed: 1))
        #expect(first == loss(model, window, weights, from: RandomGenerator(seed: 2)))
        model.context.training = true
        #expect(
            loss(model, window, weights, from: RandomGenerator(seed: 1))
                != loss(model, window, weights, from: RandomGenerator(seed: 2)))
    }

    @Test("head_dropout 0 trains bit-identically to a config without the key; above 0 it changes the run")
    func zeroKeepsTheRun() throws {
        let runs = KeyRuns()
        #expect(try runs.settings([]).model.headDropout == 0)
        #expect(try runs.settings(["model.head_dropout=0.3"]).model.headDropout == 0.3)
        let without = try runs.run("without", [])
        #expect(try runs.run("zero", ["model.head_dropout=0"]) == without)
        #expect(try runs.tensorBytes("zero") == runs.tensorBytes("without"))
        #expect(try runs.run("dropped", ["model.head_dropout=0.3"]) != without)
    }
}
