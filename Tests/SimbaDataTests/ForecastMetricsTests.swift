// ForecastMetrics: the five metrics on a hand-computed case, and batch accumulation that counts
// every element once, uneven last batch included.

import SimbaData
import Testing

@Suite struct ForecastMetricsTests {
    // Errors p − t = −1, 0, 2, −1; relative errors −1/2, 0, 2, −1/5.
    let prediction: [Float] = [1, 2, 3, 4]
    let truth: [Float] = [2, 2, 1, 5]

    @Test func handComputedCase() {
        #expect(ForecastMetrics.mse(prediction, truth) == 1.5)  // (1 + 0 + 4 + 1) / 4
        #expect(ForecastMetrics.mae(prediction, truth) == 1.0)  // (1 + 0 + 2 + 1) / 4
        #expect(ForecastMetrics.rmse(prediction, truth) == 1.5.squareRoot())
        #expect(abs(ForecastMetrics.mape(prediction, truth) - 0.675) < 1e-15)  // (0.5 + 0 + 2 + 0.2) / 4
        #expect(abs(ForecastMetrics.mspe(prediction, truth) - 1.0725) < 1e-15)  // (0.25 + 0 + 4 + 0.04) / 4
    }

    @Test func batchesCountEveryElementOnce() {
        let p: [Float] = (0..<10).map { Float($0) * 0.5 + 1 }
        let t: [Float] = (0..<10).map { Float($0) + 1 }
        var sums = ForecastMetricAccumulator()
        for batch in stride(from: 0, to: 10, by: 4) {  // 4 + 4 + 2
            let end = min(batch + 4, 10)
            sums.add(prediction: Array(p[batch..<end]), truth: Array(t[batch..<end]))
        }
        #expect(sums.count == 10)
        // Σ (0.5 i)² / 10 = 0.25 · 285 / 10; Σ 0.5 i / 10 = 0.5 · 45 / 10.
        #expect(abs(sums.mse - 7.125) < 1e-12 && abs(sums.mae - 2.25) < 1e-12)
        #expect(abs(sums.mse - ForecastMetrics.mse(p, t)) < 1e-15 && abs(sums.mspe - ForecastMetrics.mspe(p, t)) < 1e-15)
    }

    @Test func zeroTruthMakesPercentagesInfinite() {
        #expect(ForecastMetrics.mape([1], [0]) == .infinity)
        #expect(ForecastMetrics.mse([1], [0]) == 1)
    }
}
