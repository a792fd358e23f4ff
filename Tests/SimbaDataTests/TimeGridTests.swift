// TimeGrid: calendar steps from an origin (month ends stay month ends, clamped days come back,
// business days skip weekends) and the step number of a timestamp, nil off the grid.

import Testing

@testable import SimbaData

/// Seconds since 1970 UTC of `YYYY-MM-DD[ HH:MM[:SS]]`.
func date(_ text: String) -> Int64 { TimeSeriesTable.parseTimestamp(text)! }

/// `YYYY-MM-DD HH:MM:SS` of each timestamp.
func dates(_ timestamps: [Int64]) -> [String] { timestamps.map(TimeSeriesTable.formatTimestamp) }

/// A table of one series from its parts, `values` row-major, as a reader would hand it over.
func gridTable(path: String, columns: [String], values: [Double], timestamps: [Int64], lines: [Int])
    -> TimeSeriesTable
{
    TimeSeriesTable(
        path: path, columns: columns, values: values, timestamps: timestamps, lines: lines,
        series: [TableSeries(name: "", rows: 0..<timestamps.count)], notes: [])
}

/// `values` as a table stores them (rounded to its value type).
func stored(_ values: [Double]) -> [Double] { values }

/// A table's values as Doubles.
func doubles(_ table: TimeSeriesTable) -> [Double] { table.values.map { Double($0) } }

@Suite struct TimeGridTests {
    func steps(_ frequency: Frequency, from origin: String, _ range: ClosedRange<Int>) -> [String] {
        let grid = TimeGrid(frequency: frequency, origin: date(origin))
        return dates(range.map(grid.timestamp)).map { String($0.prefix(10)) }
    }

    @Test func monthEndsStayMonthEnds() {
        #expect(
            steps(.months(1, .end), from: "2016-01-31", 0...3)
                == ["2016-01-31", "2016-02-29", "2016-03-31", "2016-04-30"])
        #expect(steps(.months(3, .end), from: "2015-12-31", 0...2) == ["2015-12-31", "2016-03-31", "2016-06-30"])
        #expect(steps(.months(1, .end), from: "2016-01-31", -2 ... -1) == ["2015-11-30", "2015-12-31"])
    }

    @Test func sameDayIsClampedThenComesBack() {
        #expect(
            steps(.months(1, .sameDay), from: "2016-01-31", 0...3)
                == ["2016-01-31", "2016-02-29", "2016-03-31", "2016-04-30"])
        #expect(steps(.months(1, .sameDay), from: "2016-03-15", 0...2) == ["2016-03-15", "2016-04-15", "2016-05-15"])
        #expect(
            steps(.months(12, .sameDay), from: "2016-02-29", 0...4)
                == ["2016-02-29", "2017-02-28", "2018-02-28", "2019-02-28", "2020-02-29"])
        #expect(steps(.months(1, .start), from: "2016-11-01", 0...2) == ["2016-11-01", "2016-12-01", "2017-01-01"])
    }

    @Test func businessDaysSkipWeekends() {
        // 2016-01-01 was a Friday.
        #expect(
            steps(.businessDay, from: "2016-01-01", 0...6)
                == [
                    "2016-01-01", "2016-01-04", "2016-01-05", "2016-01-06", "2016-01-07", "2016-01-08",
                    "2016-01-11"
                ])
        #expect(steps(.businessDay, from: "2016-01-04", -1...0) == ["2016-01-01", "2016-01-04"])
        let grid = TimeGrid(frequency: .businessDay, origin: date("2016-01-01"))
        #expect(grid.step(of: date("2016-01-11")) == 6)
        #expect(grid.step(of: date("2016-01-09")) == nil)  // a Saturday
        #expect(grid.step(of: date("2016-01-11 09:00")) == nil)  // another time of day
        #expect(!TimeGrid(frequency: .businessDay, origin: date("2016-01-02")).containsOrigin)
    }

    @Test func calendarStepsKeepTheTimeOfDay() {
        let grid = TimeGrid(frequency: .months(1, .end), origin: date("2016-01-31 18:30"))
        #expect(dates([grid.timestamp(1)]) == ["2016-02-29 18:30:00"])
        #expect(grid.step(of: date("2016-03-31 18:30")) == 2)
        #expect(grid.step(of: date("2016-03-31")) == nil)
    }

    @Test func stepNumbersInvertTimestamps() {
        let grids = [
            TimeGrid(frequency: .seconds(900), origin: date("2020-03-01 00:15")),
            TimeGrid(frequency: .businessDay, origin: date("2019-12-30 08:00")),
            TimeGrid(frequency: .months(1, .sameDay), origin: date("2015-08-30")),
            TimeGrid(frequency: .months(3, .start), origin: date("2015-10-01")),
            TimeGrid(frequency: .months(12, .end), origin: date("1999-12-31"))
        ]
        for grid in grids {
            #expect(grid.containsOrigin)
            for k in -30...30 { #expect(grid.step(of: grid.timestamp(k)) == k, "\(grid.frequency) step \(k)") }
        }
        let hourly = TimeGrid(frequency: .seconds(3600), origin: date("2020-01-01"))
        #expect(hourly.step(of: date("2020-01-01 10:30")) == nil)
        let monthly = TimeGrid(frequency: .months(1, .sameDay), origin: date("2015-08-30"))
        #expect(monthly.step(of: date("2015-09-29")) == nil && monthly.step(of: date("2016-02-29")) == 6)
        #expect(!TimeGrid(frequency: .months(1, .end), origin: date("2016-01-15")).containsOrigin)
        #expect(!TimeGrid(frequency: .months(1, .start), origin: date("2016-01-15")).containsOrigin)
    }
}
