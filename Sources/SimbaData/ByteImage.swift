// An 8-bit image in memory (height, width, channels) and the typed error every image decoder throws.
// It does no colour conversion; PNG.swift and JPEG.swift read and write it.

import Foundation

/// An 8-bit image stored row-major as (height, width, channels): `pixels[(y·width + x)·channels + c]`.
/// Decoders always return `channels == 3` (RGB). Encoders also take 1 (gray), and JPEG takes
/// 4 (CMYK as ink amounts, 0 = no ink, the convention of PIL's "CMYK" mode).
public struct ByteImage: Equatable, Sendable {
    public let width: Int
    public let height: Int
    public let channels: Int
    /// (height, width, channels) row-major.
    public var pixels: [UInt8]

    public init(width: Int, height: Int, channels: Int, pixels: [UInt8]) {
        precondition(width > 0 && height > 0, "image size \(width)×\(height) must be positive")
        precondition([1, 3, 4].contains(channels), "channels must be 1, 3 or 4, got \(channels)")
        precondition(
            pixels.count == width * height * channels,
            "pixels has \(pixels.count) bytes, want \(width)·\(height)·\(channels)")
        self.width = width
        self.height = height
        self.channels = channels
        self.pixels = pixels
    }

    /// A `width`×`height` image with every byte set to `value`.
    public init(width: Int, height: Int, channels: Int, filledWith value: UInt8 = 0) {
        self.init(
            width: width, height: height, channels: channels,
            pixels: [UInt8](repeating: value, count: width * height * channels))
    }
}

/// An image file that could not be read or decoded; names the file and says why.
public struct ImageDecodeError: Error, CustomStringConvertible {
    /// The path (or the name the caller gave the bytes).
    public let source: String
    public let reason: String

    public init(source: String, reason: String) {
        self.source = source
        self.reason = reason
    }

    public var description: String {
        "cannot decode image \(source): \(reason); replace or remove the file"
    }
}

/// An image that could not be encoded (an error reported by libpng or libjpeg-turbo).
public struct ImageEncodeError: Error, CustomStringConvertible {
    public let reason: String
    public var description: String { "cannot encode image: \(reason)" }
}
