// ForecastOptions.fold: the validation split moved back whole validation lengths, the train split
// ending where it begins and the scaler fitted on those rows; test never moves; a fold reaching
// before the file's start is an error naming data.fold.

import Foundation
import SimbaTestSupport
import Testing

@testable import SimbaData

@Suite struct ValidationFoldTests {
    @Test func ettHourFoldsMoveValidationByFourMonths() throws {
        // ETT-hour: train [0, 8640), val targets [8640, 11520) (2880 rows), test [11520 − L, 14400).
        let l = 96
        let ranges = try (0...2).map {
            try SplitBorders.ettHour.rowRanges(rows: 17_420, seqLen: l, fold: $0, path: "ETTh2.csv")
        }
        #expect(ranges[0] == [0..<8640, 8544..<11_520, 11_424..<14_400])
        #expect(ranges[1] == [0..<5760, 5664..<8640, 11_424..<14_400])
        #expect(ranges[2] == [0..<2880, 2784..<5760, 11_424..<14_400])
        #expect(throws: DataError.foldBeforeStart(path: "ETTh2.csv", fold: 3, trainRows: 8640, valRows: 2880)) {
            try SplitBorders.ettHour.rowRanges(rows: 17_420, seqLen: l, fold: 3, path: "ETTh2.csv")
        }
    }

    @Test func ratioFoldsKeepTheValidationLength() throws {
        // 101 rows: train 70, val 11, test 20; fold 1 validates on targets [59, 70), fold 6 on [4, 15).
        let r = { (fold: Int) in try SplitBorders.ratio.rowRanges(rows: 101, seqLen: 4, fold: fold, path: "x.csv") }
        #expect(try r(0) == [0..<70, 66..<81, 77..<101])
        #expect(try r(1) == [0..<59, 55..<70, 77..<101])
        #expect(try r(6) == [0..<4, 0..<15, 77..<101])
        #expect(throws: DataError.foldBeforeStart(path: "x.csv", fold: 7, trainRows: 70, valRows: 11)) { try r(7) }
        // A fold whose product overflows is the same error, not a trap.
        #expect(throws: DataError.foldBeforeStart(path: "x.csv", fold: Int.max, trainRows: 70, valRows: 11)) {
            try r(Int.max)
        }
    }

    @Test func foldDataScalesOnItsOwnTrainRows() throws {
        let csv = syntheticCSV(rows: 101, names: ["a", "OT"]) { r, c in Double(r * r + c * r) }
        let path = try temporaryCSV(csv)
        let standard = try ForecastData(path: path, options: ForecastOptions(seqLen: 4, predLen: 2, borders: .ratio))
        let moved = try ForecastData(
            path: path, options: ForecastOptions(seqLen: 4, predLen: 2, borders: .ratio, fold: 2))
        #expect(moved.rows(.train) == [0..<48] && moved.rows(.val) == [44..<59] && moved.rows(.test) == [77..<101])
        #expect(moved.windowCount(.val) == standard.windowCount(.val))
        #expect(moved.windowCount(.test) == standard.windowCount(.test))
        // OT is r² + r: its mean over rows 0..<48 is (Σr² + Σr) / 48 = (47·48·95/6 + 47·48/2) / 48.
        let mean = (Double(47 * 48 * 95) / 6 + Double(47 * 48) / 2) / 48
        #expect(abs(moved.scaler.means[1] - mean) <= 1e-9 * mean)
        #expect(moved.scaler.means[1] != standard.scaler.means[1])
    }

    @Test func aFoldTooFarBackNamesTheKey() throws {
        let csv = syntheticCSV(rows: 101, names: ["a", "OT"]) { r, c in Double(r * (c + 1)) + Double(r % 5) }
        let path = try temporaryCSV(csv)
        // Fold 5 leaves 15 train rows, fewer than one window of 10 + 6.
        let short = DataError.splitTooShort(
            path: path, split: "train of data.fold 5", rows: 15, needed: 16, seqLen: 10, predLen: 6)
        #expect(throws: short) {
            try ForecastData(path: path, options: ForecastOptions(seqLen: 10, predLen: 6, borders: .ratio, fold: 5))
        }
        let before = DataError.foldBeforeStart(path: path, fold: 9, trainRows: 70, valRows: 11)
        #expect(throws: before) {
            try ForecastData(path: path, options: ForecastOptions(seqLen: 4, predLen: 2, borders: .ratio, fold: 9))
        }
        #expect(before.description.contains("data.fold 9") && before.description.contains("smaller data.fold"))
    }
}
