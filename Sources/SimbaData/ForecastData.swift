// Cuts standardised series into Time-Series-Library train/val/test windows (input L rows, target the
// next H rows, never across two series) and copies them into caller buffers. It does not shuffle.

import Foundation
import SimbaCore

/// One of the three splits of a forecasting data set.
public enum ForecastSplit: String, CaseIterable, Sendable {
    case train, val, test
}

/// How rows are divided into splits, as Time-Series-Library's data loaders do.
public enum SplitBorders: String, Equatable, Sendable, CaseIterable {
    /// `ettHour` for file names starting with `ETTh`, `ettMinute` for `ETTm`, otherwise `ratio`.
    case auto
    /// Dataset_ETT_hour: train [0, 8640), val [8640 − L, 11520), test [11520 − L, 14400): 12/4/4 months of 30 days.
    case ettHour = "ett_hour"
    /// Dataset_ETT_minute: the hour borders × 4 (15-minute rows).
    case ettMinute = "ett_minute"
    /// Dataset_Custom: train the first Int(rows·0.7) rows, test the last Int(rows·0.2), val the rest;
    /// val and test start L rows early.
    case ratio

    /// End of the ETT-hour train split: 12 months of 30 days of hourly rows.
    public static let ettHourTrainEnd = 12 * 30 * 24
    /// End of the ETT-hour validation split (4 more months).
    public static let ettHourValEnd = 16 * 30 * 24
    /// End of the ETT-hour test split (4 more months); later rows are unused.
    public static let ettHourTestEnd = 20 * 30 * 24
    /// ETT-minute rows per ETT-hour row (15-minute sampling).
    public static let ettMinuteRowsPerHour = 4
    /// Dataset_Custom's train and test fractions; validation gets the rest.
    public static let ratioTrainFraction = 0.7
    public static let ratioTestFraction = 0.2

    /// `.auto` resolved by the file name (its last path component), as Time-Series-Library's data flags do.
    public func resolved(forPath path: String) -> SplitBorders {
        guard self == .auto else { return self }
        let name = (path as NSString).lastPathComponent
        if name.hasPrefix("ETTh") { return .ettHour }
        if name.hasPrefix("ETTm") { return .ettMinute }
        return .ratio
    }

    /// Row ranges of train, val and test for a file of `rows` rows and input length `seqLen`.
    /// Val and test begin `seqLen` rows before their own first target row, so every target row
    /// belongs to exactly one split. With `fold` k > 0 the validation split's target rows move k
    /// validation lengths earlier and the train split ends where they begin; test stays where it is
    /// (`ForecastOptions.fold`). Throws if ETT borders reach beyond the file, or if the moved
    /// validation split would begin before the file's first row.
    func rowRanges(rows: Int, seqLen: Int, fold: Int = 0, path: String) throws -> [Range<Int>] {
        precondition(fold >= 0, "a fold is 0 or more")
        let l = seqLen
        let trainEnd: Int, valEnd: Int, testRange: Range<Int>
        switch resolved(forPath: path) {
        case .ettHour, .ettMinute:
            let minute = resolved(forPath: path) == .ettMinute
            let f = minute ? Self.ettMinuteRowsPerHour : 1
            let testEnd = Self.ettHourTestEnd * f
            (trainEnd, valEnd) = (Self.ettHourTrainEnd * f, Self.ettHourValEnd * f)
            guard rows >= testEnd else {
                throw DataError.tooShortForBorders(
                    path: path, borders: minute ? "ETT-minute" : "ETT-hour", rows: rows, needed: testEnd)
            }
            testRange = max(valEnd - l, 0)..<testEnd
        case .ratio, .auto:
            let trainCount = Int(Double(rows) * Self.ratioTrainFraction)
            let testCount = Int(Double(rows) * Self.ratioTestFraction)
            (trainEnd, valEnd) = (trainCount, rows - testCount)
            testRange = max(rows - testCount - l, 0)..<rows
        }
        let valCount = valEnd - trainEnd
        let (shift, overflow) = valCount.multipliedReportingOverflow(by: fold)
        guard !overflow, shift < trainEnd else {
            throw DataError.foldBeforeStart(path: path, fold: fold, trainRows: trainEnd, valRows: valCount)
        }
        return [0..<trainEnd - shift, max(trainEnd - shift - l, 0)..<valEnd - shift, testRange]
    }
}

/// What to cut from a table: which columns, how long the windows are, and where the splits lie.
public struct ForecastOptions: Equatable, Sendable {
    public var features: ForecastFeatures
    /// Column to forecast for `S`/`MS`; it is moved last in every mode (Time-Series-Library's default "OT").
    public var target: String
    /// Input length L (`seq_len`).
    public var seqLen: Int
    /// Forecast horizon H (`pred_len`).
    public var predLen: Int
    public var borders: SplitBorders
    /// Validation fold of a time-series cross-validation: 0 is the split the borders give; k > 0
    /// moves the validation split k of its lengths earlier, the train split ending where it begins
    /// (and the scaler fitted on those rows); the test split stays. Folds 0…k−1 score one setting on
    /// k validation stretches, none of them seen in training.
    public var fold: Int
    /// The largest `fold` a config may set; the file's length is what limits it in practice.
    public static let maxFold = 100
    /// How the CSV file is read.
    public var reading: CSVReadOptions
    /// How the rows' times are checked and put on a regular grid before the splits are cut.
    public var grid: TimeGridOptions

    public init(
        features: ForecastFeatures = .multivariate, target: String = "OT", seqLen: Int, predLen: Int,
        borders: SplitBorders = .auto, fold: Int = 0, reading: CSVReadOptions = CSVReadOptions(),
        grid: TimeGridOptions = TimeGridOptions()
    ) {
        precondition(fold >= 0, "a fold is 0 or more")
        self.features = features
        self.target = target
        self.seqLen = seqLen
        self.predLen = predLen
        self.borders = borders
        self.fold = fold
        self.reading = reading
        self.grid = grid
    }
}

/// A standardised series split into train/val/test, handing out (input, target) windows.
///
/// Stored columns: for `M` and `MS` every column, with the target moved last (Dataset_Custom's rule;
/// for ETT files with target `OT` this is the file's own order, as Dataset_ETT_* keep it). For `S`
/// only the target. Inputs are all stored columns; targets are all stored columns (`M`) or the last
/// one (`S`, `MS`), so `outputColumnRange` is the trailing columns of a model's M-wide forecast.
/// (Dataset_ETT_* never reorder, so with `MS` and a target other than OT they would train on OT;
/// simba always trains on the named target.)
///
/// Window i of a split whose rows start at b: input rows [b + i, b + i + L), target rows
/// [b + i + L, b + i + L + H) (Time-Series-Library with label_len 0). Windows per split:
/// rows − L − H + 1. Values are standardised in Float64 with the scaler fitted on the train rows,
/// then rounded to Float32.
///
/// A table of several series (a long file read without `data.series`) is one data set: each series
/// is split by the borders on its own rows (70/10/20 of its own length with `ratio`), a split's
/// windows are those of every series in series order, no window crosses two series, and the scaler
/// is fitted on the train rows of all series.
public final class ForecastData: Sendable {
    public let path: String
    public let options: ForecastOptions
    /// Stored column names (the target last; only the target for `S`).
    public let columnNames: [String]
    public let scaler: ForecastScaler
    /// Standardised values, row-major (timestamps.count × columnNames.count), every row of the table.
    public let values: [Float]
    /// The table's series (one, named "", for a file without an id column).
    public let series: [TableSeries]
    /// What reading and standardising did that a user should hear about, one sentence each.
    public let notes: [String]
    /// Seconds since 1970 UTC of every row, each series on the grid of `frequency` from its first row.
    public let timestamps: [Int64]
    /// The rows' step, and how the file's rows were put on its grid (`TimeSeriesTable.onGrid`).
    public let gridReport: TimeGridReport
    /// Number of input columns M (= columnNames.count).
    public let inputColumns: Int
    /// Number of target columns M' (M for `M`, 1 for `S` and `MS`).
    public let outputColumns: Int
    /// Per split, the rows it covers in each series (series too short for a window in every split left out).
    private let splitRows: [[Range<Int>]]
    /// Per split, the index of the first window of each entry of `splitRows`, then the window count.
    private let windowStarts: [[Int]]

    public var seqLen: Int { options.seqLen }
    public var predLen: Int { options.predLen }
    /// Stored columns a window's input holds (all of them).
    public var inputColumnRange: Range<Int> { 0..<inputColumns }
    /// Stored columns a window's target holds (the trailing `outputColumns`); pass it to the scaler.
    public var outputColumnRange: Range<Int> { (inputColumns - outputColumns)..<inputColumns }
    public var outputColumnNames: [String] { Array(columnNames[outputColumnRange]) }
    /// The rows' step (inferred, `data.freq` or `data.resample`).
    public var frequency: Frequency { gridReport.frequency }
    /// The steps a seasonal-naive forecast looks back (`Frequency.seasonalPeriod`): a day of
    /// sub-daily rows, a week of daily rows (5 business days), 12 months, 4 quarters, else 1.
    public var seasonalPeriod: Int { frequency.seasonalPeriod }

    /// Reads the CSV file at `path` and cuts it.
    public convenience init(path: String, options: ForecastOptions, scaler: ForecastScaler? = nil) throws {
        try self.init(table: TimeSeriesTable(path: path, options: options.reading), options: options, scaler: scaler)
    }

    /// Puts `read` on its time grid as `options.grid` says, cuts it into splits and standardises it
    /// with `scaler` when given (a trained model's, whose columns must match), else with a scaler
    /// fitted on the train rows.
    public init(table read: TimeSeriesTable, options: ForecastOptions, scaler given: ForecastScaler? = nil) throws {
        let path = read.path
        let (table, gridReport) = try read.onGrid(options.grid)
        guard options.seqLen >= 1 else { throw DataError.badLength(path: path, name: "seq_len", value: options.seqLen) }
        guard options.predLen >= 1 else {
            throw DataError.badLength(path: path, name: "pred_len", value: options.predLen)
        }
        guard let targetIndex = table.columnIndex(options.target) else {
            throw DataError.unknownTarget(path: path, target: options.target, columns: table.columns)
        }
        let source: [Int] =
            options.features == .univariate
            ? [targetIndex] : table.columns.indices.filter { $0 != targetIndex } + [targetIndex]
        let needed = options.seqLen + options.predLen
        var ranges: [[Range<Int>]] = [[], [], []]
        var skipped: [String] = []
        var firstProblem: DataError?
        for series in table.series {
            let rows = series.rows
            let local = try options.borders.rowRanges(
                rows: rows.count, seqLen: options.seqLen, fold: options.fold, path: path)
            if let short = zip(ForecastSplit.allCases, local).first(where: { $0.1.count < needed }) {
                let name =
                    (options.fold > 0 && short.0 != .test ? " of data.fold \(options.fold)" : "")
                    + (table.series.count > 1 ? " (series \(quoted(series.name, marks: false)))" : "")
                firstProblem =
                    firstProblem
                    ?? DataError.splitTooShort(
                        path: path, split: short.0.rawValue + name, rows: short.1.count, needed: needed,
                        seqLen: options.seqLen, predLen: options.predLen)
                skipped.append(series.name)
                continue
            }
            for (s, range) in local.enumerated() {
                ranges[s].append((rows.lowerBound + range.lowerBound)..<(rows.lowerBound + range.upperBound))
            }
        }
        // A series too short for one window in each split is left out of a many-series data set.
        if let firstProblem, table.series.count == 1 || ranges[0].isEmpty { throw firstProblem }
        let width = source.count
        var chosen = [Double](repeating: 0, count: table.rowCount * width)
        for r in 0..<table.rowCount {
            for (j, c) in source.enumerated() { chosen[r * width + j] = table[r, c] }
        }
        let names = source.map { table.columns[$0] }
        if let given, given.columns != names {
            throw DataError.scalerColumnsDiffer(path: path, expected: given.columns, found: names)
        }
        let scaler =
            try given
            ?? ForecastScaler.fit(
                chosen, columns: names, rows: ranges[0], target: options.target,
                features: options.features, path: path)
        let stored = scaler.standardised(chosen)

        self.path = path
        self.options = options
        self.columnNames = names
        self.scaler = scaler
        self.values = stored
        self.series = table.series
        self.notes =
            table.notes
            + (skipped.isEmpty
                ? []
                : [
                    "\(skipped.count) series too short for a window in every split left out: \(shown(skipped))"
                ])
            + Self.precisionNotes(chosen, standardised: stored, columns: names)
        self.timestamps = table.timestamps
        self.gridReport = gridReport
        self.inputColumns = width
        self.outputColumns = options.features == .multivariate ? width : 1
        self.splitRows = ranges
        let windowsPerRange = options.seqLen + options.predLen - 1
        self.windowStarts = ranges.map { split in
            split.reduce(into: [0]) { $0.append($0.last! + $1.count - windowsPerRange) }
        }
    }

    /// One note per column in which two different Float64 values give the same standardised Float32:
    /// the model cannot tell them apart. Values within 1e-9 of each other (relative) count as equal:
    /// far below Float32's resolution (6e-8), far above the last-bit noise of a mean or a decimal
    /// (1e-16), so resampled means that differ only by summation order raise no note. Found in one
    /// pass with a hash table from each standardised Float32 to the first Float64 that gave it.
    static func precisionNotes(_ values: [Double], standardised: [Float], columns: [String]) -> [String] {
        let width = columns.count
        let rows = values.count / width
        var capacity = 16
        while capacity < 2 * rows { capacity *= 2 }
        let mask = capacity - 1
        let keys = UnsafeMutablePointer<UInt32>.allocate(capacity: capacity)
        let firsts = UnsafeMutablePointer<Double>.allocate(capacity: capacity)
        let used = UnsafeMutablePointer<Bool>.allocate(capacity: capacity)
        defer {
            keys.deallocate()
            firsts.deallocate()
            used.deallocate()
        }
        var notes: [String] = []
        for c in 0..<width {
            used.initialize(repeating: false, count: capacity)
            var example: (Double, Double)?
            for r in 0..<rows where example == nil {
                let (x, z) = (values[r * width + c], standardised[r * width + c].bitPattern)
                var slot = Int(truncatingIfNeeded: z &* 2_654_435_761) & mask
                while used[slot], keys[slot] != z { slot = (slot + 1) & mask }
                if !used[slot] {
                    (used[slot], keys[slot], firsts[slot]) = (true, z, x)
                } else if abs(firsts[slot] - x) > 1e-9 * max(abs(firsts[slot]), abs(x)) {
                    example = (firsts[slot], x)
                }
            }
            if let (a, b) = example {
                notes.append(
                    "column \(quoted(columns[c], marks: false)): different values (e.g. \(a) and \(b)) "
                        + "become equal in float32 after standardising; the model sees them as one")
            }
        }
        return notes
    }

    /// Table rows the split covers, one range per series (their first L rows are input only for val and test).
    public func rows(_ split: ForecastSplit) -> [Range<Int>] { splitRows[splitIndex(split)] }

    /// Windows in the split: rows − L − H + 1 per series (at least 1 each).
    public func windowCount(_ split: ForecastSplit) -> Int { windowStarts[splitIndex(split)].last! }

    private func splitIndex(_ split: ForecastSplit) -> Int {
        switch split {
        case .train: return 0
        case .val: return 1
        case .test: return 2
        }
    }

    /// First table row of window `window`'s input.
    public func firstRow(_ split: ForecastSplit, _ window: Int) -> Int {
        precondition(
            window >= 0 && window < windowCount(split),
            "window \(window) outside the \(split) split's \(windowCount(split)) windows")
        let s = splitIndex(split)
        let starts = windowStarts[s]
        guard starts.count > 2 else { return splitRows[s][0].lowerBound + window }
        var (low, high) = (0, starts.count - 2)  // the last entry whose start is <= window
        while low < high {
            let mid = (low + high + 1) / 2
            if starts[mid] <= window { low = mid } else { high = mid - 1 }
        }
        return splitRows[s][low].lowerBound + window - starts[low]
    }

    /// Copies window `window` of `split`: `input` (L, inputColumns) and `target` (H, outputColumns), standardised.
    public func fill(
        split: ForecastSplit, window: Int, input: UnsafeMutablePointer<Float>, target: UnsafeMutablePointer<Float>
    ) {
        let start = firstRow(split, window)
        let (l, h, m, k) = (seqLen, predLen, inputColumns, outputColumns)
        values.withUnsafeBufferPointer { all in
            let base = all.baseAddress!
            input.update(from: base + start * m, count: l * m)
            let targetStart = base + (start + l) * m
            if k == m {
                target.update(from: targetStart, count: h * m)
            } else {
                for t in 0..<h { (target + t * k).update(from: targetStart + t * m + (m - k), count: k) }
            }
        }
    }

    /// Copies the windows `windows` of `split` in order: `input` (batch, L, inputColumns) and
    /// `target` (batch, H, outputColumns), batch = windows.count.
    public func fill(
        split: ForecastSplit, windows: some Sequence<Int>, input: UnsafeMutablePointer<Float>,
        target: UnsafeMutablePointer<Float>
    ) {
        let (inputSize, targetSize) = (seqLen * inputColumns, predLen * outputColumns)
        for (b, window) in windows.enumerated() {
            fill(split: split, window: window, input: input + b * inputSize, target: target + b * targetSize)
        }
    }

    /// Timestamps of window `window`'s L input rows.
    public func inputTimestamps(split: ForecastSplit, window: Int) -> ArraySlice<Int64> {
        let start = firstRow(split, window)
        return timestamps[start..<start + seqLen]
    }

    /// Timestamps of window `window`'s H target rows.
    public func targetTimestamps(split: ForecastSplit, window: Int) -> ArraySlice<Int64> {
        let start = firstRow(split, window) + seqLen
        return timestamps[start..<start + predLen]
    }

    /// The last L rows of the file (L, inputColumns), standardised: the input for forecasting past the data.
    /// Throws for a table of several series, which has no one last window.
    public func lastWindow() throws -> [Float] {
        guard series.count == 1 else {
            throw DataError.manySeries(path: path, count: series.count, what: "a forecast past the data")
        }
        return Array(values[(timestamps.count - seqLen) * inputColumns..<timestamps.count * inputColumns])
    }

    /// Timestamps of `lastWindow()`'s rows.
    public var lastWindowTimestamps: ArraySlice<Int64> { timestamps[(timestamps.count - seqLen)...] }

    /// The `count` steps of the grid after the last row: by the calendar for months, quarters,
    /// years (a month-end grid stays on month ends) and business days (Friday, then Monday), by fixed
    /// seconds otherwise. Throws for a table of several series.
    public func futureTimestamps(count: Int) throws -> [Int64] {
        guard series.count == 1 else {
            throw DataError.manySeries(path: path, count: series.count, what: "a forecast past the data")
        }
        precondition(count >= 0, "a negative number of future steps")
        let grid = TimeGrid(frequency: frequency, origin: timestamps[0])
        return (0..<count).map { grid.timestamp(timestamps.count + $0) }
    }
}
