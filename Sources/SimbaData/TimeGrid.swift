// The timestamps of a regular grid: a frequency stepped from an origin by the calendar (months,
// business days) or by fixed seconds, and the step number of a timestamp on it. UTC only; no checks of data.

/// The points `origin`, `origin` + 1 step, + 2 steps, … of a frequency, in seconds since 1970 UTC.
///
/// Steps are counted from the origin, never chained, so a monthly grid from Jan 31 gives Feb 29
/// (2016) and then Mar 31. Business days and months keep the origin's time of day; a business-day
/// grid's origin must be a weekday and a month-start (month-end) grid's the first (last) day of a
/// month, as `contains` checks.
public struct TimeGrid: Equatable, Sendable {
    public let frequency: Frequency
    /// Step 0.
    public let origin: Int64

    public init(frequency: Frequency, origin: Int64) {
        self.frequency = frequency
        self.origin = origin
    }

    /// Whether the origin itself lies on the grid (a weekday for business days, the anchor day of
    /// the month for anchored months).
    public var containsOrigin: Bool { step(of: origin) == 0 }

    /// The timestamp `step` steps after the origin (before it when negative).
    public func timestamp(_ step: Int) -> Int64 {
        let k = Int64(step)
        switch frequency {
        case let .seconds(s):
            return origin + k * s
        case .businessDay:
            let (day, time) = Self.split(origin)
            return Self.day(ofBusinessDay: Self.businessDay(of: day) + k) * Frequency.day + time
        case let .months(n, anchor):
            let (day, time) = Self.split(origin)
            let (year, month, dayOfMonth) = CalendarMath.civil(fromDays: day)
            let index = year * 12 + month - 1 + k * Int64(n)
            let (y, m) = (Self.floorDivide(index, 12), index - Self.floorDivide(index, 12) * 12 + 1)
            let length = CalendarMath.daysInMonth(year: y, month: m)
            let d: Int64
            switch anchor {
            case .sameDay: d = min(dayOfMonth, length)
            case .start: d = 1
            case .end: d = length
            }
            return CalendarMath.days(year: y, month: m, day: d) * Frequency.day + time
        }
    }

    /// The step number of `t` (negative before the origin), or nil when `t` is not on the grid.
    public func step(of t: Int64) -> Int? {
        switch frequency {
        case let .seconds(s):
            let offset = t - origin
            return offset % s == 0 ? Int(offset / s) : nil
        case .businessDay:
            let (day, time) = Self.split(t), (originDay, originTime) = Self.split(origin)
            guard time == originTime, Self.weekday(day) < 5, Self.weekday(originDay) < 5 else { return nil }
            return Int(Self.businessDay(of: day) - Self.businessDay(of: originDay))
        case let .months(n, _):
            let (day, time) = Self.split(t), (originDay, originTime) = Self.split(origin)
            guard time == originTime else { return nil }
            let (y, m, _) = CalendarMath.civil(fromDays: day), (y0, m0, _) = CalendarMath.civil(fromDays: originDay)
            let months = (y - y0) * 12 + (m - m0)
            guard months % Int64(n) == 0 else { return nil }
            let step = Int(months / Int64(n))
            return timestamp(step) == t && timestamp(0) == origin ? step : nil
        }
    }

    // MARK: Day arithmetic

    static func floorDivide(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b
        return a % b != 0 && (a < 0) != (b < 0) ? q - 1 : q
    }

    /// Days since 1970-01-01 and seconds into that day.
    static func split(_ t: Int64) -> (day: Int64, time: Int64) {
        let day = floorDivide(t, Frequency.day)
        return (day, t - day * Frequency.day)
    }

    /// 0 for Monday … 6 for Sunday (1970-01-01 was a Thursday).
    static func weekday(_ day: Int64) -> Int64 {
        let shifted = day + 3
        return shifted - floorDivide(shifted, 7) * 7
    }

    /// The number of weekdays from Monday 1969-12-29 to `day` (a weekday).
    static func businessDay(of day: Int64) -> Int64 {
        let shifted = day + 3
        let week = floorDivide(shifted, 7)
        return week * 5 + (shifted - week * 7)
    }

    /// The day of business day number `number` (inverse of `businessDay(of:)`).
    static func day(ofBusinessDay number: Int64) -> Int64 {
        let week = floorDivide(number, 5)
        return week * 7 + (number - week * 5) - 3
    }
}
