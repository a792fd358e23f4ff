// `simba train`, `simba eval` and `simba forecast` through SimbaCommand.run on hostile data: image
// folders whose links loop, and a CSV that is only a header without a final newline.

import Foundation
@testable import SimbaCLI
import SimbaTestSupport
import Testing

/// Serialises the tests of this file that redirect standard output.
private let outputLock = NSLock()

/// Runs `body` with standard output (file descriptor 1) going to a temporary file; returns the
/// body's result and what it printed. Standard error, where the test runner reports, is untouched.
private func capturingStandardOutput(_ body: () -> Int32) throws -> (status: Int32, output: String) {
    outputLock.lock()
    defer { outputLock.unlock() }
    let file = FileManager.default.temporaryDirectory.appendingPathComponent("simba-stdout-\(UUID().uuidString)").path
    defer { try? FileManager.default.removeItem(atPath: file) }
    fflush(stdout)
    let handle = open(file, O_CREAT | O_WRONLY | O_TRUNC, 0o600)
    try #require(handle >= 0)
    let saved = dup(STDOUT_FILENO)
    dup2(handle, STDOUT_FILENO)
    close(handle)
    let status = body()
    fflush(stdout)
    dup2(saved, STDOUT_FILENO)
    close(saved)
    return (status, try String(contentsOfFile: file, encoding: .utf8))
}

private func link(_ path: String, to destination: String) throws {
    try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: destination)
}

/// A PNG of a few dozen bytes whose IHDR declares 100000×100000 RGB pixels (chunk CRCs correct).
private func pngBomb() -> Data {
    func bigEndian(_ v: UInt32) -> [UInt8] { [24, 16, 8, 0].map { UInt8((v >> $0) & 0xFF) } }
    func chunk(_ type: String, _ payload: [UInt8]) -> [UInt8] {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in Array(type.utf8) + payload {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 != 0 ? 0xEDB8_8320 ^ (crc >> 1) : crc >> 1 }
        }
        return bigEndian(UInt32(payload.count)) + Array(type.utf8) + payload + bigEndian(~crc)
    }
    let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
    let header = chunk("IHDR", bigEndian(100_000) + bigEndian(100_000) + [8, 2, 0, 0, 0])
    // IDAT: a stored zlib block holding one byte.
    let data = chunk("IDAT", [0x78, 0x01, 1, 1, 0, 0xFE, 0xFF, 0, 0, 1, 0, 1])
    return Data(signature + header + data + chunk("IEND", []))
}

@Suite(.timeLimit(.minutes(5))) struct HostileDataCommandLineTests {
    @Test("simba train and eval finish on folders whose links loop, list each image once and warn about every link")
    func loopingLinks() throws {
        let folder = TemporaryFolder("simba-cli-links")
        let images = folder.file("images")
        try VisionFiles.makeFolder(images)
        folder.write(VisionFiles.config(epochs: 1), to: "config.yaml")
        try link(images + "/train/class_a/loop", to: ".")
        try link(images + "/val/class_b/again", to: ".")
        try link(images + "/val/class_b/twice", to: ".")
        try link(images + "/val/class_c/up", to: "..")

        #expect(SimbaCommand.run(["train", "--config", folder.file("config.yaml"), "--out", folder.file("run")]) == 0)
        let log = try text(folder.file("run/log.txt"))
        for name in ["train/class_a/loop", "val/class_b/again", "val/class_b/twice", "val/class_c/up"] {
            #expect(log.contains("warning: skipped link \(images)/\(name): it leads"), "\(name) not in \(log)")
        }
        #expect(log.contains("36 images") && log.contains("12 images"), "\(log)")

        let predictions = folder.file("predictions.csv")
        let (status, output) = try capturingStandardOutput {
            SimbaCommand.run(["eval", "--checkpoint", folder.file("run"), "--data", images,
                              "--predictions", predictions])
        }
        #expect(status == 0)
        for name in ["val/class_b/again", "val/class_b/twice", "val/class_c/up"] {
            #expect(output.contains("warning: skipped link \(images)/\(name): it leads"), "\(name) not in \(output)")
        }
        let rows = try text(predictions).split(separator: "\n").dropFirst().map { $0.split(separator: ",") }
        #expect(rows.count == 12)
        #expect(Set(rows.map { $0[0] }).count == 12, "an image is listed twice")
        for row in rows { #expect(row[0].contains("/val/\(row[1])/"), "\(row)") }
    }

    @Test("simba eval skips an image whose header declares 10^10 pixels with a warning, and exits 1 with --strict")
    func decompressionBomb() throws {
        let folder = TemporaryFolder("simba-cli-bomb")
        let images = folder.file("images")
        try VisionFiles.makeFolder(images)
        folder.write(VisionFiles.config(epochs: 1), to: "config.yaml")
        #expect(SimbaCommand.run(["train", "--config", folder.file("config.yaml"), "--out", folder.file("run")]) == 0)
        let bomb = images + "/val/class_a/bomb.png"
        try pngBomb().write(to: URL(fileURLWithPath: bomb))
        let eval = ["eval", "--checkpoint", folder.file("run"), "--data", images]
        let (status, output) = try capturingStandardOutput {
            SimbaCommand.run(eval + ["--json", folder.file("lenient.json")])
        }
        #expect(status == 0)
        #expect(output.contains("warning: skipped \(bomb): the PNG header declares 100000×100000 pixels"), "\(output)")
        expectError(Error.self, containing: [bomb, "decompression-bomb"]) {
            try EvalCommand.run(Array(eval.dropFirst()) + ["--strict", "--json", folder.file("strict.json")])
        }
        #expect(SimbaCommand.run(eval + ["--strict", "--json", folder.file("strict.json")]) == 1)
        #expect(!folder.exists("strict.json"))
    }

    @Test("A CSV that is only a header without newline: train and forecast --data exit 1 naming the file")
    func headerOnlyCSV() throws {
        let folder = TemporaryFolder("simba-cli-header-only")
        let bad = folder.write("date,a", to: "header.csv")
        folder.write(ForecastFiles.config(data: "header.csv", epochs: 1), to: "bad.yaml")
        let train = ["train", "--config", folder.file("bad.yaml"), "--out", folder.file("bad")]
        #expect(SimbaCommand.run(train) == 1)
        expectError(Error.self, containing: [bad, "0 data rows"]) { try TrainCommand.run(train) }
        expectNoCheckpoint(folder, run: "bad")

        folder.write(ForecastFiles.csv(), to: "series.csv")
        folder.write(ForecastFiles.config(epochs: 1), to: "config.yaml")
        #expect(SimbaCommand.run(["train", "--config", folder.file("config.yaml"), "--out", folder.file("run")]) == 0)
        let forecast = ["forecast", "--checkpoint", folder.file("run"), "--data", bad, "--out", folder.file("out")]
        #expect(SimbaCommand.run(forecast) == 1)
        expectError(Error.self, containing: [bad, "0 data rows"]) {
            try ForecastCommand.run(Array(forecast.dropFirst()))
        }
        #expect(!folder.exists("out/metrics.json"))
    }
}
