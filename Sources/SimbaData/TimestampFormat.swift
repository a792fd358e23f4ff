// Turns one date cell into whole seconds since 1970 UTC: ISO 8601 (with offsets and fractions) or a
// strftime-style pattern. It knows no files or columns; the CSV reader says where a cell came from.

import Foundation

/// How a date cell is read.
///
/// - `iso8601`: `YYYY-MM-DD`, `YYYY-MM`, optionally followed by ` ` or `T` and `HH:MM`, `HH:MM:SS` or
///   `HH:MM:SS.fff…` (`,` may replace the point), then optionally `Z`, `±hh:mm`, `±hhmm` or `±hh`.
///   A time with an offset is converted to UTC; a time without one is taken as UTC.
/// - `pattern`: a strftime-style format of the directives `supportedDirectives` lists and literal text,
///   every character matched exactly. Missing fields default to month 1, day 1, 00:00:00.
///
/// Timestamps are whole seconds: a fraction of a second is dropped (rounded down), and `ParsedTimestamp`
/// says so, so that the reader can tell the user once.
public enum TimestampFormat: Equatable, Sendable {
    case iso8601
    case pattern([Piece])

    /// One element of a pattern: a directive (its letter) or a literal byte.
    public enum Piece: Equatable, Sendable {
        case directive(UInt8)
        case literal(UInt8)
    }

    /// ISO 8601 as error messages describe it.
    public static let iso8601Description = "ISO 8601 (2016-07-01, 2016-07-01 13:00:00, 2016-07-01T13:00:00.5+02:00)"

    /// The directives a pattern may use, for help texts and errors.
    public static let supportedDirectives =
        "%Y (4-digit year), %y (2-digit year, 69–99 = 19xx), %m, %d, %H, %M, %S (1 or 2 digits), "
        + "%b (Jan…Dec), %j (day of year), %f (fraction of a second), %z (Z, ±hh:mm, ±hhmm), %% (a %)"

    /// The pattern `format`, or `nil` with what is wrong with it (the directive it cannot read).
    public static func pattern(_ format: String) -> Result<TimestampFormat, FormatProblem> {
        var pieces: [Piece] = []
        var bytes = Array(format.utf8)[...]
        var hasYear = false
        while let byte = bytes.popFirst() {
            guard byte == 37 else {  // %
                pieces.append(.literal(byte))
                continue
            }
            guard let letter = bytes.popFirst() else { return .failure(FormatProblem(directive: "%")) }
            switch letter {
            case 37: pieces.append(.literal(37))
            case UInt8(ascii: "Y"), UInt8(ascii: "y"):
                hasYear = true
                pieces.append(.directive(letter))
            case UInt8(ascii: "m"), UInt8(ascii: "d"), UInt8(ascii: "H"), UInt8(ascii: "M"), UInt8(ascii: "S"),
                UInt8(ascii: "b"), UInt8(ascii: "j"), UInt8(ascii: "f"), UInt8(ascii: "z"):
                pieces.append(.directive(letter))
            default:
                return .failure(FormatProblem(directive: "%" + String(decoding: [letter], as: UTF8.self)))
            }
        }
        guard hasYear else { return .failure(FormatProblem(directive: nil)) }
        return .success(.pattern(pieces))
    }

    /// Why a pattern cannot be used: an unsupported directive, or (nil) no year.
    public struct FormatProblem: Error, Equatable {
        public let directive: String?
        public var description: String {
            guard let directive else { return "it has no year (%Y or %y)" }
            return "\(directive) is not supported; use " + TimestampFormat.supportedDirectives + " and literal text"
        }
    }

    /// Seconds since 1970 UTC of `text`, or nil if it is not a date of this format.
    public func seconds(_ text: String) -> Int64? {
        var bytes = Array(text.utf8)
        let count = bytes.count
        bytes.append(0)
        return bytes.withUnsafeBufferPointer { parse($0.baseAddress!, count)?.seconds }
    }

    /// Reads the `count` bytes at `p` (all of them, or nil).
    func parse(_ p: UnsafePointer<UInt8>, _ count: Int) -> ParsedTimestamp? {
        var reader = DateReader(p: p, count: count)
        switch self {
        case .iso8601: return reader.iso8601()
        case let .pattern(pieces): return reader.pattern(pieces)
        }
    }
}

/// A date cell read: seconds since 1970 UTC, and whether it had a UTC offset or a fraction of a second.
struct ParsedTimestamp {
    var seconds: Int64
    var hadOffset = false
    var droppedFraction = false
}

/// A cursor over the bytes of one date cell.
private struct DateReader {
    let p: UnsafePointer<UInt8>
    let count: Int
    var i = 0

    init(p: UnsafePointer<UInt8>, count: Int) {
        self.p = p
        self.count = count
    }

    mutating func number(minDigits: Int = 1, maxDigits: Int) -> Int64? {
        var value: Int64 = 0
        let start = i
        while i < count, i - start < maxDigits, p[i] >= 48, p[i] <= 57 {
            value = value * 10 + Int64(p[i] - 48)
            i += 1
        }
        return i - start >= minDigits ? value : nil
    }

    mutating func expect(_ byte: UInt8) -> Bool {
        guard i < count, p[i] == byte else { return false }
        i += 1
        return true
    }

    /// Digits after a decimal point; whether any was not zero.
    mutating func fraction() -> Bool? {
        let start = i
        var nonZero = false
        while i < count, p[i] >= 48, p[i] <= 57 {
            nonZero = nonZero || p[i] != 48
            i += 1
        }
        return i > start ? nonZero : nil
    }

    /// `Z`, `±hh:mm`, `±hhmm` or `±hh` as seconds east of UTC.
    mutating func offset() -> Int64? {
        if expect(UInt8(ascii: "Z")) { return 0 }
        guard i < count, p[i] == 43 || p[i] == 45 else { return nil }  // + -
        let sign: Int64 = p[i] == 45 ? -1 : 1
        i += 1
        guard let hours = number(minDigits: 2, maxDigits: 2), hours <= 23 else { return nil }
        var minutes: Int64 = 0
        if i < count {
            _ = expect(58)
            guard let m = number(minDigits: 2, maxDigits: 2), m < 60 else { return nil }
            minutes = m
        }
        return sign * (hours * 3600 + minutes * 60)
    }

    mutating func iso8601() -> ParsedTimestamp? {
        guard let year = number(minDigits: 4, maxDigits: 4), expect(45), let month = number(maxDigits: 2),
            (1...12).contains(month)
        else { return nil }
        var day: Int64 = 1
        if expect(45) {
            guard let d = number(maxDigits: 2), (1...CalendarMath.daysInMonth(year: year, month: month)).contains(d)
            else { return nil }
            day = d
        } else if i < count {
            return nil
        }
        var result = ParsedTimestamp(seconds: CalendarMath.days(year: year, month: month, day: day) * 86_400)
        if i == count { return result }
        guard p[i] == 32 || p[i] == 84 else { return nil }  // ' ' or 'T'
        i += 1
        guard let hour = number(maxDigits: 2), hour < 24, expect(58), let minute = number(maxDigits: 2), minute < 60
        else { return nil }
        result.seconds += hour * 3600 + minute * 60
        if expect(58) {
            guard let second = number(maxDigits: 2), second < 60 else { return nil }
            result.seconds += second
            if expect(46) || expect(44) {  // . or ,
                guard let nonZero = fraction() else { return nil }
                result.droppedFraction = nonZero
            }
        }
        if i < count {
            guard let offset = offset(), i == count else { return nil }
            result.seconds -= offset
            result.hadOffset = true
        }
        return result
    }

    mutating func pattern(_ pieces: [TimestampFormat.Piece]) -> ParsedTimestamp? {
        var (year, month, day, dayOfYear): (Int64, Int64, Int64, Int64?) = (1970, 1, 1, nil)
        var (hour, minute, second, offset): (Int64, Int64, Int64, Int64?) = (0, 0, 0, nil)
        var droppedFraction = false
        for piece in pieces {
            switch piece {
            case let .literal(byte):
                guard expect(byte) else { return nil }
            case let .directive(letter):
                switch letter {
                case UInt8(ascii: "Y"): guard let v = number(minDigits: 4, maxDigits: 4) else { return nil }; year = v
                case UInt8(ascii: "y"):
                    guard let v = number(minDigits: 2, maxDigits: 2) else { return nil }
                    year = v >= 69 ? 1900 + v : 2000 + v
                case UInt8(ascii: "m"): guard let v = number(maxDigits: 2) else { return nil }; month = v
                case UInt8(ascii: "d"): guard let v = number(maxDigits: 2) else { return nil }; day = v
                case UInt8(ascii: "H"): guard let v = number(maxDigits: 2), v < 24 else { return nil }; hour = v
                case UInt8(ascii: "M"): guard let v = number(maxDigits: 2), v < 60 else { return nil }; minute = v
                case UInt8(ascii: "S"): guard let v = number(maxDigits: 2), v < 60 else { return nil }; second = v
                case UInt8(ascii: "j"): guard let v = number(maxDigits: 3), v >= 1 else { return nil }; dayOfYear = v
                case UInt8(ascii: "f"): guard let nonZero = fraction() else { return nil }; droppedFraction = nonZero
                case UInt8(ascii: "z"): guard let v = self.offset() else { return nil }; offset = v
                case UInt8(ascii: "b"): guard let v = monthName() else { return nil }; month = v
                default: return nil
                }
            }
        }
        guard i == count, (1...12).contains(month) else { return nil }
        let days: Int64
        if let dayOfYear {
            let leap = CalendarMath.daysInMonth(year: year, month: 2) == 29
            guard dayOfYear <= (leap ? 366 : 365) else { return nil }
            days = CalendarMath.days(year: year, month: 1, day: 1) + dayOfYear - 1
        } else {
            guard (1...CalendarMath.daysInMonth(year: year, month: month)).contains(day) else { return nil }
            days = CalendarMath.days(year: year, month: month, day: day)
        }
        let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - (offset ?? 0)
        return ParsedTimestamp(seconds: seconds, hadOffset: offset != nil, droppedFraction: droppedFraction)
    }

    static let monthNames = [
        "january", "february", "march", "april", "may", "june", "july", "august",
        "september", "october", "november", "december"
    ].map { Array($0.utf8) }

    /// A month's English name, abbreviated to three letters or in full, in any case.
    mutating func monthName() -> Int64? {
        guard count - i >= 3 else { return nil }
        let lower = (0..<3).map { p[i + $0] | 0x20 }
        guard let month = Self.monthNames.firstIndex(where: { Array($0[0..<3]) == lower }) else { return nil }
        i += 3
        let rest = Self.monthNames[month][3...]
        if count - i >= rest.count, zip(rest, (i..<i + rest.count).map { p[$0] | 0x20 }).allSatisfy({ $0 == $1 }) {
            i += rest.count
        }
        return Int64(month + 1)
    }
}

/// Proleptic Gregorian calendar arithmetic (H. Hinnant's days-from-civil algorithms), UTC only.
enum CalendarMath {
    /// Days since 1970-01-01 of year/month/day.
    static func days(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// Year, month, day of a day count since 1970-01-01.
    static func civil(fromDays days: Int64) -> (Int64, Int64, Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    static func daysInMonth(year: Int64, month: Int64) -> Int64 {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }
}
