// Decodes an image file by its first bytes (PNG or JPEG), whatever its name says. It does not
// resize, crop or normalise; that is the data pipeline's job.

import Foundation

/// Chooses PNG or JPEG by the file's magic bytes (ImageNet has PNGs named .JPEG) and returns 8-bit RGB.
public enum ImageDecoder {
    /// Decodes `data` (the contents of `source`, which names it in errors) to (height, width, 3) RGB.
    public static func decode(_ data: Data, source: String) throws -> ByteImage {
        if data.starts(with: PNG.signature) { return try PNG.decode(data, source: source) }
        if data.starts(with: JPEG.signature) { return try JPEG.decode(data, source: source) }
        let head = data.prefix(8).map { String(format: "%02X", $0) }.joined(separator: " ")
        let reason = data.isEmpty ? "the file is empty" : "not a PNG or JPEG (starts with \(head))"
        throw ImageDecodeError(source: source, reason: reason)
    }

    /// Reads and decodes the image file at `path`.
    public static func decode(path: String) throws -> ByteImage {
        try decode(ImageFile.read(path), source: path)
    }
}

/// Whole-file reads that throw `ImageDecodeError` naming the path.
enum ImageFile {
    static func read(_ path: String) throws -> Data {
        do {
            return try Data(contentsOf: URL(fileURLWithPath: path), options: .mappedIfSafe)
        } catch {
            throw ImageDecodeError(source: path, reason: "cannot read the file (\(error.localizedDescription))")
        }
    }
}
