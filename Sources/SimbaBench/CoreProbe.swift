// The `cores` case of `simba bench model`: whether the worker threads have a physical core each right
// now, from multiply-add throughput at the kernel level in use. It measures the host only, not simba's kernels.

import Foundation
import SimbaCore

/// On a virtual machine two virtual CPUs can share one core for minutes at a time: every
/// arithmetic-bound kernel then runs at about half speed, while PyTorch's reference, bound by
/// per-operator dispatch, slows far less. scripts/tools/bench.py probes between its cases to show when.
enum CoreProbe {
    /// Multiply-adds one call of the kernels' `ThroughputProbe.chains` makes per iteration: 8
    /// independent 16-lane chains, enough to keep both FMA ports of a core busy (4 cycles of
    /// latency, 2 issued per cycle) at the levels with FMA.
    static let flopsPerIteration = 8 * 16 * 2

    /// Iterations per timed call: about 60 ms on one core here.
    static let iterations = 40_000_000

    /// FMA GFLOP/s of the calling thread alone and of every worker at once (`Parallel.forEach`, one
    /// item per worker), the median of `repeats` (at least 3) calls each; the value is their ratio
    /// (≈ workers when each worker has a core of its own, ≈ 1 when they share one).
    static func run(repeats: Int, warmup: Int) -> ModelBenchmark.Result {
        var sink: Float = 0
        let probe = Kernels.current.throughputProbe
        let one = ModelBenchmark.samples(repeats: max(repeats, 3), warmup: max(warmup, 1)) {
            sink += probe.chains(iterations: iterations)
        }
        let sums = UnsafeMutableBufferPointer<Float>.allocate(capacity: Parallel.workers)
        defer { sums.deallocate() }
        let all = ModelBenchmark.samples(repeats: max(repeats, 3), warmup: max(warmup, 1)) {
            Parallel.forEach(Parallel.workers, costPerItem: iterations) { worker in
                sums[worker] = probe.chains(iterations: iterations)
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
