// JPEG encoding and decoding through libjpeg-turbo's TurboJPEG API, which reports errors as return
// values (libjpeg's own API needs setjmp). The only file that imports CJPEG. No EXIF orientation.

import CJPEG
import Foundation
import SimbaCore

/// JPEG files: gray, RGB or CMYK out; gray, YCbCr/RGB and CMYK/YCCK in, 8-bit RGB back.
///
/// Decoding matches PIL's `Image.open(path).convert("RGB")`: the same libjpeg-turbo defaults
/// (accurate integer IDCT, fancy upsampling), gray replicated to R = G = B, and CMYK/YCCK files
/// read with the Adobe convention PIL assumes for every CMYK JPEG (stored bytes are inverted,
/// 255 = no ink), then converted as PIL's `cmyk2rgb` does: with stored bytes C', K',
/// R = K' − MULDIV255(255 − C', K') ≈ C'·K'/255 (likewise G from M', B from Y').
/// libjpeg warnings (for example extraneous bytes before a marker) are tolerated like PIL
/// does, except a premature end of data, which is an error as in PIL.
public enum JPEG {
    /// The three bytes every JPEG starts with (SOI marker and the next marker's 0xFF).
    public static let signature: [UInt8] = [0xFF, 0xD8, 0xFF]

    /// Chroma subsampling of an encoded colour JPEG (gray files have none).
    public enum Subsampling: Sendable {
        case none444, horizontal422, both420
        var turboValue: Int32 {
            switch self {
            case .none444: return Int32(TJSAMP_444.rawValue)
            case .horizontal422: return Int32(TJSAMP_422.rawValue)
            case .both420: return Int32(TJSAMP_420.rawValue)
            }
        }
    }

    /// Encodes `image` as a baseline JPEG. Channels: 1 → grayscale JPEG, 3 → YCbCr from RGB,
    /// 4 → Adobe YCCK from CMYK ink amounts (0 = no ink; stored inverted, as PIL saves "CMYK").
    /// `quality` 1…100; the defaults (75, 4:2:0) are PIL's.
    public static func encode(_ image: ByteImage, quality: Int = 75, subsampling: Subsampling = .both420) throws -> Data
    {
        precondition((1...100).contains(quality), "JPEG quality must be in 1…100, got \(quality)")
        let format: TJPF
        var source = image.pixels
        switch image.channels {
        case 1: format = TJPF_GRAY
        case 3: format = TJPF_RGB
        default:
            format = TJPF_CMYK
            for i in source.indices { source[i] = 255 &- source[i] }
        }
        let sampling = image.channels == 1 ? Int32(TJSAMP_GRAY.rawValue) : subsampling.turboValue
        guard let handle = tjInitCompress() else { throw ImageEncodeError(reason: "TurboJPEG: " + errorText(nil)) }
        defer { tjDestroy(handle) }
        var output: UnsafeMutablePointer<UInt8>?
        var size: UInt = 0
        let status = source.withUnsafeBufferPointer { pixels in
            tjCompress2(
                handle, pixels.baseAddress, Int32(image.width), Int32(image.width * image.channels),
                Int32(image.height), Int32(format.rawValue), &output, &size, sampling, Int32(quality), 0)
        }
        defer { if let output { tjFree(output) } }
        guard status == 0, let output else { throw ImageEncodeError(reason: "TurboJPEG: " + errorText(handle)) }
        return Data(bytes: output, count: Int(size))
    }

    /// Encodes `image` and replaces `path` atomically (see `AtomicFile.write`).
    public static func write(
        _ image: ByteImage, to path: String, quality: Int = 75, subsampling: Subsampling = .both420
    ) throws {
        try AtomicFile.write(encode(image, quality: quality, subsampling: subsampling), to: path)
    }

    /// Decodes a JPEG file's bytes to 8-bit RGB (see the type's comment); `source` names the file in errors.
    /// The size in the SOF marker is checked against `ImageDecoder.maximumPixelCount` before any
    /// pixel buffer is allocated.
    public static func decode(_ data: Data, source: String) throws -> ByteImage {
        guard let handle = tjInitDecompress() else {
            throw ImageDecodeError(source: source, reason: "TurboJPEG could not start: " + errorText(nil))
        }
        defer { tjDestroy(handle) }
        return try data.withUnsafeBytes { raw -> ByteImage in
            let bytes = raw.bindMemory(to: UInt8.self)
            var width: Int32 = 0, height: Int32 = 0, sampling: Int32 = 0, colorspace: Int32 = 0
            guard
                tjDecompressHeader3(
                    handle, bytes.baseAddress, UInt(bytes.count), &width, &height, &sampling, &colorspace) == 0
            else {
                throw ImageDecodeError(source: source, reason: "not a valid JPEG (libjpeg-turbo: \(errorText(handle)))")
            }
            guard width > 0, height > 0 else {
                throw ImageDecodeError(
                    source: source, reason: "truncated JPEG header (no frame size before the data ends)")
            }
            try ImageDecoder.checkDeclaredSize(width: Int(width), height: Int(height), format: "JPEG", source: source)
            let pixelCount = Int(width) * Int(height)
            let isCMYK = colorspace == Int32(TJCS_CMYK.rawValue) || colorspace == Int32(TJCS_YCCK.rawValue)
            let channels = isCMYK ? 4 : 3
            var pixels = [UInt8](repeating: 0, count: pixelCount * channels)
            let status = pixels.withUnsafeMutableBufferPointer { out in
                tjDecompress2(
                    handle, bytes.baseAddress, UInt(bytes.count), out.baseAddress, width,
                    width * Int32(channels), height, Int32((isCMYK ? TJPF_CMYK : TJPF_RGB).rawValue), 0)
            }
            if status != 0 {
                let text = errorText(handle)
                let isWarning = tjGetErrorCode(handle) == Int32(TJERR_WARNING.rawValue)
                // "Premature end of JPEG file" (cut short) and "Corrupt JPEG data: premature end of data
                // segment" (a marker where the scan data should go on) both mean the image is not all there.
                if !isWarning || text.range(of: "premature end", options: .caseInsensitive) != nil {
                    throw ImageDecodeError(source: source, reason: "corrupt or truncated JPEG (libjpeg-turbo: \(text))")
                }
            }
            guard isCMYK else { return ByteImage(width: Int(width), height: Int(height), channels: 3, pixels: pixels) }
            var rgb = [UInt8](repeating: 0, count: pixelCount * 3)
            for i in 0..<pixelCount {
                let k = Int(pixels[4 * i + 3])
                for c in 0..<3 { rgb[3 * i + c] = UInt8(k - mulDiv255(255 - Int(pixels[4 * i + c]), k)) }
            }
            return ByteImage(width: Int(width), height: Int(height), channels: 3, pixels: rgb)
        }
    }

    /// Reads and decodes the JPEG file at `path`.
    public static func decode(path: String) throws -> ByteImage {
        try decode(ImageFile.read(path), source: path)
    }

    /// a·b/255 rounded the way PIL's `MULDIV255` macro does, for a, b in 0…255.
    static func mulDiv255(_ a: Int, _ b: Int) -> Int {
        let t = a * b + 128
        return ((t >> 8) + t) >> 8
    }

    private static func errorText(_ handle: tjhandle?) -> String {
        guard let text = tjGetErrorStr2(handle) else { return "no message" }
        return String(cString: text)
    }
}
