// Frequency: the pandas-style aliases and printed forms it parses, the form it prints, the seasonal
// period it implies, and the texts it refuses.

import Testing

@testable import SimbaData

@Suite struct FrequencyTests {
    @Test(
        "pandas aliases parse to the step they mean",
        arguments: [
            ("1s", Frequency.seconds(1)), ("S", .seconds(1)), ("15min", .seconds(900)), ("T", .seconds(60)),
            ("1h", .seconds(3600)), ("H", .seconds(3600)), ("2h", .seconds(7200)), ("D", .seconds(86_400)),
            ("1d", .seconds(86_400)), ("3D", .seconds(259_200)), ("W", .seconds(604_800)), ("B", .businessDay),
            ("M", .months(1, .end)), ("ME", .months(1, .end)), ("MS", .months(1, .start)), ("2MS", .months(2, .start)),
            ("Q", .months(3, .end)), ("QE", .months(3, .end)), ("QS", .months(3, .start)), ("Y", .months(12, .end)),
            ("YE", .months(12, .end)), ("A", .months(12, .end)), ("YS", .months(12, .start)),
            ("AS", .months(12, .start)),
            (" 1h ", .seconds(3600))
        ])
    func aliases(_ text: String, _ expected: Frequency) {
        #expect(Frequency(parsing: text) == expected, "\(text)")
    }

    @Test(
        "The printed form is the largest whole unit and parses back to the same frequency",
        arguments: [
            (Frequency.seconds(1), "1s"), (.seconds(45), "45s"), (.seconds(1800), "30min"), (.seconds(5400), "90min"),
            (.seconds(3600), "1h"), (.seconds(36 * 3600), "36h"), (.seconds(86_400), "1 day"),
            (.seconds(2 * 86_400), "2 days"), (.seconds(604_800), "1 week"), (.seconds(1_209_600), "2 weeks"),
            (.businessDay, "business day"), (.months(1, .sameDay), "1 month"), (.months(2, .sameDay), "2 months"),
            (.months(1, .end), "1 month (month ends)"), (.months(1, .start), "1 month (month starts)"),
            (.months(3, .sameDay), "1 quarter"), (.months(6, .end), "2 quarters (month ends)"),
            (.months(12, .sameDay), "1 year"), (.months(12, .start), "1 year (month starts)")
        ])
    func printedForm(_ frequency: Frequency, _ text: String) {
        #expect(frequency.description == text)
        #expect(Frequency(parsing: text) == frequency, "\(text)")
    }

    @Test(
        "Texts that are not frequencies are refused",
        arguments: [
            "", "h1", "0h", "-1h", "1.5h", "1 hour", "m", "15 mins", "W-SUN", "Q-DEC", "2B", "MS (month ends)",
            "1 month (month middles)", "99999999s", "401Y", "1ms"
        ])
    func refused(_ text: String) {
        #expect(Frequency(parsing: text) == nil, "\(text)")
    }

    @Test(
        "The seasonal period is a day of sub-daily steps, a week of days, a year of months, else 1",
        arguments: [
            (Frequency.seconds(3600), 24), (.seconds(900), 96), (.seconds(60), 1440), (.seconds(1800), 48),
            (.seconds(7 * 3600), 1), (.seconds(86_400), 7), (.businessDay, 5), (.seconds(2 * 86_400), 1),
            (.seconds(604_800), 1), (.months(1, .end), 12), (.months(1, .sameDay), 12), (.months(3, .start), 4),
            (.months(12, .end), 1), (.months(5, .sameDay), 1)
        ])
    func seasonalPeriod(_ frequency: Frequency, _ period: Int) {
        #expect(frequency.seasonalPeriod == period, "\(frequency)")
    }
}
