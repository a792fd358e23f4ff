// Per-column standardisation fitted on the training rows (sklearn's StandardScaler, std with
// ddof 0), its inverse, and its JSON form for checkpoint metadata. It does not choose the rows.

import Foundation

/// Which columns a forecaster reads and predicts (Time-Series-Library's `--features`).
public enum ForecastFeatures: String, Codable, CaseIterable, Sendable {
    /// `M`: every column in, every column out.
    case multivariate = "M"
    /// `S`: the target column in, the target column out.
    case univariate = "S"
    /// `MS`: every column in, the target column out.
    case multivariateToUnivariate = "MS"
}

/// Standardises column c as (x − means[c]) / stds[c] and back, computing in Double.
///
/// Matches sklearn's `StandardScaler` as Time-Series-Library uses it: mean and population standard
/// deviation (ddof 0) of the training rows only. `columns` are the stored columns in stored order
/// (the target last; only the target for `S`).
public struct ForecastScaler: Codable, Equatable, Sendable {
    public let columns: [String]
    public let target: String
    public let features: ForecastFeatures
    public let means: [Double]
    public let stds: [Double]

    public init(columns: [String], target: String, features: ForecastFeatures, means: [Double], stds: [Double]) {
        precondition(means.count == columns.count && stds.count == columns.count, "one mean and std per column")
        self.columns = columns
        self.target = target
        self.features = features
        self.means = means
        self.stds = stds
    }

    /// Fits means and stds on the rows `rows` of `values` (row-major Float64, columns.count wide).
    /// Throws `DataError.constantColumn` (naming `path`) for a column with one value over those rows,
    /// saying whether it has one value in the whole of `values` too.
    public static func fit(
        _ values: [Double], columns: [String], rows: [Range<Int>], target: String, features: ForecastFeatures,
        path: String
    ) throws -> ForecastScaler {
        let width = columns.count
        let count = rows.reduce(0) { $0 + $1.count }
        precondition(
            count > 0 && rows.allSatisfy { values.count >= $0.upperBound * width },
            "fit rows must lie inside the values")
        let firstRow = rows.first { !$0.isEmpty }!.lowerBound
        var means = [Double](repeating: 0, count: width)
        var stds = [Double](repeating: 0, count: width)
        for c in 0..<width {
            var sum = 0.0
            var (low, high) = (values[firstRow * width + c], values[firstRow * width + c])
            for range in rows {
                for r in range {
                    let x = values[r * width + c]
                    sum += x
                    low = min(low, x)
                    high = max(high, x)
                }
            }
            guard low < high else {
                let inFile = stride(from: c, to: values.count, by: width).allSatisfy { values[$0] == low }
                throw DataError.constantColumn(path: path, column: columns[c], trainRows: count, inFile: inFile)
            }
            let mean = sum / Double(count)
            var squares = 0.0
            for range in rows {
                for r in range {
                    let d = values[r * width + c] - mean
                    squares += d * d
                }
            }
            means[c] = mean
            stds[c] = (squares / Double(count)).squareRoot()
        }
        return ForecastScaler(columns: columns, target: target, features: features, means: means, stds: stds)
    }

    /// Fits on one block of rows (`fit(_:columns:rows:…)` with one range).
    public static func fit(
        _ values: [Double], columns: [String], rows: Range<Int>, target: String, features: ForecastFeatures,
        path: String
    ) throws -> ForecastScaler {
        try fit(values, columns: columns, rows: [rows], target: target, features: features, path: path)
    }

    /// `values` (rows of all columns, Float64) standardised in Float64 and then rounded to Float32,
    /// the precision the model computes in.
    public func standardised(_ values: [Double]) -> [Float] {
        let width = columns.count
        precondition(values.count % width == 0, "values are not whole rows of \(width) columns")
        var out = [Float](repeating: 0, count: values.count)
        for i in 0..<values.count {
            let c = i % width
            out[i] = Float((values[i] - means[c]) / stds[c])
        }
        return out
    }

    /// Standardises `rows` rows of `columns.count` values in place; value j of a row belongs to
    /// scaler column `columns.lowerBound + j` (e.g. `outputColumnRange` of `ForecastData`).
    public func transform(_ values: UnsafeMutablePointer<Float>, rows: Int, columns range: Range<Int>) {
        precondition(range.upperBound <= columns.count, "column range outside the scaler")
        let width = range.count
        for r in 0..<rows {
            for j in 0..<width {
                let c = range.lowerBound + j
                values[r * width + j] = Float((Double(values[r * width + j]) - means[c]) / stds[c])
            }
        }
    }

    /// Undoes `transform`: x · stds[c] + means[c], in place (sklearn's `inverse_transform`).
    public func inverseTransform(_ values: UnsafeMutablePointer<Float>, rows: Int, columns range: Range<Int>) {
        precondition(range.upperBound <= columns.count, "column range outside the scaler")
        let width = range.count
        for r in 0..<rows {
            for j in 0..<width {
                let c = range.lowerBound + j
                values[r * width + j] = Float(Double(values[r * width + j]) * stds[c] + means[c])
            }
        }
    }

    /// Array form of `transform`; `values.count` must be a multiple of the range's width (default: all columns).
    public func transform(_ values: inout [Float], columns range: Range<Int>? = nil) {
        let range = range ?? 0..<columns.count
        precondition(values.count % range.count == 0, "values are not whole rows of \(range.count) columns")
        values.withUnsafeMutableBufferPointer {
            transform($0.baseAddress!, rows: $0.count / range.count, columns: range)
        }
    }

    /// Array form of `inverseTransform`; `values.count` must be a multiple of the range's width (default: all columns).
    public func inverseTransform(_ values: inout [Float], columns range: Range<Int>? = nil) {
        let range = range ?? 0..<columns.count
        precondition(values.count % range.count == 0, "values are not whole rows of \(range.count) columns")
        values.withUnsafeMutableBufferPointer {
            inverseTransform($0.baseAddress!, rows: $0.count / range.count, columns: range)
        }
    }

    /// JSON with sorted keys: `{"columns": […], "features": "M", "means": […], "stds": […], "target": "OT"}`.
    /// Doubles are written so that they read back bit for bit.
    public func jsonString() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        guard let data = try? encoder.encode(self) else {
            preconditionFailure("a scaler of finite numbers always encodes")
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// Reads the JSON written by `jsonString()`, checking that it is consistent.
    public init(json: String) throws {
        let decoded: ForecastScaler
        do {
            decoded = try JSONDecoder().decode(ForecastScaler.self, from: Data(json.utf8))
        } catch {
            throw DataError.badScaler(reason: "cannot decode its JSON: \(error)")
        }
        let n = decoded.columns.count
        guard n > 0, decoded.means.count == n, decoded.stds.count == n else {
            throw DataError.badScaler(
                reason: "\(n) columns but \(decoded.means.count) means and \(decoded.stds.count) stds")
        }
        guard decoded.stds.allSatisfy({ $0 > 0 && $0.isFinite }), decoded.means.allSatisfy(\.isFinite) else {
            throw DataError.badScaler(reason: "a mean is not finite or a std is not positive")
        }
        guard decoded.columns.last == decoded.target else {
            throw DataError.badScaler(reason: "the target \"\(decoded.target)\" is not the last column")
        }
        self = decoded
    }
}
