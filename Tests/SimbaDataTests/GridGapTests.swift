// Gaps and off-grid rows: counted and refused by default, filled forward or linearly with
// data.missing, refused when mostly invented; data.freq overrides the inferred step.

import Foundation
import Testing

@testable import SimbaData

@Suite struct GridGapTests {
    /// A table of `dates` with columns a, OT holding (r, 10·r) for row r, rows on lines 2, 3, …
    func table(_ texts: [String]) -> TimeSeriesTable {
        let values = texts.indices.flatMap { [Double($0), Double(10 * $0)] }
        return gridTable(
            path: "s.csv", columns: ["a", "OT"], values: values, timestamps: texts.map(date),
            lines: texts.indices.map { $0 + 2 })
    }

    let hourly = ["2020-01-01 00:00", "2020-01-01 01:00", "2020-01-01 04:00", "2020-01-01 05:00", "2020-01-01 07:00"]

    @Test func gapsAreCountedAndRefused() {
        let error = TimeGridError.gaps(
            path: "s.csv", count: 2, missing: 3, largest: 2, line: 3,
            date: date("2020-01-01 01:00"), frequency: .seconds(3600))
        #expect(throws: error) { try table(hourly).onGrid(TimeGridOptions()) }
        #expect(
            error.description.contains(
                "the 1h grid has 2 gaps (3 missing rows in all; the largest, 2 steps, "
                    + "after 2020-01-01 01:00:00 on line 3)"))
        #expect(error.description.contains("data.missing"))
    }

    @Test func gapsAreFilledForwardOrLinearly() throws {
        let (ffilled, report) = try table(hourly).onGrid(TimeGridOptions(fill: .ffill))
        #expect(
            dates(ffilled.timestamps).map { String($0.dropFirst(11)) }
                == (0...7).map { String(format: "%02d:00:00", $0) })
        #expect(ffilled.values == [0, 0, 1, 10, 1, 10, 1, 10, 2, 20, 3, 30, 3, 30, 4, 40])
        #expect(ffilled.lines == [2, 3, 3, 3, 4, 5, 5, 6])
        #expect(report.gaps == GapSummary(count: 2, missing: 3, largest: 2, line: 3, date: date("2020-01-01 01:00")))
        #expect(
            report.lines.last == "gaps: 2 (3 missing rows; the largest, 2 steps, after 2020-01-01 01:00:00 on "
                + "line 3), filled by ffill (data.missing)")
        let (interpolated, _) = try table(hourly).onGrid(TimeGridOptions(fill: .interpolate))
        let a = [0, 1, 1 + 1.0 / 3, 1 + 2.0 / 3, 2, 3, 3.5, 4]
        let expected = a.flatMap { [$0, 10 * $0] }
        #expect(
            zip(doubles(interpolated), expected).allSatisfy { abs($0 - $1) <= 1e-6 * max(1, abs($1)) }
                && interpolated.values.count == expected.count, "\(interpolated.values)")
    }

    @Test func rowsOffTheGridAreRefused() {
        let rows = [
            "2020-01-01 00:00", "2020-01-01 01:00", "2020-01-01 02:00", "2020-01-01 02:30", "2020-01-01 03:00",
            "2020-01-01 04:00"
        ]
        let grid = TimeGrid(frequency: .seconds(3600), origin: date("2020-01-01 00:00"))
        let error = TimeGridError.offGrid(
            path: "s.csv", line: 5, date: date("2020-01-01 02:30"), grid: grid,
            originLine: 2, given: false)
        #expect(throws: error) { try table(rows).onGrid(TimeGridOptions(fill: .interpolate)) }
        #expect(
            error.description.contains(
                ":5: the date 2020-01-01 02:30:00 is not a step of the 1h grid (inferred) "
                    + "from 2020-01-01 00:00:00 on line 2"))
        // A Saturday on a business-day grid given by data.freq.
        let weekdays = table(["2016-01-07", "2016-01-08", "2016-01-09", "2016-01-11"])
        #expect(
            throws: TimeGridError.offGrid(
                path: "s.csv", line: 4, date: date("2016-01-09"),
                grid: TimeGrid(frequency: .businessDay, origin: date("2016-01-07")),
                originLine: 2, given: true)
        ) {
            try weekdays.onGrid(TimeGridOptions(frequency: .businessDay))
        }
        // Month-end data read as month starts: the first row is already off.
        #expect(
            throws: TimeGridError.offGrid(
                path: "s.csv", line: 2, date: date("2016-01-31"),
                grid: TimeGrid(frequency: .months(1, .start), origin: date("2016-01-31")),
                originLine: 2, given: true)
        ) {
            try table(["2016-01-31", "2016-02-29"]).onGrid(TimeGridOptions(frequency: .months(1, .start)))
        }
    }

    @Test func givenStepsOverrideTheInferredOne() throws {
        // Friday, Monday, Wednesday: most common difference 2 days; as business days Tuesday is missing.
        let read = table(["2016-01-08", "2016-01-11", "2016-01-13"])
        let (filled, report) = try read.onGrid(TimeGridOptions(frequency: .businessDay, fill: .interpolate))
        #expect(
            dates(filled.timestamps).map { String($0.prefix(10)) }
                == ["2016-01-08", "2016-01-11", "2016-01-12", "2016-01-13"])
        #expect(report.lines.first == "freq: business day (data.freq)")
        #expect(filled.values == [0, 0, 1, 10, 1.5, 15, 2, 20])
        let (monthly, _) = try table(["2016-01-31", "2016-02-29", "2016-04-30"]).onGrid(TimeGridOptions(fill: .ffill))
        #expect(
            dates(monthly.timestamps).map { String($0.prefix(10)) }
                == ["2016-01-31", "2016-02-29", "2016-03-31", "2016-04-30"])
    }

    @Test func fillingThatWouldInventMostRowsIsRefused() throws {
        // 4 rows and 4 missing between them: filled; 5 missing: refused.
        let four = ["2020-01-01 00:00", "2020-01-01 01:00", "2020-01-01 02:00", "2020-01-01 07:00"]
        #expect(try table(four).onGrid(TimeGridOptions(fill: .ffill)).table.rowCount == 8)
        let five = ["2020-01-01 00:00", "2020-01-01 01:00", "2020-01-01 02:00", "2020-01-01 08:00"]
        let error = TimeGridError.mostlyGaps(path: "s.csv", rows: 4, missing: 5, frequency: .seconds(3600))
        #expect(throws: error) { try table(five).onGrid(TimeGridOptions(fill: .ffill)) }
        #expect(error.description.contains("would add 5 rows to the 4 there are"))
    }

    @Test func everySeriesIsCheckedAndFilledOnItsOwn() throws {
        // Two series of one long file: the same dates in both (not repeats), each with its own origin,
        // the second out of order (sorted) and with a gap (filled); one step inferred from both.
        let times = [
            "2020-01-01 00:00", "2020-01-01 01:00", "2020-01-01 02:00",
            "2020-01-01 01:30", "2020-01-01 00:30", "2020-01-01 03:30"
        ].map(date)
        let values: [Double] = [1, 2, 3, 20, 10, 40]
        let (regular, report) = try TimeSeriesTable.regularised(
            timestamps: times, values: values, width: 1, lines: [2, 3, 4, 5, 6, 7], blocks: [0..<3, 3..<6],
            options: TimeGridOptions(sort: true, fill: .interpolate), path: "long.csv")
        #expect(
            dates(regular.timestamps).map { String($0.dropFirst(11).prefix(5)) }
                == ["00:00", "01:00", "02:00", "00:30", "01:30", "02:30", "03:30"])
        #expect(regular.values == [1, 2, 3, 10, 20, 30, 40] && regular.lines == [2, 3, 4, 6, 5, 5, 7])
        #expect(regular.counts == [3, 4])
        #expect(report.frequency == .seconds(3600) && report.sorted)
        #expect(report.gaps == GapSummary(count: 1, missing: 1, largest: 1, line: 5, date: date("2020-01-01 01:30")))
        // A repeat inside one series is still refused.
        #expect(throws: TimeGridError.duplicate(path: "long.csv", line: 4, firstLine: 3, date: times[1], count: 1)) {
            try TimeSeriesTable.regularised(
                timestamps: [times[0], times[1], times[1], times[0]],
                values: [1, 2, 3, 4.0], width: 1, lines: [2, 3, 4, 5],
                blocks: [0..<3, 3..<4],
                options: TimeGridOptions(), path: "long.csv")
        }
    }
}
