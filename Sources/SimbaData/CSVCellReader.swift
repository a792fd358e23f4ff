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
    private let markers: [[[UInt8]]]
    private let longMarkers: [[UInt8]]
    /// The bytes strtod reads: a copy of the cell with `.` as decimal mark and a NUL after it.
    private let scratch = UnsafeMutablePointer<CChar>.allocate(capacity: maxNumberBytes + 1)

    init(decimal: DecimalMark, naValues: [String]) {
        self.decimal = decimal == .comma ? 44 : 46
        var markers: [[[UInt8]]] = Array(repeating: [], count: 64)
        var longMarkers: [[UInt8]] = []
        for marker in naValues.map({ Array($0.utf8) }) {
            if marker.count < 64 { markers[marker.count].append(marker) } else { longMarkers.append(marker) }
        }
        self.markers = markers
        self.longMarkers = longMarkers
    }

    deinit { scratch.deallocate() }

    private static let booleans: [([UInt8], Double)] = [
        ("true", 1), ("True", 1), ("TRUE", 1), ("false", 0), ("False", 0), ("FALSE", 0)
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
        if let value = Self.shortDecimal(p, count, decimal: decimal) { return .number(value) }
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

    /// Exact powers of ten as Doubles (10^22 is the largest one a Double holds exactly).
    private static let powersOfTen: [Double] = (0...22).map { pow(10, Double($0)) }

    /// A number without exponent and with at most 15 digits, `[+-]digits[.digits]`, read without
    /// strtod: its digits as an integer (below 2^53, so exact) divided by an exact power of ten is
    /// one correctly rounded operation, the value strtod gives (Clinger's fast path). Nil for any
    /// other text, which strtod then reads.
    static func shortDecimal(_ p: UnsafePointer<UInt8>, _ count: Int, decimal: UInt8) -> Double? {
        guard count > 0 else { return nil }
        var i = 0
        var negative = false
        if p[0] == 45 || p[0] == 43 {
            negative = p[0] == 45
            i = 1
        }
        var mantissa: Int64 = 0
        var (digits, fraction, seenMark) = (0, 0, false)
        while i < count {
            let byte = p[i]
            if byte >= 48 && byte <= 57 {
                mantissa = mantissa * 10 + Int64(byte - 48)
                digits += 1
                if seenMark { fraction += 1 }
            } else if byte == decimal && !seenMark {
                seenMark = true
            } else {
                return nil
            }
            i += 1
        }
        guard digits > 0, digits <= 15 else { return nil }
        let magnitude = Double(mantissa) / powersOfTen[fraction]
        return negative ? -magnitude : magnitude
    }

    /// Whether the cell spells an infinity or a NaN (`inf`, `-Infinity`, `nan(0x7fc0)`, `NAN`).
    static func spellsNonFinite(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var rest = bytes[...]
        if let first = rest.first, first == 43 || first == 45 { rest = rest.dropFirst() }
        let lower = rest.prefix(3).map { $0 | 0x20 }
        return lower == Array("inf".utf8) || lower == Array("nan".utf8)
    }
}
