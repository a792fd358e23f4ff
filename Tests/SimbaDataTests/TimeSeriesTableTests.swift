// TimeSeriesTable: parsing of dates, values and CSV variants, the real ETTh1 file, and every
// error with the file, line and column it names.

import Foundation
import SimbaData
import Testing

@Suite struct TimeSeriesTableTests {
    /// Reads `text` and expects `error`; also checks the message names the file and `mentions`.
    func expectError(
        _ text: String, _ error: (String) -> DataError, mentions: [String] = [],
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let path = try temporaryCSV(text)
        #expect(throws: error(path), sourceLocation: sourceLocation) { try TimeSeriesTable(path: path) }
        let message = error(path).description
        for word in [path] + mentions {
            #expect(message.contains(word), "\(message) lacks \(word)", sourceLocation: sourceLocation)
        }
    }

    @Test func readsValuesTimestampsAndColumns() throws {
        let path = try temporaryCSV("date,HUFL,OT\n2016-07-01 00:00:00,5.827,30.5\n2016-07-01 01:00:00,-1e-3,+2\n")
        let table = try TimeSeriesTable(path: path)
        #expect(table.columns == ["HUFL", "OT"])
        #expect(table.values == [5.827, 30.5, -0.001, 2])
        #expect(table.timestamps == [1_467_331_200, 1_467_334_800])  // date -u -d '2016-07-01' +%s
        #expect(table.rowCount == 2 && table.columnCount == 2 && table[1, 0] == -0.001)
    }

    @Test func acceptsShortDatesCRLFQuotesBOMAndBlankLines() throws {
        let text =
            "\u{FEFF}\"date\",\"a\",\"OT\"\r\n2020-02-29,1,\"2\"\r\n\r\n2020-02-29 12:30, 3 "
            + ",4\r\n2020-02-29T12:30:15,5,6"
        let table = try TimeSeriesTable(path: try temporaryCSV(text))
        #expect(table.columns == ["a", "OT"])
        #expect(table.values == [1, 2, 3, 4, 5, 6])
        let day: Int64 = 1_582_934_400  // 2020-02-29 00:00:00 UTC
        #expect(table.timestamps == [day, day + 12 * 3600 + 30 * 60, day + 12 * 3600 + 30 * 60 + 15])
    }

    @Test func formatsAndParsesTimestamps() {
        for text in [
            "1970-01-01 00:00:00", "2016-07-01 00:00:00", "2000-02-29 23:59:59", "1969-12-31 23:59:59",
            "2400-12-31 01:02:03"
        ] {
            let seconds = TimeSeriesTable.parseTimestamp(text)
            #expect(seconds.map(TimeSeriesTable.formatTimestamp) == text)
        }
        #expect(TimeSeriesTable.parseTimestamp("1969-12-31 23:59:59") == -1)
        for bad in [
            "2019-02-29", "2016-13-01", "2016-07-01 24:00", "2016-07-01 10:00:61", "16-07-01", "2016-07-01 10",
            "2016/07/01", ""
        ] {
            #expect(TimeSeriesTable.parseTimestamp(bad) == nil, "\(bad)")
        }
    }

    @Test func readsETTh1() throws {
        guard let path = etth1Path() else { return }
        let table = try TimeSeriesTable(path: path)
        #expect(table.columns == ["HUFL", "HULL", "MUFL", "MULL", "LUFL", "LULL", "OT"])
        #expect(table.rowCount == 17_420)
        // The file holds float32 values written in full (5.827000141143799), read exactly.
        #expect(table[0, 0] == 5.827000141143799 && table[0, 6] == 30.5310001373291)
        #expect(table[17_419, 6] == 9.56700038909912)
        #expect(TimeSeriesTable.formatTimestamp(table.timestamps[17_419]) == "2018-06-26 19:00:00")
        #expect(zip(table.timestamps.dropFirst(), table.timestamps).allSatisfy { $0 - $1 == 3600 })
    }

    @Test func missingFileAndFolder() throws {
        let path = "/nonexistent/ETTh1.csv"
        #expect(throws: DataError.unreadable(path: path, reason: "no such file")) { try TimeSeriesTable(path: path) }
        let folder = FileManager.default.temporaryDirectory.path
        #expect(throws: DataError.unreadable(path: folder, reason: "it is a folder")) {
            try TimeSeriesTable(path: folder)
        }
        #expect(DataError.unreadable(path: path, reason: "no such file").description.contains(path))
    }

    @Test("A device or a pipe is refused before any read, which would never end")
    func devicesAndPipes() throws {
        let notRegular = "it is not a regular file (a pipe or a device?)"
        #expect(throws: DataError.unreadable(path: "/dev/zero", reason: notRegular)) {
            try TimeSeriesTable(path: "/dev/zero")
        }
        let fifo = FileManager.default.temporaryDirectory.appendingPathComponent("simba-fifo-\(UUID().uuidString)").path
        #expect(mkfifo(fifo, 0o600) == 0)
        defer { unlink(fifo) }
        #expect(throws: DataError.unreadable(path: fifo, reason: notRegular)) { try TimeSeriesTable(path: fifo) }
    }

    @Test func headerErrors() throws {
        try expectError("", { .emptyFile(path: $0) })
        try expectError("\n  \n", { .emptyFile(path: $0) })
        try expectError(
            "Day,OT\n1,1\n2,2\n", { .noDateColumn(path: $0, line: 2) },
            mentions: [":2:", "data.date_column"])
        try expectError("date\n2016-07-01\n2016-07-02\n", { .noValueColumns(path: $0, line: 1) })
        // Without a `date` column, the first column whose first cell is a date holds the dates.
        let table = try TimeSeriesTable(path: try temporaryCSV("Date,OT\n2016-07-01,1\n2016-07-02,2\n"))
        #expect(table.columns == ["OT"] && table.timestamps == [1_467_331_200, 1_467_417_600])
        try expectError("date,a,OT,a\n", { .duplicateColumn(path: $0, line: 1, name: "a") }, mentions: ["\"a\""])
    }

    @Test func cellErrors() throws {
        let header = "date,a,OT\n2016-07-01 00:00:00,1,2\n"
        let iso = TimestampFormat.iso8601Description
        try expectError(
            header + "2016-07-01 25:00:00,1,2\n",
            {
                .badDate(path: $0, line: 3, column: "date", text: "2016-07-01 25:00:00", expected: iso)
            }, mentions: [":3:", "\"2016-07-01 25:00:00\""])
        try expectError(
            header + "2016-07-01 01:00:00,1,abc\n",
            {
                .nonNumericColumns(path: $0, columns: ["OT"], lines: [3], texts: ["abc"])
            }, mentions: [":3: column OT holds \"abc\", which is not a number", "data.drop: [OT]"])
        try expectError(
            header + "2016-07-01 01:00:00,1.5e,2\n",
            {
                .nonNumericColumns(path: $0, columns: ["a"], lines: [3], texts: ["1.5e"])
            })
        let markers = ["NA", "NaN", "?", ""]
        func missing(_ path: String, _ column: String, _ text: String) -> DataError {
            .missingCells(
                path: path, count: 1, columns: [column], counts: [1], lines: [3],
                first: MissingCell(column: column, text: text), markers: markers)
        }
        try expectError(
            header + "2016-07-01 01:00:00, ,2\n", { missing($0, "a", "") },
            mentions: [":3: column a is empty", "a (1)", "data.missing"])
        try expectError(header + "2016-07-01 01:00:00,1,\n", { missing($0, "OT", "") })
        try expectError(
            header + "2016-07-01 01:00:00,NaN,2\n", { missing($0, "a", "NaN") },
            mentions: [":3: column a holds \"NaN\", a missing value"])
        try expectError(
            header + "2016-07-01 01:00:00,1,-inf\n", { .nonFinite(path: $0, line: 3, column: "OT", text: "-inf") })
        try expectError(
            header + "2016-07-01 01:00:00,1,1e39\n", { .nonFinite(path: $0, line: 3, column: "OT", text: "1e39") })
        try expectError(
            header + "\n2016-07-01 01:00:00,1\n", { .wrongCellCount(path: $0, line: 4, found: 2, expected: 3) },
            mentions: [":4:", "2 cells", "3 columns"])
        try expectError(
            header + "2016-07-01 01:00:00,1,2,\n", { .wrongCellCount(path: $0, line: 3, found: 4, expected: 3) })
        try expectError(header, { .tooFewRows(path: $0, rows: 1) })
        try expectError("date,OT\n", { .tooFewRows(path: $0, rows: 0) })
    }
}
