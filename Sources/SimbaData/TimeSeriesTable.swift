// A time series read from a CSV file: Float64 values, whole-second UTC timestamps, the file line of
// every row, and the series of a long file. `CSVTableReader` reads it; it does not split or scale.

import Foundation
import SimbaCore

/// One series of a table: its name (the id column's value; empty for a file of one series) and its rows.
public struct TableSeries: Equatable, Sendable {
    public let name: String
    public let rows: Range<Int>

    public init(name: String, rows: Range<Int>) {
        self.name = name
        self.rows = rows
    }
}

/// A time series read from a CSV file: one row per time step, a date and numeric columns.
///
/// How files are read (delimiter, quoting, dates, numbers, missing cells, long files) is described
/// by `CSVReadOptions` and `CSVTableReader`, and in docs/data.md. By default the file is read as
/// Time-Series-Library writes it: `date,<numeric columns…>`, comma-separated, ISO dates taken as UTC.
public struct TimeSeriesTable: Sendable {
    /// The file the table was read from (used in error messages).
    public let path: String
    /// The value columns, in file order.
    public let columns: [String]
    /// Values as read (Float64), row-major (rowCount × columns.count); missing cells already filled.
    public let values: [Double]
    /// Seconds since 1970-01-01 00:00:00 UTC, one per row.
    public let timestamps: [Int64]
    /// The 1-based file line each row was read from (for messages about rows).
    public let lines: [Int]
    /// The series, each a contiguous block of rows in order of first appearance in the file (rows of
    /// a series keep their file order); one series named "" for a file without `data.id_column`.
    public let series: [TableSeries]
    /// What the reader did that a user should hear about (offsets converted to UTC, cells filled),
    /// one sentence each.
    public let notes: [String]

    public var rowCount: Int { timestamps.count }
    public var columnCount: Int { columns.count }

    /// A table from its parts; `values` holds rows × columns, `lines` and `timestamps` one per row,
    /// and `series` covers the rows in order.
    public init(
        path: String, columns: [String], values: [Double], timestamps: [Int64], lines: [Int],
        series: [TableSeries], notes: [String]
    ) {
        precondition(
            values.count == timestamps.count * columns.count && lines.count == timestamps.count,
            "one timestamp, one line and columns.count values per row")
        precondition(
            series.first?.rows.lowerBound == 0 && series.last?.rows.upperBound == timestamps.count
                && zip(series, series.dropFirst()).allSatisfy { $0.rows.upperBound == $1.rows.lowerBound },
            "the series cover the rows in order")
        self.path = path
        self.columns = columns
        self.values = values
        self.timestamps = timestamps
        self.lines = lines
        self.series = series
        self.notes = notes
    }

    /// Reads the CSV file at `path` as `options` say.
    public init(path: String, options: CSVReadOptions = CSVReadOptions()) throws {
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
        try self.init(bytes: [UInt8](data), path: path, options: options)
    }

    /// Parses CSV text already in memory; `path` only names it in error messages.
    public init(bytes: [UInt8], path: String, options: CSVReadOptions = CSVReadOptions()) throws {
        self = try bytes.withUnsafeBufferPointer { buffer in
            try CSVTableReader(options: options, path: path).read(buffer)
        }
    }

    /// Value at `row`, `column` (indices into `columns`).
    public subscript(row: Int, column: Int) -> Double { values[row * columns.count + column] }

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

    /// Parses an ISO 8601 date (`TimestampFormat.iso8601`) as UTC seconds since 1970; nil if it is not one.
    public static func parseTimestamp(_ text: String) -> Int64? {
        TimestampFormat.iso8601.seconds(text)
    }
}
