// predictions.csv: every forecast value of a scored split beside its truth, one line per window ×
// step × target column, in original units, written atomically in pieces. It computes no forecast.

import Foundation
import SimbaCore
import SimbaData

/// The lines of predictions.csv:
///
///     window,timestamp,column,step,truth,forecast
///     0,2017-06-25 00:00:00,HUFL,1,11.3870001,10.9412346
///
/// `window` is the window's index in the split (counted from 0, the order of predictions.safetensors),
/// `timestamp` the time of the forecast row (the format TimeSeriesTable.formatTimestamp writes),
/// `step` 1 … H, `truth` and `forecast` in the data's original units (the inverse of the
/// checkpoint's scaler; the standardised values are in predictions.safetensors), written as the
/// shortest decimal that reads back as the same float32. Lines run window by window, then step,
/// then column.
struct PredictionTable {
    static let header = "window,timestamp,column,step,truth,forecast\n"
    /// Bytes gathered before each write to the file.
    static let chunkBytes = 1 << 20

    let data: ForecastData
    let split: ForecastSplit
    /// (windows, H, K) in original units.
    let forecast: [Float]
    let truth: [Float]

    init(data: ForecastData, split: ForecastSplit, forecast: [Float], truth: [Float]) {
        precondition(
            forecast.count == data.windowCount(split) * data.predLen * data.outputColumns
                && truth.count == forecast.count, "forecasts are not (windows, H, K) of the split")
        self.data = data
        self.split = split
        self.forecast = forecast
        self.truth = truth
    }

    var lineCount: Int { forecast.count }

    /// Writes the table to `path` atomically (AtomicFile), `chunkBytes` at a time; returns the bytes written.
    func write(to path: String) throws -> Int {
        var total = 0
        try AtomicFile.write(to: path) { emit in
            try forEachChunk { chunk in
                try chunk.withUnsafeBytes { try emit($0) }
                total += chunk.count
            }
        }
        return total
    }

    /// Calls `body` with consecutive pieces of the file's bytes, each about `chunkBytes` long.
    func forEachChunk(_ body: ([UInt8]) throws -> Void) throws {
        let (h, k) = (data.predLen, data.outputColumns)
        // Each timestamp, column name and step number is formatted once: times[r − spanStart] for the
        // table rows r that some window forecasts (its series' rows past the first look-back).
        let ranges = data.rows(split)
        let spanStart = ranges.first!.lowerBound
        var times = [[UInt8]](repeating: [], count: ranges.last!.upperBound - spanStart)
        for range in ranges {
            for r in (range.lowerBound + data.seqLen)..<range.upperBound {
                times[r - spanStart] = Array(TimeSeriesTable.formatTimestamp(data.timestamps[r]).utf8)
            }
        }
        let names = data.outputColumnNames.map { Array($0.utf8) }
        let steps = (1...h).map { Array(String($0).utf8) }
        var chunk = Array(Self.header.utf8)
        chunk.reserveCapacity(Self.chunkBytes + 256)
        let comma = UInt8(ascii: ","), newline = UInt8(ascii: "\n")
        for w in 0..<data.windowCount(split) {
            let window = Array(String(w).utf8)
            let forecastRow = data.firstRow(split, w) + data.seqLen - spanStart
            for t in 0..<h {
                for j in 0..<k {
                    let i = (w * h + t) * k + j
                    chunk.append(contentsOf: window)
                    chunk.append(comma)
                    chunk.append(contentsOf: times[forecastRow + t])
                    chunk.append(comma)
                    chunk.append(contentsOf: names[j])
                    chunk.append(comma)
                    chunk.append(contentsOf: steps[t])
                    chunk.append(comma)
                    Self.append(truth[i], to: &chunk)
                    chunk.append(comma)
                    Self.append(forecast[i], to: &chunk)
                    chunk.append(newline)
                }
            }
            if chunk.count >= Self.chunkBytes {
                try body(chunk)
                chunk.removeAll(keepingCapacity: true)
            }
        }
        if !chunk.isEmpty { try body(chunk) }
    }

    /// The shortest decimal that reads back as `value` (Swift's `description`).
    static func append(_ value: Float, to bytes: inout [UInt8]) {
        var text = value.description
        text.withUTF8 { bytes.append(contentsOf: $0) }
    }
}
