// LayerNorm: forward against a double-precision naive twin, backward against finite differences.

import SimbaCore
import SimbaTestSupport
import Testing

#if SIMBA_KERNELS_AVX512
    @testable import SimbaKernelsAVX512
#elseif SIMBA_KERNELS_AVX2
    @testable import SimbaKernelsAVX2
#else
    @testable import SimbaKernelsBaseline
#endif

@Suite(.enabled(if: testedLevelRuns)) struct LayerNormTests {
    // 19 channels: one full 16-channel reduction tile and a partial one.
    let rows = 5, channels = 19, eps: Float = 1e-5

    /// Naive twin in double precision: y = (x − mean)/√(var + eps)·w + b with the biased variance.
    func naiveForward(_ x: [Float], _ w: [Float], _ b: [Float]) -> (y: [Float], mean: [Float], rstd: [Float]) {
        var y = [Float](repeating: 0, count: rows * channels), means = [Float](), rstds = [Float]()
        for r in 0..<rows {
            let row = (0..<channels).map { Double(x[r * channels + $0]) }
            let mean = row.reduce(0, +) / Double(channels)
            let variance = row.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(channels)
            let rstd = 1 / (variance + Double(eps)).squareRoot()
            for c in 0..<channels { y[r * channels + c] = Float((row[c] - mean) * rstd * Double(w[c]) + Double(b[c])) }
            means.append(Float(mean))
            rstds.append(Float(rstd))
        }
        return (y, means, rstds)
    }

    @Test func forwardMatchesNaive() {
        // Offset and scaled rows, so centring and scaling both matter.
        let x = randomArray(rows * channels, scale: 3, seed: 1).map { $0 + 2 }
        let w = randomArray(channels, seed: 2), b = randomArray(channels, seed: 3)
        let y = FloatBuffer(count: rows * channels), mean = FloatBuffer(count: rows), rstd = FloatBuffer(count: rows)
        LayerNorm.forward(
            output: y.pointer, mean: mean.pointer, rstd: rstd.pointer, input: x, weight: w, bias: b,
            rows: rows, channels: channels, eps: eps)
        let naive = naiveForward(x, w, b)
        // float32 sums over 19 channels: relative rounding ~1e-6; x̂ = O(1), so 1e-5 covers it.
        expectClose(y.array, naive.y, atol: 1e-5, rtol: 1e-5, "layer norm output")
        expectClose(mean.array, naive.mean, atol: 1e-5, rtol: 1e-5, "saved mean")
        expectClose(rstd.array, naive.rstd, atol: 1e-6, rtol: 1e-5, "saved rstd")
    }

    @Test func backwardMatchesFiniteDifferences() {
        let x = FloatBuffer(randomArray(rows * channels, seed: 4).map { $0 + 0.5 })
        let w = FloatBuffer(randomArray(channels, seed: 5)), b = FloatBuffer(randomArray(channels, seed: 6))
        let dy = FloatBuffer(randomArray(rows * channels, seed: 7))
        let y = FloatBuffer(count: rows * channels), mean = FloatBuffer(count: rows), rstd = FloatBuffer(count: rows)
        func objective() -> Double {
            LayerNorm.forward(
                output: y.pointer, mean: mean.pointer, rstd: rstd.pointer, input: x.pointer, weight: w.pointer,
                bias: b.pointer, rows: rows, channels: channels, eps: eps)
            return dot(y.pointer, dy.pointer, y.count)
        }
        // Gradients start from random values to check that backward accumulates.
        let priorX = randomArray(x.count, seed: 8), priorW = randomArray(w.count, seed: 9),
            priorB = randomArray(b.count, seed: 10)
        let dx = FloatBuffer(priorX), dw = FloatBuffer(priorW), db = FloatBuffer(priorB)
        _ = objective()
        LayerNorm.backward(
            dInput: dx.pointer, dWeight: dw.pointer, dBias: db.pointer, dOutput: dy.pointer, input: x.pointer,
            weight: w.pointer, mean: mean.pointer, rstd: rstd.pointer, rows: rows, channels: channels)
        let addedX = zip(dx.array, priorX).map { $0 - $1 }, addedW = zip(dw.array, priorW).map { $0 - $1 }
        let addedB = zip(db.array, priorB).map { $0 - $1 }
        // Step 1e-2: truncation error step²/6·|f'''| (~1e-5 for rstd ≈ 1) plus float32 rounding of Σ y·dy
        // (~1e-6) over 2·step; measured worst |error| 5e-5 on gradients of O(1). A wrong term errs by O(0.1).
        expectClose(addedX, numericGradient(of: x.pointer, count: x.count, objective), atol: 3e-4, rtol: 3e-4, "dInput")
        expectClose(
            addedW, numericGradient(of: w.pointer, count: w.count, objective), atol: 3e-4, rtol: 3e-4, "dWeight")
        expectClose(addedB, numericGradient(of: b.pointer, count: b.count, objective), atol: 3e-4, rtol: 3e-4, "dBias")
    }

    /// Sizes large enough that the row loops and the dWeight/dBias channel tiles run split across
    /// workers, against the closed-form gradient in double precision.
    @Test func parallelSizesMatchNaive() {
        let rows = 300, channels = 40
        let x = randomArray(rows * channels, seed: 11), w = randomArray(channels, seed: 12),
            b = randomArray(channels, seed: 13)
        let dy = randomArray(rows * channels, seed: 14)
        let y = FloatBuffer(count: rows * channels), mean = FloatBuffer(count: rows), rstd = FloatBuffer(count: rows)
        LayerNorm.forward(
            output: y.pointer, mean: mean.pointer, rstd: rstd.pointer, input: x, weight: w, bias: b,
            rows: rows, channels: channels, eps: eps)
        var dxNaive = [Float](), dwNaive = [Double](repeating: 0, count: channels),
            dbNaive = [Double](repeating: 0, count: channels)
        var yNaive = [Float]()
        for r in 0..<rows {
            let row = (0..<channels).map { Double(x[r * channels + $0]) }
            let mu = row.reduce(0, +) / Double(channels)
            let s = 1 / (row.map { ($0 - mu) * ($0 - mu) }.reduce(0, +) / Double(channels) + Double(eps)).squareRoot()
            let xHat = row.map { ($0 - mu) * s }
            let g = (0..<channels).map { Double(dy[r * channels + $0]) * Double(w[$0]) }
            let meanG = g.reduce(0, +) / Double(channels)
            let meanGX = zip(g, xHat).map { $0 * $1 }.reduce(0, +) / Double(channels)
            for c in 0..<channels {
                yNaive.append(Float(xHat[c] * Double(w[c]) + Double(b[c])))
                dxNaive.append(Float(s * (g[c] - meanG - xHat[c] * meanGX)))
                dwNaive[c] += Double(dy[r * channels + c]) * xHat[c]
                dbNaive[c] += Double(dy[r * channels + c])
            }
        }
        expectClose(y.array, yNaive, atol: 1e-5, rtol: 1e-5, "layer norm output")
        let dx = FloatBuffer(count: x.count), dw = FloatBuffer(count: channels), db = FloatBuffer(count: channels)
        LayerNorm.backward(
            dInput: dx.pointer, dWeight: dw.pointer, dBias: db.pointer, dOutput: dy, input: x, weight: w,
            mean: mean.pointer, rstd: rstd.pointer, rows: rows, channels: channels)
        // float32 row sums over 40 channels (dInput) and double sums over 300 rows of float32 products
        // (dWeight, |dW| ~ 20): rounding ≲ 1e-5 relative.
        expectClose(dx.array, dxNaive, atol: 1e-5, rtol: 1e-4, "dInput")
        expectClose(dw.array, dwNaive.map { Float($0) }, atol: 1e-4, rtol: 1e-5, "dWeight")
        expectClose(db.array, dbNaive.map { Float($0) }, atol: 1e-4, rtol: 1e-5, "dBias")
    }
}
