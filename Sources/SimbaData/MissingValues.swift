// Fills the missing cells (NaN) of one series' rows by carrying values forward or interpolating
// linearly in row position. It does not drop rows or decide the policy; the CSV reader does both.

/// Filling of NaN cells in a row-major block of values, column by column, within `rows` only (so
/// that no value crosses from one series into another).
enum MissingValues {
    /// Fills the NaNs of column `column` over `rows` of `values` (`width` columns per row).
    /// `ffill` carries the last value forward; `interpolate` draws a straight line between the values
    /// around a run of NaNs, by row position (pandas' `interpolate()`, which ignores timestamps).
    /// Cells before the first value take the first value, and with `interpolate` cells after the
    /// last value take the last. Returns how many leading cells were filled backwards, or nil when
    /// the column has no value at all over `rows` (nothing is changed then).
    static func fill(
        _ values: inout [Double], width: Int, column: Int, rows: Range<Int>,
        interpolate: Bool
    ) -> Int? {
        guard let first = rows.first(where: { !values[$0 * width + column].isNaN }) else { return nil }
        let firstValue = values[first * width + column]
        for r in rows.lowerBound..<first { values[r * width + column] = firstValue }
        var last = first
        var r = first + 1
        while r < rows.upperBound {
            guard values[r * width + column].isNaN else {
                last = r
                r += 1
                continue
            }
            var next = r
            while next < rows.upperBound, values[next * width + column].isNaN { next += 1 }
            let before = values[last * width + column]
            for k in r..<next {
                if interpolate, next < rows.upperBound {
                    let after = values[next * width + column]
                    let t = Double(k - last) / Double(next - last)
                    values[k * width + column] = before + (after - before) * t
                } else {
                    values[k * width + column] = before
                }
            }
            r = next
        }
        return first - rows.lowerBound
    }
}
