// Date cells: ISO 8601 with T, Z, offsets and fractions, date-only and month-only dates, strftime-style
// patterns and their errors, and the notes the reader leaves when it converts offsets or drops fractions.

import Foundation
import SimbaData
import Testing

@Suite struct TimestampFormatTests {
    let day: Int64 = 1_467_331_200  // 2016-07-01 00:00:00 UTC

    @Test("ISO 8601: T, Z, offsets (to UTC), fractions (dropped), date-only and year-month")
    func iso8601() {
        let iso = TimestampFormat.iso8601
        #expect(iso.seconds("2016-07-01") == day)
        #expect(iso.seconds("2016-07") == day)
        #expect(iso.seconds("2016-07-01T13:00:00Z") == day + 13 * 3600)
        #expect(iso.seconds("2016-07-01T13:00:00+00:00") == day + 13 * 3600)
        #expect(iso.seconds("2016-07-01 13:00:00+02:00") == day + 11 * 3600)
        #expect(iso.seconds("2016-07-01T13:00-0130") == day + 14 * 3600 + 30 * 60)
        #expect(iso.seconds("2016-07-01T13:00:00.999999+01") == day + 12 * 3600)
        #expect(iso.seconds("2016-07-01 00:00:05,5") == day + 5)
        for bad in [
            "2016-07-01T", "2016-07-01 13", "2016-07-01T13:00:00+2", "2016-07-01T13:00:00.", "2016-07-01Z",
            "2016-07-01 13:00:00 +02:00", "2016-07-01T13:00:00+24:00"
        ] {
            #expect(iso.seconds(bad) == nil, "\(bad)")
        }
    }

    @Test("Patterns: %d/%m/%Y %H:%M:%S, %y, %b, %j, %f, %z and %%")
    func patterns() throws {
        func pattern(_ text: String) throws -> TimestampFormat { try TimestampFormat.pattern(text).get() }
        #expect(try pattern("%d/%m/%Y %H:%M:%S").seconds("1/7/2016 13:05:09") == day + 13 * 3600 + 5 * 60 + 9)
        #expect(try pattern("%d.%m.%y").seconds("01.07.16") == day)
        #expect(try pattern("%d.%m.%y").seconds("01.07.69") == TimestampFormat.iso8601.seconds("1969-07-01"))
        #expect(try pattern("%d %b %Y").seconds("01 JUL 2016") == day)
        #expect(try pattern("%d %b %Y").seconds("01 July 2016") == day)
        #expect(try pattern("%Y-%j").seconds("2016-183") == day)  // 2016 is a leap year
        #expect(try pattern("%Y-%j").seconds("2015-366") == nil)
        #expect(try pattern("%Y%m%d%H%M").seconds("201607011300") == day + 13 * 3600)
        #expect(try pattern("%H:%M:%S.%f %d/%m/%Y").seconds("13:00:00.25 01/07/2016") == day + 13 * 3600)
        #expect(try pattern("%Y-%m-%d %H:%M%z").seconds("2016-07-01 13:00+0200") == day + 11 * 3600)
        #expect(try pattern("%Y%%%m").seconds("2016%07") == day)
        #expect(try pattern("%Y-%m").seconds("2016-07-01") == nil, "trailing text is refused")
        #expect(try pattern("%d/%m/%Y").seconds("31/02/2016") == nil)
    }

    @Test("An unsupported directive or a pattern without a year is an error naming data.date_format")
    func badPatterns() throws {
        guard case let .failure(problem) = TimestampFormat.pattern("%d/%m/%Q") else {
            Issue.record("%Q was accepted")
            return
        }
        #expect(problem.description.contains("%Q is not supported") && problem.description.contains("%Y"))
        guard case .failure = TimestampFormat.pattern("%d/%m") else { Issue.record("no year was accepted"); return }
        let text = "date,OT\n01/07/2016,1\n02/07/2016,2\n"
        var options = CSVReadOptions()
        options.dateFormat = "%d/%m/%Q"
        let error = DataError.badDateFormat(path: "x.csv", format: "%d/%m/%Q", problem: problem.description)
        #expect(throws: error) { try TimeSeriesTable(bytes: Array(text.utf8), path: "x.csv", options: options) }
        #expect(error.description.contains("data.date_format"))
    }

    @Test("A date the format cannot read names file, line, column and the expected form")
    func badDateCell() throws {
        var options = CSVReadOptions()
        options.dateFormat = "%d/%m/%Y"
        let text = "date,OT\n01/07/2016,1\n2016-07-02,2\n"
        let error = DataError.badDate(
            path: "x.csv", line: 3, column: "date", text: "2016-07-02",
            expected: "data.date_format \"%d/%m/%Y\"")
        #expect(throws: error) { try TimeSeriesTable(bytes: Array(text.utf8), path: "x.csv", options: options) }
        #expect(error.description.contains("x.csv:3:") && error.description.contains("column date"))
    }

    @Test("Offsets and fractions leave one note each; plain UTC dates leave none")
    func notes() throws {
        let shifted = "date,OT\n2016-07-01T00:00:00+02:00,1\n2016-07-01T01:00:00.5+02:00,2\n"
        let table = try TimeSeriesTable(bytes: Array(shifted.utf8), path: "x.csv")
        #expect(table.timestamps == [day - 7200, day - 3600])
        #expect(table.notes.count == 2, "\(table.notes)")
        #expect(table.notes.contains { $0.contains("converted to UTC") })
        #expect(table.notes.contains { $0.contains("fractions of a second") })
        let plain = try TimeSeriesTable(bytes: Array("date,OT\n2016-07-01,1\n2016-07-02,2\n".utf8), path: "x.csv")
        #expect(plain.notes.isEmpty)
    }
}
