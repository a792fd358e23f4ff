// The problem a model config reports for a size outside its bounds, worded the same for every key.
// It chooses no bounds: each config declares its own.

/// "NAME VALUE must be from LOW to HIGH" when `value` lies outside `range`, else nil.
func outOfBounds(_ name: String, _ value: Int, _ range: ClosedRange<Int>) -> String? {
    range.contains(value) ? nil : "\(name) \(value) must be from \(range.lowerBound) to \(range.upperBound)"
}

/// `outOfBounds` for the first entry of a per-stage list outside `range` ("NAME entry VALUE …").
func outOfBounds(_ name: String, entries: [Int], _ range: ClosedRange<Int>) -> String? {
    entries.first { !range.contains($0) }.flatMap { outOfBounds("\(name) entry", $0, range) }
}
