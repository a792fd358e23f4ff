// Frequency.inferred: the most common step read as seconds, business days, months, quarters or
// years, with month anchors taken from the dates.

import Testing

@testable import SimbaData

@Suite struct FrequencyInferenceTests {
    func inferred(_ texts: [String]) -> Frequency { .inferred(from: texts.map(date)) }

    @Test func fixedSteps() {
        #expect(inferred(["2020-01-01 00:00", "2020-01-01 01:00", "2020-01-01 02:00"]) == .seconds(3600))
        let halfHours = ["2020-01-01 00:00", "2020-01-01 00:30", "2020-01-01 02:00", "2020-01-01 02:30"]
        #expect(inferred(halfHours) == .seconds(1800))
        #expect(Frequency.mostCommonStep([[0, 900, 1800, 5400, 6300]]) == 900)
        #expect(Frequency.mostCommonStep([[0, 60, 180]]) == 60)  // a tie between 60 and 120: the smaller
        // Daily rows including a weekend day are days, not business days.
        #expect(inferred(["2016-01-01", "2016-01-02", "2016-01-03", "2016-01-04"]) == .seconds(86_400))
        #expect(inferred(["2016-01-03", "2016-01-10", "2016-01-17"]) == .seconds(604_800))
    }

    @Test func businessDays() {
        // Thursday, Friday, Monday, Tuesday: no weekend rows, and the rows span a weekend.
        #expect(inferred(["2016-01-07", "2016-01-08", "2016-01-11", "2016-01-12"]) == .businessDay)
        // Monday to Wednesday span no weekend: plain days.
        #expect(inferred(["2016-01-04", "2016-01-05", "2016-01-06"]) == .seconds(86_400))
    }

    @Test func monthsQuartersYears() {
        #expect(inferred(["2016-01-31", "2016-02-29", "2016-03-31", "2016-04-30"]) == .months(1, .end))
        #expect(inferred(["2016-01-01", "2016-02-01", "2016-03-01", "2016-04-01"]) == .months(1, .start))
        #expect(inferred(["2016-01-15", "2016-02-15", "2016-03-15", "2016-04-15"]) == .months(1, .sameDay))
        #expect(inferred(["2015-12-31", "2016-03-31", "2016-06-30", "2016-09-30", "2016-12-31"]) == .months(3, .end))
        #expect(inferred(["2016-01-01", "2016-04-01", "2016-07-01", "2016-10-01"]) == .months(3, .start))
        #expect(inferred(["2013-06-15", "2014-06-15", "2015-06-15", "2016-06-15"]) == .months(12, .sameDay))
        #expect(inferred(["2013-12-31", "2014-12-31", "2015-12-31"]) == .months(12, .end))
    }
}
