// TimeSeriesModel's batch split over its weight-sharing replica: a batch gives every window the
// forecast and gradient it gets alone, and training with Dropout stays reproducible.

import SimbaCore
import SimbaModel
import SimbaTestSupport
import Testing

@Suite struct TimeSeriesReplicaTests {
    let seqLen = 16, predLen = 8, variates = 3

    func config(dropout: Float) -> TimeSeriesConfig {
        var config = TimeSeriesConfig(seqLen: seqLen, predLen: predLen, variates: variates)
        config.dModel = 16
        config.eLayers = 2
        config.dState = 8
        config.dropout = dropout
        return config
    }

    /// Forecast and parameter gradient of Σ forecast·dForecast for `batch` windows at once.
    func run(_ model: TimeSeriesModel, _ x: [Float], _ dForecast: [Float], batch: Int) -> (forecast: [Float], gradient: [Float]) {
        model.store.zeroGradients()
        let forecast = Array(UnsafeBufferPointer(start: model.forward(x, batch: batch), count: batch * predLen * variates))
        model.backward(dForecast, batch: batch)
        return (forecast, model.store.gradients.array)
    }

    // 5 windows: 3 on the model, 2 on the replica.
    @Test func splitBatchMatchesWindowsAlone() {
        let batch = 5, window = seqLen * variates, horizon = predLen * variates
        let model = TimeSeriesModel(config: config(dropout: 0), maxBatch: batch, seed: 7)
        let x = randomArray(batch * window, seed: 1), dForecast = randomArray(batch * horizon, seed: 2)
        let together = run(model, x, dForecast, batch: batch)
        var forecasts: [Float] = [], gradientSum = [Float](repeating: 0, count: model.store.parameterCount)
        for b in 0..<batch {
            let alone = run(model, Array(x[b * window..<(b + 1) * window]), Array(dForecast[b * horizon..<(b + 1) * horizon]), batch: 1)
            forecasts += alone.forecast
            for i in gradientSum.indices { gradientSum[i] += alone.gradient[i] }
        }
        // The same arithmetic per window up to the products' blocking and the order of the sums.
        expectClose(together.forecast, forecasts, atol: 1e-5, rtol: 1e-5, "forecast")
        expectClose(together.gradient, gradientSum, atol: 1e-5, rtol: 1e-4, "gradients")
    }

    @Test func dropoutRunsAreReproducible() {
        let batch = 4
        let x = randomArray(batch * seqLen * variates, seed: 3), dForecast = randomArray(batch * predLen * variates, seed: 4)
        func twoSteps() -> [Float] {
            let model = TimeSeriesModel(config: config(dropout: 0.3), maxBatch: batch, seed: 11)
            model.training = true
            _ = run(model, x, dForecast, batch: batch)
            return run(model, x, dForecast, batch: batch).gradient
        }
        let first = twoSteps(), second = twoSteps()
        #expect(first == second, "the same seed gives the same Dropout masks and gradients")
    }
}
