// Errors from checking a series' timestamps: order, repeated dates, points off the grid, gaps and
// resampling that would invent rows. Each names the file and line and says what to do.

/// A problem with the times of a series' rows (read without error) as a forecasting grid needs them.
/// Dates are shown as `YYYY-MM-DD HH:MM:SS` (UTC); lines are the file's, 1-based.
public enum TimeGridError: Error, CustomStringConvertible, Equatable {
    /// Row at `line` is earlier than the row before it at `previousLine`; `count` rows are earlier
    /// than their predecessor; `reversed` when every row is.
    case unsorted(
        path: String, line: Int, date: Int64, previousLine: Int, previousDate: Int64, count: Int,
        reversed: Bool)
    /// The row at `line` has the date of the row at `firstLine`; `count` rows repeat a date.
    case duplicate(path: String, line: Int, firstLine: Int, date: Int64, count: Int)
    /// The row at `line` is not a step of `grid` (whose origin is the row at `originLine`).
    case offGrid(path: String, line: Int, date: Int64, grid: TimeGrid, originLine: Int, given: Bool)
    /// The grid misses `missing` steps in `count` gaps; the largest misses `largest` steps after
    /// the row at `line`.
    case gaps(path: String, count: Int, missing: Int, largest: Int, line: Int, date: Int64, frequency: Frequency)
    /// Filling the gaps would add `missing` rows to the `rows` there are.
    case mostlyGaps(path: String, rows: Int, missing: Int, frequency: Frequency)
    /// Resampling `rows` rows at `frequency` would make `bins` bins, more than twice the rows.
    case tooManyBins(path: String, rows: Int, bins: Int, frequency: Frequency)

    public var description: String {
        let date = TimeSeriesTable.formatTimestamp
        switch self {
        case let .unsorted(path, line, t, previousLine, previous, count, reversed):
            if reversed {
                return "\(path):\(line): the dates decrease from the first row to the last (newest first); "
                    + "reverse the file or set data.sort: true"
            }
            return "\(path):\(line): the date \(date(t)) is earlier than \(date(previous)) on line \(previousLine) "
                + "above it, so the rows are not in time order (\(count) row\(count == 1 ? " is" : "s are") "
                + "earlier than the row above); sort the file by date or set data.sort: true"
        case let .duplicate(path, line, firstLine, t, count):
            return "\(path):\(line): the date \(date(t)) already appears on line \(firstLine) "
                + "(\(count) repeated date\(count == 1 ? "" : "s") in all); keep one row per date"
        case let .offGrid(path, line, t, grid, originLine, given):
            let source = given ? "data.freq" : "inferred"
            return "\(path):\(line): the date \(date(t)) is not a step of the \(grid.frequency) grid (\(source)) "
                + "from \(date(grid.origin)) on line \(originLine); fix the row, set data.freq to the data's step, "
                + "or aggregate to a coarser step with data.resample"
        case let .gaps(path, count, missing, largest, line, t, frequency):
            return "\(path): the \(frequency) grid has \(count) gap\(count == 1 ? "" : "s") (\(missing) missing "
                + "row\(missing == 1 ? "" : "s") in all; the largest, \(largest) step\(largest == 1 ? "" : "s"), "
                + "after \(date(t)) on line \(line)); set data.missing to ffill or interpolate to fill them"
        case let .mostlyGaps(path, rows, missing, frequency):
            return "\(path): filling the gaps of the \(frequency) grid would add \(missing) rows to the \(rows) "
                + "there are; the series is mostly gaps: resample to a coarser step (data.resample) or use a "
                + "shorter, denser file"
        case let .tooManyBins(path, rows, bins, frequency):
            return "\(path): resampling \(rows) rows to \(frequency) would make \(bins) bins; data.resample "
                + "aggregates rows into coarser steps and never adds rows: choose a step longer than the data's"
        }
    }
}
