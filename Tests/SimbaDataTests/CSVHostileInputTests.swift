// TimeSeriesTable on hostile bytes: truncated files, BOM only, NUL bytes, very long lines and cells,
// huge headers, bad column names, and random damage. Each gives one DataError naming file and line.

import Foundation
import SimbaData
import Testing

/// The name every hostile input is read under.
private let file = "hostile.csv"
private let iso = TimestampFormat.iso8601Description

@Suite struct CSVHostileInputTests {
    /// Parses `bytes` as the file `hostile.csv` and expects `error`; the message names the file, is
    /// short, and holds `mentions`.
    func expectError(
        _ bytes: [UInt8], _ error: DataError, mentions: [String] = [],
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(throws: error, sourceLocation: sourceLocation) { try TimeSeriesTable(bytes: bytes, path: file) }
        let message = error.description
        #expect(message.count < 400, "a \(message.count)-character message", sourceLocation: sourceLocation)
        for word in ["hostile.csv"] + mentions {
            #expect(message.contains(word), "\(message) lacks \(word)", sourceLocation: sourceLocation)
        }
    }

    func expectError(
        _ text: String, _ error: DataError, mentions: [String] = [],
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        expectError(Array(text.utf8), error, mentions: mentions, sourceLocation: sourceLocation)
    }

    @Test("Files that end early: empty, a BOM only, a header without newline")
    func truncatedFiles() throws {
        expectError("", .emptyFile(path: file))
        expectError([0xEF, 0xBB, 0xBF], .emptyFile(path: file))
        expectError(
            [0xEF, 0xBB],
            .badColumnName(
                path: file, line: 1, column: 1,
                problem: "(\"\u{FFFD}\") is not valid UTF-8; save the file as UTF-8"))
        expectError("date,a", .tooFewRows(path: file, rows: 0))
        expectError("\u{FEFF}date,a", .tooFewRows(path: file, rows: 0))
        expectError("date", .noValueColumns(path: file, line: 1))
        expectError("date,a\r", .tooFewRows(path: file, rows: 0))
        expectError("date,a\n2016-07-01,1", .tooFewRows(path: file, rows: 1))
        expectError(
            "date,a\n2016-07-01,",
            .missingCells(
                path: file, count: 1, columns: ["a"], counts: [1], lines: [2],
                first: MissingCell(column: "a", text: ""),
                markers: ["NA", "NaN", "?", ""]))
        expectError("date,a\n2016-07-01", .wrongCellCount(path: file, line: 2, found: 1, expected: 2))
        expectError("date,a\n2016-0,1", .badDate(path: file, line: 2, column: "date", text: "2016-0", expected: iso))
        let table = try TimeSeriesTable(bytes: Array("date,a\n2016-07-01,1\n2016-07-02,2".utf8), path: "ok.csv")
        #expect(table.values == [1, 2], "a last row without newline is read")
    }

    @Test("The header's line is named when blank lines come first")
    func headerAfterBlankLines() {
        expectError("\n \n\tDay,a\n1,2\n", .noDateColumn(path: file, line: 4), mentions: ["hostile.csv:4:"])
        expectError("\r\n\r\ndate,a,a\n", .duplicateColumn(path: file, line: 3, name: "a"))
    }

    @Test("Column names: empty, not UTF-8, control characters")
    func badColumnNames() {
        let empty = "is empty; name every column"
        expectError(
            "date,,a\n", .badColumnName(path: file, line: 1, column: 2, problem: empty),
            mentions: ["hostile.csv:1:", "column 2"])
        expectError("date,a,\n", .badColumnName(path: file, line: 1, column: 3, problem: empty))
        let latin1 = Array("date,caf".utf8) + [0xE9] + Array("\n".utf8)
        expectError(
            latin1,
            .badColumnName(
                path: file, line: 1, column: 2,
                problem: "(\"caf\u{FFFD}\") is not valid UTF-8; save the file as UTF-8"))
        expectError(
            [0xFF, 0xFE] + Array("date,a\n".utf8),
            .badColumnName(
                path: file, line: 1, column: 1,
                problem: "(\"\u{FFFD}\u{FFFD}date\") is not valid UTF-8; save the file as UTF-8"))
        expectError(
            Array("date,a".utf8) + [0] + Array("b\n".utf8),
            .badColumnName(
                path: file, line: 1, column: 2,
                problem: "(\"a\\0b\") holds a control character; use printable names"))
    }

    @Test("NUL and other control bytes in cells are errors that show them escaped")
    func controlBytesInCells() {
        let header = "date,a,b\n2016-07-01 00:00:00,1,2\n"
        expectError(
            Array((header + "2016-07-01 01:00:00,1").utf8) + [0] + Array("5,2\n".utf8),
            .nonNumericColumns(path: file, columns: ["a"], lines: [3], texts: ["1\u{0}5"]),
            mentions: ["\"1\\05\""])
        expectError(
            Array((header + "2016-07-01").utf8) + [0] + Array(",1,2\n".utf8),
            .badDate(path: file, line: 3, column: "date", text: "2016-07-01\u{0}", expected: iso))
        // strtod would skip leading white space such as \r or \v (and read on into the next line, whose
        // single cell is then a short row of its own).
        expectError(
            header + "2016-07-01 01:00:00,\r5,2\n",
            .nonNumericColumns(path: file, columns: ["a"], lines: [3], texts: ["\r5"]))
        expectError(
            header + "2016-07-01 01:00:00,1,\u{0B}\n7\n",
            .wrongCellCount(path: file, line: 4, found: 1, expected: 3))
        expectError(
            header + "2016-07-01 01:00:00,1,\u{0B}\n",
            .nonNumericColumns(path: file, columns: ["b"], lines: [3], texts: ["\u{0B}"]))
    }

    @Test("Very long cells and lines are quoted in at most 80 characters")
    func longCells() {
        let header = "date,a\n2016-07-01 00:00:00,1\n"
        let long = String(repeating: "7", count: 1_000_000) + "x"
        let cut = String(repeating: "7", count: 400)
        expectError(
            header + "2016-07-01 01:00:00," + long + "\n",
            .nonNumericColumns(path: file, columns: ["a"], lines: [3], texts: [cut]),
            mentions: [String(repeating: "7", count: 80) + "…\""])
        expectError(header + long + ",1\n", .badDate(path: file, line: 3, column: "date", text: cut, expected: iso))
        let name = String(repeating: "n", count: 100_000)
        expectError("date,\(name),\(name)\n", .duplicateColumn(path: file, line: 1, name: name))
        let many = (0..<10_000).map { "c\($0)" }
        #expect(DataError.unknownTarget(path: "x.csv", target: name, columns: many).description.count < 300)
        let listed = DataError.unknownTarget(path: "x.csv", target: "OT", columns: many).description
        #expect(listed.contains("(10000 in all)") && listed.count < 300, "\(listed)")
    }

    @Test("Rows with many more cells than the header, and a huge header over blank lines")
    func wideRowsAndHeaders() {
        let header = "date,a\n2016-07-01 00:00:00,1\n"
        expectError(
            header + "2016-07-01 01:00:00" + String(repeating: ",1", count: 100_000) + "\n",
            .wrongCellCount(path: file, line: 3, found: 100_001, expected: 2))
        // 100,000 columns over 1,000,000 blank lines: nothing may be sized by columns × lines.
        let names = "date," + (0..<100_000).map { "c\($0)" }.joined(separator: ",")
        expectError(names + String(repeating: "\n", count: 1_000_000), .tooFewRows(path: file, rows: 0))
        let row = "\n2016-07-01" + String(repeating: ",1", count: 100_000)
        expectError(names + row + String(repeating: "\n", count: 1_000_000), .tooFewRows(path: file, rows: 1))
    }

    @Test("Out-of-range numbers and dates")
    func outOfRange() {
        let header = "date,a\n2016-07-01 00:00:00,1\n"
        expectError(
            header + "2016-07-01 01:00:00,1e99999999999999999999\n",
            .nonFinite(path: file, line: 3, column: "a", text: "1e99999999999999999999"))
        expectError(
            header + "2016-07-01 01:00:00,0x1p200\n",
            .nonNumericColumns(path: file, columns: ["a"], lines: [3], texts: ["0x1p200"]))
        expectError(
            header + "2016-07-01 01:00:00,nan(0x7fc0)\n",
            .nonFinite(path: file, line: 3, column: "a", text: "nan(0x7fc0)"))
        expectError(
            header + "99999-07-01,1\n",
            .badDate(path: file, line: 3, column: "date", text: "99999-07-01", expected: iso))
        expectError(
            header + "2016-07-01 99999999999999999999:00,1\n",
            .badDate(
                path: file, line: 3, column: "date", text: "2016-07-01 99999999999999999999:00",
                expected: iso))
    }

    /// Random damage to a valid file (byte flips, insertions of delimiters, NULs and high bytes,
    /// cuts): every result is a table or a DataError, never a trap.
    @Test("Randomly damaged files give a table or a DataError")
    func randomDamage() {
        let valid = Array("\u{FEFF}date,a,\"OT\"\r\n2016-07-01 00:00:00,1.5,-2e3\n\n2016-07-01 01:00,\"3\", 4\n".utf8)
        let alphabet: [UInt8] = [0, 9, 10, 13, 32, 34, 44, 45, 46, 48, 49, 58, 101, 105, 110, 0x80, 0xBF, 0xEF, 0xFF]
        var state: UInt64 = 0x5EED
        func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(bound))
        }
        var tables = 0
        for _ in 0..<3000 {
            var bytes = valid
            for _ in 0...next(4) {
                switch next(3) {
                case 0 where !bytes.isEmpty: bytes[next(bytes.count)] = alphabet[next(alphabet.count)]
                case 1: bytes.insert(alphabet[next(alphabet.count)], at: next(bytes.count + 1))
                default: bytes.removeLast(next(bytes.count + 1))
                }
            }
            do {
                _ = try TimeSeriesTable(bytes: bytes, path: "fuzz.csv")
                tables += 1
            } catch let error as DataError {
                #expect(error.description.hasPrefix("fuzz.csv"), "\(error)")
            } catch {
                Issue.record("\(bytes): not a DataError: \(error)")
            }
        }
        #expect(tables > 0, "some damage leaves a valid table")
    }
}
