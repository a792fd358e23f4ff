// Mamba module: parameter table and init against mamba_simple.py, and backward against central
// finite differences for the input and every parameter.

import Foundation
import SimbaCore
import SimbaTestSupport
import Testing

@testable import SimbaModel

@Suite struct MambaTests {
    // dInner 16, dtRank 1; chunk 3 so the 7-step scan recomputes from saved states.
    let dModel = 8, dState = 4, batch = 2, length = 7

    @Test func parametersInStateDictOrder() {
        let store = ParameterStore()
        let mamba = Mamba(store: store, prefix: "m.", dModel: 64, dState: 16, maxBatch: 1, maxLength: 1)
        #expect(mamba.dInner == 128 && mamba.dtRank == 4)
        #expect(
            store.entries.map(\.name) == [
                "m.in_proj.weight", "m.conv1d.weight", "m.conv1d.bias", "m.x_proj.weight", "m.dt_proj.weight",
                "m.dt_proj.bias", "m.A_log", "m.D", "m.out_proj.weight"
            ])
        #expect(
            store.entries.map(\.shape) == [
                [256, 64], [128, 1, 4], [128], [36, 128], [128, 4], [128], [128, 16], [128], [64, 128]
            ])
        #expect(store.entries.map(\.decay) == [true, true, false, true, true, false, true, false, true])
    }

    @Test func initialisation() {
        let store = ParameterStore()
        _ = Mamba(store: store, prefix: "", dModel: 64, dState: 16, maxBatch: 1, maxLength: 1)
        store.allocate()
        store.initialize(seed: 3)
        func values(_ name: String) -> [Float] {
            Array(UnsafeBufferPointer(start: store[name].value, count: store[name].count))
        }
        let aLog = values("A_log")
        #expect((0..<aLog.count).allSatisfy { abs(aLog[$0] - log(Float($0 % 16 + 1))) < 1e-6 })
        #expect(values("D").allSatisfy { $0 == 1 })
        // softplus(bias) recovers dt in [1e-3, 1e-1] (up to float rounding).
        #expect(
            values("dt_proj.bias").allSatisfy {
                let dt = log1p(exp($0)); return dt > 0.00099 && dt < 0.1001
            })
        for (name, bound) in [
            ("in_proj.weight", 1 / Float(8)), ("conv1d.weight", 0.5), ("conv1d.bias", 0.5),
            ("x_proj.weight", 1 / Float(128).squareRoot()), ("dt_proj.weight", 0.5),
            ("out_proj.weight", 1 / Float(128).squareRoot())
        ] {
            let v = values(name)
            #expect(v.allSatisfy { abs($0) <= bound }, "\(name) within ±\(bound)")
            #expect(v.map(abs).max()! > 0.8 * bound, "\(name) spans its range")
        }
    }

    @Test func backwardMatchesFiniteDifferences() {
        let store = ParameterStore()
        let mamba = Mamba(
            store: store, prefix: "", dModel: dModel, dState: dState, maxBatch: batch, maxLength: length, chunk: 3)
        store.allocate()
        store.initialize(seed: 1)
        // Mamba's init makes the scan path's gradients tiny (≲ 1e-3), which a finite-difference
        // check cannot tell from zero; random O(1) parameters make every path count. dt_proj.bias
        // N(0, 1) gives delta = softplus(·) ≈ 0.3–1.3 so the scan carries state across steps, and
        // A_log N(0, 0.3²) decays each state differently; other tensors N(0, 0.3²), D N(0, 1).
        for (i, entry) in store.entries.enumerated() {
            let scale: Float = entry.name == "dt_proj.bias" || entry.name == "D" ? 1 : 0.3
            store[entry.name].value.update(
                from: randomArray(entry.count, scale: scale, seed: 100 + UInt64(i)), count: entry.count)
        }
        let u = FloatBuffer(randomArray(batch * length * dModel, seed: 4))
        let dOut = FloatBuffer(randomArray(batch * length * dModel, seed: 5))
        func objective() -> Double {
            dot(mamba.forward(u.pointer, batch: batch, length: length), dOut.pointer, dOut.count)
        }

        _ = objective()
        let dU = FloatBuffer(count: u.count)
        store.zeroGradients()
        mamba.backward(dOut.pointer, dInput: dU.pointer, batch: batch, length: length)
        // Central differences (step 1e-2) of a smooth float32 function. Gradients here are
        // 0.01–5; the measured worst error is 7e-4 at |g| = 2.3 (in_proj, truncation through the
        // SiLUs) and ≤ 1e-4 elsewhere. A 1% error in the smallest gradients (dt_proj, A_log,
        // ~0.04) exceeds this tolerance.
        let (atol, rtol): (Float, Float) = (1e-4, 1e-3)
        expectClose(
            dU.array, numericGradient(of: u.pointer, count: u.count, objective), atol: atol, rtol: rtol, "dInput")
        for entry in store.entries {
            let ref = store[entry.name]
            let analytic = Array(UnsafeBufferPointer(start: ref.gradient, count: ref.count))
            expectClose(
                analytic, numericGradient(of: ref.value, count: ref.count, objective), atol: atol, rtol: rtol,
                entry.name)
        }
    }

    /// Backward accumulates: a second backward adds the same gradients again.
    @Test func backwardAccumulates() {
        let store = ParameterStore()
        let mamba = Mamba(
            store: store, prefix: "", dModel: dModel, dState: dState, maxBatch: batch, maxLength: length, chunk: 3)
        store.allocate()
        store.initialize(seed: 6)
        let u = FloatBuffer(randomArray(batch * length * dModel, seed: 7))
        let dOut = FloatBuffer(randomArray(batch * length * dModel, seed: 8))
        _ = mamba.forward(u.pointer, batch: batch, length: length)
        let dU = FloatBuffer(count: u.count)
        mamba.backward(dOut.pointer, dInput: dU.pointer, batch: batch, length: length)
        let once = (dU.array, store.gradients.array)
        mamba.backward(dOut.pointer, dInput: dU.pointer, batch: batch, length: length)
        // Identical float32 work twice: 2·g exactly, up to one rounding of the sum.
        expectClose(dU.array, once.0.map { 2 * $0 }, atol: 1e-6, rtol: 1e-6, "dInput")
        expectClose(store.gradients.array, once.1.map { 2 * $0 }, atol: 1e-6, rtol: 1e-6, "parameter gradients")
    }
}
