// AdamW against a double-precision scalar transcription of PyTorch's update over several steps,
// with and without decay, on the inline and parallel paths; save/restore of its state; and
// global-norm clipping against hand computations.

import Foundation
import SimbaCore
import SimbaTestSupport
import Testing

@Suite struct AdamWTests {
    /// PyTorch's AdamW for one element, in double: decoupled decay, moments, bias corrections.
    struct ReferenceAdamW {
        var p: [Double], m: [Double], v: [Double], decay: [Bool]
        var t = 0
        let beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weightDecay: Double

        mutating func step(gradients g: [Float], lr: Double) {
            t += 1
            for i in p.indices {
                if decay[i] { p[i] *= 1 - lr * weightDecay }
                m[i] = beta1 * m[i] + (1 - beta1) * Double(g[i])
                v[i] = beta2 * v[i] + (1 - beta2) * Double(g[i]) * Double(g[i])
                let mHat = m[i] / (1 - pow(beta1, Double(t)))
                let vHat = v[i] / (1 - pow(beta2, Double(t)))
                p[i] -= lr * mHat / (vHat.squareRoot() + eps)
            }
        }
    }

    /// A store of `shapes` (names ending in ".bias" or 1-D get no decay), filled at random.
    func makeStore(_ shapes: [(String, [Int])]) -> ParameterStore {
        let store = ParameterStore()
        for (name, shape) in shapes { _ = store.parameter(name, shape, .normal(std: 1)) }
        _ = store.buffer("norm.running_mean", [3], .zeros)
        store.allocate()
        store.initialize(seed: 11)
        return store
    }

    func copy(_ values: [Float], into buffer: FloatBuffer) {
        precondition(values.count == buffer.count)
        buffer.pointer.update(from: values, count: values.count)
    }

    func decayFlags(_ store: ParameterStore) -> [Bool] {
        var flags = [Bool](repeating: false, count: store.parameterCount)
        for entry in store.entries where entry.kind == .parameter {
            for i in entry.offset..<(entry.offset + entry.count) { flags[i] = entry.decay }
        }
        return flags
    }

    func runAgainstReference(_ shapes: [(String, [Int])], weightDecay: Double, steps: Int) {
        let store = makeStore(shapes)
        let optimizer = AdamW(store: store, weightDecay: weightDecay)
        let flags = decayFlags(store)
        #expect(flags.contains(true) && flags.contains(false), "both groups present")
        var reference = ReferenceAdamW(
            p: store.values.array.map(Double.init), m: .init(repeating: 0, count: flags.count),
            v: .init(repeating: 0, count: flags.count), decay: flags, weightDecay: weightDecay)
        for s in 0..<steps {
            let g = randomArray(store.parameterCount, scale: 0.5, seed: 100 + UInt64(s))
            copy(g, into: store.gradients)
            let lr: Float = s < 2 ? 1e-2 : 3e-3
            optimizer.step(store: store, learningRate: lr)
            reference.step(gradients: g, lr: Double(lr))
            // float32 vs double over ≤ 5 steps: each step adds a few roundings of |p| ≲ 4 (≈ 2.4e-7
            // each) and an update lr·m̂/√v̂ ≤ lr whose ratio is ~1e-6 relative; 1e-6 + 1e-6·|p| covers
            // that while a wrong bias correction or decay factor moves p by ≥ 1e-4.
            expectClose(
                store.values.array, reference.p.map { Float($0) }, atol: 1e-6, rtol: 1e-6, "values at step \(s + 1)")
            expectClose(optimizer.m.array, reference.m.map { Float($0) }, atol: 1e-7, rtol: 1e-5, "m at step \(s + 1)")
            expectClose(optimizer.v.array, reference.v.map { Float($0) }, atol: 1e-9, rtol: 1e-5, "v at step \(s + 1)")
        }
        #expect(optimizer.stepCount == steps)
    }

    let smallModel: [(String, [Int])] = [
        ("fc1.weight", [3, 4]), ("fc1.bias", [3]), ("norm.weight", [3]), ("fc2.weight", [2, 3]), ("fc2.bias", [2])
    ]

    @Test func matchesPyTorchUpdateWithDecay() {
        runAgainstReference(smallModel, weightDecay: 0.1, steps: 5)
    }

    @Test func matchesPyTorchUpdateWithoutDecay() {
        runAgainstReference(smallModel, weightDecay: 0, steps: 5)
    }

    /// ~50 000 parameters with alternating groups: parallel chunks start and end inside entries.
    @Test func parallelChunksRespectDecayGroups() {
        var shapes: [(String, [Int])] = []
        for i in 0..<6 { shapes += [("layer\(i).weight", [71, 113]), ("layer\(i).bias", [113])] }
        runAgainstReference(shapes, weightDecay: 0.05, steps: 2)
    }

    @Test func restoredStateContinuesIdentically() {
        let a = makeStore(smallModel), b = makeStore(smallModel)
        let first = AdamW(store: a, weightDecay: 0.1)
        for s in 0..<3 {
            copy(randomArray(a.parameterCount, seed: 200 + UInt64(s)), into: a.gradients)
            first.step(store: a, learningRate: 1e-2)
        }
        // What a checkpoint carries: values, m, v, step count.
        copy(a.values.array, into: b.values)
        let second = AdamW(store: b, weightDecay: 0.1)
        copy(first.m.array, into: second.m)
        copy(first.v.array, into: second.v)
        second.stepCount = first.stepCount
        let g = randomArray(a.parameterCount, seed: 300)
        copy(g, into: a.gradients)
        copy(g, into: b.gradients)
        first.step(store: a, learningRate: 1e-2)
        second.step(store: b, learningRate: 1e-2)
        #expect(a.values.array == b.values.array && first.m.array == second.m.array && first.v.array == second.v.array)
    }

    @Test func clippingScalesOnlyAboveTheLimit() {
        var g: [Float] = [3, 4]
        let norm = GradientClipping.clipGlobalNorm(gradients: &g, count: 2, maxNorm: 1)
        #expect(norm == 5)
        // Scale 1/(5 + 1e-6), as clip_grad_norm_: one float32 multiply each.
        let scale = Float(1 / (5 + 1e-6))
        #expect(g == [3 * scale, 4 * scale])

        var small: [Float] = [0.3, 0.4]
        let smallNorm = GradientClipping.clipGlobalNorm(gradients: &small, count: 2, maxNorm: 1)
        #expect(small == [0.3, 0.4])
        expectClose([smallNorm], [0.5], atol: 0, rtol: 1e-7, "norm below the limit")
    }

    /// 200 000 elements span four blocks summed in parallel.
    @Test func clippingNormOverManyBlocks() {
        let values = randomArray(200_000, scale: 0.01, seed: 400)
        let g = FloatBuffer(values)
        let norm = GradientClipping.clipGlobalNorm(gradients: g.pointer, count: g.count, maxNorm: 1)
        let expected = values.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
        // Both sums are in double; they differ only in order (≈ 1e-13), then one float32 rounding.
        expectClose([norm], [Float(expected)], atol: 0, rtol: 1e-7, "total norm")
        let scale = Float(1 / (expected + 1e-6))
        #expect(expected > 1)
        expectClose(g.array, values.map { $0 * scale }, atol: 0, rtol: 1e-7, "clipped gradients")
    }
}
