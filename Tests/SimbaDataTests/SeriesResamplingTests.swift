// data.resample: bins closed on the left and labelled by their start from the first day's midnight,
// calendar months labelled as pandas does, every aggregate, empty bins as gaps, and a year of minutes.

import Foundation
import Testing

@testable import SimbaData

@Suite struct SeriesResamplingTests {
    /// One column holding `values`, at `times`.
    func table(_ times: [Int64], _ values: [Double]) -> TimeSeriesTable {
        gridTable(
            path: "m.csv", columns: ["OT"], values: values, timestamps: times,
            lines: times.indices.map { $0 + 2 })
    }

    @Test func binsAreClosedLeftAndLabelledByTheirStart() throws {
        // 00:45, 01:00, 01:15, 01:59:59, 02:00 into hours: [00:00, 01:00) [01:00, 02:00) [02:00, 03:00).
        let times = [
            "2020-01-01 00:45", "2020-01-01 01:00", "2020-01-01 01:15", "2020-01-01 01:59:59",
            "2020-01-01 02:00"
        ]
        let read = table(times.map(date), [1, 2, 4, 6, 8])
        let (hourly, report) = try read.onGrid(TimeGridOptions(resample: .seconds(3600)))
        #expect(dates(hourly.timestamps) == ["2020-01-01 00:00:00", "2020-01-01 01:00:00", "2020-01-01 02:00:00"])
        #expect(hourly.values == [1, 4, 8] && hourly.lines == [2, 3, 6])
        #expect(report.lines == ["freq: 1h (data.resample: mean of 5 rows in 3 bins)"])
        // Bins start from the first day's midnight, not from the first row.
        let (halves, _) = try read.onGrid(TimeGridOptions(resample: .seconds(5400)))
        #expect(dates(halves.timestamps) == ["2020-01-01 00:00:00", "2020-01-01 01:30:00"])
        #expect(doubles(halves) == stored([7.0 / 3, 7]))
    }

    @Test(
        "Every aggregate",
        arguments: [
            (Aggregation.mean, [2.0, 6]), (.sum, [6, 12]), (.first, [3, 7]), (.last, [1, 5]), (.min, [1, 5]),
            (.max, [3, 7])
        ])
    func aggregates(_ aggregate: Aggregation, _ expected: [Double]) throws {
        let times = ["2020-01-01 00:00", "2020-01-01 00:20", "2020-01-01 00:40", "2020-01-01 01:00", "2020-01-01 01:30"]
        let read = table(times.map(date), [3, 2, 1, 7, 5])
        let (hourly, _) = try read.onGrid(TimeGridOptions(resample: .seconds(3600), aggregate: aggregate))
        #expect(doubles(hourly) == expected)
    }

    @Test func emptyBinsAreGaps() throws {
        let read = table(["2020-01-01 00:10", "2020-01-01 00:50", "2020-01-01 03:30"].map(date), [1, 3, 8])
        #expect(
            throws: TimeGridError.gaps(
                path: "m.csv", count: 1, missing: 2, largest: 2, line: 2,
                date: date("2020-01-01 00:00"), frequency: .seconds(3600))
        ) {
            try read.onGrid(TimeGridOptions(resample: .seconds(3600)))
        }
        let (filled, _) = try read.onGrid(TimeGridOptions(resample: .seconds(3600), fill: .interpolate))
        #expect(filled.values == [2, 4, 6, 8])
    }

    @Test func resamplingToAFinerStepIsRefused() {
        let read = table(["2020-01-01 00:00", "2020-01-01 01:00", "2020-01-01 02:00"].map(date), [1, 2, 3])
        #expect(throws: TimeGridError.tooManyBins(path: "m.csv", rows: 3, bins: 121, frequency: .seconds(60))) {
            try read.onGrid(TimeGridOptions(resample: .seconds(60)))
        }
    }

    @Test func calendarMonthsQuartersAndYears() throws {
        // Daily rows from 2016-01-30 to 2016-04-02: value = day number.
        let days = (0..<64).map { date("2016-01-30") + Int64($0) * 86_400 }
        let read = table(days, (0..<64).map(Double.init))
        let (starts, report) = try read.onGrid(TimeGridOptions(resample: .months(1, .start)))
        #expect(
            dates(starts.timestamps).map { String($0.prefix(10)) }
                == ["2016-01-01", "2016-02-01", "2016-03-01", "2016-04-01"])
        // January: days 0, 1; February: 2…30; March: 31…61; April: 62, 63.
        #expect(starts.values == [0.5, 16, 46, 62.5])
        #expect(report.frequency == .months(1, .start))
        let (ends, _) = try read.onGrid(TimeGridOptions(resample: .months(1, .end), aggregate: .sum))
        #expect(
            dates(ends.timestamps).map { String($0.prefix(10)) }
                == ["2016-01-31", "2016-02-29", "2016-03-31", "2016-04-30"])
        #expect(ends.values == [1, 464, 1426, 125])
        let (quarters, _) = try read.onGrid(TimeGridOptions(resample: .months(3, .start), aggregate: .last))
        #expect(dates(quarters.timestamps).map { String($0.prefix(10)) } == ["2016-01-01", "2016-04-01"])
        #expect(quarters.values == [61, 63])
        let (years, _) = try read.onGrid(TimeGridOptions(resample: .months(12, .end), aggregate: .first))
        #expect(dates(years.timestamps) == ["2016-12-31 00:00:00"] && years.values == [0])
        #expect(!Frequency.businessDay.isResamplingStep && !Frequency.months(1, .sameDay).isResamplingStep)
    }

    @Test func aYearOfMinutesIntoHourlyMeans() throws {
        // 525,600 minutes of 7 columns (the household file's shape) from 2006-12-16 17:24.
        let (rows, width) = (525_600, 7)
        let start = date("2006-12-16 17:24")
        let times = (0..<rows).map { start + Int64($0) * 60 }
        var values = [Double](repeating: 0, count: rows * width)
        for r in 0..<rows { for c in 0..<width { values[r * width + c] = Double((r * (c + 3)) % 1000) / 8 } }
        let read = gridTable(
            path: "h.csv", columns: (0..<width).map { "c\($0)" }, values: values, timestamps: times,
            lines: (0..<rows).map { $0 + 2 })
        let clock = ContinuousClock()
        var result: (table: TimeSeriesTable, report: TimeGridReport)?
        let elapsed = try clock.measure { result = try read.onGrid(TimeGridOptions(resample: .seconds(3600))) }
        let hourly = try #require(result).table
        #expect(hourly.rowCount == 8761)
        #expect(
            dates([hourly.timestamps[0], hourly.timestamps[8760]])
                == ["2006-12-16 17:00:00", "2007-12-16 17:00:00"])
        // The first bin holds 36 minutes (17:24–17:59), then 60 each; check bins against a plain recomputation.
        for bin in [0, 1, 4000, 8760] {
            let first = bin == 0 ? 0 : 36 + (bin - 1) * 60, last = min(36 + bin * 60, rows)
            for c in 0..<width {
                let mean = (first..<last).reduce(0.0) { $0 + values[$1 * width + c] } / Double(last - first)
                #expect(Double(hourly[bin, c]) == stored([mean])[0], "bin \(bin) column \(c)")
            }
        }
        print("resampling 525,600 × 7 minutes to hours took \(elapsed)")
    }
}
