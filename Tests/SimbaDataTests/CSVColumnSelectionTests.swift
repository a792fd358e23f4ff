// Which columns TimeSeriesTable reads: the date column (named, `date`, or found), dates assembled from
// several columns, data.columns and data.drop, and the errors naming unknown and non-numeric columns.

import Foundation
import SimbaData
import Testing

@Suite struct CSVColumnSelectionTests {
    let day: Int64 = 1_467_331_200  // 2016-07-01 00:00:00 UTC

    func read(_ text: String, _ configure: (inout CSVReadOptions) -> Void = { _ in }) throws -> TimeSeriesTable {
        var options = CSVReadOptions()
        configure(&options)
        return try TimeSeriesTable(bytes: Array(text.utf8), path: "cols.csv", options: options)
    }

    @Test("The date column: data.date_column, else `date`, else the first column whose first cell is a date")
    func dateColumn() throws {
        let ts = try read("ts,y\n2012-01-01 00:00:00,1300.5\n2012-01-01 01:00:00,1404.25\n")
        #expect(ts.columns == ["y"] && ts.timestamps == [1_325_376_000, 1_325_379_600])
        let later = try read("y,ds\n1,2016-07-01\n2,2016-07-02\n")
        #expect(later.columns == ["y"] && later.timestamps == [day, day + 86_400])
        let named = try read("when,date,OT\n2016-07-01,5,1\n2016-07-02,6,2\n") { $0.dateColumn = "when" }
        #expect(named.columns == ["date", "OT"] && named.values == [5, 1, 6, 2])
        #expect(
            throws: DataError.unknownColumn(
                path: "cols.csv", key: "data.date_column", name: "Date",
                columns: ["date", "OT"])
        ) {
            try read("date,OT\n2016-07-01,1\n2016-07-02,2\n") { $0.dateColumn = "Date" }
        }
    }

    @Test("data.date_columns: [Date, Time] with a format, [year, month, day, hour] as whole numbers, ISO parts")
    func assembledDates() throws {
        let household = "Date,Time,Global_active_power\n16/12/2006,17:24:00,4.216\n16/12/2006,17:25:00,5.360\n"
        let table = try read(household) {
            $0.dateColumns = ["Date", "Time"]
            $0.dateFormat = "%d/%m/%Y %H:%M:%S"
        }
        #expect(table.columns == ["Global_active_power"])
        #expect(table.timestamps == [1_166_289_840, 1_166_289_900])  // date -u -d '2006-12-16 17:24' +%s
        let parts = try read("year,month,day,hour,pm2.5\n2016,7,1,0,12\n2016,7,1,1,15\n") {
            $0.dateColumns = ["year", "month", "day", "hour"]
        }
        #expect(parts.columns == ["pm2.5"] && parts.timestamps == [day, day + 3600])
        let iso = try read("d,t,OT\n2016-07-01,13:00,1\n2016-07-01,14:00,2\n") { $0.dateColumns = ["d", "t"] }
        #expect(iso.timestamps == [day + 13 * 3600, day + 14 * 3600])
        #expect(
            throws: DataError.badDate(
                path: "cols.csv", line: 3, column: "d+t", text: "2016-07-01 x",
                expected: TimestampFormat.iso8601Description
                    + " after joining with a space")
        ) {
            try read("d,t,OT\n2016-07-01,13:00,1\n2016-07-01,x,2\n") { $0.dateColumns = ["d", "t"] }
        }
        #expect(throws: DataError.self) {
            try read("d,t,OT\n2016-07-01,13:00,1\n2016-07-01,14:00,2\n") {
                $0.dateColumns = ["d", "t"]
                $0.dateColumn = "d"
            }
        }
    }

    @Test("data.columns keeps columns in file order; data.drop leaves columns out; unknown names are errors")
    func chosenColumns() throws {
        let text = "date,a,b,c,OT\n2016-07-01,1,2,x,3\n2016-07-02,4,5,y,6\n"
        let kept = try read(text) { $0.columns = ["OT", "a"] }
        #expect(kept.columns == ["a", "OT"] && kept.values == [1, 3, 4, 6])
        let dropped = try read(text) { $0.drop = ["c", "b"] }
        #expect(dropped.columns == ["a", "OT"])
        let unknown = DataError.unknownColumn(
            path: "cols.csv", key: "data.drop", name: "d",
            columns: ["date", "a", "b", "c", "OT"])
        #expect(throws: unknown) { try read(text) { $0.drop = ["c", "d"] } }
        #expect(unknown.description.contains("data.drop") && unknown.description.contains("date, a, b, c, OT"))
        #expect(
            throws: DataError.unknownColumn(
                path: "cols.csv", key: "data.columns", name: "z",
                columns: ["date", "a", "b", "c", "OT"])
        ) {
            try read(text) { $0.columns = ["z"] }
        }
        #expect(throws: DataError.self) { try read(text) { $0.columns = ["date", "a"] } }
        #expect(throws: DataError.noValueColumns(path: "cols.csv", line: 1)) {
            try read(text) { $0.drop = ["a", "b", "c", "OT"] }
        }
    }

    @Test("Every non-numeric column is listed with its first bad line, and the message says how to drop them")
    func nonNumericColumns() throws {
        let text = "date,station,a,flag,OT\n2016-07-01,Tokyo,1,1,3\n2016-07-02,Osaka,2,maybe,4\n"
        let error = DataError.nonNumericColumns(
            path: "cols.csv", columns: ["station", "flag"], lines: [2, 3],
            texts: ["Tokyo", "maybe"])
        #expect(throws: error) { try read(text) }
        let message = error.description
        for part in [
            "cols.csv:2: column station holds \"Tokyo\", which is not a number",
            "1 more column is not numeric either: flag (line 3: \"maybe\")",
            "data.drop: [station, flag]", "data.columns"
        ] {
            #expect(message.contains(part), "\(message) lacks \(part)")
        }
        #expect(try read(text) { $0.drop = ["station", "flag"] }.columns == ["a", "OT"])
    }
}
