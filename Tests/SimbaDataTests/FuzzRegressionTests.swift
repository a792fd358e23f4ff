// Inputs the fuzz targets in Fuzz/ found to trap a reader or to get past its checks, each kept as a
// test that the reader now throws its error instead. It does not fuzz; `make fuzz` does (docs/robustness.md).

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

    @Test("A JPEG whose scan data stops at the end-of-image marker is truncated (it decoded as gray)")
    func jpegScanCutAtEndMarker() throws {
        let picture = ByteImage(width: 64, height: 64, channels: 3, pixels: (0..<(64 * 64 * 3)).map { UInt8($0 % 251) })
        let jpeg = [UInt8](try JPEG.encode(picture, quality: 90))
        // Half the scan data, then the end-of-image marker: libjpeg-turbo warns "premature end of data segment".
        let scan = try #require((0..<(jpeg.count - 1)).first { jpeg[$0] == 0xFF && jpeg[$0 + 1] == 0xDA })
        let cut = Data(jpeg[..<((scan + jpeg.count) / 2)] + [0xFF, 0xD9])
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("simba-fuzz-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("cut.jpg").path
        try cut.write(to: URL(fileURLWithPath: path))
        let error = #expect(throws: ImageDecodeError.self) { try ImageDecoder.decode(path: path) }
        #expect(error?.source == path)
        #expect(error?.reason.contains("premature end of data segment") == true, "\(String(describing: error))")
    }
}
