// Fashion-MNIST IDX parsing on tiny hand-made files (gzipped with /bin/gzip), every header error,
// a conversion of a tiny fake set, and the real-world folder maker. Never the whole data set.

import Foundation
import SimbaData
import Testing

private func bigEndian(_ v: Int) -> [UInt8] {
    [UInt8(v >> 24 & 255), UInt8(v >> 16 & 255), UInt8(v >> 8 & 255), UInt8(v & 255)]
}

private func idxImages(count: Int, rows: Int, columns: Int, magic: Int = 0x803) -> [UInt8] {
    bigEndian(magic) + bigEndian(count) + bigEndian(rows) + bigEndian(columns)
        + (0..<(count * rows * columns)).map { UInt8($0 % 256) }
}

private func idxLabels(_ labels: [UInt8], magic: Int = 0x801) -> [UInt8] {
    bigEndian(magic) + bigEndian(labels.count) + labels
}

/// Writes `bytes` to `path` and gzips it with /bin/gzip (leaving `path`.gz).
private func writeGzipped(_ bytes: [UInt8], _ path: String) throws {
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/gzip")
    process.arguments = ["-f", path]
    try process.run()
    process.waitUntilExit()
    #expect(process.terminationStatus == 0)
}

@Suite struct FashionMNISTTests {
    @Test func parsesTinyGzippedIDXFiles() throws {
        let folder = try temporaryFolder("idx")
        try writeGzipped(idxImages(count: 3, rows: 2, columns: 4), folder + "/images")
        try writeGzipped(idxLabels([9, 0, 4]), folder + "/labels")
        let images = try FashionMNIST.parseImages(FashionMNIST.read(folder + "/images.gz"), source: "images")
        #expect(images.count == 3 && images.rows == 2 && images.columns == 4)
        #expect(images.pixels == (0..<24).map { UInt8($0) })
        #expect(try FashionMNIST.parseLabels(FashionMNIST.read(folder + "/labels.gz"), source: "labels") == [9, 0, 4])
    }

    @Test func headerErrorsNameTheFile() throws {
        let folder = try temporaryFolder("idx")
        expectError(FashionMNISTError.self, containing: ["x.idx", "0x00000801", "not 0x00000803"]) {
            try FashionMNIST.parseImages(Data(idxLabels([1])), source: "x.idx")
        }
        expectError(FashionMNISTError.self, containing: ["y.idx", "0x00000803", "not 0x00000801"]) {
            try FashionMNIST.parseLabels(Data(idxImages(count: 1, rows: 1, columns: 1)), source: "y.idx")
        }
        expectError(FashionMNISTError.self, containing: ["cut.idx", "truncated", "34"]) {
            try FashionMNIST.parseImages(Data(idxImages(count: 2, rows: 3, columns: 3).dropLast()), source: "cut.idx")
        }
        expectError(FashionMNISTError.self, containing: ["long.idx", "disagree"]) {
            try FashionMNIST.parseLabels(Data(idxLabels([1, 2]) + [0]), source: "long.idx")
        }
        expectError(FashionMNISTError.self, containing: ["bad.idx", "label 1 is 12"]) {
            try FashionMNIST.parseLabels(Data(idxLabels([1, 12])), source: "bad.idx")
        }
        expectError(FashionMNISTError.self, containing: ["short.idx", "truncated"]) {
            try FashionMNIST.parseLabels(Data([0, 0]), source: "short.idx")
        }
        expectError(FashionMNISTError.self, containing: [folder + "/none.gz", "apt-get install dataset-fashion-mnist"])
        {
            try FashionMNIST.read(folder + "/none.gz")
        }
        try Data("not gzip".utf8).write(to: URL(fileURLWithPath: folder + "/fake.gz"))
        expectError(FashionMNISTError.self, containing: [folder + "/fake.gz", "gzip failed"]) {
            try FashionMNIST.read(folder + "/fake.gz")
        }
    }

    /// A fake source with 4 train and 2 test images converts into the ImageNet layout, and converting
    /// again into the same root is refused.
    @Test func convertsATinySetIntoTheImageNetLayout() throws {
        let source = try temporaryFolder("fmnist-source")
        try writeGzipped(idxImages(count: 4, rows: 3, columns: 2), source + "/train-images-idx3-ubyte")
        try writeGzipped(idxLabels([3, 0, 3, 9]), source + "/train-labels-idx1-ubyte")
        try writeGzipped(idxImages(count: 2, rows: 3, columns: 2), source + "/t10k-images-idx3-ubyte")
        try writeGzipped(idxLabels([1, 1, 1]), source + "/t10k-labels-idx1-ubyte")
        let root = try temporaryFolder("fmnist")
        expectError(FashionMNISTError.self, containing: ["2 images", "3 labels"]) {
            try FashionMNIST.convert(from: source, to: root)
        }
        try FileManager.default.removeItem(atPath: root + "/train")
        try writeGzipped(idxLabels([1, 1]), source + "/t10k-labels-idx1-ubyte")
        let counts = try FashionMNIST.convert(from: source, to: root)
        #expect(counts == (4, 2))
        let train = try ImageFolder(root: root, split: "train")
        #expect(train.classNames == ["Ankle_boot", "Dress", "T-shirt_top"])
        #expect(
            train.samples.map { String($0.path.dropFirst(root.count)) }
                == [
                    "/train/Ankle_boot/00003.png", "/train/Dress/00000.png", "/train/Dress/00002.png",
                    "/train/T-shirt_top/00001.png"
                ])
        let image = try ImageDecoder.decode(path: root + "/train/Dress/00002.png")
        #expect(image.width == 2 && image.height == 3)
        #expect(image.pixels == (12..<18).flatMap { [UInt8($0), UInt8($0), UInt8($0)] })
        #expect(try ImageFolder(root: root, split: "val").samples.count == 2)
        expectError(FashionMNISTError.self, containing: [root + "/train", "already exists"]) {
            try FashionMNIST.convert(from: source, to: root)
        }
    }

    @Test func realWorldFolderMixesSizesAndFormats() throws {
        let source = try temporaryFolder("clean")
        for c in 0..<2 {
            for i in 0..<6 {
                try writePNG(noiseImage(width: 8, height: 8, seed: 10 * c + i), source + "/val/c\(c)/\(i).png")
            }
        }
        let target = try temporaryFolder("real")
        #expect(try RealWorldFolder.make(from: source, to: target, perClass: 5, seed: 1) == 10)
        let folder = try ImageFolder(root: target, split: "val")
        #expect(folder.samples.count == 10 && folder.classNames == ["c0", "c1"])
        var kinds = Set<String>()
        for sample in folder.samples {
            let data = try Data(contentsOf: URL(fileURLWithPath: sample.path))
            let image = try ImageDecoder.decode(data, source: sample.path)
            #expect((40...300).contains(image.width) && (40...300).contains(image.height))
            let isPNG = data.starts(with: PNG.signature)
            if isPNG && sample.path.hasSuffix(".JPEG") { kinds.insert("png named JPEG") }
            if !isPNG && sample.path.contains("_cmyk") { kinds.insert("cmyk") }
            if !isPNG && sample.path.contains("_gray") { kinds.insert("gray") }
        }
        #expect(kinds == ["png named JPEG", "cmyk", "gray"])
    }
}
