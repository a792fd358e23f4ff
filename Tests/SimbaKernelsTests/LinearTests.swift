// Linear: the GEMM kernels against a naive triple loop, and backward against finite differences.

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

@Suite(.enabled(if: testedLevelRuns)) struct LinearTests {
    let rows = 7, inFeatures = 5, outFeatures = 3

    /// Naive twin: y[r, o] = b[o] + Σ_i x[r, i]·W[o, i].
    func naiveForward(_ x: [Float], _ w: [Float], _ b: [Float]) -> [Float] {
        var y = [Float](repeating: 0, count: rows * outFeatures)
        for r in 0..<rows {
            for o in 0..<outFeatures {
                var sum = Double(b[o])
                for i in 0..<inFeatures { sum += Double(x[r * inFeatures + i]) * Double(w[o * inFeatures + i]) }
                y[r * outFeatures + o] = Float(sum)
            }
        }
        return y
    }

    @Test func forwardMatchesNaive() {
        let x = randomArray(rows * inFeatures, seed: 1), w = randomArray(outFeatures * inFeatures, seed: 2)
        let b = randomArray(outFeatures, seed: 3)
        let y = FloatBuffer(count: rows * outFeatures)
        Linear.forward(
            output: y.pointer, input: x, weight: w, bias: b, rows: rows, inFeatures: inFeatures,
            outFeatures: outFeatures)
        // float32 sums of 5 products of O(1) terms: 1e-5 covers rounding.
        expectClose(y.array, naiveForward(x, w, b), atol: 1e-5, rtol: 1e-5, "linear forward")
    }

    @Test func backwardMatchesFiniteDifferences() {
        let x = FloatBuffer(randomArray(rows * inFeatures, seed: 4))
        let w = FloatBuffer(randomArray(outFeatures * inFeatures, seed: 5))
        let b = FloatBuffer(randomArray(outFeatures, seed: 6))
        let dy = FloatBuffer(randomArray(rows * outFeatures, seed: 7))
        let y = FloatBuffer(count: rows * outFeatures)
        func objective() -> Double {
            Linear.forward(
                output: y.pointer, input: x.pointer, weight: w.pointer, bias: b.pointer, rows: rows,
                inFeatures: inFeatures, outFeatures: outFeatures)
            return dot(y.pointer, dy.pointer, y.count)
        }
        let dx = FloatBuffer(count: x.count), dw = FloatBuffer(count: w.count), db = FloatBuffer(count: b.count)
        _ = objective()
        Linear.backward(
            dInput: dx.pointer, dWeight: dw.pointer, dBias: db.pointer, dOutput: dy.pointer,
            input: x.pointer, weight: w.pointer, rows: rows, inFeatures: inFeatures, outFeatures: outFeatures)
        // Linear in each input: central differences are exact up to float32 rounding of y (~1e-6·|y|/step).
        expectClose(
            dx.array, numericGradient(of: x.pointer, count: x.count, objective), atol: 2e-3, rtol: 1e-3, "dInput")
        expectClose(
            dw.array, numericGradient(of: w.pointer, count: w.count, objective), atol: 2e-3, rtol: 1e-3, "dWeight")
        expectClose(
            db.array, numericGradient(of: b.pointer, count: b.count, objective), atol: 2e-3, rtol: 1e-3, "dBias")
    }

    /// An input read as the first inFeatures columns of wider rows, and dInput added into such
    /// columns, give exactly the contiguous results and leave the other columns alone.
    @Test func stridedInputMatchesContiguous() {
        let stride = inFeatures + 4
        let x = randomArray(rows * inFeatures, seed: 8), w = randomArray(outFeatures * inFeatures, seed: 9)
        let b = randomArray(outFeatures, seed: 10), dy = randomArray(rows * outFeatures, seed: 11)
        var wide = randomArray(rows * stride, seed: 12)
        for r in 0..<rows {
            for i in 0..<inFeatures { wide[r * stride + i] = x[r * inFeatures + i] }
        }
        let y = FloatBuffer(count: rows * outFeatures), yWide = FloatBuffer(count: rows * outFeatures)
        Linear.forward(
            output: y.pointer, input: x, weight: w, bias: b, rows: rows, inFeatures: inFeatures,
            outFeatures: outFeatures)
        Linear.forward(
            output: yWide.pointer, input: wide, weight: w, bias: b, rows: rows, inFeatures: inFeatures,
            outFeatures: outFeatures, inputStride: stride)
        #expect(yWide.array == y.array)

        let dx = FloatBuffer(count: rows * inFeatures), dw = FloatBuffer(count: w.count),
            db = FloatBuffer(count: b.count)
        Linear.backward(
            dInput: dx.pointer, dWeight: dw.pointer, dBias: db.pointer, dOutput: dy, input: x, weight: w,
            rows: rows, inFeatures: inFeatures, outFeatures: outFeatures)
        let dWide = FloatBuffer(randomArray(rows * stride, seed: 13)), before = dWide.array
        let dwWide = FloatBuffer(count: w.count), dbWide = FloatBuffer(count: b.count)
        for r in 0..<rows {
            for i in 0..<inFeatures { dWide[r * stride + i] = 0 }
        }
        Linear.backward(
            dInput: dWide.pointer, dWeight: dwWide.pointer, dBias: dbWide.pointer, dOutput: dy, input: wide, weight: w,
            rows: rows, inFeatures: inFeatures, outFeatures: outFeatures, inputStride: stride, dInputStride: stride)
        #expect(
            (0..<rows).allSatisfy { r in
                (0..<inFeatures).allSatisfy { dWide[r * stride + $0] == dx[r * inFeatures + $0] }
            })
        #expect(
            (0..<rows).allSatisfy { r in
                (inFeatures..<stride).allSatisfy { dWide[r * stride + $0] == before[r * stride + $0] }
            })
        #expect(dwWide.array == dw.array && dbWide.array == db.array)
    }
}
