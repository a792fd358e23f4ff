// Makes a small "real-world" test folder from an image folder: upscaled images of varied sizes saved as
// RGB, grayscale and CMYK JPEGs with a few PNGs (one named .JPEG). It does not change the labels.

import Foundation
import SimbaCore

/// Builds a folder that exercises what ImageNet throws at a loader (odd sizes, non-square images,
/// grayscale and CMYK JPEGs, PNGs, a PNG named `.JPEG`, mixed-case extensions) from a clean one.
public enum RealWorldFolder {
    /// For every split of `source` (train/val folders, or `source` itself when it holds class
    /// folders) writes `perClass` images per class (drawn without replacement by `seed`) to the
    /// same relative place under `destination`. Each image is upscaled bicubically to a random
    /// width and height in 40…300 and saved, in a repeating cycle of ten files, as 6 RGB JPEGs
    /// (quality 70…95), a grayscale JPEG, a CMYK JPEG, a PNG named `.JPEG` and a PNG named `.png`
    /// (so any 10 consecutive files hold every kind). JPEG extensions vary among .JPEG, .jpg, .jpeg.
    /// Returns the number of files written.
    @discardableResult
    public static func make(from source: String, to destination: String, perClass: Int, seed: UInt64) throws -> Int {
        precondition(perClass > 0, "perClass must be positive, got \(perClass)")
        var folders: [ImageFolder] = []
        for split in ["train", "val"] {
            guard let folder = try? ImageFolder(root: source, split: split) else { continue }
            if !folders.contains(where: { $0.splitPath == folder.splitPath }) { folders.append(folder) }
        }
        if folders.isEmpty { folders.append(try ImageFolder(root: source, split: "train")) }
        var generator = RandomGenerator(seed: seed)
        var written = 0
        let scratch = ResampleScratch()
        for folder in folders {
            let relative = String(folder.splitPath.dropFirst(folder.root.count))
            for (label, name) in folder.classNames.enumerated() {
                let target = destination + relative + "/" + name
                do {
                    try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true)
                } catch {
                    throw ImageFolderError.uncreatableFolder(folder: target, reason: error.localizedDescription)
                }
                var members = folder.samples.filter { $0.label == label }
                for i in 0..<min(perClass, members.count) {
                    members.swapAt(i, generator.integer(in: i...(members.count - 1)))
                    try writeVariant(
                        of: members[i].path, into: target, kind: cycle[written % cycle.count],
                        generator: &generator, scratch: scratch)
                    written += 1
                }
            }
        }
        return written
    }

    private enum Kind { case rgb, gray, cmyk, pngNamedJPEG, png }
    private static let cycle: [Kind] = [.rgb, .gray, .rgb, .cmyk, .rgb, .pngNamedJPEG, .rgb, .rgb, .png, .rgb]

    private static func writeVariant(
        of path: String, into folder: String, kind: Kind,
        generator: inout RandomGenerator, scratch: ResampleScratch
    ) throws {
        let image = try ImageDecoder.decode(path: path)
        let width = generator.integer(in: 40...300), height = generator.integer(in: 40...300)
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        pixels.withUnsafeMutableBufferPointer { out in
            Resample.resize(
                image, box: PixelBox(x: 0, y: 0, width: image.width, height: image.height),
                width: width, height: height, window: PixelBox(x: 0, y: 0, width: width, height: height),
                interpolation: .bicubic, into: out.baseAddress!, scratch: scratch)
        }
        let rgb = ByteImage(width: width, height: height, channels: 3, pixels: pixels)
        let stem = folder + "/" + URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        let extensions = [".JPEG", ".jpg", ".jpeg"]
        let suffix = extensions[generator.integer(in: 0...2)]
        switch kind {
        case .rgb: try JPEG.write(rgb, to: stem + suffix, quality: generator.integer(in: 70...95))
        case .gray: try JPEG.write(gray(rgb), to: stem + "_gray" + suffix)
        case .cmyk: try JPEG.write(cmyk(rgb), to: stem + "_cmyk" + suffix)
        case .pngNamedJPEG: try PNG.write(rgb, to: stem + "_png.JPEG")
        case .png: try PNG.write(rgb, to: stem + ".png")
        }
    }

    /// PIL's RGB → L: (19595·R + 38470·G + 7471·B + 2¹⁵) >> 16.
    static func gray(_ image: ByteImage) -> ByteImage {
        var out = ByteImage(width: image.width, height: image.height, channels: 1)
        for i in 0..<(image.width * image.height) {
            let r = 19595 * Int(image.pixels[3 * i]), g = 38470 * Int(image.pixels[3 * i + 1])
            let b = 7471 * Int(image.pixels[3 * i + 2])
            out.pixels[i] = UInt8((r + g + b + 0x8000) >> 16)
        }
        return out
    }

    /// PIL's RGB → CMYK: C = 255 − R, M = 255 − G, Y = 255 − B, K = 0 (ink amounts).
    static func cmyk(_ image: ByteImage) -> ByteImage {
        var out = ByteImage(width: image.width, height: image.height, channels: 4)
        for i in 0..<(image.width * image.height) {
            for c in 0..<3 { out.pixels[4 * i + c] = 255 - image.pixels[3 * i + c] }
        }
        return out
    }
}
