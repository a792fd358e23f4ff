// A series' time step (fixed seconds, business days or calendar months), the pandas-style aliases
// it is parsed from, the form it is printed in and the seasonal period it implies. It steps nothing.

import Foundation

/// Which day of the month a monthly (quarterly, yearly) step lands on.
public enum MonthAnchor: Equatable, Sendable {
    /// The grid origin's day of the month, clamped to shorter months (Jan 31, Feb 29, Mar 31, …).
    case sameDay
    /// The first day of the month (pandas `MS`, `QS`, `YS`).
    case start
    /// The last day of the month (pandas `ME`/`M`, `QE`/`Q`, `YE`/`Y`).
    case end
}

/// The step between consecutive rows of a regular time series. Every step keeps the time of day of
/// the grid's origin except `.seconds` steps shorter than a day.
public enum Frequency: Equatable, Sendable, CustomStringConvertible {
    /// A fixed number of seconds, positive: `1s`, `30min`, `1h`, `1 day`, `1 week`, …
    case seconds(Int64)
    /// Monday to Friday, one day apart; Friday is followed by Monday.
    case businessDay
    /// A number of calendar months, positive (3: a quarter, 12: a year), landing as the anchor says.
    case months(Int, MonthAnchor)

    static let minute: Int64 = 60, hour: Int64 = 3600, day: Int64 = 86_400, week: Int64 = 604_800
    /// The longest step `init(parsing:)` accepts: 400 years (so steps times row counts stay far from overflow).
    static let maxMonths = 4800
    static let maxSeconds: Int64 = 400 * 366 * 86_400

    /// How the step is printed (`freq: 1h`): the largest whole unit of weeks, days, hours (`h`),
    /// minutes (`min`) or seconds (`s`); `business day`; months, quarters or years, with
    /// `(month starts)` or `(month ends)` when anchored there. `Frequency(parsing:)` reads it back.
    public var description: String {
        func count(_ n: Int64, _ unit: String) -> String { n == 1 ? "1 \(unit)" : "\(n) \(unit)s" }
        switch self {
        case let .seconds(s):
            if s % Self.week == 0 { return count(s / Self.week, "week") }
            if s % Self.day == 0 { return count(s / Self.day, "day") }
            if s % Self.hour == 0 { return "\(s / Self.hour)h" }
            if s % Self.minute == 0 { return "\(s / Self.minute)min" }
            return "\(s)s"
        case .businessDay:
            return "business day"
        case let .months(n, anchor):
            let base =
                n % 12 == 0
                ? count(Int64(n / 12), "year")
                : n % 3 == 0 ? count(Int64(n / 3), "quarter") : count(Int64(n), "month")
            switch anchor {
            case .sameDay: return base
            case .start: return base + " (month starts)"
            case .end: return base + " (month ends)"
            }
        }
    }

    /// The period a seasonal-naive forecast repeats, in steps: the steps in a day for steps
    /// shorter than a day that divide it (24 for `1h`, 96 for `15min`), 7 for `1 day`, 5 for
    /// `business day`, 12 for monthly, 4 for quarterly and in general 12 / months when that is
    /// whole; 1 (no season, i.e. repeat the last value) otherwise (yearly, weekly, `2 days`, `7h`).
    /// Callers check that it fits in their look-back window.
    public var seasonalPeriod: Int {
        switch self {
        case let .seconds(s):
            if s < Self.day { return Self.day % s == 0 ? Int(Self.day / s) : 1 }
            return s == Self.day ? 7 : 1
        case .businessDay:
            return 5
        case let .months(n, _):
            return 12 % n == 0 ? 12 / n : 1
        }
    }

    /// Reads a frequency written as pandas writes one, or as `description` prints it, with an
    /// optional whole-number multiple in front (`15min`, `2h`, `3 days`): seconds `s` (`S`), minutes
    /// `min` (`T`), hours `h` (`H`), days `D` (`d`, `day`), weeks `W` (`week`; seven days from the
    /// origin, not pandas' Sunday anchor), business days `B` (`business day`; no multiple), month
    /// ends `ME`/`M`, month starts `MS`, quarter ends `QE`/`Q`, quarter starts `QS`, year ends
    /// `YE`/`Y`/`A`, year starts `YS`/`AS`, and `month`, `quarter`, `year` (the origin's day of the
    /// month), optionally followed by `(month starts)` or `(month ends)`. Nil for anything else,
    /// including anchored pandas forms such as `W-SUN` or `Q-DEC` and steps over 400 years.
    public init?(parsing text: String) {
        var rest = Substring(text.trimmingCharacters(in: .whitespaces))
        var anchor: MonthAnchor?
        let suffixes = [("(month starts)", MonthAnchor.start), ("(month ends)", .end)]
        for (suffix, value) in suffixes where rest.hasSuffix(suffix) {
            rest = rest.dropLast(suffix.count)
            anchor = value
        }
        rest = Substring(rest.trimmingCharacters(in: .whitespaces))
        let digits = rest.prefix { $0.isASCII && $0.isNumber }
        let multiple: Int
        if digits.isEmpty {
            multiple = 1
        } else {
            guard digits.count <= 7, let n = Int(digits), n >= 1 else { return nil }
            multiple = n
        }
        rest = rest.dropFirst(digits.count)
        let unit = String(rest.drop { $0 == " " })
        let words: [String: Frequency] = [
            "day": .seconds(Self.day), "days": .seconds(Self.day), "week": .seconds(Self.week),
            "weeks": .seconds(Self.week), "month": .months(1, .sameDay), "months": .months(1, .sameDay),
            "quarter": .months(3, .sameDay), "quarters": .months(3, .sameDay), "year": .months(12, .sameDay),
            "years": .months(12, .sameDay), "business day": .businessDay
        ]
        let codes: [String: Frequency] = [
            "s": .seconds(1), "S": .seconds(1), "min": .seconds(Self.minute), "T": .seconds(Self.minute),
            "h": .seconds(Self.hour), "H": .seconds(Self.hour), "D": .seconds(Self.day), "d": .seconds(Self.day),
            "W": .seconds(Self.week), "B": .businessDay,
            "M": .months(1, .end), "ME": .months(1, .end), "MS": .months(1, .start),
            "Q": .months(3, .end), "QE": .months(3, .end), "QS": .months(3, .start),
            "Y": .months(12, .end), "YE": .months(12, .end), "A": .months(12, .end),
            "YS": .months(12, .start), "AS": .months(12, .start)
        ]
        let unitFrequency: Frequency
        if let word = words[unit] {
            unitFrequency = word
        } else if let code = codes[unit], anchor == nil {
            unitFrequency = code
        } else {
            return nil
        }
        switch unitFrequency {
        case let .seconds(s):
            guard anchor == nil, Int64(multiple) <= Self.maxSeconds / s else { return nil }
            self = .seconds(Int64(multiple) * s)
        case .businessDay:
            guard anchor == nil, multiple == 1 else { return nil }
            self = .businessDay
        case let .months(n, unitAnchor):
            guard multiple <= Self.maxMonths / n else { return nil }
            self = .months(multiple * n, anchor ?? unitAnchor)
        }
    }

    /// What `init(parsing:)` accepts, for error messages.
    public static let accepted = "e.g. 15min, 1h, D (or 1 day), B (business day), W, MS, M (month ends), QS, Q, YS, Y"
}
