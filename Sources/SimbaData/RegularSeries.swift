// Puts a table read from a file on a regular time grid before windows are cut: order checked (or
// sorted), optional resampling, step inferred or given, gaps refused or filled. It reads no file.

/// How a table's times are checked and regularised (the `data.sort`, `data.freq`, `data.resample`,
/// `data.aggregate` and `data.missing` keys).
public struct TimeGridOptions: Equatable, Sendable {
    /// Sort rows by date (stably) rather than refuse a file out of time order.
    public var sort = false
    /// The data's step; nil to infer it (`Frequency.inferred(from:)`). Ignored when resampling.
    public var frequency: Frequency?
    /// Aggregate rows into bins of this step first (`Frequency.isResamplingStep`); nil: no resampling.
    public var resample: Frequency?
    public var aggregate: Aggregation = .mean
    /// What to do with gaps: refuse them (the default) or fill them.
    public var fill: GapFill = .error

    public init(sort: Bool = false, frequency: Frequency? = nil, resample: Frequency? = nil,
                aggregate: Aggregation = .mean, fill: GapFill = .error) {
        self.sort = sort
        self.frequency = frequency
        self.resample = resample
        self.aggregate = aggregate
        self.fill = fill
    }
}

/// What putting a table on its grid found and did.
public struct TimeGridReport: Equatable, Sendable {
    /// Where the step came from.
    public enum Source: Equatable, Sendable {
        case inferred
        case given
        /// Resampled from `rows` rows into `bins` non-empty bins.
        case resampled(rows: Int, bins: Int, aggregate: Aggregation)
    }

    /// The grid of the regularised rows; its origin is the first row.
    public let grid: TimeGrid
    public let source: Source
    /// Whether the rows were sorted (`data.sort` and a file out of order).
    public let sorted: Bool
    /// The gaps that were filled, if any.
    public let gaps: GapSummary?
    public let fill: GapFill

    /// Log lines: `freq: 1h (inferred)` (or `(data.freq)`, or `(data.resample: mean of N rows in M
    /// bins)`), then what was sorted and filled.
    public var lines: [String] {
        var lines: [String]
        switch source {
        case .inferred: lines = ["freq: \(grid.frequency) (inferred)"]
        case .given: lines = ["freq: \(grid.frequency) (data.freq)"]
        case let .resampled(rows, bins, aggregate):
            lines = ["freq: \(grid.frequency) (data.resample: \(aggregate.rawValue) of \(rows) rows in \(bins) bins)"]
        }
        if sorted { lines.append("time order: rows sorted by date (data.sort)") }
        if let gaps {
            let filled = fill == .ffill ? "ffill" : "interpolate"
            lines.append("gaps: \(gaps.count) (\(gaps.missing) missing rows; the largest, \(gaps.largest) steps, "
                         + "after \(TimeSeriesTable.formatTimestamp(gaps.date)) on line \(gaps.line)), "
                         + "filled by \(filled) (data.missing)")
        }
        return lines
    }
}

extension TimeSeriesTable {
    /// The table on a regular grid, and what was done to put it there:
    /// 1. rows out of time order are an error, or are sorted (stably) with `options.sort`; two rows
    ///    with one date are an error either way (`TimeOrder`);
    /// 2. with `options.resample`, rows are aggregated into bins of that step (`SeriesResampling`);
    /// 3. otherwise the step is `options.frequency` or inferred, and the grid starts at the first row;
    /// 4. every row must be a step of the grid; gaps are an error unless `options.fill` fills them
    ///    (`GridCompletion`).
    /// A table already regular comes back unchanged.
    public func onGrid(_ options: TimeGridOptions) throws -> (table: TimeSeriesTable, report: TimeGridReport) {
        var (times, rows, rowLines) = (timestamps, values, lines)
        let width = columnCount
        let order = try TimeOrder.order(times, lines: rowLines, path: path, sort: options.sort)
        if let order {
            times = order.map { timestamps[$0] }
            rowLines = order.map { lines[$0] }
            rows = order.flatMap { values[($0 * width)..<(($0 + 1) * width)] }
        }
        let grid: TimeGrid, source: TimeGridReport.Source
        if let step = options.resample {
            let binned = try SeriesResampling.resample(timestamps: times, values: rows, width: width, lines: rowLines,
                                                       to: step, aggregate: options.aggregate, path: path)
            source = .resampled(rows: times.count, bins: binned.timestamps.count, aggregate: options.aggregate)
            (grid, times, rows, rowLines) = binned
        } else {
            guard times.count >= 2 || options.frequency != nil else {
                throw DataError.tooFewRows(path: path, rows: times.count)
            }
            grid = TimeGrid(frequency: options.frequency ?? .inferred(from: times), origin: times[0])
            source = options.frequency == nil ? .inferred : .given
        }
        let complete = try GridCompletion.complete(timestamps: times, values: rows, width: width, lines: rowLines,
                                                   grid: grid, given: source == .given, fill: options.fill,
                                                   path: path)
        if complete.gaps != nil {
            // Added rows have no line of their own: they take the line of the row before them.
            var filledLines: [Int] = []
            filledLines.reserveCapacity(complete.timestamps.count)
            var next = 0
            for t in complete.timestamps {
                if next < times.count, times[next] == t { next += 1 }
                filledLines.append(rowLines[next - 1])
            }
            rowLines = filledLines
        }
        let table = TimeSeriesTable(path: path, columns: columns, values: complete.values,
                                    timestamps: complete.timestamps, lines: rowLines)
        return (table, TimeGridReport(grid: grid, source: source, sorted: order != nil, gaps: complete.gaps,
                                      fill: options.fill))
    }
}
