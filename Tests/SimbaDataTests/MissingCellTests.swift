// Missing cells (data.na_values) under each data.missing policy: the error's count, lines and columns,
// forward fill with a leading gap, interpolation, dropped rows, and a column with no value at all.

import Foundation
import SimbaData
import Testing

@Suite struct MissingCellTests {
    let text =
        "date,a,OT\n2016-07-01 00:00,?,1\n2016-07-01 01:00,2,NA\n2016-07-01 02:00,,3\n"
        + "2016-07-01 03:00,8,4\n2016-07-01 04:00,NaN,\n"

    func read(_ text: String, _ configure: (inout CSVReadOptions) -> Void = { _ in }) throws -> TimeSeriesTable {
        var options = CSVReadOptions()
        configure(&options)
        return try TimeSeriesTable(bytes: Array(text.utf8), path: "gaps.csv", options: options)
    }

    @Test("data.missing: error names the count, the columns with theirs, the first lines, and the fix")
    func error() throws {
        let error = DataError.missingCells(
            path: "gaps.csv", count: 5, columns: ["a", "OT"], counts: [3, 2],
            lines: [2, 3, 4, 6], first: MissingCell(column: "a", text: "?"),
            markers: ["NA", "NaN", "?", ""])
        #expect(throws: error) { try read(text) }
        let message = error.description
        for part in [
            "gaps.csv:2: column a holds \"?\", a missing value", "5 cells are missing in all",
            "a (3), OT (2)", "lines 2, 3, 4, 6", "data.missing", "ffill", "empty"
        ] {
            #expect(message.contains(part), "\(message) lacks \(part)")
        }
        let many = (0..<20).map { "2016-07-01 \(String(format: "%02d", $0)):00,,1" }.joined(separator: "\n")
        #expect(
            throws: DataError.missingCells(
                path: "gaps.csv", count: 20, columns: ["a"], counts: [20],
                lines: [2, 3, 4, 5, 6], first: MissingCell(column: "a", text: ""),
                markers: ["NA", "NaN", "?", ""])
        ) {
            try read("date,a,OT\n" + many + "\n")
        }
    }

    @Test("data.na_values replaces the markers: -999 is missing, ? is then not a number")
    func customMarkers() throws {
        let table = try read("date,a\n2016-07-01,-999\n2016-07-02,5\n") {
            $0.naValues = ["-999"]; $0.missing = .ffill
        }
        #expect(table.values == [5, 5])
        #expect(throws: DataError.nonNumericColumns(path: "gaps.csv", columns: ["a"], lines: [2], texts: ["?"])) {
            try read("date,a\n2016-07-01,?\n2016-07-02,5\n") { $0.naValues = ["-999"] }
        }
    }

    @Test("ffill carries values forward; cells before a column's first value take it, and a note says so")
    func forwardFill() throws {
        let table = try read(text) { $0.missing = .ffill }
        #expect(table.values == [2, 1, 2, 1, 2, 3, 8, 4, 8, 4])
        #expect(
            table.notes.contains {
                $0.contains("5 missing cells filled (data.missing: ffill)")
                    && $0.contains("1 before a column's first value")
            }, "\(table.notes)")
    }

    @Test("interpolate is linear in row position; ends take the nearest value")
    func interpolation() throws {
        let table = try read(text) { $0.missing = .interpolate }
        #expect(table.values == [2, 1, 2, 2, 5, 3, 8, 4, 8, 4])
    }

    @Test("drop removes every row with a missing cell and keeps the file lines of the rest")
    func dropRows() throws {
        let more = text + "2016-07-01 05:00,9,5\n"
        let kept = try read(more) { $0.missing = .drop }
        #expect(kept.values == [8, 4, 9, 5] && kept.lines == [5, 7])
        #expect(kept.notes.contains { $0.contains("4 rows with missing cells dropped") }, "\(kept.notes)")
        #expect(throws: DataError.tooFewRows(path: "gaps.csv", rows: 1)) { try read(text) { $0.missing = .drop } }
    }

    @Test("A column with no value at all cannot be filled")
    func allMissing() {
        let error = DataError.allMissing(path: "gaps.csv", column: "a", series: nil)
        #expect(throws: error) { try read("date,a,OT\n2016-07-01,,1\n2016-07-02,NA,2\n") { $0.missing = .ffill } }
        #expect(error.description.contains("column a") && error.description.contains("data.drop"))
    }
}
