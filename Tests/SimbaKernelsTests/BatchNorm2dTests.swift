// BatchNorm2d: the running-stat update and training forward against a hand computation, both forwards
// against double-precision naive twins, both backwards against finite differences.

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

@Suite(.enabled(if: testedLevelRuns)) struct BatchNorm2dTests {
    // NHWC (batch 2, 3×2 pixels) = 12 rows; 19 channels: one full 16-channel tile and a partial one.
    let rows = 12, channels = 19, eps: Float = 1e-5

    @Test func trainingForwardMatchesHandComputation() {
        // Channel 0: x = 1, 2, 3, 6: mean 3, biased var 14/4 = 3.5, unbiased var 14/3.
        // Channel 1: x = −1, −1, 1, 1: mean 0, biased var 1, unbiased var 4/3.
        let x: [Float] = [1, -1, 2, -1, 3, 1, 6, 1]
        let w: [Float] = [2, 0.5], b: [Float] = [0.1, -0.3]
        let runningMean = FloatBuffer([0.5, 0]), runningVar = FloatBuffer([2, 1])
        let y = FloatBuffer(count: 8), mean = FloatBuffer(count: 2), rstd = FloatBuffer(count: 2)
        BatchNorm2d.forwardTraining(
            output: y.pointer, savedMean: mean.pointer, savedRstd: rstd.pointer, runningMean: runningMean.pointer,
            runningVar: runningVar.pointer, input: x, weight: w, bias: b, rows: 4, channels: 2, eps: 1e-5, momentum: 0.1
        )
        // running = 0.9·running + 0.1·batch statistic (unbiased variance):
        // mean 0.9·0.5 + 0.1·3 = 0.75 and 0.9·0 + 0.1·0 = 0; var 0.9·2 + 0.1·14/3 and 0.9·1 + 0.1·4/3.
        let r0 = (3.5 + 1e-5).squareRoot(), r1 = (1 + 1e-5).squareRoot()
        let expectedY: [Double] = [
            -2 / r0 * 2 + 0.1, -1 / r1 * 0.5 - 0.3, -1 / r0 * 2 + 0.1, -1 / r1 * 0.5 - 0.3,
            0.1, 1 / r1 * 0.5 - 0.3, 3 / r0 * 2 + 0.1, 1 / r1 * 0.5 - 0.3
        ]
        // Values of O(1) from float32 arithmetic on exact inputs: a few ulps.
        expectClose(runningMean.array, [0.75, 0], atol: 1e-6, rtol: 1e-6, "running mean")
        expectClose(
            runningVar.array, [Float(1.8 + 1.4 / 3), Float(0.9 + 0.4 / 3)], atol: 1e-6, rtol: 1e-6, "running var")
        expectClose(mean.array, [3, 0], atol: 1e-6, rtol: 1e-6, "saved mean")
        expectClose(rstd.array, [Float(1 / r0), Float(1 / r1)], atol: 1e-6, rtol: 1e-6, "saved rstd")
        expectClose(y.array, expectedY.map { Float($0) }, atol: 1e-6, rtol: 1e-6, "output")
    }

    /// Naive twin of both forwards in double precision; batch statistics when `running` is nil.
    func naiveForward(_ x: [Float], _ w: [Float], _ b: [Float], running: (mean: [Float], variance: [Float])?) -> [Float]
    {
        var y = [Float](repeating: 0, count: x.count)
        for c in 0..<channels {
            let column = (0..<rows).map { Double(x[$0 * channels + c]) }
            var mean = column.reduce(0, +) / Double(rows)
            var variance = column.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(rows)
            if let running { (mean, variance) = (Double(running.mean[c]), Double(running.variance[c])) }
            let rstd = 1 / (variance + Double(eps)).squareRoot()
            for r in 0..<rows { y[r * channels + c] = Float((column[r] - mean) * rstd * Double(w[c]) + Double(b[c])) }
        }
        return y
    }

    @Test func forwardsMatchNaive() {
        let x = randomArray(rows * channels, scale: 2, seed: 1).map { $0 - 1 }
        let w = randomArray(channels, seed: 2), b = randomArray(channels, seed: 3)
        let runningMean = randomArray(channels, seed: 4),
            runningVar = randomArray(channels, seed: 5).map { $0 * $0 + 0.5 }
        let y = FloatBuffer(count: rows * channels), mean = FloatBuffer(count: channels),
            rstd = FloatBuffer(count: channels)
        let trainingMean = FloatBuffer(runningMean), trainingVar = FloatBuffer(runningVar)
        BatchNorm2d.forwardTraining(
            output: y.pointer, savedMean: mean.pointer, savedRstd: rstd.pointer, runningMean: trainingMean.pointer,
            runningVar: trainingVar.pointer, input: x, weight: w, bias: b, rows: rows, channels: channels)
        // float32 normalisation of O(1) values with double statistics: relative rounding ~1e-6.
        expectClose(y.array, naiveForward(x, w, b, running: nil), atol: 1e-5, rtol: 1e-5, "training output")
        BatchNorm2d.forwardEval(
            output: y.pointer, input: x, weight: w, bias: b, runningMean: runningMean, runningVar: runningVar,
            rows: rows, channels: channels)
        expectClose(
            y.array, naiveForward(x, w, b, running: (runningMean, runningVar)), atol: 1e-5, rtol: 1e-5, "eval output")
    }

    @Test(arguments: [true, false]) func backwardMatchesFiniteDifferences(training: Bool) {
        let x = FloatBuffer(randomArray(rows * channels, seed: 6).map { $0 + 0.5 })
        let w = FloatBuffer(randomArray(channels, seed: 7)), b = FloatBuffer(randomArray(channels, seed: 8))
        let runningMean = FloatBuffer(randomArray(channels, scale: 0.3, seed: 9))
        let runningVar = FloatBuffer(randomArray(channels, seed: 10).map { $0 * $0 + 0.5 })
        let dy = FloatBuffer(randomArray(rows * channels, seed: 11))
        let y = FloatBuffer(count: rows * channels), mean = FloatBuffer(count: channels),
            rstd = FloatBuffer(count: channels)
        // The training forward updates its running stats on every call; they do not enter its output.
        let scratchMean = FloatBuffer(count: channels), scratchVar = FloatBuffer(count: channels)
        func objective() -> Double {
            if training {
                BatchNorm2d.forwardTraining(
                    output: y.pointer, savedMean: mean.pointer, savedRstd: rstd.pointer,
                    runningMean: scratchMean.pointer,
                    runningVar: scratchVar.pointer, input: x.pointer, weight: w.pointer, bias: b.pointer,
                    rows: rows, channels: channels)
            } else {
                BatchNorm2d.forwardEval(
                    output: y.pointer, input: x.pointer, weight: w.pointer, bias: b.pointer,
                    runningMean: runningMean.pointer, runningVar: runningVar.pointer, rows: rows, channels: channels)
            }
            return dot(y.pointer, dy.pointer, y.count)
        }
        // Gradients start from random values to check that backward accumulates.
        let priorX = randomArray(x.count, seed: 12), priorW = randomArray(w.count, seed: 13),
            priorB = randomArray(b.count, seed: 14)
        let dx = FloatBuffer(priorX), dw = FloatBuffer(priorW), db = FloatBuffer(priorB)
        _ = objective()
        if training {
            BatchNorm2d.backwardTraining(
                dInput: dx.pointer, dWeight: dw.pointer, dBias: db.pointer, dOutput: dy.pointer, input: x.pointer,
                weight: w.pointer, savedMean: mean.pointer, savedRstd: rstd.pointer, rows: rows, channels: channels)
        } else {
            BatchNorm2d.backwardEval(
                dInput: dx.pointer, dWeight: dw.pointer, dBias: db.pointer, dOutput: dy.pointer, input: x.pointer,
                weight: w.pointer, runningMean: runningMean.pointer, runningVar: runningVar.pointer,
                rows: rows, channels: channels)
        }
        let addedX = zip(dx.array, priorX).map { $0 - $1 }, addedW = zip(dw.array, priorW).map { $0 - $1 }
        let addedB = zip(db.array, priorB).map { $0 - $1 }
        // Step 1e-2: truncation error step²/6·|f'''| plus float32 rounding of Σ y·dy over 2·step; measured
        // worst |error| 1.1e-4 (on a gradient of 3.2) over both modes. A wrong term errs by O(0.1).
        expectClose(addedX, numericGradient(of: x.pointer, count: x.count, objective), atol: 5e-4, rtol: 5e-4, "dInput")
        expectClose(
            addedW, numericGradient(of: w.pointer, count: w.count, objective), atol: 5e-4, rtol: 5e-4, "dWeight")
        expectClose(addedB, numericGradient(of: b.pointer, count: b.count, objective), atol: 5e-4, rtol: 5e-4, "dBias")
    }

    /// Sizes large enough that the channel tiles and row loops run split across workers, against the
    /// closed-form gradients in double precision.
    @Test func parallelSizesMatchNaive() {
        let rows = 600, channels = 40
        let x = randomArray(rows * channels, seed: 21), w = randomArray(channels, seed: 22),
            b = randomArray(channels, seed: 23)
        let dy = randomArray(rows * channels, seed: 24)
        let runningMean = FloatBuffer(count: channels),
            runningVar = FloatBuffer(randomArray(channels, seed: 25).map { $0 * $0 + 0.5 })
        let y = FloatBuffer(count: rows * channels), mean = FloatBuffer(count: channels),
            rstd = FloatBuffer(count: channels)
        BatchNorm2d.forwardTraining(
            output: y.pointer, savedMean: mean.pointer, savedRstd: rstd.pointer, runningMean: runningMean.pointer,
            runningVar: runningVar.pointer, input: x, weight: w, bias: b, rows: rows, channels: channels)
        var yNaive = [Float](repeating: 0, count: x.count), dxNaive = [Float](repeating: 0, count: x.count)
        var dwNaive = [Float](), dbNaive = [Float]()
        for c in 0..<channels {
            let column = (0..<rows).map { Double(x[$0 * channels + c]) }
            let g = (0..<rows).map { Double(dy[$0 * channels + c]) }
            let mu = column.reduce(0, +) / Double(rows)
            let s = 1 / (column.map { ($0 - mu) * ($0 - mu) }.reduce(0, +) / Double(rows) + Double(eps)).squareRoot()
            let xHat = column.map { ($0 - mu) * s }
            let sumG = g.reduce(0, +), sumGX = zip(g, xHat).map { $0 * $1 }.reduce(0, +)
            for r in 0..<rows {
                yNaive[r * channels + c] = Float(xHat[r] * Double(w[c]) + Double(b[c]))
                dxNaive[r * channels + c] = Float(
                    Double(w[c]) * s * (g[r] - sumG / Double(rows) - xHat[r] * sumGX / Double(rows)))
            }
            dwNaive.append(Float(sumGX))
            dbNaive.append(Float(sumG))
        }
        expectClose(y.array, yNaive, atol: 1e-5, rtol: 1e-5, "training output")
        let dx = FloatBuffer(count: x.count), dw = FloatBuffer(count: channels), db = FloatBuffer(count: channels)
        BatchNorm2d.backwardTraining(
            dInput: dx.pointer, dWeight: dw.pointer, dBias: db.pointer, dOutput: dy, input: x, weight: w,
            savedMean: mean.pointer, savedRstd: rstd.pointer, rows: rows, channels: channels)
        // Double sums over 600 rows of float32 products (|dW| ~ 25); dInput's O(1) terms in float32.
        expectClose(dx.array, dxNaive, atol: 1e-5, rtol: 1e-4, "dInput")
        expectClose(dw.array, dwNaive, atol: 1e-4, rtol: 1e-5, "dWeight")
        expectClose(db.array, dbNaive, atol: 1e-4, rtol: 1e-5, "dBias")
    }
}
