// ForecastScoreSheet: per-column and pooled metrics on a hand-computed case, both scales, MAPE that
// skips zero targets (a file's 0 after a float32 round trip included).

import SimbaData
import Testing

@Suite struct ForecastScoreSheetTests {
    // Two columns, standardised with means (10, 0) and stds (2, 4).
    let scaler = ForecastScaler(
        columns: ["a", "OT"], target: "OT", features: .multivariate, means: [10, 0],
        stds: [2, 4])

    @Test func perColumnAndPooledOnBothScales() {
        var sheet = ForecastScoreSheet(scaler: scaler, columnRange: 0..<2)
        // Rows (a, OT): errors in a are 1, −1, 0; in OT 0.5, 0.5, −1 (standardised).
        let prediction: [Float] = [1, 0.5, -1, 1.5, 0.5, -2]
        let truth: [Float] = [0, 0, 0, 1, 0.5, -1]
        sheet.add(prediction: prediction, truth: truth, rows: 3)
        #expect(sheet.columns == ["a", "OT"])
        #expect(abs(sheet.standardised[0].mse - 2.0 / 3) < 1e-15 && abs(sheet.standardised[0].mae - 2.0 / 3) < 1e-15)
        #expect(abs(sheet.standardised[1].mse - 0.5) < 1e-15 && abs(sheet.standardised[1].mae - 2.0 / 3) < 1e-15)
        // Original units: errors × std, so MSE × std², MAE × std.
        #expect(abs(sheet.original[0].mse - 4 * 2.0 / 3) < 1e-12 && abs(sheet.original[0].mae - 2 * 2.0 / 3) < 1e-12)
        #expect(abs(sheet.original[1].mse - 16 * 0.5) < 1e-12 && abs(sheet.original[1].mae - 4 * 2.0 / 3) < 1e-12)
        // Pooled over the six values.
        #expect(abs(sheet.pooledStandardised.mse - (2 + 1.5) / 6) < 1e-15)
        #expect(abs(sheet.pooledOriginal.mae - (2 * 2 + 4 * 2) / 6) < 1e-12)
        #expect(sheet.pooledStandardised.count == 6)
        // Standardised truths: a 0, 0, 0.5; OT 0, 1, −1. The zeros are skipped by MAPE; in original
        // units a's are 10, not 0, and OT's stays 0 (mean 0).
        #expect(sheet.standardised[0].zeroTargets == 2 && sheet.standardised[1].zeroTargets == 1)
        #expect(sheet.original[0].zeroTargets == 0 && sheet.original[1].zeroTargets == 1)
        // OT's MAPE over its two non-zero truths: |0.5 / 1| and |−1 / −1|.
        #expect(abs(sheet.standardised[1].mape - 0.75) < 1e-15)
        #expect(sheet.standardised[0].mape == 0)  // |0 / 0.5| alone
    }

    @Test func aZeroInTheFileIsZeroInOriginalUnitsAfterFloat32() {
        // 0 in a column with mean 0.7 and std 1.3 comes back from float32 as about 6e-8.
        let scaler = ForecastScaler(columns: ["OT"], target: "OT", features: .univariate, means: [0.7], stds: [1.3])
        let x = Float((0 - 0.7) / 1.3)
        #expect(Double(x) * 1.3 + 0.7 != 0)
        #expect(ForecastScoreSheet.originalUnits(Double(x), mean: 0.7, std: 1.3) == 0)
        #expect(ForecastScoreSheet.originalUnits(Double(Float((0.001 - 0.7) / 1.3)), mean: 0.7, std: 1.3) != 0)
        var sheet = ForecastScoreSheet(scaler: scaler, columnRange: 0..<1)
        sheet.add(prediction: [x + 0.1, 1], truth: [x, 0.5], rows: 2)
        #expect(sheet.original[0].zeroTargets == 1 && sheet.original[0].count == 2)
        #expect(sheet.original[0].mape.isFinite)
    }
}
