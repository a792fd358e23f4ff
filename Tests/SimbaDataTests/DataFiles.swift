// Test helpers: small CSV files written to a fresh temporary folder, and the real ETTh1 file found
// beside or inside the repository. They do not check anything themselves.

import Foundation
import SimbaData
import Testing

/// Writes `text` to a new temporary folder as `name` and returns the file's path.
func temporaryCSV(_ text: String, name: String = "series.csv") throws -> String {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("simba-data-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let path = folder.appendingPathComponent(name).path
    try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    return path
}

/// A CSV of `rows` hourly rows from 2020-01-01 with columns `names`, value (r, c) = `value(r, c)`.
func syntheticCSV(rows: Int, names: [String], value: (Int, Int) -> Double) -> String {
    var lines = ["date," + names.joined(separator: ",")]
    lines.reserveCapacity(rows + 1)
    let start: Int64 = 1_577_836_800  // 2020-01-01 00:00:00 UTC
    for r in 0..<rows {
        let date = TimeSeriesTable.formatTimestamp(start + Int64(r) * 3600)
        lines.append(([date] + names.indices.map { String(value(r, $0)) }).joined(separator: ","))
    }
    return lines.joined(separator: "\n") + "\n"
}

/// The real ETTh1.csv: `data/ETT/ETTh1.csv` inside the repository (where it will ship), else
/// `shared/data/ETT/ETTh1.csv` beside the repository folder. Records a failure (not a skip) when neither exists.
func etth1Path(sourceLocation: SourceLocation = #_sourceLocation) -> String? {
    let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    let candidates = [
        repository.appendingPathComponent("data/ETT/ETTh1.csv").path,
        repository.deletingLastPathComponent().appendingPathComponent("shared/data/ETT/ETTh1.csv").path
    ]
    if let found = candidates.first(where: { FileManager.default.fileExists(atPath: $0) }) { return found }
    Issue.record("ETTh1.csv not found at \(candidates.joined(separator: " or "))", sourceLocation: sourceLocation)
    return nil
}
