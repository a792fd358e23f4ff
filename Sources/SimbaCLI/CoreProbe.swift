// The `cores` case of `simba bench model`: whether the worker threads have a physical core each right
// now, from fused multiply-add throughput. It measures the host only, not simba's kernels.

import Foundation
import SimbaCore

/// On a virtual machine two virtual CPUs can share one core for minutes at a time: every
/// arithmetic-bound kernel then runs at about half speed, while PyTorch's reference, bound by
/// per-operator dispatch, slows far less. scripts/tools/bench.py probes between its cases to show when.
enum CoreProbe {
    /// Fused multiply-adds one call of `chains` makes per iteration: 8 independent 16-lane chains,
    /// enough to keep both FMA ports of a core busy (4 cycles of latency, 2 issued per cycle).
    static let flopsPerIteration = 8 * 16 * 2

    /// Iterations per timed call: about 60 ms on one core here.
    static let iterations = 40_000_000

    /// Runs the 8 chains a_i ← a_i·b + c for `iterations` steps; returns their sum so that nothing
    /// is optimised away.
    @inline(never)
    static func chains(iterations: Int) -> Float {
        let b = SIMD16<Float>(repeating: 0.999_999_9), c = SIMD16<Float>(repeating: 1e-7)
        var a0 = SIMD16<Float>(repeating: 1), a1 = a0 + 0.001, a2 = a0 + 0.002, a3 = a0 + 0.003
        var a4 = a0 + 0.004, a5 = a0 + 0.005, a6 = a0 + 0.006, a7 = a0 + 0.007
        for _ in 0..<iterations {
            a0 = c.addingProduct(a0, b); a1 = c.addingProduct(a1, b)
            a2 = c.addingProduct(a2, b); a3 = c.addingProduct(a3, b)
            a4 = c.addingProduct(a4, b); a5 = c.addingProduct(a5, b)
            a6 = c.addingProduct(a6, b); a7 = c.addingProduct(a7, b)
        }
        return (a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7).sum()
    }

    /// FMA GFLOP/s of the calling thread alone and of every worker at once (`Parallel.forEach`, one
    /// item per worker), the median of `repeats` (at least 3) calls each; the value is their ratio
    /// (≈ workers when each worker has a core of its own, ≈ 1 when they share one).
    static func run(repeats: Int, warmup: Int) -> ModelBenchmark.Result {
        var sink: Float = 0
        let one = ModelBenchmark.samples(repeats: max(repeats, 3), warmup: max(warmup, 1)) {
            sink += chains(iterations: iterations)
        }
        let sums = UnsafeMutableBufferPointer<Float>.allocate(capacity: Parallel.workers)
        defer { sums.deallocate() }
        let all = ModelBenchmark.samples(repeats: max(repeats, 3), warmup: max(warmup, 1)) {
            Parallel.forEach(Parallel.workers, costPerItem: iterations) { worker in
                sums[worker] = chains(iterations: iterations)
            }
        }
        sink += sums.reduce(0, +)
        let flops = Double(iterations * flopsPerIteration)
        let oneGFLOPs = flops / ModelBenchmark.median(one) * 1e-9
        let allGFLOPs = Double(Parallel.workers) * flops / ModelBenchmark.median(all) * 1e-9
        var result = ModelBenchmark.Result(
            name: "cores", unit: "× one thread", value: allGFLOPs / oneGFLOPs, samples: [allGFLOPs / oneGFLOPs],
            warmup: max(warmup, 1))
        result.fmaGFLOPs = (one: oneGFLOPs, all: allGFLOPs)
        // Every chain stays near 1, so the sum is positive; checking it keeps the loops from being
        // optimised away.
        precondition(sink > 0, "core probe: chains summed to \(sink)")
        return result
    }
}
