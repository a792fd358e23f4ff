// The baselines on tiny series with known answers: repeat-last by hand, seasonal naive exact on a
// periodic series, the linear map exact on a trend and on a periodic series, features MS, periods.

import Foundation
import SimbaTestSupport
import Testing

@testable import SimbaData

/// An hourly table (`date,<columns>`) of `rows` rows whose cell (r, c) is `value(r, c)`.
func hourlyTable(
    _ columns: [String], rows: Int, step: Int64 = 3600,
    _ value: (Int, Int) -> Double
) throws -> TimeSeriesTable {
    var lines = ["date," + columns.joined(separator: ",")]
    for r in 0..<rows {
        let cells = columns.indices.map { String(value(r, $0)) }
        lines.append(
            TimeSeriesTable.formatTimestamp(1_600_000_000 / 86_400 * 86_400 + Int64(r) * step) + ","
                + cells.joined(separator: ","))
    }
    return try TimeSeriesTable(bytes: Array((lines.joined(separator: "\n") + "\n").utf8), path: "series.csv")
}

/// Every window of `split`: the baseline's forecast and the truth, (windows, H, K) each.
func forecastAndTruth(
    _ baseline: some ForecastBaseline, _ data: ForecastData,
    _ split: ForecastSplit
) -> (forecast: [Float], truth: [Float]) {
    let (l, h, m, k) = (data.seqLen, data.predLen, data.inputColumns, data.outputColumns)
    let windows = data.windowCount(split)
    var input = [Float](repeating: 0, count: windows * l * m), truth = [Float](repeating: 0, count: windows * h * k)
    var forecast = truth
    input.withUnsafeMutableBufferPointer { i in
        truth.withUnsafeMutableBufferPointer { t in
            data.fill(split: split, windows: 0..<windows, input: i.baseAddress!, target: t.baseAddress!)
        }
    }
    forecast.withUnsafeMutableBufferPointer {
        baseline.forecast(data, split: split, first: 0, count: windows, into: $0.baseAddress!)
    }
    return (forecast, truth)
}

/// The largest |a − b| over two arrays of equal length.
func largestDifference(_ a: [Float], _ b: [Float]) -> Float {
    zip(a, b).map { abs($0 - $1) }.max() ?? 0
}

@Suite struct ForecastBaselineTests {
    @Test func repeatLastRepeatsTheLookBacksLastValue() throws {
        // 2 columns, L 3, H 2; ratio borders over 40 rows: test rows [29, 40), 7 windows.
        let table = try hourlyTable(["a", "OT"], rows: 40) { r, c in c == 0 ? Double(r * r % 7) : Double(r) }
        let data = try ForecastData(table: table, options: ForecastOptions(seqLen: 3, predLen: 2, borders: .ratio))
        let (forecast, truth) = forecastAndTruth(RepeatLastForecast(), data, .test)
        #expect(data.rows(.test) == [29..<40] && data.windowCount(.test) == 7)
        for w in 0..<7 {
            let lastRow = 29 + w + 2  // the look-back's last row
            for t in 0..<2 {
                for j in 0..<2 {
                    #expect(
                        forecast[(w * 2 + t) * 2 + j] == data.values[lastRow * 2 + j],
                        "window \(w) step \(t) column \(j)")
                }
            }
        }
        // Window 0's truth is rows 32 and 33.
        #expect(Array(truth[0..<4]) == Array(data.values[64..<68]))
    }

    @Test func seasonalNaiveIsExactOnAPeriodicSeries() throws {
        // Period 24 (hourly data); L 48 holds two periods, H 36 runs past one.
        let table = try hourlyTable(["a", "OT"], rows: 600) { r, c in
            let phase = 2 * Double.pi * Double(r % 24) / 24
            return c == 0 ? sin(phase) + 0.3 * Double(r % 24 / 6) : cos(2 * phase) + 5
        }
        let data = try ForecastData(table: table, options: ForecastOptions(seqLen: 48, predLen: 36, borders: .ratio))
        let period = data.seasonalPeriod
        #expect(period == 24)
        let seasonal = SeasonalNaiveForecast(period: period, seqLen: 48)
        #expect(seasonal.unavailable(data, split: .test) == nil && seasonal.note == nil)
        let (forecast, truth) = forecastAndTruth(seasonal, data, .test)
        #expect(forecast == truth)
        // Repeat-last is not exact here, so the comparison above can fail.
        #expect(largestDifference(forecastAndTruth(RepeatLastForecast(), data, .test).forecast, truth) > 0.5)
    }

    @Test func seasonalNaiveLongerThanTheLookBackReadsBeforeIt() throws {
        // Period 24 > L 16: the value a day earlier lies before the look-back.
        let table = try hourlyTable(["OT"], rows: 300) { r, _ in
            sin(2 * Double.pi * Double(r % 24) / 24) + Double(r % 24 == 3 ? 1 : 0)
        }
        let options = ForecastOptions(features: .univariate, seqLen: 16, predLen: 8, borders: .ratio)
        let data = try ForecastData(table: table, options: options)
        let seasonal = SeasonalNaiveForecast(period: 24, seqLen: 16)
        #expect(seasonal.note?.contains("reads up to 8 rows before the look-back") == true)
        let (forecast, truth) = forecastAndTruth(seasonal, data, .test)
        #expect(forecast == truth)
        // The train split's first window has no row a day before its horizon.
        #expect(seasonal.unavailable(data, split: .train)?.contains("before its series' first row") == true)
    }

    @Test func linearMapIsExactOnATrendAndOnAPeriodicSeries() throws {
        let trend = try hourlyTable(["a", "OT"], rows: 300) { r, c in
            c == 0 ? 3 - 0.5 * Double(r) : 100 + 2 * Double(r)
        }
        let trendData = try ForecastData(
            table: trend,
            options: ForecastOptions(seqLen: 12, predLen: 6, borders: .ratio))
        let trendMap = try #require(LinearForecast.fit(trendData))
        #expect(trendMap.trainingWindows == 210 - 12 - 6 + 1)
        let trendResult = forecastAndTruth(trendMap, trendData, .test)
        #expect(largestDifference(trendResult.forecast, trendResult.truth) < 1e-4)
        // Repeat-last misses a trend by a step's worth per step, so the test can fail.
        let repeated = forecastAndTruth(RepeatLastForecast(), trendData, .test).forecast
        #expect(largestDifference(repeated, trendResult.truth) > 0.01)

        let periodic = try hourlyTable(["OT"], rows: 400) { r, _ in
            sin(2 * Double.pi * Double(r) / 10) + 0.2 * cos(2 * Double.pi * Double(r) / 5)
        }
        let univariate = ForecastOptions(features: .univariate, seqLen: 20, predLen: 15, borders: .ratio)
        let periodicData = try ForecastData(table: periodic, options: univariate)
        let periodicResult = forecastAndTruth(try #require(LinearForecast.fit(periodicData)), periodicData, .val)
        #expect(largestDifference(periodicResult.forecast, periodicResult.truth) < 1e-4)
    }

    @Test func linearMapInFeaturesMSReadsTheTargetsOwnPast() throws {
        // OT is a trend; column a is noise that a map mixing columns could use. With MS the one
        // forecast column is OT, mapped from OT's look-back: exact.
        let table = try hourlyTable(["a", "OT"], rows: 300) { r, c in
            c == 0 ? Double((r * 7919) % 101) : 0.25 * Double(r) - 4
        }
        let options = ForecastOptions(features: .multivariateToUnivariate, seqLen: 10, predLen: 4, borders: .ratio)
        let data = try ForecastData(table: table, options: options)
        #expect(data.outputColumns == 1)
        let map = try #require(LinearForecast.fit(data))
        #expect(map.weights.count == 10 * 4 && map.bias.count == 4)
        let (forecast, truth) = forecastAndTruth(map, data, .test)
        #expect(largestDifference(forecast, truth) < 1e-4)
    }

    @Test func linearFitMatchesTheNormalEquationsSummedWindowByWindow() throws {
        // The lagged-sum shortcut against a plain sum over windows, on an irregular series.
        let series = (0..<80).map { Double(($0 * 37) % 23) - 0.1 * Double($0) }
        let (l, h) = (5, 3), n = l + 1, windows = series.count - l - h + 1
        var normal = [Double](repeating: 0, count: n * n), right = [Double](repeating: 0, count: n * h)
        var trace = 0.0
        for w in 0..<windows {
            let z = Array(series[w..<w + l]) + [1]
            for i in 0..<n {
                for j in 0..<n { normal[i * n + j] += z[i] * z[j] }
                for t in 0..<h { right[i * h + t] += z[i] * series[w + l + t] }
            }
        }
        for i in 0..<l { trace += normal[i * n + i] }
        for i in 0..<l { normal[i * n + i] += LinearForecast.relativeRidge * trace / Double(l) }
        #expect(CholeskySolve.solve(&normal, &right, n: n, columns: h))
        let fitted = try #require(LinearForecast.solve(series: [series], seqLen: l, predLen: h))
        for i in right.indices { #expect(abs(fitted[i] - right[i]) <= 1e-9 * (1 + abs(right[i])), "coefficient \(i)") }
    }

    @Test func choleskySolvesASmallSystemAndRefusesAnIndefiniteOne() {
        // [[4, 2], [2, 3]] x = [2, 5] → x = [−0.5, 2].
        var a: [Double] = [4, 2, 2, 3], b: [Double] = [2, 5]
        #expect(CholeskySolve.solve(&a, &b, n: 2, columns: 1))
        #expect(abs(b[0] + 0.5) < 1e-15 && abs(b[1] - 2) < 1e-15)
        var indefinite: [Double] = [1, 2, 2, 1], rhs: [Double] = [1, 1]
        #expect(!CholeskySolve.solve(&indefinite, &rhs, n: 2, columns: 1))
    }
}
