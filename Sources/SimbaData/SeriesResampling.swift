// Aggregates sorted rows into bins of a coarser step, as pandas' `resample(...).mean()` does: fixed
// bins from the first day's midnight, or calendar months, quarters and years. Empty bins are left out.

/// How the rows of one resampling bin become one row (`data.aggregate`).
public enum Aggregation: String, CaseIterable, Sendable {
    case mean, sum, first, last, min, max
}

extension Frequency {
    /// Whether rows can be resampled to this step: fixed seconds, or months anchored at month
    /// starts or ends (`MS`, `M`, `QS`, `Q`, `YS`, `Y`); not business days or `1 month` (which day?).
    public var isResamplingStep: Bool {
        switch self {
        case .seconds, .months(_, .start), .months(_, .end): return true
        case .businessDay, .months(_, .sameDay): return false
        }
    }
}

enum SeriesResampling {
    /// The non-empty bins of `frequency` over rows at `timestamps` (strictly increasing; `values`
    /// row-major of `width` columns; `lines` their file lines), each aggregated column by column in
    /// Double, with the grid of the bins' labels and the line of each bin's first row.
    ///
    /// Bins are closed on the left and labelled by their start (pandas' default for fixed steps):
    /// step s covers [origin + k·s, origin + (k+1)·s) with origin the first row's day at 00:00 UTC
    /// (pandas' `origin="start_day"`). Monthly steps of n months cover calendar months (quarters
    /// from January, years), labelled at 00:00 of their first day (`MS`, `QS`, `YS`) or of their last
    /// (`M`, `Q`, `Y`), as pandas labels them. Missing bins are gaps for `GridCompletion`; pandas'
    /// `sum` would write 0 there instead. Throws `tooManyBins` when the bins from the first row's to
    /// the last row's are more than twice the rows, so most would be empty (a finer step than the
    /// data's: filling them would invent most of the series).
    static func resample<Value: BinaryFloatingPoint>(
        timestamps: [Int64], values: [Value], width: Int, lines: [Int], to frequency: Frequency,
        aggregate: Aggregation, path: String
    ) throws -> (grid: TimeGrid, timestamps: [Int64], values: [Value], lines: [Int]) {
        precondition(frequency.isResamplingStep && !timestamps.isEmpty, "a resampling step and rows")
        let bin: (Int64) -> Int64, label: (Int64) -> Int64
        switch frequency {
        case let .seconds(s):
            let origin = TimeGrid.split(timestamps[0]).day * Frequency.day
            bin = { TimeGrid.floorDivide($0 - origin, s) }
            label = { origin + $0 * s }
        case let .months(n, anchor):
            let months = Int64(n)
            bin = { t in
                let (year, month, _) = CalendarMath.civil(fromDays: TimeGrid.split(t).day)
                return TimeGrid.floorDivide(year * 12 + month - 1, months)
            }
            label = { b in
                let index = anchor == .start ? b * months : b * months + months - 1
                let year = TimeGrid.floorDivide(index, 12), month = index - year * 12 + 1
                let day = anchor == .start ? 1 : CalendarMath.daysInMonth(year: year, month: month)
                return CalendarMath.days(year: year, month: month, day: day) * Frequency.day
            }
        case .businessDay:
            preconditionFailure("business days are not a resampling step")
        }
        let (firstBin, lastBin) = (bin(timestamps[0]), bin(timestamps[timestamps.count - 1]))
        let bins = lastBin - firstBin + 1
        guard bins <= 2 * Int64(timestamps.count) else {
            throw TimeGridError.tooManyBins(path: path, rows: timestamps.count, bins: Int(bins), frequency: frequency)
        }
        var outTimes: [Int64] = [], outLines: [Int] = [], outValues: [Value] = []
        outTimes.reserveCapacity(Int(bins))
        outLines.reserveCapacity(Int(bins))
        outValues.reserveCapacity(Int(bins) * width)
        var accumulator = [Double](repeating: 0, count: width)
        var (current, start) = (firstBin, 0)
        func flush(end: Int) {
            outTimes.append(label(current))
            outLines.append(lines[start])
            let rows = Double(end - start)
            for c in 0..<width {
                outValues.append(Value(aggregate == .mean ? accumulator[c] / rows : accumulator[c]))
            }
        }
        for r in timestamps.indices {
            let b = bin(timestamps[r])
            let opens = r == 0 || b != current
            if opens && r > 0 {
                flush(end: r)
                (current, start) = (b, r)
            }
            let row = r * width
            for c in 0..<width {
                let x = Double(values[row + c])
                if opens {
                    accumulator[c] = x
                    continue
                }
                switch aggregate {
                case .mean, .sum: accumulator[c] += x
                case .first: break
                case .last: accumulator[c] = x
                case .min: accumulator[c] = Swift.min(accumulator[c], x)
                case .max: accumulator[c] = Swift.max(accumulator[c], x)
                }
            }
        }
        flush(end: timestamps.count)
        return (TimeGrid(frequency: frequency, origin: outTimes[0]), outTimes, outValues, outLines)
    }
}
