// Reads one value cell of a CSV file as a Float64: a number (with the file's decimal mark), a boolean,
// or a missing cell (one of data.na_values). It knows nothing of columns, rows or files.

import Foundation

/// What a value cell holds.
enum CellValue {
    case number(Double)
    case missing
    /// Not a number, a boolean or a missing-value marker (a categorical column, a typo).
    case notNumber
    /// A number outside float32's range, or an inf/nan spelling that `naValues` does not list.
    case nonFinite
}

/// Reads value cells. Numbers: an optional sign, digits with at most one decimal mark, an optional
/// exponent (`e`/`E`), at most `maxNumberBytes` bytes, magnitude at most float32's largest
/// (3.4e38, so that the model can take them); read exactly by `strtod` into a Float64.
/// `TRUE`/`True`/`true` and `FALSE`/`False`/`false` read as 1 and 0.
final class CSVCellReader {
    /// Longer cells are not numbers (a Float64 needs at most 17 significant digits).
    static let maxNumberBytes = 128
    let decimal: UInt8
    /// Missing-value markers by length (index = length, up to 63); longer markers in `longMarkers`.
    private var markers: [[[UInt8]]] = Array(repeating: [], count: 64)
    private var longMarkers: [[UInt8]] = []
    /// The bytes strtod reads: a copy of the cell with `.` as decimal mark and a NUL after it.
    private let scratch = UnsafeMutablePointer<CChar>.allocate(capacity: maxNumberBytes + 1)

    init(decimal: DecimalMark, naValues: [String]) {
        self.decimal = decimal == .comma ? 44 : 46
        for marker in naValues.map({ Array($0.utf8) }) {
            if marker.count < 64 { markers[marker.count].append(marker) } else { longMarkers.append(marker) }
        }
    }

    deinit { scratch.deallocate() }

    private static let booleans: [([UInt8], Double)] = [
        ("true", 1), ("True", 1), ("TRUE", 1), ("false", 0), ("False", 0), ("FALSE", 0),
    ].map { (Array($0.0.utf8), $0.1) }

    /// Whether the `count` bytes at `p` are those of `marker`.
    private static func equal(_ p: UnsafePointer<UInt8>, _ count: Int, _ marker: [UInt8]) -> Bool {
        marker.count == count && marker.withUnsafeBufferPointer { count == 0 || memcmp($0.baseAddress!, p, count) == 0 }
    }

    /// The value of the `count` bytes at `p` (a field's bytes, quotes already undone).
    func read(_ p: UnsafePointer<UInt8>, _ count: Int) -> CellValue {
        if count < 64 {
            for marker in markers[count] where Self.equal(p, count, marker) { return .missing }
        } else if longMarkers.contains(where: { Self.equal(p, count, $0) }) {
            return .missing
        }
        guard count > 0, count <= Self.maxNumberBytes else { return .notNumber }
        var k = 0
        while k < count {
            let byte = p[k]
            if (byte >= 48 && byte <= 57) || byte == 43 || byte == 45 || byte == 69 || byte == 101 {  // 0-9 + - E e
                scratch[k] = CChar(byte)
            } else if byte == decimal {
                scratch[k] = 46
            } else {
                break
            }
            k += 1
        }
        guard k == count else {
            if let boolean = Self.booleans.first(where: { Self.equal(p, count, $0.0) }) { return .number(boolean.1) }
            return Self.spellsNonFinite(UnsafeBufferPointer(start: p, count: count)) ? .nonFinite : .notNumber
        }
        scratch[count] = 0
        var stop: UnsafeMutablePointer<CChar>?
        let value = strtod(scratch, &stop)
        guard let stop, stop - scratch == count else { return .notNumber }
        guard abs(value) <= Double(Float.greatestFiniteMagnitude) else { return .nonFinite }
        return .number(value)
    }

    /// Whether the cell spells an infinity or a NaN (`inf`, `-Infinity`, `nan(0x7fc0)`, `NAN`).
    static func spellsNonFinite(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var rest = bytes[...]
        if let first = rest.first, first == 43 || first == 45 { rest = rest.dropFirst() }
        let lower = rest.prefix(3).map { $0 | 0x20 }
        return lower == Array("inf".utf8) || lower == Array("nan".utf8)
    }
}
