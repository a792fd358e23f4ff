// Time order after reading: unsorted, reversed and repeated dates are errors naming the file's
// lines (blank lines counted); data.sort sorts stably and still refuses repeated dates.

import Foundation
import Testing

@testable import SimbaData

@Suite struct TimeOrderTests {
    func table(_ csv: String) throws -> TimeSeriesTable { try TimeSeriesTable(path: try temporaryCSV(csv)) }

    @Test func unsortedRowsAreAnErrorNamingTheirLines() throws {
        // Line 1 header, line 2 blank, rows on lines 3, 4, 6 (line 5 blank), 7.
        let read = try table(
            "date,OT\n\n2020-01-01 00:00,1\n2020-01-01 02:00,2\n\n"
                + "2020-01-01 01:00,3\n2020-01-01 03:00,4\n")
        #expect(read.lines == [3, 4, 6, 7])
        let error = TimeGridError.unsorted(
            path: read.path, line: 6, date: date("2020-01-01 01:00"), previousLine: 4,
            previousDate: date("2020-01-01 02:00"), count: 1, reversed: false)
        #expect(throws: error) { try read.onGrid(TimeGridOptions()) }
        #expect(
            error.description.contains(
                ":6: the date 2020-01-01 01:00:00 is earlier than 2020-01-01 02:00:00 on line 4"))
        #expect(error.description.contains("data.sort: true"))
    }

    @Test func aReversedFileIsCalledReversed() throws {
        let read = try table("date,OT\n2020-01-03,1\n2020-01-02,2\n2020-01-01,3\n")
        #expect(
            throws: TimeGridError.unsorted(
                path: read.path, line: 3, date: date("2020-01-02"), previousLine: 2,
                previousDate: date("2020-01-03"), count: 2, reversed: true)
        ) {
            try read.onGrid(TimeGridOptions())
        }
        let (sorted, report) = try read.onGrid(TimeGridOptions(sort: true))
        #expect(dates(sorted.timestamps) == ["2020-01-01 00:00:00", "2020-01-02 00:00:00", "2020-01-03 00:00:00"])
        #expect(sorted.values == [3, 2, 1] && sorted.lines == [4, 3, 2])
        #expect(report.sorted && report.lines.contains("time order: rows sorted by date (data.sort)"))
        #expect(report.lines.first == "freq: 1 day (inferred)")
    }

    @Test func repeatedDatesAreAnErrorSortedOrNot() throws {
        let read = try table(
            "date,a,OT\n2020-01-01 00:00,1,1\n2020-01-01 01:00,2,2\n"
                + "2020-01-01 01:00,3,3\n2020-01-01 02:00,4,4\n")
        let error = TimeGridError.duplicate(
            path: read.path, line: 4, firstLine: 3, date: date("2020-01-01 01:00"),
            count: 1)
        #expect(throws: error) { try read.onGrid(TimeGridOptions()) }
        #expect(throws: error) { try read.onGrid(TimeGridOptions(sort: true)) }
        #expect(error.description.contains(":4: the date 2020-01-01 01:00:00 already appears on line 3"))
        // Out of order as well: sorted first, then the repeat in time order is named.
        let shuffled = try table(
            "date,OT\n2020-01-01 02:00,1\n2020-01-01 00:00,2\n"
                + "2020-01-01 02:00,3\n2020-01-01 01:00,4\n")
        let repeated = TimeGridError.duplicate(
            path: shuffled.path, line: 4, firstLine: 2,
            date: date("2020-01-01 02:00"), count: 1)
        #expect(throws: repeated) {
            try shuffled.onGrid(TimeGridOptions(sort: true))
        }
    }

    @Test func sortingIsStableAndMovesWholeRows() throws {
        let read = try table("date,a,OT\n2020-01-01 02:00,20,200\n2020-01-01 00:00,0,0\n2020-01-01 01:00,10,100\n")
        let (sorted, _) = try read.onGrid(TimeGridOptions(sort: true))
        #expect(sorted.values == [0, 0, 10, 100, 20, 200] && sorted.lines == [3, 4, 2])
        #expect(try TimeOrder.order([50, 30, 40, 10], lines: [2, 3, 4, 5], path: "x", sort: true) == [3, 1, 2, 0])
        #expect(try TimeOrder.order([10, 30, 40, 50], lines: [2, 3, 4, 5], path: "x", sort: true) == nil)
    }

    @Test func aRegularTableComesBackUnchanged() throws {
        let read = try table(syntheticCSV(rows: 30, names: ["a", "OT"]) { r, c in Double(r + c) })
        let (same, report) = try read.onGrid(TimeGridOptions())
        #expect(same.timestamps == read.timestamps && same.values == read.values && same.lines == read.lines)
        #expect(
            report
                == TimeGridReport(
                    frequency: .seconds(3600), source: .inferred, sorted: false, gaps: nil,
                    fill: .error))
        #expect(report.lines == ["freq: 1h (inferred)"])
    }
}
