// Files for end-to-end classification tests: a tiny ImageNet-layout folder of generated 32×32 PNGs
// and a tiny SiMBA classify config. Writes files only; it trains nothing itself.

import Foundation
import SimbaCore
import SimbaSafetensors

public enum VisionFiles {
    /// Class folder names of the generated folders (those of Tests/Fixtures/eval_images/val).
    public static let classNames = ["class_a", "class_b", "class_c"]

    /// Writes `root/<split>/<class>/<class>_<i>.png` for every split and class: `count` RGB images of
    /// `size`×`size` each, a class-coloured gradient with a per-image wobble (deterministic).
    public static func makeFolder(
        _ root: String, splits: [(name: String, count: Int)] = [("train", 12), ("val", 4)],
        classes: [String] = classNames, size: Int = 32
    ) throws {
        for (s, split) in splits.enumerated() {
            for (c, name) in classes.enumerated() {
                let folder = root + "/" + split.name + "/" + name
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
                for i in 0..<split.count {
                    let png = self.png(
                        width: size, height: size, rgb: pixels(size: size, classIndex: c, image: i + 100 * s))
                    try png.write(to: URL(fileURLWithPath: "\(folder)/\(name)_\(i).png"))
                }
            }
        }
    }

    /// (size, size, 3) bytes: class `classIndex` is mostly one primary colour; `image` shifts the pattern.
    public static func pixels(size: Int, classIndex: Int, image: Int) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(size * size * 3)
        for y in 0..<size {
            for x in 0..<size {
                for channel in 0..<3 {
                    let base = channel == classIndex % 3 ? 180 : 40
                    let wobble = ((x + 2 * y) * (image + 3) + 17 * channel) % 60
                    bytes.append(UInt8(base + wobble))
                }
            }
        }
        return bytes
    }

    /// An 8-bit RGB PNG of `rgb` ((height, width, 3) bytes), stored (uncompressed) zlib blocks.
    public static func png(width: Int, height: Int, rgb: [UInt8]) -> Data {
        precondition(rgb.count == width * height * 3)
        var out: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        chunk("IHDR", bigEndian(UInt32(width)) + bigEndian(UInt32(height)) + [8, 2, 0, 0, 0], to: &out)
        var raw: [UInt8] = []
        for y in 0..<height { raw += [0] + rgb[(y * width * 3)..<((y + 1) * width * 3)] }
        chunk("IDAT", zlibStored(raw), to: &out)
        chunk("IEND", [], to: &out)
        return Data(out)
    }

    /// A tiny classify config reading the image folder `root` (relative to the config's folder):
    /// img_size 32, widths 4–16, one block a stage, batch 4, drop path 0.1, mixup 0.2 and flips
    /// (so every random stream matters), 1 warmup epoch, `epochs` epochs, 2 data workers; with
    /// `classMap`, `data.class_map` (relative to the config's folder).
    public static func config(root: String = "images", epochs: Int = 3, classMap: String? = nil) -> String {
        """
        task: classify
        data:
          root: \(root)\(classMap.map { "\n  class_map: " + $0 } ?? "")
          img_size: 32
          crop_pct: 1.0
          interpolation: bilinear
          workers: 2
        augment:
          scale_min: 0.5
          hflip: 0.5
          mixup: 0.2
        model:
          variant: simba_s
          stem_hidden_dim: 4
          embed_dims: [4, 8, 12, 16]
          depths: [1, 1, 1, 1]
          mlp_ratios: [2, 2, 2, 2]
          d_state: 4
          drop_path: 0.1
        optimization:
          lr: 0.002
          lr_base_batch: 4
          batch_size: 4
          warmup_lr: 0.0001
          warmup_epochs: 1
          epochs: \(epochs)
          seed: 7
        output:
          log_every: 5

        """
    }

    /// A weights file for simba_s with 3 classes that fits nowhere: `head.weight` with the wrong
    /// shape, an unknown `bogus.weight`, and every other tensor missing.
    public static func mismatchedWeights() -> Data {
        let values = [Float](repeating: 0.5, count: 6)
        return values.withUnsafeBufferPointer { buffer in
            SafetensorsFile.encode(
                [
                    (name: "head.weight", shape: [2, 3], values: buffer.baseAddress!),
                    (name: "bogus.weight", shape: [6], values: buffer.baseAddress!)
                ], metadata: [:])
        }
    }

    /// Damages the file at `path`: drops its last 100 bytes (`truncate`) or overwrites header bytes 8..<40.
    public static func damage(_ path: String, truncate: Bool) throws {
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        if truncate {
            bytes = bytes.prefix(bytes.count - 100)
        } else {
            for i in 8..<40 { bytes[i] = 0xFF }
        }
        try bytes.write(to: URL(fileURLWithPath: path))
    }

    /// One bad input for a classification run in a project folder made by `makeFolder(root + "/images")`
    /// with `config()` in `root/config.yaml`: what to change, and what the message must say
    /// (`{root}` stands for the project folder).
    public struct BadInput: CustomStringConvertible, Sendable {
        public let name: String
        public let overrides: [String]
        let prepare: @Sendable (String) throws -> Void
        let fragments: [String]
        public var description: String { name }

        init(
            _ name: String, overrides: [String] = [], prepare: @escaping @Sendable (String) throws -> Void = { _ in },
            _ fragments: [String]
        ) {
            self.name = name
            self.overrides = overrides
            self.prepare = prepare
            self.fragments = fragments
        }

        /// Applies the change to the project folder `root`.
        public func prepare(_ root: String) throws { try prepare(root) }

        /// The fragments the message must hold, for the project folder `root`.
        public func fragments(_ root: String) -> [String] {
            fragments.map { $0.replacingOccurrences(of: "{root}", with: root) }
        }

        /// The image `corrupt` overwrites, relative to the project folder.
        public static let corruptImage = "images/train/class_b/class_b_3.png"

        /// Overwrites `corruptImage` with bytes that are no image (its name still ends in .png).
        public static func corrupt(_ root: String) throws {
            try Data("not a PNG at all".utf8).write(to: URL(fileURLWithPath: root + "/" + corruptImage))
        }

        static func remove(_ path: String) throws { try FileManager.default.removeItem(atPath: path) }

        public static let all: [BadInput] = [
            BadInput(
                "data folder missing", overrides: ["data.root=missing"],
                ["{root}/missing", "no such folder", "give the data root"]),
            BadInput(
                "no class folders",
                prepare: { root in
                    for name in classNames { try remove(root + "/images/train/" + name) }
                }, ["{root}/images/train", "no class folders", "put each class's images in its own subfolder"]),
            BadInput(
                "class folder without images",
                prepare: { root in
                    try FileManager.default.createDirectory(
                        atPath: root + "/images/train/class_d", withIntermediateDirectories: true)
                    try Data("notes".utf8).write(to: URL(fileURLWithPath: root + "/images/train/class_d/notes.txt"))
                }, ["{root}/images/train/class_d", "no .jpeg/.jpg/.png", "add its images or remove the folder"]),
            BadInput(
                "train and val with different classes",
                prepare: { root in
                    try FileManager.default.moveItem(
                        atPath: root + "/images/val/class_c", toPath: root + "/images/val/class_d")
                }, ["{root}/images", "different class folders", "class_c", "class_d", "data.class_map"]),
            BadInput(
                "model.num_classes differs from the folders", overrides: ["model.num_classes=5"],
                ["model.num_classes is 5", "{root}/images/train has 3 class folders", "set 0", "config.yaml"]),
            BadInput(
                "img_size not a multiple of 32", overrides: ["data.img_size=48"],
                ["img_size 48", "multiple of 32", "{root}/config.yaml"]),
            BadInput(
                "batch larger than the training split", overrides: ["optimization.batch_size=100"],
                ["{root}/images/train has 36 images", "optimization.batch_size 100", "lower the batch size"]),
            BadInput(
                "corrupted image with data.strict", overrides: ["data.strict=true"], prepare: { try corrupt($0) },
                ["{root}/" + corruptImage, "cannot decode image", "replace or remove the file"])
        ]
    }

    private static func chunk(_ type: String, _ payload: [UInt8], to out: inout [UInt8]) {
        let typeBytes = Array(type.utf8)
        out += bigEndian(UInt32(payload.count)) + typeBytes + payload + bigEndian(crc32(typeBytes + payload))
    }

    private static func bigEndian(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)]
    }

    private static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }

    /// zlib stream of stored deflate blocks (≤ 65535 bytes each) with its Adler-32.
    private static func zlibStored(_ data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [0x78, 0x01]
        var offset = 0
        repeat {
            let count = min(65535, data.count - offset)
            let last: UInt8 = offset + count == data.count ? 1 : 0
            out += [last, UInt8(count & 0xFF), UInt8(count >> 8), UInt8(~count & 0xFF), UInt8((~count >> 8) & 0xFF)]
            out += data[offset..<(offset + count)]
            offset += count
        } while offset < data.count
        var a: UInt32 = 1, b: UInt32 = 0
        for byte in data {
            a = (a + UInt32(byte)) % 65521
            b = (b + a) % 65521
        }
        return out + bigEndian((b << 16) | a)
    }
}
