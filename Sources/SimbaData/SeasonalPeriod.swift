// The seasonal period the seasonal naive baseline uses, from the series' most common time step.
// It knows days and weeks of seconds only, not calendar months or business days.

public enum SeasonalPeriod {
    /// Rows in one season of data sampled every `step` seconds: the rows of a day for a step that
    /// divides a day into two or more rows (hourly: 24, 15 minutes: 96, 10 minutes: 144), a week
    /// for daily data (7); nil for any other step (weekly, monthly, irregular, not positive).
    public static func fromMostCommonStep(_ step: Int64) -> Int? {
        let day: Int64 = 86_400
        if step == day { return 7 }
        guard step > 0, step < day, day % step == 0 else { return nil }
        return Int(day / step)
    }
}
