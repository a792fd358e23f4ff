// ForecastData: Time-Series-Library split borders and window counts on the real ETTh1 file, window
// contents against a Double recomputation, the train-only scaler, features, ratio splits and errors.

import Foundation
import SimbaTestSupport
import Testing

@testable import SimbaData

@Suite struct ForecastDataTests {
    /// Train-split mean and population std of every table column, in Double (E[x²] − E[x]², a
    /// different formula from the library's two passes).
    func trainStatistics(_ table: TimeSeriesTable, rows: Range<Int>) -> (means: [Double], stds: [Double]) {
        var means: [Double] = [], stds: [Double] = []
        for c in 0..<table.columnCount {
            var (sum, squares) = (0.0, 0.0)
            for r in rows {
                sum += Double(table[r, c])
                squares += Double(table[r, c]) * Double(table[r, c])
            }
            let mean = sum / Double(rows.count)
            means.append(mean)
            stds.append((squares / Double(rows.count) - mean * mean).squareRoot())
        }
        return (means, stds)
    }

    /// Rows `rows` of table columns `columns`, standardised in Double, row-major.
    func standardised(_ table: TimeSeriesTable, rows: Range<Int>, columns: [Int], means: [Double], stds: [Double])
        -> [Float]
    {
        rows.flatMap { r in columns.map { c in Float((Double(table[r, c]) - means[c]) / stds[c]) } }
    }

    @Test func etth1WindowCountsAndBorders() throws {
        guard let path = etth1Path() else { return }
        let data = try ForecastData(path: path, options: ForecastOptions(seqLen: 96, predLen: 96))
        #expect(data.windowCount(.train) == 8449)
        #expect(data.windowCount(.val) == 2785)
        #expect(data.windowCount(.test) == 2785)
        #expect(
            data.rows(.train) == [0..<8640] && data.rows(.val) == [8544..<11520]
                && data.rows(.test) == [11424..<14400])
        #expect(data.columnNames == ["HUFL", "HULL", "MUFL", "MULL", "LUFL", "LULL", "OT"])
        #expect(data.inputColumns == 7 && data.outputColumns == 7 && data.frequency == .seconds(3600))
    }

    @Test func etth1WindowsAndScalerMatchDoubleComputation() throws {
        guard let path = etth1Path() else { return }
        let table = try TimeSeriesTable(path: path)
        let (l, h, m) = (96, 96, 7)
        let data = try ForecastData(table: table, options: ForecastOptions(seqLen: l, predLen: h))
        let (means, stds) = trainStatistics(table, rows: 0..<8640)
        // Both are Double sums of 8640 Float64 values; the formulas differ by rounding only.
        for c in 0..<m {
            #expect(abs(data.scaler.means[c] - means[c]) <= 1e-9 * abs(means[c]) + 1e-12, "mean \(c)")
            #expect(abs(data.scaler.stds[c] - stds[c]) <= 1e-9 * stds[c], "std \(c)")
        }
        // Fitted on train only: the whole file's OT mean is different.
        let fileMean = (0..<table.rowCount).reduce(0.0) { $0 + Double(table[$1, 6]) } / Double(table.rowCount)
        #expect(abs(fileMean - data.scaler.means[6]) > 1)

        var input = [Float](repeating: 0, count: l * m), target = [Float](repeating: 0, count: h * m)
        let all = Array(0..<m)
        // Float((x − μ)/σ) from the same Double μ, σ up to 1e-9 relative: at most one float32 rounding apart.
        data.fill(split: .train, window: 0, input: &input, target: &target)
        expectClose(
            input, standardised(table, rows: 0..<96, columns: all, means: means, stds: stds), atol: 1e-6, rtol: 1e-6,
            "train window 0 input")
        expectClose(
            target, standardised(table, rows: 96..<192, columns: all, means: means, stds: stds), atol: 1e-6, rtol: 1e-6,
            "train window 0 target")
        data.fill(split: .test, window: 2784, input: &input, target: &target)
        expectClose(
            input, standardised(table, rows: 14208..<14304, columns: all, means: means, stds: stds), atol: 1e-6,
            rtol: 1e-6, "last test window input")
        expectClose(
            target, standardised(table, rows: 14304..<14400, columns: all, means: means, stds: stds), atol: 1e-6,
            rtol: 1e-6, "last test window target")
        data.fill(split: .val, window: 0, input: &input, target: &target)
        expectClose(
            target, standardised(table, rows: 8640..<8736, columns: all, means: means, stds: stds), atol: 1e-6,
            rtol: 1e-6, "first val window target")
        #expect(data.targetTimestamps(split: .test, window: 2784) == table.timestamps[14304..<14400])
        #expect(data.inputTimestamps(split: .val, window: 0) == table.timestamps[8544..<8640])
    }

    @Test func etth1UnivariateAndMultivariateToUnivariate() throws {
        guard let path = etth1Path() else { return }
        let table = try TimeSeriesTable(path: path)
        let (means, stds) = trainStatistics(table, rows: 0..<8640)
        let (l, h) = (24, 12)

        let s = try ForecastData(table: table, options: ForecastOptions(features: .univariate, seqLen: l, predLen: h))
        #expect(s.columnNames == ["OT"] && s.inputColumns == 1 && s.outputColumns == 1 && s.outputColumnRange == 0..<1)
        #expect(s.windowCount(.train) == 8640 - l - h + 1)
        var input = [Float](repeating: 0, count: l), target = [Float](repeating: 0, count: h)
        s.fill(split: .test, window: 5, input: &input, target: &target)
        let start = 11520 - l + 5
        expectClose(
            input, standardised(table, rows: start..<start + l, columns: [6], means: means, stds: stds), atol: 1e-6,
            rtol: 1e-6, "S input")
        expectClose(
            target, standardised(table, rows: start + l..<start + l + h, columns: [6], means: means, stds: stds),
            atol: 1e-6, rtol: 1e-6, "S target")

        let ms = try ForecastData(
            table: table, options: ForecastOptions(features: .multivariateToUnivariate, seqLen: l, predLen: h))
        #expect(
            ms.inputColumns == 7 && ms.outputColumns == 1 && ms.outputColumnRange == 6..<7
                && ms.outputColumnNames == ["OT"])
        var wide = [Float](repeating: 0, count: l * 7)
        ms.fill(split: .test, window: 5, input: &wide, target: &target)
        expectClose(
            wide, standardised(table, rows: start..<start + l, columns: Array(0..<7), means: means, stds: stds),
            atol: 1e-6, rtol: 1e-6, "MS input")
        expectClose(
            target, standardised(table, rows: start + l..<start + l + h, columns: [6], means: means, stds: stds),
            atol: 1e-6, rtol: 1e-6, "MS target")
    }

    /// 101 rows, TSLib Dataset_Custom: train Int(70.7) = 70, test Int(20.2) = 20, val 11.
    @Test func ratioBordersMoveTheTargetLast() throws {
        let csv = syntheticCSV(rows: 101, names: ["OT", "b", "c"]) { r, c in
            Double(r * 10 + c) + (c == 1 ? Double(r % 3) : 0)
        }
        let path = try temporaryCSV(csv, name: "weather.csv")
        let (l, h) = (4, 2)
        let data = try ForecastData(
            path: path, options: ForecastOptions(features: .multivariateToUnivariate, seqLen: l, predLen: h))
        #expect(data.rows(.train) == [0..<70] && data.rows(.val) == [66..<81] && data.rows(.test) == [77..<101])
        #expect(data.windowCount(.train) == 65 && data.windowCount(.val) == 10 && data.windowCount(.test) == 19)
        #expect(data.columnNames == ["b", "c", "OT"] && data.scaler.columns == ["b", "c", "OT"])

        // Window 3 of test: input rows 80..<84, target rows 84..<86 of OT (file column 0).
        var input = [Float](repeating: 0, count: l * 3), target = [Float](repeating: 0, count: h)
        data.fill(split: .test, window: 3, input: &input, target: &target)
        data.scaler.inverseTransform(&input)
        data.scaler.inverseTransform(&target, columns: data.outputColumnRange)
        var expectedInput: [Float] = []
        for r in 80..<84 {
            let (b, c, ot): (Int, Int, Int) = (r * 10 + 1 + r % 3, r * 10 + 2, r * 10)
            expectedInput += [Float(b), Float(c), Float(ot)]
        }
        // Standardised then undone in Double, each rounded to float32: one or two float32 roundings.
        expectClose(input, expectedInput, atol: 0, rtol: 1e-6, "ratio input in original units")
        expectClose(target, [840, 850], atol: 0, rtol: 1e-6, "ratio target in original units")

        // Batch fill = the single fills, in the given order.
        let windows = [7, 0, 18]
        var batchInput = [Float](repeating: 0, count: 3 * l * 3), batchTarget = [Float](repeating: 0, count: 3 * h)
        data.fill(split: .test, windows: windows, input: &batchInput, target: &batchTarget)
        for (b, w) in windows.enumerated() {
            data.fill(split: .test, window: w, input: &input, target: &target)
            #expect(
                Array(batchInput[b * l * 3..<(b + 1) * l * 3]) == input
                    && Array(batchTarget[b * h..<(b + 1) * h]) == target)
        }

        // Forecasting past the data: the last L rows, and hourly dates after the last one.
        let last = try data.lastWindow()
        #expect(last == Array(data.values[(101 - l) * 3..<101 * 3]))
        #expect(data.lastWindowTimestamps == data.timestamps[(101 - l)...])
        let future = try data.futureTimestamps(count: 3)
        #expect(
            future.map(TimeSeriesTable.formatTimestamp) == [
                "2020-01-05 05:00:00", "2020-01-05 06:00:00", "2020-01-05 07:00:00"
            ])
    }

    @Test func bordersByFileName() throws {
        #expect(SplitBorders.auto.resolved(forPath: "/data/ETTh2.csv") == .ettHour)
        #expect(SplitBorders.auto.resolved(forPath: "ETTm1.csv") == .ettMinute)
        #expect(SplitBorders.auto.resolved(forPath: "/data/ETTh/weather.csv") == .ratio)
        #expect(SplitBorders.auto.resolved(forPath: "etth1.csv") == .ratio)
        #expect(SplitBorders.ratio.resolved(forPath: "ETTh1.csv") == .ratio)
        let minute = try SplitBorders.ettMinute.rowRanges(rows: 69_680, seqLen: 96, path: "ETTm1.csv")
        #expect(minute == [0..<34_560, 34_464..<46_080, 45_984..<57_600])
        #expect(
            SplitBorders.ettHourTrainEnd == 8640 && SplitBorders.ettHourValEnd == 11_520
                && SplitBorders.ettHourTestEnd == 14_400)
    }

    @Test func optionErrors() throws {
        let csv = syntheticCSV(rows: 50, names: ["a", "OT"]) { r, c in Double(r * (c + 1)) }
        let path = try temporaryCSV(csv)
        #expect(throws: DataError.unknownTarget(path: path, target: "oil", columns: ["a", "OT"])) {
            try ForecastData(path: path, options: ForecastOptions(target: "oil", seqLen: 4, predLen: 2))
        }
        #expect(DataError.unknownTarget(path: path, target: "oil", columns: ["a", "OT"]).description.contains("a, OT"))
        // 50 rows: train 35, val 5 (+L), test 10 (+L).
        let short = DataError.splitTooShort(path: path, split: "val", rows: 15, needed: 16, seqLen: 10, predLen: 6)
        #expect(throws: short) { try ForecastData(path: path, options: ForecastOptions(seqLen: 10, predLen: 6)) }
        #expect(short.description.contains("val split has 15 rows") && short.description.contains("at least 16"))
        #expect(throws: DataError.badLength(path: path, name: "pred_len", value: 0)) {
            try ForecastData(path: path, options: ForecastOptions(seqLen: 4, predLen: 0))
        }
        let hourPath = try temporaryCSV(csv, name: "ETTh1.csv")
        #expect(throws: DataError.tooShortForBorders(path: hourPath, borders: "ETT-hour", rows: 50, needed: 14_400)) {
            try ForecastData(path: hourPath, options: ForecastOptions(seqLen: 4, predLen: 2))
        }
    }

    @Test func constantTrainColumnIsAnError() throws {
        // Column a is 7 on the 35 train rows and varies afterwards: still unusable.
        let csv = syntheticCSV(rows: 50, names: ["a", "OT"]) { r, c in c == 0 ? (r < 35 ? 7 : Double(r)) : Double(r) }
        let path = try temporaryCSV(csv)
        let error = DataError.constantColumn(path: path, column: "a", trainRows: 35, inFile: false)
        #expect(throws: error) { try ForecastData(path: path, options: ForecastOptions(seqLen: 4, predLen: 2)) }
        #expect(error.description.contains("column a") && error.description.contains("varies later"))
        // With S only OT is used, so the constant column does not matter.
        _ = try ForecastData(path: path, options: ForecastOptions(features: .univariate, seqLen: 4, predLen: 2))
    }

    @Test func scalerRoundTripsThroughJSON() throws {
        let scaler = ForecastScaler(
            columns: ["HUFL", "OT"], target: "OT", features: .multivariateToUnivariate, means: [0.1, 17.125478999],
            stds: [1.0 / 3.0, 8.567e-5])
        let json = scaler.jsonString()
        #expect(json.contains("\"features\":\"MS\""))
        #expect(try ForecastScaler(json: json) == scaler)  // bit-exact Doubles
        var values: [Float] = [1, 2, 3, 4]
        scaler.transform(&values)
        expectClose(
            values,
            [
                Float((1 - 0.1) * 3), Float((2 - 17.125478999) / 8.567e-5), Float((3 - 0.1) * 3),
                Float((4 - 17.125478999) / 8.567e-5)
            ], atol: 0, rtol: 1e-6, "transform")
        scaler.inverseTransform(&values)
        // Standardised values up to 2e5 in float32 (ulp ~0.016) times std 8.6e-5: ~1e-6 absolute.
        expectClose(values, [1, 2, 3, 4], atol: 1e-5, rtol: 1e-6, "inverse transform")

        #expect(throws: DataError.self) { try ForecastScaler(json: "{}") }
        let wrongTarget = json.replacingOccurrences(of: "\"target\":\"OT\"", with: "\"target\":\"HUFL\"")
        #expect(throws: DataError.badScaler(reason: "the target \"HUFL\" is not the last column")) {
            try ForecastScaler(json: wrongTarget)
        }
        let zeroStd = ForecastScaler(columns: ["OT"], target: "OT", features: .univariate, means: [1], stds: [0])
            .jsonString()
        #expect(throws: DataError.self) { try ForecastScaler(json: zeroStd) }
    }
}
