// Infers a series' frequency from its sorted, distinct timestamps: the most common step, read as
// calendar months, quarters, years or business days where the dates say so. It checks no row against it.

extension Frequency {
    /// The frequency of rows at `timestamps` (strictly increasing, at least 2 of them): the most
    /// common difference Δ between consecutive rows (the smallest on ties), read as below.
    public static func inferred(from timestamps: [Int64]) -> Frequency { inferred(from: [timestamps]) }

    /// The frequency of several series (each strictly increasing, at least 2 rows): the most common
    /// difference Δ between consecutive rows of a series (the smallest on ties), read as
    /// - `business day` when Δ is one day, no row falls on a Saturday or Sunday and the rows span a weekend;
    /// - months when Δ is 28–31 whole days, quarters when 89–92, years when 365–366: anchored at
    ///   month ends when every row is the last day of its month, at month starts when every row is
    ///   the first, else at the first row's day of the month;
    /// - `.seconds(Δ)` otherwise.
    public static func inferred(from series: [[Int64]]) -> Frequency {
        precondition(!series.isEmpty && series.allSatisfy { $0.count >= 2 }, "a step needs two rows")
        let step = mostCommonStep(series)
        let timestamps = series.flatMap { $0 }
        guard step % day == 0 else { return .seconds(step) }
        let days = step / day
        let months: Int
        switch days {
        case 1:
            let weekdays = timestamps.map { TimeGrid.weekday(TimeGrid.split($0).day) }
            let spansWeekend = series.contains { rows in
                let (first, last) = (TimeGrid.split(rows[0]).day, TimeGrid.split(rows[rows.count - 1]).day)
                return last - first >= 7 || TimeGrid.weekday(last) < TimeGrid.weekday(first)
            }
            return spansWeekend && weekdays.allSatisfy { $0 < 5 } ? .businessDay : .seconds(step)
        case 28...31: months = 1
        case 89...92: months = 3
        case 365...366: months = 12
        default: return .seconds(step)
        }
        let dates = timestamps.map { CalendarMath.civil(fromDays: TimeGrid.split($0).day) }
        if dates.allSatisfy({ $0.2 == CalendarMath.daysInMonth(year: $0.0, month: $0.1) }) {
            return .months(months, .end)
        }
        if dates.allSatisfy({ $0.2 == 1 }) { return .months(months, .start) }
        return .months(months, .sameDay)
    }

    /// The most common difference between consecutive timestamps of a series (the smallest on ties).
    static func mostCommonStep(_ series: [[Int64]]) -> Int64 {
        var counts: [Int64: Int] = [:]
        for timestamps in series {
            // Regular series are long runs of one difference: count runs, not rows, in the dictionary.
            var (current, run) = (timestamps[1] - timestamps[0], 0)
            for i in 1..<timestamps.count {
                let difference = timestamps[i] - timestamps[i - 1]
                if difference != current {
                    counts[current, default: 0] += run
                    (current, run) = (difference, 0)
                }
                run += 1
            }
            counts[current, default: 0] += run
        }
        return counts.max { a, b in a.value != b.value ? a.value < b.value : a.key > b.key }!.key
    }
}
