// Evaluation preprocessing (timm's eval transform): resize the shorter side, center crop, normalise.
// It has no randomness and no augmentation.

import Foundation
import SimbaCore

/// timm's `transforms_imagenet_eval`: `Resize(floor(size / cropPct), interpolation)` on the shorter
/// side, `CenterCrop(size)`, `ToTensor()`, `Normalize(mean, std)`; output (size, size, 3) float32.
///
/// The shorter side becomes `resizeSize` = ⌊size / cropPct⌋ and the longer one
/// int(resizeSize · long / short) (torchvision's rounding down). The crop's offset is
/// round((resized − size)/2) with Python's round half to even; when `size` exceeds a side
/// (cropPct > 1) the image is padded with zeros, left/top getting ⌊(size − side)/2⌋.
/// Only the cropped window of the resized image is computed (the same bytes as resizing all of it).
/// Defaults: SiMBA's cropPct 0.96 (timm's own default is 0.875), bicubic, ImageNet mean and std.
public struct EvalTransform: ImageTransform {
    public let size: Int
    public let cropPct: Double
    public let interpolation: Interpolation
    public let normalization: Normalization

    public init(
        size: Int, cropPct: Double = 0.96, interpolation: Interpolation = .bicubic,
        normalization: Normalization = .imageNet
    ) {
        precondition(size > 0, "size must be positive, got \(size)")
        precondition(cropPct > 0 && cropPct.isFinite, "cropPct must be positive, got \(cropPct)")
        self.size = size
        self.cropPct = cropPct
        self.interpolation = interpolation
        self.normalization = normalization
    }

    /// Length of the shorter side after resizing: timm's `scale_size = math.floor(img_size / crop_pct)`.
    public var resizeSize: Int { Int((Double(size) / cropPct).rounded(.down)) }

    /// Size of a `width`×`height` image after the shorter-side resize (torchvision's `Resize(int)`).
    public func resizedSize(width: Int, height: Int) -> (width: Int, height: Int) {
        let side = resizeSize
        if width <= height { return (side, Int(Double(side * height) / Double(width))) }
        return (Int(Double(side * width) / Double(height)), side)
    }

    /// The crop window inside the resized image (negative offsets mean zero padding), as
    /// torchvision's `center_crop`.
    public func cropWindow(resizedWidth: Int, resizedHeight: Int) -> PixelBox {
        func offset(_ side: Int) -> Int {
            if size > side { return -((size - side) / 2) }
            return Int((Double(side - size) / 2).rounded(.toNearestOrEven))
        }
        return PixelBox(x: offset(resizedWidth), y: offset(resizedHeight), width: size, height: size)
    }

    /// Writes the (size, size, 3) normalised center crop of the resized `image` to `output`.
    /// `generator` is not used.
    public func apply(
        _ image: ByteImage, into output: UnsafeMutablePointer<Float>,
        generator: inout RandomGenerator, scratch: ResampleScratch
    ) {
        apply(image, into: output, scratch: scratch)
    }

    /// Writes the (size, size, 3) normalised center crop of the resized `image` to `output`.
    public func apply(_ image: ByteImage, into output: UnsafeMutablePointer<Float>, scratch: ResampleScratch) {
        let resized = resizedSize(width: image.width, height: image.height)
        let window = cropWindow(resizedWidth: resized.width, resizedHeight: resized.height)
        ResampleScratch.ensure(&scratch.window, size * size * 3)
        scratch.window.withUnsafeMutableBufferPointer { bytes in
            Resample.resize(
                image, box: PixelBox(x: 0, y: 0, width: image.width, height: image.height),
                width: resized.width, height: resized.height, window: window,
                interpolation: interpolation, into: bytes.baseAddress!, scratch: scratch)
            normalization.write(bytes.baseAddress!, rows: size, width: size, mirrored: false, into: output)
        }
    }
}
