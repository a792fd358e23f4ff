// The text of `simba predict`'s output: one CSV row or JSON line per image with its top-k classes
// (names, indices, probabilities). It formats; where the text goes is the caller's business.

import Foundation

/// The output formats of `simba predict`.
public enum PredictionFormat: String, CaseIterable, Sendable {
    case csv, jsonl
}

/// Formats predictions with `k` classes per image, named by `classNames`.
///
/// CSV (timm inference.py's column names with its separate columns, `_0` the best):
/// `filename,label_0,…,label_{k-1},index_0,…,index_{k-1},prob_0,…,prob_{k-1}`; fields holding a
/// comma, a double quote or a line break are quoted (RFC 4180). JSON lines:
/// `{"filename": …, "label": [names], "index": [indices], "prob": [probabilities]}`, best first.
/// Probabilities are softmax values printed with 5 decimals, as `simba eval --predictions` prints them.
public struct PredictionRows: Sendable {
    public let format: PredictionFormat
    public let classNames: [String]
    public let k: Int

    public init(format: PredictionFormat, classNames: [String], k: Int) {
        precondition(k >= 1 && k <= classNames.count, "k must be in 1...\(classNames.count), got \(k)")
        self.format = format
        self.classNames = classNames
        self.k = k
    }

    /// The CSV header line (with its newline); empty for JSON lines.
    public var header: String {
        guard format == .csv else { return "" }
        let columns = ["label", "index", "prob"].flatMap { name in (0..<k).map { "\(name)_\($0)" } }
        return (["filename"] + columns).joined(separator: ",") + "\n"
    }

    /// One line (with its newline) for the image at `path`.
    public func row(path: String, _ top: TopClasses) -> String {
        let names = top.indices.map { classNames[$0] }
        let probabilities = top.probabilities.map { String(format: "%.5f", $0) }
        switch format {
        case .csv:
            let fields = [path] + names + top.indices.map(String.init) + probabilities
            return fields.map(Self.csvField).joined(separator: ",") + "\n"
        case .jsonl:
            return "{\"filename\": \(Self.jsonString(path)), "
                + "\"label\": [\(names.map(Self.jsonString).joined(separator: ", "))], "
                + "\"index\": [\(top.indices.map(String.init).joined(separator: ", "))], "
                + "\"prob\": [\(probabilities.joined(separator: ", "))]}\n"
        }
    }

    /// Every line of `batch`.
    public func rows(_ batch: PredictionBatch) -> String {
        (0..<batch.count).map { row(path: batch.paths[$0], batch.top($0, k: k)) }.joined()
    }

    /// `text` as a CSV field: as is, or in double quotes (inner quotes doubled) when it holds a
    /// comma, a double quote or a line break.
    static func csvField(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0.isNewline }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// `text` as a JSON string literal: quote, backslash and control characters escaped.
    static func jsonString(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
