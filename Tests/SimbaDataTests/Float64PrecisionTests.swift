// Values are read and standardised in Float64 and handed to the model in Float32: a column varying
// below Float32 resolution is not "constant", a column that loses distinct values gets a note, and
// the ETTh1 windows are those of the Float32 reader up to one rounding.

import Foundation
import Testing

@testable import SimbaData

@Suite struct Float64PrecisionTests {
    /// 50 hourly rows; column a is 1e8 + r·1e-3 (varies only below Float32's resolution at 1e8).
    func tinyVariation() -> String {
        syntheticCSV(rows: 50, names: ["a", "OT"]) { r, c in c == 0 ? 100_000_000 + Double(r) * 0.001 : Double(r) }
    }

    @Test("A column varying only below Float32 resolution is read, not called constant")
    func belowFloat32Resolution() throws {
        let path = try temporaryCSV(tinyVariation())
        let data = try ForecastData(path: path, options: ForecastOptions(seqLen: 4, predLen: 2))
        #expect(abs(data.scaler.means[0] - (100_000_000 + 0.0170)) < 1e-6)
        #expect(data.scaler.stds[0] > 0.009 && data.scaler.stds[0] < 0.0102)
        var input = [Float](repeating: 0, count: 4 * 2), target = [Float](repeating: 0, count: 2 * 2)
        data.fill(split: .train, window: 0, input: &input, target: &target)
        #expect(input[0] < input[2] && input[2] < input[4], "standardised values keep the variation")
    }

    @Test("Constant columns: over the whole file, or only over the training rows")
    func constantColumns() throws {
        let file = try temporaryCSV(syntheticCSV(rows: 50, names: ["a", "OT"]) { r, c in c == 0 ? 7 : Double(r) })
        let inFile = DataError.constantColumn(path: file, column: "a", trainRows: 35, inFile: true)
        #expect(throws: inFile) { try ForecastData(path: file, options: ForecastOptions(seqLen: 4, predLen: 2)) }
        #expect(inFile.description.contains("one value in the whole file") && inFile.description.contains("data.drop"))
    }

    @Test("A column whose distinct values collapse in Float32 after standardising gets a note; others none")
    func precisionNote() throws {
        // Ten values 1e-9 apart and one far value in the training rows: the std is large, so the ten merge.
        let csv = syntheticCSV(rows: 60, names: ["a", "OT"]) { r, c in
            c == 1 ? Double(r) : (r == 0 ? 1e6 : Double(r % 10) * 1e-9)
        }
        let data = try ForecastData(path: try temporaryCSV(csv), options: ForecastOptions(seqLen: 4, predLen: 2))
        let notes = data.notes.filter { $0.contains("float32") }
        #expect(
            notes.count == 1 && notes[0].contains("column a") && notes[0].contains("e.g. 1e-09 and 2e-09"),
            "\(data.notes)")
        let plain = try ForecastData(
            path: try temporaryCSV(tinyVariation()),
            options: ForecastOptions(seqLen: 4, predLen: 2))
        #expect(plain.notes.isEmpty, "\(plain.notes)")
        // Means that differ in their last bits only (0.146 summed in another order) are one value.
        let noisy = syntheticCSV(rows: 60, names: ["a", "OT"]) { r, c in
            c == 1 ? Double(r) : (r % 10 == 0 ? 0.14600000000000002 : r % 10 == 1 ? 0.14599999999999996 : Double(r))
        }
        let noise = try ForecastData(path: try temporaryCSV(noisy), options: ForecastOptions(seqLen: 4, predLen: 2))
        #expect(noise.notes.filter { $0.contains("float32") }.isEmpty, "\(noise.notes)")
    }

    /// The ETTh1 values as the former Float32 reader standardised them (values rounded to Float32 before
    /// the Double statistics) against the Float64 reader. ETTh1 holds float32 values written with 16 or
    /// 17 digits: 29,850 of its 121,940 cells differ from their float32 in the last bits of a Double,
    /// which moves the scaler's statistics by about 1e-16 relative and no standardised Float32 value.
    @Test("ETTh1: Float64 reading gives bit-identical standardised values")
    func etth1AgainstFloat32Reading() throws {
        guard let path = etth1Path() else { return }
        let table = try TimeSeriesTable(path: path)
        let data = try ForecastData(table: table, options: ForecastOptions(seqLen: 96, predLen: 96))
        let rounded = table.values.map { Double(Float($0)) }
        let old = try ForecastScaler.fit(
            rounded, columns: table.columns, rows: 0..<8640, target: "OT",
            features: .multivariate, path: path)
        let differ = zip(old.standardised(rounded), data.values).filter { $0.bitPattern != $1.bitPattern }.count
        #expect(differ == 0, "\(differ) of \(data.values.count) standardised values differ")
        #expect(table.values.filter { Double(Float($0)) != $0 }.count == 29_850)
        for (a, b) in zip(old.means + old.stds, data.scaler.means + data.scaler.stds) {
            #expect(abs(a - b) <= 1e-15 * abs(b), "\(a) vs \(b)")
        }
        #expect(data.notes.isEmpty, "\(data.notes)")
    }

    @Test("Short decimals read without strtod give strtod's value bit for bit")
    func shortDecimalsMatchStrtod() {
        var state: UInt64 = 0x5EED
        func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(bound))
        }
        var checked = 0
        for _ in 0..<200_000 {
            let digits = 1 + next(15)
            var text = (0..<digits).map { _ in String(next(10)) }.joined()
            if next(4) > 0 { text.insert(".", at: text.index(text.startIndex, offsetBy: next(digits + 1))) }
            if next(3) == 0 { text = "-" + text }
            let bytes = Array(text.utf8)
            guard
                let fast = bytes.withUnsafeBufferPointer({
                    CSVCellReader.shortDecimal(
                        $0.baseAddress!, $0.count,
                        decimal: 46)
                })
            else {
                Issue.record("\(text) was not read")
                continue
            }
            let exact = strtod(text, nil)
            #expect(fast.bitPattern == exact.bitPattern, "\(text): \(fast) vs \(exact)")
            checked += 1
        }
        #expect(checked == 200_000)
        let comma = Array("-3,25".utf8)
        #expect(
            comma.withUnsafeBufferPointer {
                CSVCellReader.shortDecimal($0.baseAddress!, $0.count, decimal: 44)
            } == -3.25)
        for text in ["1e5", "1234567890123456", "1.2.3", "", "-", "+.", "1,5"] {
            let bytes = Array(text.utf8) + [0]
            #expect(
                bytes.withUnsafeBufferPointer {
                    CSVCellReader.shortDecimal(
                        $0.baseAddress!, text.utf8.count,
                        decimal: 46)
                } == nil, "\(text)")
        }
    }
}
