// The CSV dialects TimeSeriesTable reads: sniffed and given delimiters, RFC 4180 quoting, decimal
// commas and booleans, and the errors of a quote that never closes or text after a closing quote.

import Foundation
import SimbaData
import Testing

@Suite struct CSVDialectTests {
    func read(_ text: String, _ configure: (inout CSVReadOptions) -> Void = { _ in }) throws -> TimeSeriesTable {
        var options = CSVReadOptions()
        configure(&options)
        return try TimeSeriesTable(bytes: Array(text.utf8), path: "dialect.csv", options: options)
    }

    @Test("The delimiter is sniffed from the header: semicolon, tab, comma")
    func sniffedDelimiters() throws {
        let semicolon = try read("date;dewp;OT\n2016-07-01;1.5;2\n2016-07-02;3;4\n")
        #expect(semicolon.columns == ["dewp", "OT"] && semicolon.values == [1.5, 2, 3, 4])
        let tab = try read("date\ta b\tOT\n2016-07-01\t1\t2\n2016-07-02\t3\t4\n")
        #expect(tab.columns == ["a b", "OT"] && tab.values == [1, 2, 3, 4])
        // A comma inside a quoted name does not count.
        let quoted = try read("date;\"a,b,c\";OT\n2016-07-01;1;2\n2016-07-02;3;4\n")
        #expect(quoted.columns == ["a,b,c", "OT"])
    }

    @Test("data.delimiter overrides the sniffed one")
    func givenDelimiter() throws {
        // The header has more commas than semicolons, but the file is semicolon-separated.
        let text = "date;\"x,y,z\";OT\n2016-07-01;1;2\n2016-07-02;3;4\n"
        let table = try read(text) { $0.delimiter = .semicolon }
        #expect(table.columns == ["x,y,z", "OT"])
        #expect(throws: DataError.self) { try read("date;a\n2016-07-01;1\n2016-07-02;2\n") { $0.delimiter = .comma } }
    }

    @Test("Quoted cells hold delimiters and doubled quotes; a quoted newline keeps the line count right")
    func rfc4180Quoting() throws {
        let text = "\"date\",\"a,b\",OT\n\"2016-07-01\",\"1.5\",\"2\"\n2016-07-02,3,4\n"
        let table = try read(text)
        #expect(table.columns == ["a,b", "OT"] && table.values == [1.5, 2, 3, 4])
        let ids = "id,date,OT\nx,2016-07-01,1\n\"x\",\"2016-07-02\",\"2\"\n"
        #expect(try read(ids) { $0.idColumn = "id" }.lines == [2, 3])
    }

    @Test("A quoted newline in a name is refused as a control character; in an id it is read")
    func quotedNewlines() throws {
        let names = "date,\"say \"\"hi\"\", twice\",OT\n2016-07-01,1,2\n2016-07-02,3,4\n"
        #expect(try read(names).columns == ["say \"hi\", twice", "OT"])
        let problem = "(\"a\\nb\") holds a control character; use printable names"
        #expect(throws: DataError.badColumnName(path: "dialect.csv", line: 1, column: 2, problem: problem)) {
            try read("date,\"a\nb\",OT\n2016-07-01,1,2\n2016-07-02,3,4\n")
        }
        let ids = "id,date,OT\n\"two\nlines\",2016-07-01,1\n\"two\nlines\",2016-07-02,2\n"
        let table = try read(ids) {
            $0.idColumn = "id"; $0.series = "two\nlines"
        }
        #expect(table.values == [1, 2] && table.lines == [2, 4])
    }

    @Test("A quote that never closes names the line it opened on; text after a closing quote is an error")
    func quoteErrors() {
        let unclosed = DataError.unclosedQuote(path: "dialect.csv", line: 3, column: 2)
        #expect(throws: unclosed) { try read("date,OT\n2016-07-01,1\n2016-07-02,\"2\n2016-07-03,3\n") }
        #expect(unclosed.description.contains("dialect.csv:3:") && unclosed.description.contains("column 2"))
        let after = DataError.textAfterQuote(path: "dialect.csv", line: 2, column: 2, text: "x")
        #expect(throws: after) { try read("date,OT\n2016-07-01,\"1\"x\n2016-07-02,2\n") }
        #expect(after.description.contains("dialect.csv:2:") && after.description.contains("\"\""))
    }

    @Test("data.decimal: , reads 3,5 in a semicolon file, refuses a point, and needs a delimiter other than ,")
    func decimalComma() throws {
        let table = try read("date;a;OT\n2016-07-01;3,5;-1,25e2\n2016-07-02;4;\"0,5\"\n") { $0.decimal = .comma }
        #expect(table.values == [3.5, -125, 4, 0.5])
        #expect(throws: DataError.nonNumericColumns(path: "dialect.csv", columns: ["a"], lines: [2], texts: ["3.5"])) {
            try read("date;a;OT\n2016-07-01;3.5;1\n2016-07-02;4;2\n") { $0.decimal = .comma }
        }
        #expect(throws: DataError.self) { try read("date,a\n2016-07-01,1\n2016-07-02,2\n") { $0.decimal = .comma } }
        // With the point (the default), a decimal comma in a semicolon file is not a number; the message says so.
        let comma = DataError.nonNumericColumns(path: "dialect.csv", columns: ["a"], lines: [2], texts: ["3,5"])
        #expect(throws: comma) { try read("date;a\n2016-07-01;3,5\n2016-07-02;4\n") }
        #expect(comma.description.contains("data.decimal: \",\""), "\(comma)")
        let word = DataError.nonNumericColumns(path: "dialect.csv", columns: ["a"], lines: [2], texts: ["x,5"])
        #expect(!word.description.contains("data.decimal"), "\(word)")
    }

    @Test("Booleans read as 1 and 0; other words are not numbers")
    func booleans() throws {
        let table = try read("date,on,OT\n2016-07-01,TRUE,1\n2016-07-02,false,2\n2016-07-03,True,3\n")
        #expect(table.values == [1, 1, 0, 2, 1, 3])
        #expect(throws: DataError.nonNumericColumns(path: "dialect.csv", columns: ["on"], lines: [3], texts: ["yes"])) {
            try read("date,on,OT\n2016-07-01,TRUE,1\n2016-07-02,yes,2\n")
        }
    }

    @Test("Numbers are read as Float64 exactly as written")
    func float64Values() throws {
        let table = try read("date,a\n2016-07-01,0.1\n2016-07-02,100000000.00000001\n2016-07-03,3.4e38\n")
        #expect(table.values == [0.1, 100000000.00000001, 3.4e38])
        #expect(throws: DataError.nonFinite(path: "dialect.csv", line: 2, column: "a", text: "3.5e38")) {
            try read("date,a\n2016-07-01,3.5e38\n2016-07-02,1\n")
        }
        #expect(throws: DataError.nonFinite(path: "dialect.csv", line: 3, column: "a", text: "-Infinity")) {
            try read("date,a\n2016-07-01,1\n2016-07-02,-Infinity\n")
        }
    }
}
