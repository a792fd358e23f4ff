// ForecastMetrics: the five metrics on a hand-computed case, batch accumulation that counts every
// element once (uneven last batch included), zero truths skipped by MAPE/MSPE, merged sums.

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
        #expect(
            abs(sums.mse - ForecastMetrics.mse(p, t)) < 1e-15 && abs(sums.mspe - ForecastMetrics.mspe(p, t)) < 1e-15)
    }

    @Test func percentagesSkipZeroTruthsAndCountThem() {
        // Truths 0, 2, 0, −4: MAPE over |1/2| and |−2/−4|; the zeros still count for MSE.
        var sums = ForecastMetricAccumulator()
        sums.add(prediction: [1, 3, 5, -2], truth: [0, 2, 0, -4])
        #expect(sums.zeroTargets == 2 && sums.count == 4)
        #expect(sums.mape == 0.5 && sums.mspe == 0.25)
        #expect(sums.mse == (1 + 1 + 25 + 4) / 4.0)
        #expect(ForecastMetrics.mape([1], [0]).isNaN)  // no truth left to divide by
        #expect(ForecastMetrics.mse([1], [0]) == 1)
    }

    @Test func mergingSumsEqualsAddingEverything() {
        var first = ForecastMetricAccumulator(), second = ForecastMetricAccumulator(), all = ForecastMetricAccumulator()
        first.add(prediction: [1, 2], truth: [0, 3])
        second.add(prediction: [4], truth: [5])
        all.add(prediction: [1, 2, 4], truth: [0, 3, 5])
        first.merge(second)
        #expect(first.count == all.count && first.zeroTargets == all.zeroTargets)
        #expect(first.mse == all.mse && first.mae == all.mae && first.mape == all.mape && first.mspe == all.mspe)
    }
}
