// Mixup and CutMix on a batch (timm's `Mixup`, batch mode): mixes each image with the batch
// reversed and writes the matching soft targets. Draws λ from Beta(α, α); changes nothing else.

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

    /// Mixes `images` (batch, size, size, 3) in place with the batch reversed and writes soft
    /// targets (batch, classes): λ·smooth(y) + (1 − λ)·smooth(y reversed). `scratch` holds one image.
    public func apply(
        images: UnsafeMutablePointer<Float>, labels: UnsafePointer<Int32>, targets: UnsafeMutablePointer<Float>,
        scratch: UnsafeMutablePointer<Float>, batch: Int, size: Int, classes: Int, generator: inout RandomGenerator
    ) {
        let useCutmix = cutmixAlpha > 0 && (mixupAlpha == 0 || Double(generator.uniform()) < switchProbability)
        var lambda = Self.beta(useCutmix ? cutmixAlpha : mixupAlpha, &generator)
        let pixels = size * size * 3
        // Pairs (b, batch−1−b): mix both from their originals at once, so order does not matter.
        if useCutmix {
            let cut = (1 - lambda).squareRoot()
            let (ch, cw) = (Int(Double(size) * cut), Int(Double(size) * cut))
            let cy = Int(generator.next() % UInt64(size)), cx = Int(generator.next() % UInt64(size))
            let (y0, y1) = (max(cy - ch / 2, 0), min(cy + ch / 2, size))
            let (x0, x1) = (max(cx - cw / 2, 0), min(cx + cw / 2, size))
            lambda = 1 - Double((y1 - y0) * (x1 - x0)) / Double(size * size)
            for b in 0..<batch / 2 {
                let p = images + b * pixels, q = images + (batch - 1 - b) * pixels
                for y in y0..<y1 {
                    for x in x0..<x1 {
                        for c in 0..<3 { swap(&p[(y * size + x) * 3 + c], &q[(y * size + x) * 3 + c]) }
                    }
                }
            }
        } else {
            let l = Float(lambda)
            for b in 0..<batch / 2 {
                let p = images + b * pixels, q = images + (batch - 1 - b) * pixels
                scratch.update(from: p, count: pixels)
                for i in 0..<pixels {
                    p[i] = l * p[i] + (1 - l) * q[i]
                    q[i] = l * q[i] + (1 - l) * scratch[i]
                }
            }
        }
        let off = Float(labelSmoothing / Double(classes)), on = Float(1 - labelSmoothing) + off
        for b in 0..<batch {
            let row = targets + b * classes
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
