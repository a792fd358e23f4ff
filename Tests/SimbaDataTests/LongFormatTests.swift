// Long files (`unique_id,ds,y`): one series chosen with data.series, or every series as one data set
// whose splits are cut per series, whose windows never cross two series, and which has no one future.

import Foundation
import SimbaData
import Testing

@Suite struct LongFormatTests {
    /// Series FR (40 hourly rows, values 0…39), DE (30 rows, 100…129) interleaved, then BE (4 rows).
    func longFile() -> String {
        var lines = ["unique_id,ds,y"]
        let start: Int64 = 1_467_331_200
        for r in 0..<40 {
            lines.append("FR,\(TimeSeriesTable.formatTimestamp(start + Int64(r) * 3600)),\(r)")
            if r < 30 { lines.append("DE,\(TimeSeriesTable.formatTimestamp(start + Int64(r) * 3600)),\(100 + r)") }
        }
        for r in 0..<4 { lines.append("BE,\(TimeSeriesTable.formatTimestamp(start + Int64(r) * 3600)),\(r)") }
        return lines.joined(separator: "\n") + "\n"
    }

    func options(series: String = "") -> CSVReadOptions {
        var options = CSVReadOptions()
        options.idColumn = "unique_id"
        options.series = series
        return options
    }

    @Test("data.series reads one series; an unknown one lists those there are")
    func oneSeries() throws {
        let table = try TimeSeriesTable(bytes: Array(longFile().utf8), path: "long.csv", options: options(series: "DE"))
        #expect(table.columns == ["y"] && table.rowCount == 30 && table.values.first == 100 && table.values.last == 129)
        #expect(table.series == [TableSeries(name: "DE", rows: 0..<30)])
        #expect(table.lines.prefix(2) == [3, 5])
        let error = DataError.unknownSeries(
            path: "long.csv", idColumn: "unique_id", series: "IT",
            available: ["FR", "DE", "BE"])
        #expect(throws: error) {
            try TimeSeriesTable(bytes: Array(longFile().utf8), path: "long.csv", options: options(series: "IT"))
        }
        #expect(error.description.contains("FR, DE, BE"))
        var wrongId = CSVReadOptions()
        wrongId.idColumn = "id"
        #expect(
            throws: DataError.unknownColumn(
                path: "long.csv", key: "data.id_column", name: "id",
                columns: ["unique_id", "ds", "y"])
        ) {
            try TimeSeriesTable(bytes: Array(longFile().utf8), path: "long.csv", options: wrongId)
        }
        var noId = CSVReadOptions()
        noId.series = "FR"
        #expect(throws: DataError.self) {
            try TimeSeriesTable(bytes: Array(longFile().utf8), path: "long.csv", options: noId)
        }
    }

    @Test("Without data.series every series is read, grouped in order of first appearance")
    func allSeries() throws {
        let table = try TimeSeriesTable(bytes: Array(longFile().utf8), path: "long.csv", options: options())
        #expect(
            table.series == [
                TableSeries(name: "FR", rows: 0..<40), TableSeries(name: "DE", rows: 40..<70),
                TableSeries(name: "BE", rows: 70..<74)
            ])
        #expect(Array(table.values[38..<42]) == [38, 39, 100, 101])
        #expect(table.notes.contains { $0.contains("3 series") })
    }

    @Test("Splits are cut per series, windows never cross series, too-short series are left out")
    func windowsPerSeries() throws {
        let table = try TimeSeriesTable(bytes: Array(longFile().utf8), path: "long.csv", options: options())
        let (l, h) = (2, 1)
        let data = try ForecastData(table: table, options: ForecastOptions(target: "y", seqLen: l, predLen: h))
        // FR: 40 rows → train 28, val 4 (+2), test 8 (+2); DE: 30 rows → 21, 3 (+2), 6 (+2); BE (5) left out.
        #expect(data.rows(.train) == [0..<28, 40..<61])
        #expect(data.rows(.val) == [26..<32, 59..<64])
        #expect(data.rows(.test) == [30..<40, 62..<70])
        #expect(data.windowCount(.train) == (28 - 2) + (21 - 2))
        #expect(data.notes.contains { $0.contains("1 series too short") && $0.contains("BE") }, "\(data.notes)")
        // The scaler is fitted on the train rows of both series.
        let trainValues = (0..<28).map(Double.init) + (100..<121).map(Double.init)
        let mean = trainValues.reduce(0, +) / Double(trainValues.count)
        #expect(abs(data.scaler.means[0] - mean) < 1e-12)
        var input = [Float](repeating: 0, count: l), target = [Float](repeating: 0, count: h)
        for window in 0..<data.windowCount(.train) {
            data.fill(split: .train, window: window, input: &input, target: &target)
            let raw = (input + target).map { Double($0) * data.scaler.stds[0] + data.scaler.means[0] }
            #expect(abs(raw[1] - raw[0] - 1) < 1e-4 && abs(raw[2] - raw[1] - 1) < 1e-4, "window \(window): \(raw)")
        }
        data.fill(split: .train, window: 26, input: &input, target: &target)
        #expect(data.inputTimestamps(split: .train, window: 26) == table.timestamps[40..<42])
        #expect(throws: DataError.manySeries(path: "long.csv", count: 3, what: "a forecast past the data")) {
            try data.futureTimestamps(count: 2)
        }
        #expect(throws: DataError.self) { try data.lastWindow() }
    }

    @Test("When no series is long enough for a window in every split, the first one's problem is the error")
    func allSeriesTooShort() throws {
        let table = try TimeSeriesTable(bytes: Array(longFile().utf8), path: "long.csv", options: options())
        let error = DataError.splitTooShort(
            path: "long.csv", split: "val (series FR)", rows: 14, needed: 15,
            seqLen: 10, predLen: 5)
        #expect(throws: error) {
            try ForecastData(table: table, options: ForecastOptions(target: "y", seqLen: 10, predLen: 5))
        }
        #expect(error.description.contains("val (series FR) split has 14 rows"), "\(error)")
    }

    @Test("Missing cells are filled within each series, never from the one before")
    func fillPerSeries() throws {
        let text = "id,date,v\nA,2016-07-01,1\nA,2016-07-02,2\nB,2016-07-01,\nB,2016-07-02,5\n"
        var options = options()
        options.idColumn = "id"
        options.missing = .ffill
        let table = try TimeSeriesTable(bytes: Array(text.utf8), path: "long.csv", options: options)
        #expect(table.values == [1, 2, 5, 5])
        options.missing = .interpolate
        let all = "id,date,v\nA,2016-07-01,1\nA,2016-07-02,2\nB,2016-07-01,\nB,2016-07-02,NA\n"
        #expect(throws: DataError.allMissing(path: "long.csv", column: "v", series: "B")) {
            try TimeSeriesTable(bytes: Array(all.utf8), path: "long.csv", options: options)
        }
    }
}
