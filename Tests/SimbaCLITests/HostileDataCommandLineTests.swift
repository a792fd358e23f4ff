// `simba train`, `simba eval` and `simba forecast` through SimbaCommand.run on hostile data: image
// folders whose links loop, and a CSV that is only a header without a final newline.

import Foundation
import SimbaTestSupport
import Testing

@testable import SimbaCLI

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

        #expect(simba(["train", "--config", folder.file("config.yaml"), "--out", folder.file("run")]).result == 0)
        let log = try text(folder.file("run/log.txt"))
        for name in ["train/class_a/loop", "val/class_b/again", "val/class_b/twice", "val/class_c/up"] {
            #expect(log.contains("warning: skipped link \(images)/\(name): it leads"), "\(name) not in \(log)")
        }
        #expect(log.contains("36 images") && log.contains("12 images"), "\(log)")

        let predictions = folder.file("predictions.csv")
        let lenient = simba([
            "eval", "--checkpoint", folder.file("run"), "--data", images,
            "--predictions", predictions
        ])
        let (status, output) = (lenient.result, lenient.output)
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
        #expect(simba(["train", "--config", folder.file("config.yaml"), "--out", folder.file("run")]).result == 0)
        let bomb = images + "/val/class_a/bomb.png"
        try pngBomb().write(to: URL(fileURLWithPath: bomb))
        let eval = ["eval", "--checkpoint", folder.file("run"), "--data", images]
        let lenient = simba(eval + ["--json", folder.file("lenient.json")])
        let (status, output) = (lenient.result, lenient.output)
        #expect(status == 0)
        #expect(output.contains("warning: skipped \(bomb): the PNG header declares 100000×100000 pixels"), "\(output)")
        let strict = simba(eval + ["--strict", "--json", folder.file("strict.json")])
        #expect(strict.result == 1)
        #expect(strict.errors.contains(bomb) && strict.errors.contains("decompression-bomb"), "\(strict.errors)")
        #expect(!folder.exists("strict.json"))
    }

    @Test("A CSV that is only a header without newline: train and forecast --data exit 1 naming the file")
    func headerOnlyCSV() throws {
        let folder = TemporaryFolder("simba-cli-header-only")
        let bad = folder.write("date,a", to: "header.csv")
        folder.write(ForecastFiles.config(data: "header.csv", epochs: 1), to: "bad.yaml")
        let train = ["train", "--config", folder.file("bad.yaml"), "--out", folder.file("bad")]
        let refused = simba(train)
        #expect(refused.result == 1)
        #expect(refused.errors.contains(bad) && refused.errors.contains("0 data rows"), "\(refused.errors)")
        expectNoCheckpoint(folder, run: "bad")

        folder.write(ForecastFiles.csv(), to: "series.csv")
        folder.write(ForecastFiles.config(epochs: 1), to: "config.yaml")
        #expect(simba(["train", "--config", folder.file("config.yaml"), "--out", folder.file("run")]).result == 0)
        let forecast = ["forecast", "--checkpoint", folder.file("run"), "--data", bad, "--out", folder.file("out")]
        let forecastRefused = simba(forecast)
        #expect(forecastRefused.result == 1)
        #expect(
            forecastRefused.errors.contains(bad) && forecastRefused.errors.contains("0 data rows"),
            "\(forecastRefused.errors)")
        #expect(!folder.exists("out/metrics.json"))
    }

    @Test("A class folder linked from outside the split is skipped, and the class mismatch it causes says so")
    func skippedClassExplainsMismatch() throws {
        let folder = TemporaryFolder("simba-cli-class-link")
        let images = folder.file("images")
        try VisionFiles.makeFolder(images)
        try FileManager.default.moveItem(atPath: images + "/val/class_c", toPath: folder.file("elsewhere"))
        try link(images + "/val/class_c", to: folder.file("elsewhere"))
        folder.write(VisionFiles.config(epochs: 1), to: "config.yaml")
        let run = simba(["train", "--config", folder.file("config.yaml"), "--out", folder.file("run")])
        #expect(run.result == 1)
        #expect(
            run.errors.contains("different class folders")
                && run.errors.contains("listing the folders warned: skipped link \(images)/val/class_c"),
            "\(run.errors)")
    }
}
