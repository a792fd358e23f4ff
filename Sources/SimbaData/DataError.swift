// Errors from reading forecasting data: CSV files, split options and stored scalers. Each message names
// the file (and line and column where there are ones), quotes at most 80 characters of input, says what to do.

import SimbaCore

/// A problem with a data file or with the options used to cut it into forecasting windows.
public enum DataError: Error, CustomStringConvertible, Equatable {
    case unreadable(path: String, reason: String)
    case emptyFile(path: String)
    case noDateColumn(path: String, line: Int, found: String)
    case noValueColumns(path: String, line: Int)
    case duplicateColumn(path: String, line: Int, name: String)
    /// Header column `column` (1-based, `date` is 1) has a name that cannot be used; `problem`
    /// completes "column N of the header …".
    case badColumnName(path: String, line: Int, column: Int, problem: String)
    case badDate(path: String, line: Int, text: String)
    case emptyCell(path: String, line: Int, column: String)
    case nonNumeric(path: String, line: Int, column: String, text: String)
    case nonFinite(path: String, line: Int, column: String, text: String)
    case wrongCellCount(path: String, line: Int, found: Int, expected: Int)
    case tooFewRows(path: String, rows: Int)
    case unknownTarget(path: String, target: String, columns: [String])
    case badLength(path: String, name: String, value: Int)
    case tooShortForBorders(path: String, borders: String, rows: Int, needed: Int)
    case splitTooShort(path: String, split: String, rows: Int, needed: Int, seqLen: Int, predLen: Int)
    case constantColumn(path: String, column: String, trainRows: Int)
    case badScaler(reason: String)
    case scalerColumnsDiffer(path: String, expected: [String], found: [String])

    public var description: String {
        func excerpt(_ text: String) -> String { quoted(text, marks: false) }
        switch self {
        case let .unreadable(path, reason):
            return "\(path): cannot read the file (\(reason)); check the path and its permissions"
        case let .emptyFile(path):
            return "\(path): the file is empty; a forecasting CSV needs a header line `date,<columns…>` and at least 2 rows"
        case let .noDateColumn(path, line, found):
            return "\(path):\(line): the first column is \"\(excerpt(found))\", not \"date\"; "
                + "the first header name must be exactly `date` (lower case, as Time-Series-Library expects)"
        case let .noValueColumns(path, line):
            return "\(path):\(line): the header has only the `date` column; add at least one numeric column after it"
        case let .duplicateColumn(path, line, name):
            return "\(path):\(line): the column name \"\(excerpt(name))\" appears more than once in the header; "
                + "give every column a distinct name"
        case let .badColumnName(path, line, column, problem):
            return "\(path):\(line): column \(column) of the header \(problem)"
        case let .badDate(path, line, text):
            return "\(path):\(line): column date holds \"\(excerpt(text))\", which is not a date; write dates as "
                + "`YYYY-MM-DD HH:MM:SS` (or `YYYY-MM-DD HH:MM`, `YYYY-MM-DD`)"
        case let .emptyCell(path, line, column):
            return "\(path):\(line): column \(excerpt(column)) is empty; fill in the missing value "
                + "(simba does not impute)"
        case let .nonNumeric(path, line, column, text):
            return "\(path):\(line): column \(excerpt(column)) holds \"\(excerpt(text))\", which is not a number; "
                + "every column after `date` must be numeric"
        case let .nonFinite(path, line, column, text):
            return "\(path):\(line): column \(excerpt(column)) holds \"\(excerpt(text))\", which is not a finite float32; "
                + "replace NaN/Inf and out-of-range values"
        case let .wrongCellCount(path, line, found, expected):
            return "\(path):\(line): the row has \(found) cells but the header has \(expected) columns; give every row exactly one cell per column (no trailing comma)"
        case let .tooFewRows(path, rows):
            return "\(path): the file has \(rows) data row\(rows == 1 ? "" : "s"); a series needs at least 2"
        case let .unknownTarget(path, target, columns):
            return "\(path): the target column \"\(excerpt(target))\" is not in the file; choose one of \(shown(columns))"
        case let .badLength(path, name, value):
            return "\(path): \(name) is \(value); it must be at least 1"
        case let .tooShortForBorders(path, borders, rows, needed):
            return "\(path): the file has \(rows) rows but the \(borders) split borders need \(needed); use the full file, or ratio (70/10/20) borders"
        case let .splitTooShort(path, split, rows, needed, seqLen, predLen):
            return "\(path): the \(split) split has \(rows) rows but needs at least \(needed) (seq_len \(seqLen) + pred_len \(predLen)) for one window; use a longer file or a shorter seq_len/pred_len"
        case let .constantColumn(path, column, trainRows):
            return "\(path): column \(excerpt(column)) is constant over the \(trainRows) training rows, so it cannot be "
                + "standardised (std 0); drop the column or use features S on another target"
        case let .scalerColumnsDiffer(path, expected, found):
            return "\(path): the model was trained on columns \(shown(expected)) but this file gives \(shown(found)); "
                + "use a file with the same columns (and target)"
        case let .badScaler(reason):
            return "the stored scaler is invalid (\(reason)); the checkpoint metadata is damaged or was not written by simba"
        }
    }
}

/// Names as a message lists them: joined by ", ", at most about 80 characters, then "… (N in all)".
func shown(_ names: [String]) -> String {
    let joined = quoted(names.joined(separator: ", "), marks: false)
    return joined.hasSuffix("…") ? joined + " (\(names.count) in all)" : joined
}
