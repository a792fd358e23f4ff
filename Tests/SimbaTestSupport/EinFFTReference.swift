// The plain twin of the EinFFT kernel: naive O(N²) DFT sums and direct loops, in Double, for tests.
// Slow and allocating; never used in training.

import Foundation
import SimbaCore

/// EinFFT from its definition (docs/design.md), independent of the kernel's code.
public enum EinFFTReference {
    /// Blocks of the channel dimension and Softshrink's λ, as in the official code.
    static let blocks = 4
    static let sparsityThreshold: Float = 0.01

    /// Same result as `forward`, computed from the definition: every DFT is the double sum
    /// Σ_n Σ_k x[n, k]·exp(∓2πi(m·n/N + q·k/4))/√(4N), every block product a direct loop.
    public static func forward(
        output: UnsafeMutablePointer<Float>,  // (batch, length, channels)
        input: UnsafePointer<Float>,  // (batch, length, channels)
        weight1: UnsafePointer<Float>,  // (2, 4, bs, bs)
        weight2: UnsafePointer<Float>,  // (2, 4, bs, bs)
        bias1: UnsafePointer<Float>,  // (2, 4, bs)
        bias2: UnsafePointer<Float>,  // (2, 4, bs)
        batch: Int, length: Int, channels: Int
    ) {
        var y = [Double](repeating: 0, count: batch * length * channels)
        forward(
            output: &y, input: input, weight1: weight1, weight2: weight2, bias1: bias1, bias2: bias2,
            batch: batch, length: length, channels: channels)
        for i in y.indices { output[i] = Float(y[i]) }
    }

    /// `referenceForward` with the output kept in Double (finite differences need its precision).
    public static func forward(
        output: UnsafeMutablePointer<Double>,  // (batch, length, channels)
        input: UnsafePointer<Float>,  // (batch, length, channels)
        weight1: UnsafePointer<Float>,  // (2, 4, bs, bs)
        weight2: UnsafePointer<Float>,  // (2, 4, bs, bs)
        bias1: UnsafePointer<Float>,  // (2, 4, bs)
        bias2: UnsafePointer<Float>,  // (2, 4, bs)
        batch: Int, length: Int, channels: Int
    ) {
        let pass = ReferencePass(
            input: input, weight1: weight1, weight2: weight2, bias1: bias1, bias2: bias2,
            batch: batch, length: length, channels: channels)
        let y = pass.dft(pass.z, sign: 1).real
        for i in y.indices { output[i] = y[i] }
    }

    /// Same result as `backward` (accumulates += into every gradient), from the per-element chain rule.
    public static func backward(
        dInput: UnsafeMutablePointer<Float>,  // (batch, length, channels), +=
        dWeight1: UnsafeMutablePointer<Float>,  // (2, 4, bs, bs), +=
        dWeight2: UnsafeMutablePointer<Float>,  // (2, 4, bs, bs), +=
        dBias1: UnsafeMutablePointer<Float>,  // (2, 4, bs), +=
        dBias2: UnsafeMutablePointer<Float>,  // (2, 4, bs), +=
        dOutput: UnsafePointer<Float>,  // (batch, length, channels)
        input: UnsafePointer<Float>,  // (batch, length, channels)
        weight1: UnsafePointer<Float>,  // (2, 4, bs, bs)
        weight2: UnsafePointer<Float>,  // (2, 4, bs, bs)
        bias1: UnsafePointer<Float>,  // (2, 4, bs)
        bias2: UnsafePointer<Float>,  // (2, 4, bs)
        batch: Int, length: Int, channels: Int
    ) {
        let pass = ReferencePass(
            input: input, weight1: weight1, weight2: weight2, bias1: bias1, bias2: bias2,
            batch: batch, length: length, channels: channels)
        let count = batch * length * channels, lambda = Double(sparsityThreshold)
        // y = Re(A·z) with A the ortho inverse DFT: dz = Aᴴ·dy = ortho forward DFT of dy.
        var dz = pass.dft(Complex(real: (0..<count).map { Double(dOutput[$0]) }, count: count), sign: -1)
        for i in 0..<count {
            if abs(pass.p2.real[i]) <= lambda { dz.real[i] = 0 }
            if abs(pass.p2.imaginary[i]) <= lambda { dz.imaginary[i] = 0 }
        }
        var dh = pass.layerBackward(dWeight: dWeight2, dBias: dBias2, dOutput: dz, input: pass.h, weight: weight2)
        for i in 0..<count {
            if pass.p1.real[i] <= 0 { dh.real[i] = 0 }
            if pass.p1.imaginary[i] <= 0 { dh.imaginary[i] = 0 }
        }
        let dx = pass.layerBackward(dWeight: dWeight1, dBias: dBias1, dOutput: dh, input: pass.x, weight: weight1)
        // x = ortho forward DFT of a real input: dInput = Re(ortho inverse DFT of dX).
        let back = pass.dft(dx, sign: 1).real
        for i in 0..<count { dInput[i] += Float(back[i]) }
    }

    /// A complex array in Double, split into real and imaginary parts, (batch, length, 4, bs).
    struct Complex {
        var real: [Double]
        var imaginary: [Double]
        init(real: [Double], count: Int) {
            self.real = real
            imaginary = [Double](repeating: 0, count: count)
        }
        init(count: Int) { self.init(real: [Double](repeating: 0, count: count), count: count) }
    }

    /// Every intermediate of one reference forward pass: X, P1 = X·W1 + b1, H = relu(P1),
    /// P2 = H·W2 + b2, Z = softshrink(P2).
    struct ReferencePass {
        let batch, length, bs: Int
        var x = Complex(count: 0), p1 = Complex(count: 0), h = Complex(count: 0)
        var p2 = Complex(count: 0), z = Complex(count: 0)

        init(
            input: UnsafePointer<Float>, weight1: UnsafePointer<Float>, weight2: UnsafePointer<Float>,
            bias1: UnsafePointer<Float>, bias2: UnsafePointer<Float>, batch: Int, length: Int, channels: Int
        ) {
            precondition(channels % blocks == 0, "EinFFT channels must be a multiple of 4")
            self.batch = batch
            self.length = length
            bs = channels / blocks
            let count = batch * length * channels, lambda = Double(sparsityThreshold)
            x = dft(Complex(real: (0..<count).map { Double(input[$0]) }, count: count), sign: -1)
            p1 = layer(x, weight: weight1, bias: bias1)
            h = p1
            h.real = h.real.map { max($0, 0) }
            h.imaginary = h.imaginary.map { max($0, 0) }
            p2 = layer(h, weight: weight2, bias: bias2)
            func shrink(_ v: Double) -> Double { v > lambda ? v - lambda : (v < -lambda ? v + lambda : 0) }
            z = p2
            z.real = z.real.map(shrink)
            z.imaginary = z.imaginary.map(shrink)
        }

        /// Orthonormal 2-D DFT over (length, 4) with exp(sign·2πi…), by the double sum.
        func dft(_ a: Complex, sign: Double) -> Complex {
            var result = Complex(count: a.real.count)
            let scale = 1 / Double(4 * length).squareRoot()
            for b in 0..<batch {
                for m in 0..<length {
                    for q in 0..<blocks {
                        for c in 0..<bs {
                            var sumReal = 0.0, sumImaginary = 0.0
                            for n in 0..<length {
                                for k in 0..<blocks {
                                    let angle =
                                        sign * 2 * Double.pi
                                        * (Double(m * n % length) / Double(length) + Double(q * k % 4) / 4)
                                    let i = ((b * length + n) * blocks + k) * bs + c
                                    sumReal += a.real[i] * cos(angle) - a.imaginary[i] * sin(angle)
                                    sumImaginary += a.real[i] * sin(angle) + a.imaginary[i] * cos(angle)
                                }
                            }
                            let o = ((b * length + m) * blocks + q) * bs + c
                            result.real[o] = scale * sumReal
                            result.imaginary[o] = scale * sumImaginary
                        }
                    }
                }
            }
            return result
        }

        /// out[.., k, j] = Σ_i a[.., k, i]·W[k, i, j] + b[k, j] in complex arithmetic.
        func layer(_ a: Complex, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>) -> Complex {
            var out = Complex(count: a.real.count)
            for row in 0..<(batch * length) {
                for k in 0..<blocks {
                    let base = (row * blocks + k) * bs
                    for j in 0..<bs {
                        var sumReal = Double(bias[k * bs + j])
                        var sumImaginary = Double(bias[(blocks + k) * bs + j])
                        for i in 0..<bs {
                            let wr = Double(weight[(k * bs + i) * bs + j])
                            let wi = Double(weight[((blocks + k) * bs + i) * bs + j])
                            sumReal += a.real[base + i] * wr - a.imaginary[base + i] * wi
                            sumImaginary += a.real[base + i] * wi + a.imaginary[base + i] * wr
                        }
                        out.real[base + j] = sumReal
                        out.imaginary[base + j] = sumImaginary
                    }
                }
            }
            return out
        }

        /// Gradients of `layer`: accumulates dWeight, dBias and returns the input gradient.
        func layerBackward(
            dWeight: UnsafeMutablePointer<Float>, dBias: UnsafeMutablePointer<Float>,
            dOutput g: Complex, input a: Complex, weight: UnsafePointer<Float>
        ) -> Complex {
            var dInput = Complex(count: a.real.count)
            let blocks = blocks
            var dWr = [Double](repeating: 0, count: blocks * bs * bs), dWi = dWr
            var dBr = [Double](repeating: 0, count: blocks * bs), dBi = dBr
            for row in 0..<(batch * length) {
                for k in 0..<blocks {
                    let base = (row * blocks + k) * bs
                    for j in 0..<bs {
                        dBr[k * bs + j] += g.real[base + j]
                        dBi[k * bs + j] += g.imaginary[base + j]
                    }
                    for i in 0..<bs {
                        for j in 0..<bs {
                            let wr = Double(weight[(k * bs + i) * bs + j])
                            let wi = Double(weight[((blocks + k) * bs + i) * bs + j])
                            let gr = g.real[base + j], gi = g.imaginary[base + j]
                            dWr[(k * bs + i) * bs + j] += a.real[base + i] * gr + a.imaginary[base + i] * gi
                            dWi[(k * bs + i) * bs + j] += a.real[base + i] * gi - a.imaginary[base + i] * gr
                            dInput.real[base + i] += gr * wr + gi * wi
                            dInput.imaginary[base + i] += gi * wr - gr * wi
                        }
                    }
                }
            }
            for i in dWr.indices {
                dWeight[i] += Float(dWr[i])
                dWeight[blocks * bs * bs + i] += Float(dWi[i])
            }
            for i in dBr.indices {
                dBias[i] += Float(dBr[i])
                dBias[blocks * bs + i] += Float(dBi[i])
            }
            return dInput
        }
    }
}
