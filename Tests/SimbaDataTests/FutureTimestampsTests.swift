// ForecastData on its time grid: --future steps by the calendar for months and business days and by
// seconds otherwise, the seasonal period follows the step, and a reversed file is refused.

import Foundation
import Testing

@testable import SimbaData

@Suite struct FutureTimestampsTests {
    /// ForecastData of `texts` dates (column OT = the row number plus a wobble), L = H = 1.
    func data(_ texts: [String], grid: TimeGridOptions = TimeGridOptions()) throws -> ForecastData {
        let rows = texts.enumerated().map { "\($1),\(Double($0) + Double($0 % 3) / 4)" }
        let csv = "date,OT\n" + rows.joined(separator: "\n")
        return try ForecastData(
            path: try temporaryCSV(csv),
            options: ForecastOptions(seqLen: 1, predLen: 1, grid: grid))
    }

    func days(_ timestamps: [Int64]) -> [String] { dates(timestamps).map { String($0.prefix(10)) } }

    @Test func monthEndsStayMonthEnds() throws {
        let monthEnds = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31]
        let monthly = try data((1...10).map { String(format: "2015-%02d-%02d", $0, monthEnds[$0 - 1]) })
        #expect(monthly.frequency == .months(1, .end) && monthly.seasonalPeriod == 12)
        #expect(
            try days(monthly.futureTimestamps(count: 5))
                == ["2015-11-30", "2015-12-31", "2016-01-31", "2016-02-29", "2016-03-31"])
        let starts = try data((1...10).map { String(format: "2016-%02d-01", $0) })
        #expect(try days(starts.futureTimestamps(count: 3)) == ["2016-11-01", "2016-12-01", "2017-01-01"])
        let quarterly = try data([
            "2014-03-31", "2014-06-30", "2014-09-30", "2014-12-31", "2015-03-31", "2015-06-30",
            "2015-09-30", "2015-12-31", "2016-03-31", "2016-06-30"
        ])
        #expect(quarterly.frequency == .months(3, .end) && quarterly.seasonalPeriod == 4)
        #expect(try days(quarterly.futureTimestamps(count: 3)) == ["2016-09-30", "2016-12-31", "2017-03-31"])
    }

    @Test func businessDaysSkipTheWeekend() throws {
        // Monday 2016-01-04 to Thursday 2016-01-14, weekdays only.
        let weekdays = ["04", "05", "06", "07", "08", "11", "12", "13", "14"].map { "2016-01-\($0)" }
        let daily = try data(weekdays)
        #expect(daily.frequency == .businessDay && daily.seasonalPeriod == 5)
        #expect(try days(daily.futureTimestamps(count: 4)) == ["2016-01-15", "2016-01-18", "2016-01-19", "2016-01-20"])
    }

    @Test func fixedStepsAddSeconds() throws {
        let quarterHours = try data((0..<10).map { String(format: "2020-03-29 %02d:%02d", $0 / 4, $0 % 4 * 15) })
        #expect(quarterHours.frequency == .seconds(900) && quarterHours.seasonalPeriod == 96)
        #expect(try dates(quarterHours.futureTimestamps(count: 2)) == ["2020-03-29 02:30:00", "2020-03-29 02:45:00"])
        let daily = try data((1...10).map { String(format: "2016-01-%02d", $0) })
        #expect(daily.seasonalPeriod == 7)
        #expect(try days(daily.futureTimestamps(count: 2)) == ["2016-01-11", "2016-01-12"])
    }

    @Test func aReversedFileIsRefusedUnlessSorted() throws {
        let reversed = (1...10).reversed().map { String(format: "2016-01-%02d", $0) }
        #expect(throws: TimeGridError.self) { try data(reversed) }
        let sorted = try data(reversed, grid: TimeGridOptions(sort: true))
        #expect(try days(sorted.futureTimestamps(count: 1)) == ["2016-01-11"])
        // Sorting moved the values with their dates: the last row is the file's first.
        var last = try sorted.lastWindow()
        sorted.scaler.inverseTransform(&last)
        #expect(abs(last[0] - 0) < 1e-5, "\(last)")
    }
}
