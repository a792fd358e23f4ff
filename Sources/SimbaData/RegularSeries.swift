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

    public init(
        sort: Bool = false, frequency: Frequency? = nil, resample: Frequency? = nil,
        aggregate: Aggregation = .mean, fill: GapFill = .error
    ) {
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

    /// The step of the regularised rows; each series' grid starts at its first row.
    public let frequency: Frequency
    public let source: Source
    /// Whether rows were sorted (`data.sort` and rows out of order).
    public let sorted: Bool
    /// The gaps that were filled, if any (of all series together).
    public let gaps: GapSummary?
    public let fill: GapFill

    /// Log lines: `freq: 1h (inferred)` (or `(data.freq)`, or `(data.resample: mean of N rows in M
    /// bins)`), then what was sorted and filled.
    public var lines: [String] {
        var lines: [String]
        switch source {
        case .inferred: lines = ["freq: \(frequency) (inferred)"]
        case .given: lines = ["freq: \(frequency) (data.freq)"]
        case let .resampled(rows, bins, aggregate):
            lines = ["freq: \(frequency) (data.resample: \(aggregate.rawValue) of \(rows) rows in \(bins) bins)"]
        }
        if sorted { lines.append("time order: rows sorted by date (data.sort)") }
        if let gaps {
            let filled = fill == .ffill ? "ffill" : "interpolate"
            lines.append(
                "gaps: \(gaps.count) (\(gaps.missing) missing rows; the largest, \(gaps.largest) steps, "
                    + "after \(TimeSeriesTable.formatTimestamp(gaps.date)) on line \(gaps.line)), "
                    + "filled by \(filled) (data.missing)")
        }
        return lines
    }
}

extension TimeSeriesTable {
    /// The table on a regular grid, and what was done to put it there. Each series (a block of rows)
    /// is treated on its own, with one step for all:
    /// 1. rows out of time order are an error, or are sorted (stably) with `options.sort`; two rows
    ///    with one date are an error either way (`TimeOrder`);
    /// 2. with `options.resample`, rows are aggregated into bins of that step (`SeriesResampling`);
    /// 3. otherwise the step is `options.frequency` or inferred from every series' steps, and a
    ///    series' grid starts at its first row;
    /// 4. every row must be a step of its grid; gaps are an error unless `options.fill` fills them
    ///    (`GridCompletion`).
    /// A table already regular comes back unchanged.
    public func onGrid(_ options: TimeGridOptions) throws -> (table: TimeSeriesTable, report: TimeGridReport) {
        let (regular, report) = try Self.regularised(
            timestamps: timestamps, values: values, width: columnCount,
            lines: lines, blocks: series.map(\.rows), options: options,
            path: path)
        var start = 0
        let regularSeries = zip(series, regular.counts).map { old, count in
            defer { start += count }
            return TableSeries(name: old.name, rows: start..<(start + count))
        }
        let table = TimeSeriesTable(
            path: path, columns: columns, values: regular.values,
            timestamps: regular.timestamps, lines: regular.lines, series: regularSeries,
            notes: notes)
        return (table, report)
    }

    /// `onGrid` on the table's arrays, `blocks` the row ranges of its series; `counts` are the rows
    /// of each series afterwards.
    static func regularised<Value: BinaryFloatingPoint>(
        timestamps: [Int64], values: [Value], width: Int, lines: [Int], blocks: [Range<Int>],
        options: TimeGridOptions, path: String
    ) throws -> (regular: (timestamps: [Int64], values: [Value], lines: [Int], counts: [Int]), report: TimeGridReport) {
        // Each series as its own arrays, in time order.
        var parts: [(times: [Int64], values: [Value], lines: [Int])] = []
        var sorted = false
        for rows in blocks {
            let times = Array(timestamps[rows]), rowLines = Array(lines[rows])
            let rowValues = Array(values[(rows.lowerBound * width)..<(rows.upperBound * width)])
            guard let order = try TimeOrder.order(times, lines: rowLines, path: path, sort: options.sort) else {
                parts.append((times, rowValues, rowLines))
                continue
            }
            sorted = true
            var reordered = [Value]()
            reordered.reserveCapacity(rowValues.count)
            for r in order { reordered.append(contentsOf: rowValues[(r * width)..<((r + 1) * width)]) }
            parts.append((order.map { times[$0] }, reordered, order.map { rowLines[$0] }))
        }
        let frequency: Frequency, source: TimeGridReport.Source
        if let step = options.resample {
            for (i, part) in parts.enumerated() where !part.times.isEmpty {
                let binned = try SeriesResampling.resample(
                    timestamps: part.times, values: part.values, width: width,
                    lines: part.lines, to: step, aggregate: options.aggregate,
                    path: path)
                parts[i] = (binned.timestamps, binned.values, binned.lines)
            }
            frequency = step
            source = .resampled(
                rows: timestamps.count, bins: parts.reduce(0) { $0 + $1.times.count },
                aggregate: options.aggregate)
        } else if let given = options.frequency {
            (frequency, source) = (given, .given)
        } else {
            let stepped = parts.map(\.times).filter { $0.count >= 2 }
            guard !stepped.isEmpty else { throw DataError.tooFewRows(path: path, rows: timestamps.count) }
            (frequency, source) = (Frequency.inferred(from: stepped), .inferred)
        }
        var gaps: [GapSummary] = []
        var regular = (timestamps: [Int64](), values: [Value](), lines: [Int](), counts: [Int]())
        for part in parts {
            guard !part.times.isEmpty else {
                regular.counts.append(0)
                continue
            }
            let complete = try GridCompletion.complete(
                timestamps: part.times, values: part.values, width: width, lines: part.lines,
                grid: TimeGrid(frequency: frequency, origin: part.times[0]), given: source == .given,
                fill: options.fill, path: path)
            regular.timestamps += complete.timestamps
            regular.values += complete.values
            regular.lines += complete.lines
            regular.counts.append(complete.timestamps.count)
            if let summary = complete.gaps { gaps.append(summary) }
        }
        let report = TimeGridReport(
            frequency: frequency, source: source, sorted: sorted,
            gaps: GapSummary(pooling: gaps), fill: options.fill)
        return (regular, report)
    }
}
