// Errors from reading forecasting data: CSV files, split options and stored scalers. Each message names
// the file (and line and column where there are ones), quotes at most 80 characters of input, says what to do.

import SimbaCore

/// A problem with a data file or with the options used to cut it into forecasting windows.
public enum DataError: Error, CustomStringConvertible, Equatable {
    case unreadable(path: String, reason: String)
    case emptyFile(path: String)
    /// No column is named `date` and no cell of the first data row (`line`) is a date.
    case noDateColumn(path: String, line: Int)
    case noValueColumns(path: String, line: Int)
    case duplicateColumn(path: String, line: Int, name: String)
    /// Header column `column` (1-based, `date` is 1) has a name that cannot be used; `problem`
    /// completes "column N of the header …".
    case badColumnName(path: String, line: Int, column: Int, problem: String)
    /// A date cell (or the cells of `data.date_columns` joined) that `expected` cannot read.
    case badDate(path: String, line: Int, column: String, text: String, expected: String)
    case nonFinite(path: String, line: Int, column: String, text: String)
    /// The quoted cell in field `column` (1-based) opened on `line` never closes.
    case unclosedQuote(path: String, line: Int, column: Int)
    case textAfterQuote(path: String, line: Int, column: Int, text: String)
    /// A `key` (data.columns, data.drop, …) names `name`, which the header does not hold.
    case unknownColumn(path: String, key: String, name: String, columns: [String])
    /// Read options that contradict each other or the file.
    case badReadOptions(path: String, reason: String)
    case badDateFormat(path: String, format: String, problem: String)
    /// Columns with cells that are not numbers: each with the line and text of its first such cell.
    case nonNumericColumns(path: String, columns: [String], lines: [Int], texts: [String])
    /// `count` missing cells with data.missing: error: per column its count, the first lines, and the
    /// first missing cell's column and text.
    case missingCells(
        path: String, count: Int, columns: [String], counts: [Int], lines: [Int],
        first: MissingCell, markers: [String])
    /// A column without any value (in series `series`, if the file has several) cannot be filled.
    case allMissing(path: String, column: String, series: String?)
    case unknownSeries(path: String, idColumn: String, series: String, available: [String])
    /// Something only one series can give (`what`: "a forecast past the data") asked of `count` series.
    case manySeries(path: String, count: Int, what: String)
    case wrongCellCount(path: String, line: Int, found: Int, expected: Int)
    case tooFewRows(path: String, rows: Int)
    case unknownTarget(path: String, target: String, columns: [String])
    case badLength(path: String, name: String, value: Int)
    case tooShortForBorders(path: String, borders: String, rows: Int, needed: Int)
    case splitTooShort(path: String, split: String, rows: Int, needed: Int, seqLen: Int, predLen: Int)
    /// `data.fold` moves the validation split `fold` lengths of `valRows` back, to or before the first row.
    case foldBeforeStart(path: String, fold: Int, trainRows: Int, valRows: Int)
    /// A column with one value over the training rows; `inFile`: over the whole file too.
    case constantColumn(path: String, column: String, trainRows: Int, inFile: Bool)
    case badScaler(reason: String)
    case scalerColumnsDiffer(path: String, expected: [String], found: [String])

    public var description: String {
        func excerpt(_ text: String) -> String { quoted(text, marks: false) }
        switch self {
        case let .unreadable(path, reason):
            return "\(path): cannot read the file (\(reason)); check the path and its permissions"
        case let .emptyFile(path):
            return
                "\(path): the file is empty; a forecasting CSV needs a header line `date,<columns…>` and at least 2 "
                + "rows"
        case let .noDateColumn(path, line):
            return "\(path):\(line): no column is named `date` and no cell of this first data row is an ISO 8601 date "
                + "(2016-07-01 00:00:00); name the date column with data.date_column (and its form with "
                + "data.date_format), or assemble it from several with data.date_columns"
        case let .noValueColumns(path, line):
            return "\(path):\(line): the header has no value column besides the date (and id); "
                + "a forecasting CSV needs at least one numeric column"
        case let .duplicateColumn(path, line, name):
            return "\(path):\(line): the column name \"\(excerpt(name))\" appears more than once in the header; "
                + "give every column a distinct name"
        case let .badColumnName(path, line, column, problem):
            return "\(path):\(line): column \(column) of the header \(problem)"
        case let .badDate(path, line, column, text, expected):
            return "\(path):\(line): column \(excerpt(column)) holds \"\(excerpt(text))\", which is not a date "
                + "of the form \(expected); set data.date_format to the form the file uses"
        case let .nonFinite(path, line, column, text):
            return "\(path):\(line): column \(excerpt(column)) holds \"\(excerpt(text))\", "
                + "which is not a finite number "
                + "within float32's range (±3.4e38); list it in data.na_values to read it as missing, or fix the cell"
        case let .unclosedQuote(path, line, column):
            return "\(path):\(line): the quoted cell in column \(column) never closes (a `\"` without its partner); "
                + "close it, or write a quote inside a quoted cell as `\"\"`"
        case let .textAfterQuote(path, line, column, text):
            return "\(path):\(line): column \(column) has \"\(excerpt(text))\" after its closing quote; "
                + "quote the whole cell and write a quote inside it as `\"\"`"
        case let .unknownColumn(path, key, name, columns):
            return "\(path): \(key) names \"\(excerpt(name))\", which is not a column of the file; "
                + "its columns are \(shown(columns))"
        case let .badReadOptions(path, reason):
            return "\(path): \(reason)"
        case let .badDateFormat(path, format, problem):
            return "\(path): data.date_format \"\(excerpt(format))\" cannot be used: \(problem)"
        case let .nonNumericColumns(path, columns, lines, texts):
            let others = zip(columns, zip(lines, texts)).dropFirst().prefix(4).map {
                "\(excerpt($0)) (line \($1.0): \"\(excerpt($1.1))\")"
            }
            let verb = columns.count == 2 ? " is" : "s are"
            let more =
                others.isEmpty
                ? ""
                : "; \(columns.count - 1) more column\(verb) not numeric either: "
                    + others.joined(separator: ", ") + (columns.count > 5 ? ", …" : "")
            return "\(path):\(lines[0]): column \(excerpt(columns[0])) holds \"\(excerpt(texts[0]))\", "
                + "which is not a number" + more
                + "; leave \(columns.count == 1 ? "the column" : "them") out with data.drop: [\(shown(columns))] "
                + "(or list the columns to keep in data.columns), or fix the cells"
                + (texts.contains(where: looksLikeDecimalComma) ? "; for decimal commas set data.decimal: \",\"" : "")
        case let .missingCells(path, count, columns, counts, lines, first, markers):
            let perColumn =
                zip(columns, counts).prefix(5).map { "\(excerpt($0)) (\($1))" }.joined(separator: ", ")
                + (columns.count > 5 ? ", … (\(columns.count) columns)" : "")
            let shownMarkers = markers.map { $0.isEmpty ? "empty" : excerpt($0) }
            let cell = first.text.isEmpty ? "is empty" : "holds \"\(excerpt(first.text))\""
            return "\(path):\(lines[0]): column \(excerpt(first.column)) \(cell), a missing value (data.na_values: "
                + "\(shown(shownMarkers))); \(count) cell\(count == 1 ? " is" : "s are") missing in all, "
                + "in \(perColumn); "
                + "first on line\(lines.count == 1 ? "" : "s") " + lines.map(String.init).joined(separator: ", ")
                + (count > lines.count ? ", …" : "")
                + "; set data.missing to ffill, interpolate or drop, or fill them in the file"
        case let .allMissing(path, column, series):
            let within = series.map { " in series \"\(excerpt($0))\"" } ?? ""
            return "\(path): column \(excerpt(column)) has no value\(within) "
                + "to fill its missing cells from; drop the column (data.drop) or use data.missing: drop"
        case let .unknownSeries(path, idColumn, series, available):
            return "\(path): data.series \"\(excerpt(series))\" is not in column \(excerpt(idColumn)); "
                + "its series are \(shown(available))"
        case let .manySeries(path, count, what):
            return "\(path): the file holds \(count) series (data.id_column), so \(what) needs one chosen; "
                + "set data.series to one of them"
        case let .wrongCellCount(path, line, found, expected):
            return
                "\(path):\(line): the row has \(found) cells but the header has \(expected) columns; give every row "
                + "exactly one cell per column (no trailing comma)"
        case let .tooFewRows(path, rows):
            return "\(path): the file has \(rows) data row\(rows == 1 ? "" : "s"); a series needs at least 2"
        case let .unknownTarget(path, target, columns):
            return
                "\(path): the target column \"\(excerpt(target))\" is not in the file; choose one of \(shown(columns))"
        case let .badLength(path, name, value):
            return "\(path): \(name) is \(value); it must be at least 1"
        case let .tooShortForBorders(path, borders, rows, needed):
            return
                "\(path): the file has \(rows) rows but the \(borders) split borders need \(needed); use the full "
                + "file, or ratio (70/10/20) borders"
        case let .splitTooShort(path, split, rows, needed, seqLen, predLen):
            return
                "\(path): the \(split) split has \(rows) rows but needs at least \(needed) (seq_len \(seqLen) + "
                + "pred_len \(predLen)) for one window; use a longer file or a shorter seq_len/pred_len"
        case let .foldBeforeStart(path, fold, trainRows, valRows):
            return
                "\(path): data.fold \(fold) moves the validation split \(fold) × \(valRows) rows back, "
                + "past the \(trainRows) rows before it, leaving no training rows; use a smaller data.fold"
        case let .constantColumn(path, column, trainRows, inFile):
            return "\(path): column \(excerpt(column)) "
                + (inFile
                    ? "has one value in the whole file"
                    : "has one value over the \(trainRows) training rows "
                        + "(it varies later)") + ", so it cannot be standardised (std 0); "
                + "leave it out with data.drop, or use features S on another target"
        case let .scalerColumnsDiffer(path, expected, found):
            return "\(path): the model was trained on columns \(shown(expected)) but this file gives \(shown(found)); "
                + "use a file with the same columns (and target)"
        case let .badScaler(reason):
            return
                "the stored scaler is invalid (\(reason)); the checkpoint metadata is damaged or was not written by "
                + "simba"
        }
    }
}

/// A missing cell named in an error: its column and its text (empty for an empty cell).
public struct MissingCell: Equatable, Sendable {
    public let column: String
    public let text: String

    public init(column: String, text: String) {
        self.column = column
        self.text = text
    }
}

/// Names as a message lists them: joined by ", ", at most about 80 characters, then "… (N in all)".
func shown(_ names: [String]) -> String {
    let joined = quoted(names.joined(separator: ", "), marks: false)
    return joined.hasSuffix("…") ? joined + " (\(names.count) in all)" : joined
}

/// Whether `text` is digits, one comma and digits (`3,14`, `-0,5`): a number written with a decimal comma.
func looksLikeDecimalComma(_ text: String) -> Bool {
    let unsigned = text.hasPrefix("-") || text.hasPrefix("+") ? text.dropFirst() : text[...]
    let parts = unsigned.split(separator: ",", omittingEmptySubsequences: false)
    return parts.count == 2 && parts.allSatisfy { !$0.isEmpty && $0.allSatisfy { ("0"..."9").contains($0) } }
}
