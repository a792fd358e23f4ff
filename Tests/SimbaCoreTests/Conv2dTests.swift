// Conv2d: the im2col + GEMM path against the direct-convolution twin, and backward against finite
// differences, for the three configurations SiMBA uses, on odd image sizes.

import SimbaCore
import Testing

@Suite struct Conv2dTests {
    struct Configuration: CustomStringConvertible, Sendable {
        let kernel: Int, stride: Int, padding: Int, inChannels: Int, outChannels: Int, hasBias: Bool
        var description: String { "k\(kernel) s\(stride) p\(padding) \(inChannels)→\(outChannels)\(hasBias ? " bias" : "")" }
    }

    static let configurations = [
        Configuration(kernel: 7, stride: 2, padding: 3, inChannels: 3, outChannels: 5, hasBias: false),  // stem
        Configuration(kernel: 3, stride: 1, padding: 1, inChannels: 4, outChannels: 6, hasBias: false),  // stem body
        Configuration(kernel: 3, stride: 2, padding: 1, inChannels: 4, outChannels: 6, hasBias: true),   // downsampling
    ]

    let batch = 2, height = 9, width = 7

    func sizes(_ c: Configuration) -> (outHeight: Int, outWidth: Int, patch: Int) {
        (Conv2d.outputSize(height, kernel: c.kernel, stride: c.stride, padding: c.padding),
         Conv2d.outputSize(width, kernel: c.kernel, stride: c.stride, padding: c.padding),
         c.inChannels * c.kernel * c.kernel)
    }

    @Test(arguments: configurations) func forwardMatchesDirectConvolution(_ c: Configuration) {
        let (outHeight, outWidth, patch) = sizes(c)
        let outputCount = batch * outHeight * outWidth * c.outChannels
        let x = randomArray(batch * height * width * c.inChannels, seed: 1)
        let w = randomArray(c.outChannels * patch, scale: 0.3, seed: 2)
        let b = c.hasBias ? randomArray(c.outChannels, seed: 3) : nil
        let y = FloatBuffer(count: outputCount), reference = FloatBuffer(count: outputCount)
        let columns = FloatBuffer(count: batch * outHeight * outWidth * patch)
        Conv2d.forward(
            output: y.pointer, columns: columns.pointer, input: x, weight: w, bias: b, batch: batch, height: height,
            width: width, inChannels: c.inChannels, outChannels: c.outChannels,
            kernel: c.kernel, stride: c.stride, padding: c.padding)
        Conv2d.referenceForward(
            output: reference.pointer, input: x, weight: w, bias: b, batch: batch, height: height,
            width: width, inChannels: c.inChannels, outChannels: c.outChannels,
            kernel: c.kernel, stride: c.stride, padding: c.padding)
        // float32 GEMM sums of up to 147 products of size ~0.3 (|y| ≲ 5): rounding ≲ 1e-5.
        expectClose(y.array, reference.array, atol: 2e-5, rtol: 1e-5, "conv forward \(c)")
    }

    @Test(arguments: configurations) func backwardMatchesFiniteDifferences(_ c: Configuration) {
        let (outHeight, outWidth, patch) = sizes(c)
        let outputCount = batch * outHeight * outWidth * c.outChannels
        let x = FloatBuffer(randomArray(batch * height * width * c.inChannels, seed: 4))
        let w = FloatBuffer(randomArray(c.outChannels * patch, scale: 0.3, seed: 5))
        let b = FloatBuffer(randomArray(c.outChannels, seed: 6))
        let dy = FloatBuffer(randomArray(outputCount, seed: 7))
        let y = FloatBuffer(count: outputCount), columns = FloatBuffer(count: batch * outHeight * outWidth * patch)
        func objective() -> Double {
            Conv2d.forward(
                output: y.pointer, columns: columns.pointer, input: x.pointer, weight: w.pointer,
                bias: c.hasBias ? b.pointer : nil, batch: batch, height: height, width: width,
                inChannels: c.inChannels, outChannels: c.outChannels, kernel: c.kernel, stride: c.stride, padding: c.padding)
            return dot(y.pointer, dy.pointer, y.count)
        }
        // Gradients start from random values to check that backward accumulates.
        let priorX = randomArray(x.count, seed: 8), priorW = randomArray(w.count, seed: 9), priorB = randomArray(b.count, seed: 10)
        let dx = FloatBuffer(priorX), dw = FloatBuffer(priorW), db = FloatBuffer(priorB)
        _ = objective()
        // Without dInput (the stem's first conv) first: dWeight and dBias only, columns kept.
        let dwOnly = FloatBuffer(count: w.count)
        Conv2d.backward(
            dInput: nil, dWeight: dwOnly.pointer, dBias: nil, dColumns: nil, dOutput: dy.pointer,
            columns: columns.pointer, weight: w.pointer, batch: batch, height: height, width: width,
            inChannels: c.inChannels, outChannels: c.outChannels, kernel: c.kernel, stride: c.stride, padding: c.padding)
        // dColumns may share the columns' memory, as the doc comment allows.
        Conv2d.backward(
            dInput: dx.pointer, dWeight: dw.pointer, dBias: c.hasBias ? db.pointer : nil, dColumns: columns.pointer,
            dOutput: dy.pointer, columns: columns.pointer, weight: w.pointer, batch: batch, height: height, width: width,
            inChannels: c.inChannels, outChannels: c.outChannels, kernel: c.kernel, stride: c.stride, padding: c.padding)
        let addedX = zip(dx.array, priorX).map { $0 - $1 }, addedW = zip(dw.array, priorW).map { $0 - $1 }
        let addedB = zip(db.array, priorB).map { $0 - $1 }
        // Same GEMM on the same columns: identical up to the rounding of adding the prior.
        expectClose(dwOnly.array, addedW, atol: 1e-5, rtol: 1e-6, "dWeight without dInput \(c)")
        // The objective is linear in every input, so step 0.1 has no truncation error; float32 rounding
        // of Σ y·dy (~1e-6 absolute) over 2·step is all that is left: measured worst |error| 2.3e-5.
        let step: Float = 0.1
        expectClose(addedX, numericGradient(of: x.pointer, count: x.count, step: step, objective), atol: 2e-4, rtol: 2e-4, "dInput \(c)")
        expectClose(addedW, numericGradient(of: w.pointer, count: w.count, step: step, objective), atol: 2e-4, rtol: 2e-4, "dWeight \(c)")
        if c.hasBias {
            expectClose(addedB, numericGradient(of: b.pointer, count: b.count, step: step, objective), atol: 2e-4, rtol: 2e-4, "dBias \(c)")
        }
    }
}
