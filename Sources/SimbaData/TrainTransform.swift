// Training augmentation (timm's transforms_imagenet_train without auto-augment): random resized crop,
// horizontal flip, optional colour jitter, normalise, optional random erasing. No mixup/cutmix.

import SimbaCore

/// timm's training pipeline: `RandomResizedCrop(size, scale, ratio, interpolation)` →
/// `RandomHorizontalFlip(flipProbability)` → optional `ColorJitter` → `ToTensor` + `Normalize` →
/// optional `RandomErasing` ('pixel' mode). Output (size, size, 3) float32.
///
/// Draws, in this order, from the generator passed to `apply`: the crop box, the flip (u < p flips),
/// the jitter order and factors, the erasing. The resize is PIL's (see `Resample`) on the crop box.
public struct TrainTransform: ImageTransform {
    public let size: Int
    public let crop: RandomResizedCrop
    public let interpolation: Interpolation
    public let flipProbability: Double
    public let colorJitter: ColorJitter?
    public let erasing: RandomErasing?
    public let normalization: Normalization

    public init(
        size: Int, crop: RandomResizedCrop = RandomResizedCrop(), interpolation: Interpolation = .bicubic,
        flipProbability: Double = 0.5, colorJitter: ColorJitter? = nil, erasing: RandomErasing? = nil,
        normalization: Normalization = .imageNet
    ) {
        precondition(size > 0, "size must be positive, got \(size)")
        precondition((0...1).contains(flipProbability), "flip probability must be in [0, 1], got \(flipProbability)")
        self.size = size
        self.crop = crop
        self.interpolation = interpolation
        self.flipProbability = flipProbability
        self.colorJitter = colorJitter
        self.erasing = erasing
        self.normalization = normalization
    }

    public func apply(
        _ image: ByteImage, into output: UnsafeMutablePointer<Float>,
        generator: inout RandomGenerator, scratch: ResampleScratch
    ) {
        let box = crop.box(width: image.width, height: image.height, generator: &generator)
        let flip = generator.unitDouble() < flipProbability
        ResampleScratch.ensure(&scratch.window, size * size * 3)
        scratch.window.withUnsafeMutableBufferPointer { bytes in
            Resample.resize(
                image, box: box, width: size, height: size,
                window: PixelBox(x: 0, y: 0, width: size, height: size),
                interpolation: interpolation, into: bytes.baseAddress!, scratch: scratch)
            colorJitter?.apply(bytes.baseAddress!, count: size * size, generator: &generator)
            normalization.write(bytes.baseAddress!, rows: size, width: size, mirrored: flip, into: output)
        }
        erasing?.apply(output, width: size, height: size, generator: &generator)
    }
}
