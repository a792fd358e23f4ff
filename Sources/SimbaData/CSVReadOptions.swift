// What a user says about their CSV file: which column holds the dates and how they are written, the
// delimiter and decimal mark, which columns to keep, missing cells, and the series of a long file.

/// The field delimiter: sniffed from the header line, or given.
public enum CSVDelimiter: String, CaseIterable, Equatable, Sendable {
    /// The most frequent of `,` `;` and tab outside quotes in the header line (`,` when none occurs).
    case auto
    case comma = ","
    case semicolon = ";"
    case tab

    var byte: UInt8? {
        switch self {
        case .auto: return nil
        case .comma: return 44
        case .semicolon: return 59
        case .tab: return 9
        }
    }
}

/// The character between a number's whole part and its fraction.
public enum DecimalMark: String, CaseIterable, Equatable, Sendable {
    case point = "."
    /// `3,14` (needs a delimiter other than `,`); a `.` in a number is then refused, not read as thousands.
    case comma = ","
}

/// What to do with missing cells (those `naValues` lists).
public enum MissingPolicy: String, CaseIterable, Equatable, Sendable {
    /// Stop with an error naming how many cells are missing, the first lines and the columns.
    case error
    /// Carry the last value forward; cells before a column's first value take that first value.
    case ffill
    /// Linear in row position between the neighbouring values (pandas' `interpolate()`); cells before
    /// the first or after the last value take that value.
    case interpolate
    /// Drop every row with a missing cell in a kept column.
    case drop
}

/// How to read a CSV file into a `TimeSeriesTable`. The defaults read Time-Series-Library files
/// (`date,<numeric columns…>`, comma-separated) as they always were.
public struct CSVReadOptions: Equatable, Sendable {
    /// The column holding the dates; empty: `date` if there is one, else the first column whose cell
    /// in the first data row is a date.
    public var dateColumn = ""
    /// Columns assembled into one date (e.g. `[year, month, day, hour]`, `[Date, Time]`); their cells
    /// are joined with one space and read with `dateFormat` (default: `%Y %m %d %H %M %S` cut to as
    /// many fields as there are columns when the first row's cells are whole numbers, ISO 8601 otherwise).
    public var dateColumns: [String] = []
    /// A strftime-style format (`TimestampFormat.supportedDirectives`); empty: ISO 8601.
    public var dateFormat = ""
    public var delimiter: CSVDelimiter = .auto
    public var decimal: DecimalMark = .point
    /// Value columns to keep, in file order; empty: every column that is not the date or the id.
    public var columns: [String] = []
    /// Value columns to leave out.
    public var drop: [String] = []
    public var missing: MissingPolicy = .error
    /// Cell texts (after unquoting and trimming blanks) that mean "missing", compared exactly.
    public var naValues = ["NA", "NaN", "?", ""]
    /// The column naming the series of a long file (`unique_id,ds,y`); empty: one series.
    public var idColumn = ""
    /// The series of `idColumn` to read; empty: every series (grouped in order of first appearance).
    public var series = ""

    /// The longest list `columns`, `drop` and `naValues` may be (a bound for config checks).
    public static let maxListedColumns = 10_000

    public init() {}
}
