// Places sorted rows on their time grid: every row must be a step of it, and missing steps (gaps)
// are refused or filled forward or by linear interpolation. It neither sorts nor aggregates rows.

/// What to do with the missing steps of a grid (from `data.missing`).
public enum GapFill: Equatable, Sendable {
    /// Refuse a series with gaps.
    case error
    /// Repeat the row before the gap (pandas `asfreq().ffill()`).
    case ffill
    /// Linear between the rows around the gap, by step (pandas `asfreq().interpolate()`).
    case interpolate
}

/// The gaps a grid had: how many, how many rows they miss, and the largest.
public struct GapSummary: Equatable, Sendable {
    public let count: Int
    public let missing: Int
    /// Steps missed by the largest gap (the first of equal ones), after the row at `line`, dated `date`.
    public let largest: Int
    public let line: Int
    public let date: Int64

    public init(count: Int, missing: Int, largest: Int, line: Int, date: Int64) {
        (self.count, self.missing, self.largest, self.line, self.date) = (count, missing, largest, line, date)
    }

    /// The gaps of several series together (their largest gap the first of the largest); nil for none.
    init?(pooling summaries: [GapSummary]) {
        guard let largest = summaries.max(by: { $0.largest < $1.largest }) else { return nil }
        let first = summaries.first { $0.largest == largest.largest }!
        self.init(
            count: summaries.reduce(0) { $0 + $1.count }, missing: summaries.reduce(0) { $0 + $1.missing },
            largest: first.largest, line: first.line, date: first.date)
    }
}

enum GridCompletion {
    /// Rows (`timestamps` strictly increasing, `values` row-major of `width` columns, `lines` their
    /// file lines) on `grid`, whose origin is the first row: unchanged without gaps, else completed
    /// with `fill` (the summary says what was missing; an added row takes the line of the row
    /// before it).
    ///
    /// Throws `offGrid` for a row that is not a step of the grid (`given`: the frequency came from
    /// `data.freq`), `gaps` when there are gaps and `fill` is `.error`, and `mostlyGaps` when
    /// filling would add more rows than there are (so its size is bounded by the input's).
    static func complete<Value: BinaryFloatingPoint>(
        timestamps: [Int64], values: [Value], width: Int, lines: [Int], grid: TimeGrid, given: Bool,
        fill: GapFill, path: String
    ) throws -> (timestamps: [Int64], values: [Value], lines: [Int], gaps: GapSummary?) {
        precondition(!timestamps.isEmpty && grid.origin == timestamps[0], "the grid starts at the first row")
        var steps = [Int](repeating: 0, count: timestamps.count)
        var (count, missing, largest, largestRow) = (0, 0, 0, 0)
        for r in timestamps.indices {
            guard let step = grid.step(of: timestamps[r]) else {
                throw TimeGridError.offGrid(
                    path: path, line: lines[r], date: timestamps[r], grid: grid,
                    originLine: lines[0], given: given)
            }
            steps[r] = step
            guard r > 0, step - steps[r - 1] > 1 else { continue }
            let missed = step - steps[r - 1] - 1
            count += 1
            missing += missed
            if missed > largest { (largest, largestRow) = (missed, r - 1) }
        }
        guard count > 0 else { return (timestamps, values, lines, nil) }
        let summary = GapSummary(
            count: count, missing: missing, largest: largest, line: lines[largestRow],
            date: timestamps[largestRow])
        guard fill != .error else {
            throw TimeGridError.gaps(
                path: path, count: count, missing: missing, largest: largest, line: summary.line,
                date: summary.date, frequency: grid.frequency)
        }
        guard missing <= timestamps.count else {
            throw TimeGridError.mostlyGaps(
                path: path, rows: timestamps.count, missing: missing,
                frequency: grid.frequency)
        }
        let total = timestamps.count + missing
        var filledValues = [Value](repeating: 0, count: total * width)
        var filledLines = [Int](repeating: 0, count: total)
        for r in timestamps.indices {
            let k = steps[r]
            for c in 0..<width { filledValues[k * width + c] = values[r * width + c] }
            filledLines[k] = lines[r]
            guard r > 0, k - steps[r - 1] > 1 else { continue }
            let previous = steps[r - 1], span = Value(k - previous)
            for j in (previous + 1)..<k {
                filledLines[j] = lines[r - 1]
                let weight = Value(j - previous) / span
                for c in 0..<width {
                    let (a, b) = (values[(r - 1) * width + c], values[r * width + c])
                    filledValues[j * width + c] = fill == .ffill ? a : a + (b - a) * weight
                }
            }
        }
        return ((0..<total).map(grid.timestamp), filledValues, filledLines, summary)
    }
}
