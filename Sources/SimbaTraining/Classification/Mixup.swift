// Mixup and CutMix on a batch (timm's `Mixup`, batch mode): mixes each image with the batch
// reversed and writes the matching soft targets, for a whole batch or one process's slice of it.
// Draws λ from Beta(α, α); changes nothing else.

import Foundation
import SimbaCore

public struct Mixup {
    public var mixupAlpha: Double
    public var cutmixAlpha: Double
    /// With both on, the chance of CutMix for a batch (timm's switch_prob).
    public var switchProbability = 0.5
    public var labelSmoothing: Double

    public init(mixupAlpha: Double, cutmixAlpha: Double, labelSmoothing: Double) {
        self.mixupAlpha = mixupAlpha
        self.cutmixAlpha = cutmixAlpha
        self.labelSmoothing = labelSmoothing
    }

    public var isActive: Bool { mixupAlpha > 0 || cutmixAlpha > 0 }

    /// One batch's draw: CutMix or Mixup, λ (for CutMix, the share of pixels kept) and CutMix's box.
    struct Draw {
        let cutmix: Bool
        let lambda: Double
        let rows: Range<Int>
        let columns: Range<Int>
    }

    /// Draws the batch's mixing from `generator` (every process of a job draws the same).
    func draw(size: Int, generator: inout RandomGenerator) -> Draw {
        let useCutmix = cutmixAlpha > 0 && (mixupAlpha == 0 || Double(generator.uniform()) < switchProbability)
        let lambda = Self.beta(useCutmix ? cutmixAlpha : mixupAlpha, &generator)
        guard useCutmix else { return Draw(cutmix: false, lambda: lambda, rows: 0..<0, columns: 0..<0) }
        let cut = (1 - lambda).squareRoot()
        let (ch, cw) = (Int(Double(size) * cut), Int(Double(size) * cut))
        let cy = Int(generator.next() % UInt64(size)), cx = Int(generator.next() % UInt64(size))
        let (y0, y1) = (max(cy - ch / 2, 0), min(cy + ch / 2, size))
        let (x0, x1) = (max(cx - cw / 2, 0), min(cx + cw / 2, size))
        return Draw(
            cutmix: true, lambda: 1 - Double((y1 - y0) * (x1 - x0)) / Double(size * size), rows: y0..<y1,
            columns: x0..<x1)
    }

    /// Mixes `images` (batch, size, size, 3) in place with the batch reversed and writes soft
    /// targets (batch, classes): λ·smooth(y) + (1 − λ)·smooth(y reversed). `scratch` holds one image.
    public func apply(
        images: UnsafeMutablePointer<Float>, labels: UnsafePointer<Int32>, targets: UnsafeMutablePointer<Float>,
        scratch: UnsafeMutablePointer<Float>, batch: Int, size: Int, classes: Int, generator: inout RandomGenerator
    ) {
        let mix = draw(size: size, generator: &generator)
        let pixels = size * size * 3
        // Pairs (b, batch−1−b): mix both from their originals at once, so order does not matter.
        for b in 0..<batch / 2 {
            let p = images + b * pixels, q = images + (batch - 1 - b) * pixels
            if mix.cutmix {
                for y in mix.rows {
                    for x in mix.columns {
                        for c in 0..<3 { swap(&p[(y * size + x) * 3 + c], &q[(y * size + x) * 3 + c]) }
                    }
                }
            } else {
                let l = Float(mix.lambda)
                scratch.update(from: p, count: pixels)
                for i in 0..<pixels {
                    p[i] = l * p[i] + (1 - l) * q[i]
                    q[i] = l * q[i] + (1 - l) * scratch[i]
                }
            }
        }
        writeTargets(
            targets, labels: labels, batch: batch, rows: Array(0..<batch), classes: classes, lambda: mix.lambda)
    }

    /// `apply` for some `samples` of a batch of `batch` (one process's share in a job): mixes
    /// `images` (samples.count, size, size, 3) with `partners`, the unmixed images of samples
    /// batch − 1 − b for each sample b in the same order, and writes the samples' rows of the soft
    /// targets (samples.count, classes). `labels` holds the whole batch's. With the same generator
    /// state, the result is bit for bit `apply`'s rows of those samples.
    func apply(
        samples: [Int], images: UnsafeMutablePointer<Float>, partners: UnsafePointer<Float>,
        labels: UnsafePointer<Int32>, targets: UnsafeMutablePointer<Float>, batch: Int, size: Int, classes: Int,
        generator: inout RandomGenerator
    ) {
        precondition(samples.allSatisfy { (0..<batch).contains($0) }, "a sample outside the batch")
        let mix = draw(size: size, generator: &generator)
        let pixels = size * size * 3
        let l = Float(mix.lambda)
        for (i, b) in samples.enumerated() where b != batch - 1 - b {
            let p = images + i * pixels, q = partners + i * pixels
            if mix.cutmix {
                for y in mix.rows {
                    for x in mix.columns {
                        for c in 0..<3 { p[(y * size + x) * 3 + c] = q[(y * size + x) * 3 + c] }
                    }
                }
            } else {
                for k in 0..<pixels { p[k] = l * p[k] + (1 - l) * q[k] }
            }
        }
        writeTargets(targets, labels: labels, batch: batch, rows: samples, classes: classes, lambda: mix.lambda)
    }

    /// Rows `rows` of the soft targets, one after another from row 0 of `targets`:
    /// λ·smooth(y_b) + (1 − λ)·smooth(y_{batch−1−b}).
    private func writeTargets(
        _ targets: UnsafeMutablePointer<Float>, labels: UnsafePointer<Int32>, batch: Int, rows: [Int],
        classes: Int, lambda: Double
    ) {
        let off = Float(labelSmoothing / Double(classes)), on = Float(1 - labelSmoothing) + off
        for (i, b) in rows.enumerated() {
            let row = targets + i * classes
            row.update(repeating: off, count: classes)
            row[Int(labels[b])] += Float(lambda) * (on - off)
            row[Int(labels[batch - 1 - b])] += Float(1 - lambda) * (on - off)
        }
    }

    /// A Beta(α, α) draw from two Gamma(α) draws (Marsaglia–Tsang).
    static func beta(_ alpha: Double, _ generator: inout RandomGenerator) -> Double {
        let x = gamma(alpha, &generator), y = gamma(alpha, &generator)
        return x + y > 0 ? x / (x + y) : 0.5
    }

    static func gamma(_ shape: Double, _ generator: inout RandomGenerator) -> Double {
        if shape < 1 {
            let u = max(Double(generator.uniform()), 1e-12)
            return gamma(shape + 1, &generator) * pow(u, 1 / shape)
        }
        let d = shape - 1.0 / 3, c = 1 / (9 * d).squareRoot()
        while true {
            let x = Double(generator.normal())
            let v = pow(1 + c * x, 3)
            guard v > 0 else { continue }
            let u = Double(generator.uniform())
            if log(max(u, 1e-300)) < 0.5 * x * x + d - d * v + d * log(v) { return d * v }
        }
    }
}
