// The kernel benchmark behind `simba bench kernels`: times simba's kernels at SiMBA-S stage-1
// sizes and prints one line per kernel. Median of `repeats` runs after one warm-up.

import Foundation
import SimbaCore
import SimbaModel

public enum KernelBenchmark {
    /// Median seconds of `repeats` calls of `body`, after one warm-up call.
    static func time(repeats: Int, _ body: () -> Void) -> Double {
        ModelBenchmark.median(ModelBenchmark.samples(repeats: repeats, warmup: 1, body))
    }

    /// SiMBA-S stage 1 at 224×224, batch 8: 56·56 tokens of width 64; Mamba dInner 128, dState 64.
    static let batch = 8, tokens = 3136, dModel = 64, dInner = 128, dState = 64

    public static func run(repeats: Int) {
        print(
            "Median of \(repeats) runs after one warm-up; SiMBA-S stage 1: batch \(batch), \(tokens) tokens, d_model "
                + "\(dModel)"
        )
        sgemm(repeats: repeats)
        selectiveScan(repeats: repeats)
        layer("EinFFT layer (C 64)", repeats: repeats) { store in
            EinFFTLayer(store: store, prefix: "", channels: dModel, maxBatch: batch, maxLength: tokens)
        }
        layer("Mamba block (d_model 64, d_state 64)", repeats: repeats) { store in
            Mamba(store: store, prefix: "", dModel: dModel, dState: dState, maxBatch: batch, maxLength: tokens)
        }
    }

    /// A buffer of N(0, scale²) values.
    static func random(_ count: Int, scale: Float = 1, seed: UInt64) -> FloatBuffer {
        let buffer = FloatBuffer(count: count)
        var generator = RandomGenerator(seed: seed)
        for i in 0..<count { buffer[i] = scale * generator.normal() }
        return buffer
    }

    /// The selective scan alone (chunk 64), forward and backward, in scanned elements
    /// (batch·length·dInner·dState) per second.
    static func selectiveScan(repeats: Int) {
        let rows = batch * tokens, chunk = 64
        let x = random(rows * dInner, seed: 1), dy = random(rows * dInner, seed: 2)
        let delta = FloatBuffer(count: rows * dInner)
        for i in 0..<delta.count { delta[i] = 0.001 + 0.1 * Float(i % 97) / 97 }
        let a = FloatBuffer(count: dInner * dState)
        for i in 0..<a.count { a[i] = -Float(i % dState + 1) }
        let bc = random(rows * 2 * dState, seed: 3), d = random(dInner, seed: 4)
        let y = FloatBuffer(count: rows * dInner)
        let saved = FloatBuffer(
            count: Kernels.current.selectiveScan.savedStateCount(
                batch: batch, length: tokens, dInner: dInner, dState: dState, chunk: chunk))
        let scratch = FloatBuffer(
            count: Kernels.current.selectiveScan.backwardScratchCount(
                batch: batch, length: tokens, dInner: dInner, dState: dState, chunk: chunk))
        let dX = FloatBuffer(count: rows * dInner), dDelta = FloatBuffer(count: rows * dInner)
        let dA = FloatBuffer(count: dInner * dState), dBC = FloatBuffer(count: rows * 2 * dState),
            dD = FloatBuffer(count: dInner)
        let forward = time(repeats: repeats) {
            Kernels.current.selectiveScan.forward(
                y: y.pointer, savedStates: saved.pointer, x: x.pointer, delta: delta.pointer, a: a.pointer,
                b: bc.pointer, c: bc.pointer + dState, d: d.pointer, bcStride: 2 * dState,
                batch: batch, length: tokens, dInner: dInner, dState: dState, chunk: chunk)
        }
        let backward = time(repeats: repeats) {
            Kernels.current.selectiveScan.backward(
                dX: dX.pointer, dDelta: dDelta.pointer, dA: dA.pointer, dB: dBC.pointer, dC: dBC.pointer + dState,
                dD: dD.pointer, scratch: scratch.pointer, dY: dy.pointer, savedStates: saved.pointer, x: x.pointer,
                delta: delta.pointer, a: a.pointer, b: bc.pointer, c: bc.pointer + dState, d: d.pointer,
                bcStride: 2 * dState, batch: batch, length: tokens, dInner: dInner, dState: dState, chunk: chunk)
        }
        let elements = Double(rows * dInner * dState)
        print(
            String(
                format: "selective scan forward  (dInner %d, dState %d)  %8.2f ms  %7.0f M elements/s", dInner, dState,
                forward * 1e3, elements / forward * 1e-6))
        print(
            String(
                format: "selective scan backward (dInner %d, dState %d)  %8.2f ms  %7.0f M elements/s", dInner, dState,
                backward * 1e3, elements / backward * 1e-6))
        print(
            String(
                format: "  scan memory: saved states %.1f MB, backward scratch %.1f MB (all states would be %.0f MB)",
                Double(saved.count) * 4e-6, Double(scratch.count) * 4e-6, elements * 4e-6))
    }

    /// One layer's forward and backward on random input at stage-1 sizes.
    static func layer(_ name: String, repeats: Int, _ make: (ParameterStore) -> SequenceLayer) {
        let store = ParameterStore()
        let module = make(store)
        store.allocate()
        store.initialize(seed: 5)
        let count = batch * tokens * dModel
        let input = random(count, seed: 6), dOutput = random(count, seed: 7), dInput = FloatBuffer(count: count)
        let forward = time(repeats: repeats) { _ = module.forward(input.pointer, batch: batch, length: tokens) }
        let backward = time(repeats: repeats) {
            module.backward(dOutput.pointer, dInput: dInput.pointer, batch: batch, length: tokens)
        }
        let padded = name.padding(toLength: 40, withPad: " ", startingAt: 0)
        print(String(format: "%@ forward %8.2f ms   backward %8.2f ms", padded, forward * 1e3, backward * 1e3))
    }

    /// sgemm at the in_proj size of SiMBA-S stage 1 (25088 × 64 → 256) and a square 1024 product.
    static func sgemm(repeats: Int) {
        for (m, n, k) in [(8 * 3136, 256, 64), (1024, 1024, 1024)] {
            let a = FloatBuffer(count: m * k), b = FloatBuffer(count: k * n), c = FloatBuffer(count: m * n)
            var generator = RandomGenerator(seed: 1)
            for i in 0..<a.count { a[i] = generator.normal() }
            for i in 0..<b.count { b[i] = generator.normal() }
            let seconds = time(repeats: repeats) {
                BLAS.gemm(
                    transposeA: false, transposeB: false, m: m, n: n, k: k,
                    a: a.pointer, lda: k, b: b.pointer, ldb: n, beta: 0, c: c.pointer, ldc: n)
            }
            let gflops = 2 * Double(m) * Double(n) * Double(k) / seconds * 1e-9
            print(
                String(
                    format: "sgemm %5d×%4d×%4d (simba BLAS wrapper)   %8.2f ms  %7.1f GFLOP/s", m, n, k, seconds * 1e3,
                    gflops))
        }
    }
}
