// FFTW through the FFT wrapper: a strided 2-D transform against the plain DFT sum.

import Foundation
import SimbaCore
import SimbaTestSupport
import Testing

@Suite struct FFTTests {
    /// A 2-D (5, 4) interleaved-complex DFT looped over 3 channels (strided axes, the guru
    /// interface's general case) against the double sum, and inverse(forward(x)) = 20·x; at an
    /// aligned and at a misaligned address.
    @Test(arguments: [0, 1]) func transformMatchesNaiveDFT(offset: Int) {
        let n = 5, blocks = 4, width = 3, row = 2 * blocks * width
        let fft = FFT(
            transform: [.init(count: n, stride: blocks * width), .init(count: blocks, stride: width)],
            loop: [.init(count: width, stride: 1)])
        let original = randomArray(n * row, seed: 11)
        let buffer = FloatBuffer(count: n * row + offset), data = buffer.pointer + offset
        data.update(from: original, count: original.count)
        fft.forward(data)
        var expected = [Float](repeating: 0, count: n * row)
        for m in 0..<n {
            for q in 0..<blocks {
                for c in 0..<width {
                    var re = 0.0, im = 0.0
                    for t in 0..<n {
                        for k in 0..<blocks {
                            let angle = -2 * Double.pi * (Double(m * t) / Double(n) + Double(q * k) / Double(blocks))
                            let xr = Double(original[t * row + 2 * (k * width + c)])
                            let xi = Double(original[t * row + 2 * (k * width + c) + 1])
                            re += xr * cos(angle) - xi * sin(angle)
                            im += xr * sin(angle) + xi * cos(angle)
                        }
                    }
                    expected[m * row + 2 * (q * width + c)] = Float(re)
                    expected[m * row + 2 * (q * width + c) + 1] = Float(im)
                }
            }
        }
        // Sums of 20 O(1) terms in float32: rounding ~1e-6·20.
        expectClose(
            Array(UnsafeBufferPointer(start: data, count: original.count)), expected, atol: 1e-4, rtol: 1e-4,
            "forward DFT")
        fft.inverse(data)
        expectClose(
            Array(UnsafeBufferPointer(start: data, count: original.count)), original.map { $0 * Float(n * blocks) },
            atol: 1e-4, rtol: 1e-4, "inverse(forward)")
    }
}
