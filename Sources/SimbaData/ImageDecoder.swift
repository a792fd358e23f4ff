// Decodes an image file by its first bytes (PNG or JPEG), whatever its name says. It does not
// resize, crop or normalise; that is the data pipeline's job.

import Foundation

/// Chooses PNG or JPEG by the file's magic bytes (ImageNet has PNGs named .JPEG) and returns 8-bit RGB.
public enum ImageDecoder {
    /// The most pixels (width × height) an image may declare: PIL's `Image.MAX_IMAGE_PIXELS`
    /// (89,478,485 = 2³⁰ / 4 / 3, a 1 GiB image at 4 bytes a pixel, over 3), the size above which PIL
    /// warns of a decompression bomb (it refuses at twice that). simba refuses any image above it:
    /// PNG and JPEG read the size from the file's header (IHDR, SOF) and throw `ImageDecodeError`
    /// before allocating or decoding, so a tiny file cannot make simba ask for gigabytes. The data
    /// loader treats that as any unreadable image: skipped with a warning, or an error when strict.
    public static let maximumPixelCount = 89_478_485

    /// Throws unless a `width`×`height` image, as the header of the `format` file `source` declares
    /// it, has at least one pixel and at most `maximumPixelCount`.
    static func checkDeclaredSize(width: Int, height: Int, format: String, source: String) throws {
        guard width > 0, height > 0 else {
            throw ImageDecodeError(source: source, reason: "the \(format) header declares \(width)×\(height) pixels")
        }
        let (pixels, overflow) = width.multipliedReportingOverflow(by: height)
        guard !overflow, pixels <= maximumPixelCount else {
            throw ImageDecodeError(
                source: source,
                reason: "the \(format) header declares \(width)×\(height) pixels, more than the "
                    + "\(maximumPixelCount) simba decodes (PIL's decompression-bomb limit)")
        }
    }

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
