// PNG encoding and decoding through libpng's simplified API (errors come back as return values, so
// no setjmp is needed). The only file that imports CPNG. It does not read or write PNG text chunks.

import CPNG
import Foundation
import SimbaCore

/// PNG files: 8-bit gray or RGB out, any PNG in, 8-bit RGB back.
///
/// Decoding matches PIL's `Image.open(path).convert("RGB")` for 8-bit files:
/// - palette (1/2/4/8-bit) → palette colours; grayscale 1/2/4-bit → scaled to 0…255 (×255, ×85, ×17);
/// - alpha (RGBA, gray+alpha, tRNS) is dropped without compositing, as PIL does;
/// - 16-bit samples v become round(v·255/65535) (libpng's `png_set_scale_16`), which is PIL's high
///   byte v >> 8 or one more. 16-bit samples are taken as sRGB-encoded like 8-bit ones.
/// Differences from PIL: a gAMA chunk other than ≈1/2.2 (or an iCCP/cHRM that libpng honours) makes
/// libpng convert the samples to sRGB, which PIL does not do; PIL maps 16-bit gray through clipping.
public enum PNG {
    /// The eight bytes every PNG starts with.
    public static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    /// Encodes a gray (`channels == 1`) or RGB (`channels == 3`) image as a PNG file's bytes
    /// (zlib's default compression, an sRGB chunk as libpng's simplified API writes it).
    public static func encode(_ image: ByteImage) throws -> Data {
        precondition(
            image.channels == 1 || image.channels == 3, "PNG encodes gray or RGB, got \(image.channels) channels")
        var header = png_image()
        header.version = UInt32(PNG_IMAGE_VERSION)
        header.width = UInt32(image.width)
        header.height = UInt32(image.height)
        header.format = image.channels == 3 ? UInt32(PNG_FORMAT_RGB) : UInt32(PNG_FORMAT_GRAY)
        let stride = Int32(image.width * image.channels)
        return try image.pixels.withUnsafeBytes { pixels -> Data in
            var size: png_alloc_size_t = 0
            guard png_image_write_to_memory(&header, nil, &size, 0, pixels.baseAddress, stride, nil) != 0 else {
                throw ImageEncodeError(reason: "libpng: " + message(of: &header))
            }
            var bytes = [UInt8](repeating: 0, count: Int(size))
            let written = bytes.withUnsafeMutableBytes { out in
                png_image_write_to_memory(&header, out.baseAddress, &size, 0, pixels.baseAddress, stride, nil)
            }
            guard written != 0 else { throw ImageEncodeError(reason: "libpng: " + message(of: &header)) }
            return Data(bytes[0..<Int(size)])
        }
    }

    /// Encodes `image` and replaces `path` atomically (see `AtomicFile.write`).
    public static func write(_ image: ByteImage, to path: String) throws {
        try AtomicFile.write(encode(image), to: path)
    }

    /// Decodes a PNG file's bytes to 8-bit RGB (see the type's comment for the conversions);
    /// `source` names the file in errors. The size in the IHDR chunk is checked against
    /// `ImageDecoder.maximumPixelCount` before any pixel buffer is allocated.
    public static func decode(_ data: Data, source: String) throws -> ByteImage {
        try data.withUnsafeBytes { raw -> ByteImage in
            var header = png_image()
            header.version = UInt32(PNG_IMAGE_VERSION)
            guard png_image_begin_read_from_memory(&header, raw.baseAddress, raw.count) != 0 else {
                throw ImageDecodeError(source: source, reason: "not a valid PNG (libpng: \(message(of: &header)))")
            }
            let width = Int(header.width), height = Int(header.height)
            do {
                try ImageDecoder.checkDeclaredSize(width: width, height: height, format: "PNG", source: source)
            } catch {
                png_image_free(&header)
                throw error
            }
            // Read with alpha when the file has any (the simplified API would otherwise composite
            // it over the buffer's contents), then drop it.
            let hasAlpha = header.format & UInt32(PNG_FORMAT_FLAG_ALPHA) != 0
            let channels = hasAlpha ? 4 : 3
            header.format = hasAlpha ? UInt32(PNG_FORMAT_RGB) | UInt32(PNG_FORMAT_FLAG_ALPHA) : UInt32(PNG_FORMAT_RGB)
            header.flags |= UInt32(PNG_IMAGE_FLAG_16BIT_sRGB)
            var pixels = [UInt8](repeating: 0, count: width * height * channels)
            let finished = pixels.withUnsafeMutableBytes { out in
                png_image_finish_read(&header, nil, out.baseAddress, Int32(width * channels), nil)
            }
            guard finished != 0 else {
                throw ImageDecodeError(
                    source: source, reason: "corrupt or truncated PNG (libpng: \(message(of: &header)))")
            }
            if hasAlpha {
                for i in 0..<(width * height) {
                    pixels[3 * i] = pixels[4 * i]
                    pixels[3 * i + 1] = pixels[4 * i + 1]
                    pixels[3 * i + 2] = pixels[4 * i + 2]
                }
                pixels.removeLast(width * height)
            }
            return ByteImage(width: width, height: height, channels: 3, pixels: pixels)
        }
    }

    /// Reads and decodes the PNG file at `path`.
    public static func decode(path: String) throws -> ByteImage {
        try decode(ImageFile.read(path), source: path)
    }

    /// libpng's error or warning text (a NUL-terminated 64-byte field of `png_image`).
    private static func message(of header: inout png_image) -> String {
        withUnsafeBytes(of: &header.message) { raw in
            let text = String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            return text.isEmpty ? "no message" : text
        }
    }
}
