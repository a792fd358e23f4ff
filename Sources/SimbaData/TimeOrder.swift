// Checks that a series' rows are in strictly increasing time order, or finds the stable order that
// sorts them when asked; a repeated date is an error either way. It does not look at steps or gaps.

enum TimeOrder {
    /// The order to read the rows in: nil when `timestamps` already increase strictly, else (with
    /// `sort`) the stable permutation that sorts them. `lines[r]` is row r's line in `path`.
    ///
    /// Throws `TimeGridError.unsorted` without `sort` when a row is earlier than the row above it
    /// (naming the first such row; a file whose dates all decrease is called reversed), and
    /// `TimeGridError.duplicate` when two rows share a date (naming the first repeat in time order).
    static func order(_ timestamps: [Int64], lines: [Int], path: String, sort: Bool) throws -> [Int]? {
        precondition(lines.count == timestamps.count, "one line number per row")
        var firstDescent: Int?, descents = 0
        for r in timestamps.indices.dropFirst() where timestamps[r] < timestamps[r - 1] {
            if firstDescent == nil { firstDescent = r }
            descents += 1
        }
        guard let first = firstDescent else {
            try checkRepeats(Array(timestamps.indices), timestamps, lines: lines, path: path)
            return nil
        }
        guard sort else {
            throw TimeGridError.unsorted(
                path: path, line: lines[first], date: timestamps[first],
                previousLine: lines[first - 1], previousDate: timestamps[first - 1],
                count: descents, reversed: descents == timestamps.count - 1)
        }
        let permutation = timestamps.indices.sorted { a, b in
            timestamps[a] != timestamps[b] ? timestamps[a] < timestamps[b] : a < b
        }
        try checkRepeats(permutation, timestamps, lines: lines, path: path)
        return permutation
    }

    /// Throws `duplicate` when two consecutive rows of `order` (sorted by time) share a date.
    private static func checkRepeats(_ order: [Int], _ timestamps: [Int64], lines: [Int], path: String) throws {
        var first: Int?, repeats = 0
        for i in order.indices.dropFirst() where timestamps[order[i]] == timestamps[order[i - 1]] {
            if first == nil { first = i }
            repeats += 1
        }
        guard let i = first else { return }
        throw TimeGridError.duplicate(
            path: path, line: lines[order[i]], firstLine: lines[order[i - 1]],
            date: timestamps[order[i]], count: repeats)
    }
}
