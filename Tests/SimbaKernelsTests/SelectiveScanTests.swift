// SelectiveScan: the fast chunked kernels against the sequential reference twin, the reference
// backward against central finite differences for every input, and the kernels' exp2 against
// Foundation's.

import Foundation
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

@Suite(.enabled(if: testedLevelRuns)) struct SelectiveScanTests {
    /// Inputs in the range the model produces: delta = softplus(·) > 0, A = −exp(·) < 0, and B, C
    /// as column slices of an x_proj-like buffer (dtRank columns, then B, then C; row stride
    /// dtRank + 2·dState).
    struct Inputs {
        let batch: Int, length: Int, dInner: Int, dState: Int, dtRank: Int
        let x, delta, a, xDbl, d: FloatBuffer
        var bcStride: Int { dtRank + 2 * dState }
        var b: UnsafeMutablePointer<Float> { xDbl.pointer + dtRank }
        var c: UnsafeMutablePointer<Float> { xDbl.pointer + dtRank + dState }

        init(batch: Int, length: Int, dInner: Int, dState: Int, dtRank: Int = 3, seed: UInt64) {
            self.batch = batch; self.length = length; self.dInner = dInner; self.dState = dState; self.dtRank = dtRank
            let rows = batch * length
            x = FloatBuffer(randomArray(rows * dInner, seed: seed))
            delta = FloatBuffer(randomArray(rows * dInner, seed: seed + 1).map { log(1 + exp($0 - 1)) })
            a = FloatBuffer(randomArray(dInner * dState, scale: 0.5, seed: seed + 2).map { -exp($0) })
            xDbl = FloatBuffer(randomArray(rows * (dtRank + 2 * dState), seed: seed + 3))
            d = FloatBuffer(randomArray(dInner, seed: seed + 4))
        }
    }

    struct Gradients {
        let dX, dDelta, dA, dXDbl, dD: FloatBuffer
        init(_ p: Inputs) {
            let rows = p.batch * p.length
            dX = FloatBuffer(count: rows * p.dInner); dDelta = FloatBuffer(count: rows * p.dInner)
            dA = FloatBuffer(count: p.dInner * p.dState); dXDbl = FloatBuffer(count: rows * p.bcStride)
            dD = FloatBuffer(count: p.dInner)
        }
    }

    func reference(_ p: Inputs, dY: FloatBuffer?) -> (y: FloatBuffer, gradients: Gradients) {
        let rows = p.batch * p.length
        let y = FloatBuffer(count: rows * p.dInner), states = FloatBuffer(count: rows * p.dInner * p.dState)
        SelectiveScanReference.forward(
            y: y.pointer, states: states.pointer, x: p.x.pointer, delta: p.delta.pointer, a: p.a.pointer,
            b: p.b, c: p.c, d: p.d.pointer, bcStride: p.bcStride,
            batch: p.batch, length: p.length, dInner: p.dInner, dState: p.dState)
        let g = Gradients(p)
        if let dY {
            SelectiveScanReference.backward(
                dX: g.dX.pointer, dDelta: g.dDelta.pointer, dA: g.dA.pointer, dB: g.dXDbl.pointer + p.dtRank,
                dC: g.dXDbl.pointer + p.dtRank + p.dState, dD: g.dD.pointer, dY: dY.pointer, states: states.pointer,
                x: p.x.pointer, delta: p.delta.pointer, a: p.a.pointer, b: p.b, c: p.c, d: p.d.pointer,
                bcStride: p.bcStride, batch: p.batch, length: p.length, dInner: p.dInner, dState: p.dState)
        }
        return (y, g)
    }

    func fast(_ p: Inputs, dY: FloatBuffer, chunk: Int, seed: UInt64) -> (y: FloatBuffer, gradients: Gradients) {
        let rows = p.batch * p.length
        let y = FloatBuffer(count: rows * p.dInner)
        let saved = FloatBuffer(
            count: SelectiveScan.savedStateCount(
                batch: p.batch, length: p.length, dInner: p.dInner, dState: p.dState, chunk: chunk))
        let scratch = FloatBuffer(
            randomArray(
                SelectiveScan.backwardScratchCount(
                    batch: p.batch, length: p.length, dInner: p.dInner, dState: p.dState, chunk: chunk), seed: 99))
        SelectiveScan.forward(
            y: y.pointer, savedStates: saved.pointer, x: p.x.pointer, delta: p.delta.pointer, a: p.a.pointer,
            b: p.b, c: p.c, d: p.d.pointer, bcStride: p.bcStride,
            batch: p.batch, length: p.length, dInner: p.dInner, dState: p.dState, chunk: chunk)
        // Start the gradients from random values to check that backward accumulates.
        let g = Gradients(p)
        for buffer in [g.dX, g.dDelta, g.dA, g.dXDbl, g.dD] {
            _ = buffer.buffer.update(from: randomArray(buffer.count, seed: seed))
        }
        let initial = [g.dX, g.dDelta, g.dA, g.dXDbl, g.dD].map(\.array)
        SelectiveScan.backward(
            dX: g.dX.pointer, dDelta: g.dDelta.pointer, dA: g.dA.pointer, dB: g.dXDbl.pointer + p.dtRank,
            dC: g.dXDbl.pointer + p.dtRank + p.dState, dD: g.dD.pointer, scratch: scratch.pointer,
            dY: dY.pointer, savedStates: saved.pointer,
            x: p.x.pointer, delta: p.delta.pointer, a: p.a.pointer, b: p.b, c: p.c, d: p.d.pointer,
            bcStride: p.bcStride, batch: p.batch, length: p.length, dInner: p.dInner, dState: p.dState, chunk: chunk)
        for (buffer, start) in zip([g.dX, g.dDelta, g.dA, g.dXDbl, g.dD], initial) {
            for i in 0..<buffer.count { buffer[i] -= start[i] }
        }
        return (y, g)
    }

    /// Fast vs reference on sizes where the length is not a multiple of the chunk and dInner is not
    /// a multiple of 8 (a partial lane block); batch 1 also exercises the channel-group split, and
    /// length 1 the class-token Mamba (no saved states).
    @Test(arguments: [(2, 37, 20, 16, 8), (1, 29, 40, 16, 5), (3, 11, 7, 4, 64), (4, 1, 24, 16, 64)])
    func fastMatchesReference(sizes: (Int, Int, Int, Int, Int)) {
        let (batch, length, dInner, dState, chunk) = sizes
        let p = Inputs(batch: batch, length: length, dInner: dInner, dState: dState, seed: 10)
        let dY = FloatBuffer(randomArray(batch * length * dInner, seed: 20))
        let expected = reference(p, dY: dY)
        let actual = fast(p, dY: dY, chunk: chunk, seed: 30)
        // Same float32 arithmetic in a different order with a ≈2e-7 relative exp: differences are
        // rounding-sized. Values are O(1–10) and sums run over ≤ 40 channels or ≤ 37 steps, so
        // 1e-4 absolute plus 1e-4 relative is ~100× the rounding and far below any real bug.
        expectClose(actual.y.array, expected.y.array, atol: 1e-4, rtol: 1e-4, "y")
        let e = expected.gradients, g = actual.gradients
        expectClose(g.dX.array, e.dX.array, atol: 1e-4, rtol: 1e-4, "dX")
        expectClose(g.dDelta.array, e.dDelta.array, atol: 1e-4, rtol: 1e-4, "dDelta")
        expectClose(g.dA.array, e.dA.array, atol: 1e-4, rtol: 1e-4, "dA")
        expectClose(g.dXDbl.array, e.dXDbl.array, atol: 1e-4, rtol: 1e-4, "dB, dC (and untouched dt columns)")
        expectClose(g.dD.array, e.dD.array, atol: 1e-4, rtol: 1e-4, "dD")
    }

    /// The doc comment's bound: relative error ≤ 1.7e-7 over the inputs the scan gives it
    /// (x ≤ 0, down to −126 where 2^x leaves the normal floats), 1.9e-7 at the baseline level, whose
    /// Horner steps round the product and the sum apart (measured 1.78e-7); exactly 1 at x = 0.
    @Test func exp2MeetsItsErrorBound() {
        var worst = (error: 0.0, at: Float(0))
        for start in stride(from: 0, to: 200_000, by: 16) {
            let x = SIMD16<Float>((0..<16).map { -126 * Float(start + $0) / 199_999 })
            let y = SelectiveScan.exp2(x)
            for lane in 0..<16 {
                let expected = Foundation.exp2(Double(x[lane]))
                let error = abs(Double(y[lane]) - expected) / expected
                if error > worst.error { worst = (error, x[lane]) }
            }
        }
        let bound = testedLevel == .baseline ? 1.9e-7 : 1.7e-7
        #expect(worst.error <= bound, "exp2 relative error \(worst.error) at x = \(worst.at)")
        #expect(SelectiveScan.exp2(.zero) == SIMD16(repeating: 1))
        let tiny = SelectiveScan.exp2(SIMD16(repeating: -200))[0]  // 0 with AVX-512, 2^−126 otherwise
        #expect(tiny >= 0 && tiny <= 0x1p-126)
    }

    /// The fast forward without saving states (inference) gives the same y.
    @Test func forwardWithoutSavedStates() {
        let p = Inputs(batch: 2, length: 9, dInner: 18, dState: 16, seed: 40)
        let y = FloatBuffer(count: 2 * 9 * 18)
        SelectiveScan.forward(
            y: y.pointer, savedStates: nil, x: p.x.pointer, delta: p.delta.pointer, a: p.a.pointer,
            b: p.b, c: p.c, d: p.d.pointer, bcStride: p.bcStride, batch: 2, length: 9, dInner: 18, dState: 16, chunk: 4)
        // As in fastMatchesReference.
        expectClose(y.array, reference(p, dY: nil).y.array, atol: 1e-4, rtol: 1e-4, "y")
    }

    @Test func referenceBackwardMatchesFiniteDifferences() {
        let p = Inputs(batch: 2, length: 5, dInner: 3, dState: 4, dtRank: 2, seed: 50)
        let dY = FloatBuffer(randomArray(2 * 5 * 3, seed: 60))
        func objective() -> Double {
            let y = reference(p, dY: nil).y
            return dot(y.pointer, dY.pointer, y.count)
        }
        let g = reference(p, dY: dY).gradients
        // Central differences with step 1e-2 on a smooth function of O(1) inputs: truncation
        // error ~step²·|f'''| ≲ 1e-3 and float32 rounding of y ~1e-6/step = 1e-4.
        let (atol, rtol): (Float, Float) = (2e-3, 2e-3)
        expectClose(
            g.dX.array, numericGradient(of: p.x.pointer, count: p.x.count, objective), atol: atol, rtol: rtol, "dX")
        expectClose(
            g.dDelta.array, numericGradient(of: p.delta.pointer, count: p.delta.count, objective), atol: atol,
            rtol: rtol, "dDelta")
        expectClose(
            g.dA.array, numericGradient(of: p.a.pointer, count: p.a.count, objective), atol: atol, rtol: rtol, "dA")
        expectClose(
            g.dXDbl.array, numericGradient(of: p.xDbl.pointer, count: p.xDbl.count, objective), atol: atol, rtol: rtol,
            "dB, dC")
        expectClose(
            g.dD.array, numericGradient(of: p.d.pointer, count: p.d.count, objective), atol: atol, rtol: rtol, "dD")
    }
}
