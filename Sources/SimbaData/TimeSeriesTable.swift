// Reads a Time-Series-Library CSV (`date` first, then numeric columns) into float32 rows and UTC
// timestamps, parsing the bytes directly. It does not split, scale or reorder columns.

import Foundation
import SimbaCore

/// A time series read from a CSV file: `date,<name>,<name>,…` then one row per time step.
///
/// - Header: the first name must be exactly `date` (case-sensitive, as in Time-Series-Library);
///   names may be wrapped in double quotes (`"OT"`), which are removed, as are blanks around a name
///   (pandas would keep them). A UTF-8 byte-order mark is skipped. Quoted cells may not contain commas.
///   Names must be non-empty, valid UTF-8 and free of control characters.
/// - Dates: `YYYY-MM-DD HH:MM:SS`, `YYYY-MM-DD HH:MM` or `YYYY-MM-DD` (a `T` may replace the space),
///   read as UTC and stored as seconds since 1970-01-01 00:00:00.
/// - Values: a number as `strtod` reads it (then rounded to float32), optionally quoted, starting with a
///   digit, sign or point (or inf/nan, which are refused); empty cells,
///   NaN, Inf and values outside float32 are errors. Blank lines are skipped; `\r\n` line ends are fine.
/// - Line numbers in errors are 1-based and count every line of the file, as an editor shows them.
///   Errors quote at most 80 characters of a cell. Any bytes give either a table or one `DataError`.
public struct TimeSeriesTable: Sendable {
    /// The file the table was read from (used in error messages).
    public let path: String
    /// Column names after `date`, in file order.
    public let columns: [String]
    /// Values, row-major (rowCount × columns.count).
    public let values: [Float]
    /// Seconds since 1970-01-01 00:00:00 UTC, one per row.
    public let timestamps: [Int64]
    /// The file line (1-based) of every row, for messages about rows.
    public let lines: [Int]

    public var rowCount: Int { timestamps.count }
    public var columnCount: Int { columns.count }

    /// Reads the CSV file at `path`.
    public init(path: String) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw DataError.unreadable(path: path, reason: "no such file")
        }
        guard !isDirectory.boolValue else { throw DataError.unreadable(path: path, reason: "it is a folder") }
        // A pipe or a device (/dev/zero) could be read for ever; only a regular file has an end.
        var status = stat()
        guard stat(path, &status) == 0, status.st_mode & S_IFMT == S_IFREG else {
            throw DataError.unreadable(path: path, reason: "it is not a regular file (a pipe or a device?)")
        }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw DataError.unreadable(path: path, reason: error.localizedDescription)
        }
        try self.init(bytes: [UInt8](data), path: path)
    }

    /// Parses CSV text already in memory; `path` only names it in error messages.
    public init(bytes: [UInt8], path: String) throws {
        var text = bytes
        text.append(0)  // strtod stops at the NUL when the last cell ends the file
        let parsed = try text.withUnsafeBufferPointer { try CSVParser(base: $0.baseAddress!, count: bytes.count, path: path).parse() }
        self.path = path
        columns = parsed.columns
        values = parsed.values
        timestamps = parsed.timestamps
        lines = parsed.lines
    }

    /// A table of rows already read (`values` row-major, one timestamp and line per row).
    public init(path: String, columns: [String], values: [Float], timestamps: [Int64], lines: [Int]) {
        precondition(values.count == timestamps.count * columns.count && lines.count == timestamps.count,
                     "one timestamp, one line and one value per column for every row")
        self.path = path
        self.columns = columns
        self.values = values
        self.timestamps = timestamps
        self.lines = lines
    }

    /// Value at `row`, `column` (indices into `columns`).
    public subscript(row: Int, column: Int) -> Float { values[row * columns.count + column] }

    /// Index of the column called `name`, if there is one.
    public func columnIndex(_ name: String) -> Int? { columns.firstIndex(of: name) }

    /// Formats seconds since 1970 UTC as `YYYY-MM-DD HH:MM:SS`, the format Time-Series-Library writes.
    public static func formatTimestamp(_ seconds: Int64) -> String {
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = seconds - days * 86_400
        let (year, month, day) = CalendarMath.civil(fromDays: days)
        return String(
            format: "%04lld-%02lld-%02lld %02lld:%02lld:%02lld", year, month, day,
            secondOfDay / 3600, secondOfDay / 60 % 60, secondOfDay % 60)
    }

    /// Parses `YYYY-MM-DD[( |T)HH:MM[:SS]]` as UTC seconds since 1970; nil if it is not such a date.
    public static func parseTimestamp(_ text: String) -> Int64? {
        var bytes = Array(text.utf8)
        let count = bytes.count
        bytes.append(0)
        return bytes.withUnsafeBufferPointer { CalendarMath.timestamp($0.baseAddress!, count) }
    }
}

/// Proleptic Gregorian calendar arithmetic (H. Hinnant's days-from-civil algorithms), UTC only.
enum CalendarMath {
    /// Days since 1970-01-01 of year/month/day.
    static func days(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// Year, month, day of a day count since 1970-01-01.
    static func civil(fromDays days: Int64) -> (Int64, Int64, Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    static func daysInMonth(year: Int64, month: Int64) -> Int64 {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Reads `YYYY-MM-DD[( |T)HH:MM[:SS]]` from `count` bytes at `p`; nil unless all bytes are used.
    static func timestamp(_ p: UnsafePointer<UInt8>, _ count: Int) -> Int64? {
        var i = 0
        func number(maxDigits: Int) -> Int64? {
            var value: Int64 = 0
            let start = i
            while i < count, i - start < maxDigits, p[i] >= 48, p[i] <= 57 {
                value = value * 10 + Int64(p[i] - 48)
                i += 1
            }
            return i > start ? value : nil
        }
        func expect(_ byte: UInt8) -> Bool {
            guard i < count, p[i] == byte else { return false }
            i += 1
            return true
        }
        guard let year = number(maxDigits: 4), i == 4, expect(45), let month = number(maxDigits: 2), expect(45),
              let day = number(maxDigits: 2), (1...12).contains(month), (1...daysInMonth(year: year, month: month)).contains(day)
        else { return nil }
        var seconds = days(year: year, month: month, day: day) * 86_400
        if i == count { return seconds }
        guard i < count, p[i] == 32 || p[i] == 84 else { return nil }  // ' ' or 'T'
        i += 1
        guard let hour = number(maxDigits: 2), hour < 24, expect(58), let minute = number(maxDigits: 2), minute < 60 else { return nil }
        seconds += hour * 3600 + minute * 60
        if i == count { return seconds }
        guard expect(58), let second = number(maxDigits: 2), second < 60, i == count else { return nil }
        return seconds + second
    }
}

/// One pass over the bytes of a CSV file: header, then rows of date and float cells.
///
/// Every read is bounded by `count` (and by the line's end), whatever the bytes are; numbers are read
/// by `strtod` only from cells that start like a number, so it stops inside the cell (at the latest
/// at the delimiter that ends it, or at the NUL after the last byte).
private struct CSVParser {
    let base: UnsafePointer<UInt8>  // NUL-terminated
    let count: Int
    let path: String

    static let comma: UInt8 = 44, newline: UInt8 = 10, carriageReturn: UInt8 = 13
    static let space: UInt8 = 32, tab: UInt8 = 9, quote: UInt8 = 34
    /// Bytes kept of a cell quoted in an error (the message shows at most 80 characters of them).
    static let quotedBytes = 400

    /// The byte range of one cell with surrounding blanks and one pair of double quotes removed.
    func trimmed(_ start: Int, _ end: Int) -> (Int, Int) {
        var (s, e) = (start, end)
        while s < e, base[s] == Self.space || base[s] == Self.tab { s += 1 }
        while e > s, base[e - 1] == Self.space || base[e - 1] == Self.tab { e -= 1 }
        if e - s >= 2, base[s] == Self.quote, base[e - 1] == Self.quote { s += 1; e -= 1 }
        return (s, e)
    }

    /// The start of the cell `start..<end` as text for an error message (invalid UTF-8 replaced).
    func text(_ start: Int, _ end: Int) -> String {
        let kept = min(end - start, Self.quotedBytes)
        return String(decoding: UnsafeBufferPointer(start: base + start, count: kept), as: UTF8.self)
    }

    /// End of the cell starting at `start` (the next comma or `lineEnd`).
    func cellEnd(from start: Int, lineEnd: Int) -> Int {
        var i = start
        while i < lineEnd, base[i] != Self.comma { i += 1 }
        return i
    }

    func cellCount(_ start: Int, _ end: Int) -> Int {
        var cells = 1
        for i in start..<end where base[i] == Self.comma { cells += 1 }
        return cells
    }

    /// Whether a cell starting with `byte` may be a number: a digit, sign or point, or the first
    /// letter of inf/nan (so those get the non-finite message). Anything else, white space in
    /// particular, would let `strtod` read past the cell.
    static func startsNumber(_ byte: UInt8) -> Bool {
        switch byte {
        case 48...57, 43, 45, 46, 73, 78, 105, 110: return true  // 0-9 + - . I N i n
        default: return false
        }
    }

    /// The header's names, checked: valid UTF-8 without control characters, not empty.
    func names(_ start: Int, _ end: Int, line: Int) throws -> [String] {
        var names: [String] = []
        var cell = start
        while true {
            let cellStop = cellEnd(from: cell, lineEnd: end)
            let (s, e) = trimmed(cell, cellStop)
            let bytes = UnsafeBufferPointer(start: base + s, count: e - s)
            let column = names.count + 1
            func refuse(_ problem: String) -> DataError {
                .badColumnName(path: path, line: line, column: column, problem: problem)
            }
            guard s < e else { throw refuse("is empty; name every column") }
            guard let name = String(validating: bytes, as: UTF8.self) else {
                throw refuse("(\"\(quoted(text(s, e), marks: false))\") is not valid UTF-8; save the file as UTF-8")
            }
            if bytes.contains(where: { $0 < Self.space || $0 == 127 }) {
                throw refuse("(\"\(quoted(text(s, e), marks: false))\") holds a control character; use printable names")
            }
            names.append(name)
            if cellStop == end { return names }
            cell = cellStop + 1
        }
    }

    func parse() throws -> (columns: [String], values: [Float], timestamps: [Int64], lines: [Int]) {
        var position = 0
        if count >= 3, base[0] == 0xEF, base[1] == 0xBB, base[2] == 0xBF { position = 3 }
        var line = 0
        // Returns the next non-blank line as (start, end without \r), advancing position (to at most
        // count) and line.
        func nextLine() -> (Int, Int)? {
            while position < count {
                let start = position
                var end = start
                while end < count, base[end] != Self.newline { end += 1 }
                position = min(end + 1, count)
                line += 1
                var contentEnd = end
                if contentEnd > start, base[contentEnd - 1] == Self.carriageReturn { contentEnd -= 1 }
                if (start..<contentEnd).contains(where: { base[$0] != Self.space && base[$0] != Self.tab }) {
                    return (start, contentEnd)
                }
            }
            return nil
        }

        guard let (headerStart, headerEnd) = nextLine() else { throw DataError.emptyFile(path: path) }
        let names = try names(headerStart, headerEnd, line: line)
        guard names[0] == "date" else { throw DataError.noDateColumn(path: path, line: line, found: names[0]) }
        guard names.count >= 2 else { throw DataError.noValueColumns(path: path, line: line) }
        var seen = Set<String>()
        for name in names where !seen.insert(name).inserted {
            throw DataError.duplicateColumn(path: path, line: line, name: name)
        }
        let columns = Array(names.dropFirst())
        let width = columns.count

        // Every value follows a comma and every row but the last ends in a newline, so these bound
        // the table by the file's size.
        var commas = 0, newlines = 0
        for i in position..<count {
            if base[i] == Self.comma { commas += 1 } else if base[i] == Self.newline { newlines += 1 }
        }
        var values: [Float] = []
        var timestamps: [Int64] = [], lines: [Int] = []
        values.reserveCapacity(commas)
        timestamps.reserveCapacity(newlines + 1)
        lines.reserveCapacity(newlines + 1)

        while let (lineStart, lineEnd) = nextLine() {
            let dateEnd = cellEnd(from: lineStart, lineEnd: lineEnd)
            let (ds, de) = trimmed(lineStart, dateEnd)
            guard let seconds = CalendarMath.timestamp(base + ds, de - ds) else {
                throw DataError.badDate(path: path, line: line, text: text(ds, de))
            }
            timestamps.append(seconds)
            lines.append(line)
            var cell = dateEnd
            for column in 0..<width {
                guard cell < lineEnd else {
                    throw DataError.wrongCellCount(path: path, line: line, found: cellCount(lineStart, lineEnd),
                                                   expected: width + 1)
                }
                cell += 1  // past the comma
                let end = cellEnd(from: cell, lineEnd: lineEnd)
                let (s, e) = trimmed(cell, end)
                guard s < e else { throw DataError.emptyCell(path: path, line: line, column: columns[column]) }
                guard Self.startsNumber(base[s]) else {
                    throw DataError.nonNumeric(path: path, line: line, column: columns[column], text: text(s, e))
                }
                let (value, whole) = (base + s).withMemoryRebound(to: CChar.self, capacity: e - s + 1) {
                    start -> (Double, Bool) in
                    var stop: UnsafeMutablePointer<CChar>?
                    let value = strtod(start, &stop)
                    guard let stop else { return (value, false) }
                    return (value, UnsafePointer(stop) - start == e - s)
                }
                guard whole else {
                    throw DataError.nonNumeric(path: path, line: line, column: columns[column], text: text(s, e))
                }
                let single = Float(value)
                guard single.isFinite else {
                    throw DataError.nonFinite(path: path, line: line, column: columns[column], text: text(s, e))
                }
                values.append(single)
                cell = end
            }
            guard cell == lineEnd else {
                throw DataError.wrongCellCount(path: path, line: line, found: cellCount(lineStart, lineEnd),
                                               expected: width + 1)
            }
        }
        guard timestamps.count >= 2 else { throw DataError.tooFewRows(path: path, rows: timestamps.count) }
        return (columns, values, timestamps, lines)
    }
}
