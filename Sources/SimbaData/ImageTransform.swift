// What every image transform shares: the protocol the loader calls and the ToTensor + Normalize step
// (bytes to normalised float32). It does not resize or crop; EvalTransform and TrainTransform do.

import SimbaCore

/// Turns a decoded image into a (size, size, 3) float32 NHWC sample.
public protocol ImageTransform: Sendable {
    /// Output side in pixels.
    var size: Int { get }
    /// Writes (size, size, 3) floats to `output`. Random choices come from `generator` only.
    func apply(
        _ image: ByteImage, into output: UnsafeMutablePointer<Float>,
        generator: inout RandomGenerator, scratch: ResampleScratch)
}

/// torchvision's `ToTensor()` then `Normalize(mean, std)`: x = (v/255 − mean_c)/std_c in float32,
/// through a 256-entry table per channel holding exactly those float32 results.
public struct Normalization: Equatable, Sendable {
    /// ImageNet statistics (timm's IMAGENET_DEFAULT_MEAN / _STD).
    public static let imageNet = Normalization(mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225])

    public let mean: [Float]
    public let std: [Float]

    /// "0.485,0.456,0.406" → [0.485, 0.456, 0.406]; nil unless exactly three numbers.
    public static func channels(_ text: String) -> [Float]? {
        let values = text.split(separator: ",", omittingEmptySubsequences: false).map {
            Float($0.trimmingCharacters(in: .whitespaces))
        }
        guard values.count == 3, values.allSatisfy({ $0 != nil }) else { return nil }
        return values.map { $0! }
    }
    /// (channel, byte value) → normalised value.
    let table: [Float]

    public init(mean: [Float], std: [Float]) {
        precondition(mean.count == 3 && std.count == 3, "mean and std need 3 values (R, G, B)")
        precondition(std.allSatisfy { $0 > 0 }, "std values must be positive, got \(std)")
        self.mean = mean
        self.std = std
        table = (0..<3).flatMap { c in (0..<256).map { v in (Float(v) / 255 - mean[c]) / std[c] } }
    }

    /// Normalises (rows, width, 3) bytes into (rows, width, 3) floats; `mirrored` reverses each
    /// row (a horizontal flip).
    func write(
        _ bytes: UnsafePointer<UInt8>, rows: Int, width: Int, mirrored: Bool,
        into output: UnsafeMutablePointer<Float>
    ) {
        table.withUnsafeBufferPointer { lookup in
            let red = lookup.baseAddress!, green = red + 256, blue = red + 512
            for y in 0..<rows {
                let source = bytes + y * width * 3
                let target = output + y * width * 3
                for x in 0..<width {
                    let s = source + 3 * (mirrored ? width - 1 - x : x)
                    target[3 * x] = red[Int(s[0])]
                    target[3 * x + 1] = green[Int(s[1])]
                    target[3 * x + 2] = blue[Int(s[2])]
                }
            }
        }
    }
}
