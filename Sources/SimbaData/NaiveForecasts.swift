// The two naive forecasts: repeat the look-back's last value, or repeat the value one seasonal
// period earlier. They read the standardised series; they fit nothing.

/// Every step of the horizon is the last value of the window's look-back (statsforecast's Naive).
public struct RepeatLastForecast: ForecastBaseline {
    public let name = "repeat-last"
    public let key = "repeat_last"

    public init() {}

    public func forecast(
        _ data: ForecastData, split: ForecastSplit, first: Int, count: Int,
        into output: UnsafeMutablePointer<Float>
    ) {
        let (l, h, m, k) = (data.seqLen, data.predLen, data.inputColumns, data.outputColumns)
        let firstColumn = data.outputColumnRange.lowerBound
        data.values.withUnsafeBufferPointer { values in
            for w in 0..<count {
                let last = values.baseAddress! + (data.firstRow(split, first + w) + l - 1) * m + firstColumn
                for t in 0..<h { (output + (w * h + t) * k).update(from: last, count: k) }
            }
        }
    }
}

/// Step t of the horizon (t = 0 ..< H) is the value `period` rows before it, where the horizon
/// repeats its last period when it is longer: row r + L + (t mod P) − P for the window whose
/// look-back starts at row r (statsforecast's SeasonalNaive).
///
/// When the period is longer than the look-back (a day of 10-minute data is 144 rows), those rows
/// lie before the look-back: the baseline then reads history the model does not see, and its
/// `note` says so. A split whose first window has no such row in the file is `unavailable`.
public struct SeasonalNaiveForecast: ForecastBaseline {
    /// Rows in one season (P ≥ 1).
    public let period: Int
    /// The model's look-back L, to tell whether the baseline reads before it.
    public let seqLen: Int
    public let key = "seasonal_naive"

    public init(period: Int, seqLen: Int) {
        precondition(period >= 1 && seqLen >= 1, "a seasonal period and a look-back of at least one row")
        self.period = period
        self.seqLen = seqLen
    }

    public var name: String { "seasonal naive(\(period))" }

    public var note: String? {
        guard period > seqLen else { return nil }
        return "seasonal naive reads up to \(period - seqLen) rows before the look-back "
            + "(period \(period) > seq_len \(seqLen))"
    }

    public func unavailable(_ data: ForecastData, split: ForecastSplit) -> String? {
        // Each series' first window in the split reads furthest back.
        for rows in data.rows(split) {
            let seriesStart = data.series.first { $0.rows.contains(rows.lowerBound) }?.rows.lowerBound ?? 0
            let before = seriesStart - (rows.lowerBound + data.seqLen - period)
            guard before > 0 else { continue }
            return "its first window would read \(before) rows before its series' first row (period \(period) rows, "
                + "seq_len \(data.seqLen))"
        }
        return nil
    }

    public func forecast(
        _ data: ForecastData, split: ForecastSplit, first: Int, count: Int,
        into output: UnsafeMutablePointer<Float>
    ) {
        let (l, h, m, k) = (data.seqLen, data.predLen, data.inputColumns, data.outputColumns)
        let firstColumn = data.outputColumnRange.lowerBound
        data.values.withUnsafeBufferPointer { values in
            for w in 0..<count {
                let start = data.firstRow(split, first + w)
                precondition(start + l - period >= 0, "seasonal naive forecast of an unavailable split")
                for t in 0..<h {
                    let row = start + l + t % period - period
                    (output + (w * h + t) * k).update(from: values.baseAddress! + row * m + firstColumn, count: k)
                }
            }
        }
    }
}
