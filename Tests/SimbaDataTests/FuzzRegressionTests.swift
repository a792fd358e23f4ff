// Inputs the fuzz targets in Fuzz/ found to trap a reader, each kept as a test that the reader now
// throws its error instead. It does not fuzz; `make fuzz` does (see docs/robustness.md).

import Foundation
import SimbaData
import Testing

@Suite("Fuzzing findings in the data readers")
struct FuzzRegressionTests {
    @Test("A CSV that is only a header without a final newline has too few rows (it trapped on a range)")
    func csvHeaderWithoutNewline() {
        #expect(throws: DataError.tooFewRows(path: "x.csv", rows: 0)) {
            try TimeSeriesTable(bytes: Array("date,a".utf8), path: "x.csv")
        }
        #expect(throws: DataError.tooFewRows(path: "x.csv", rows: 0)) {
            try TimeSeriesTable(bytes: Array("\n\r\n date,a,OT\r".utf8), path: "x.csv")
        }
    }
}
