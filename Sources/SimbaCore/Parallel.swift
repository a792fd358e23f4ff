// Parallel loops over independent work items on all cores. Used for everything that is not a
// BLAS call; BLAS calls run outside these loops so the two never oversubscribe the cores.

import Dispatch
import Foundation

public enum Parallel {
    /// Worker count: the machine's active cores (or SIMBA_THREADS when set).
    public static let workers: Int = {
        if let text = ProcessInfo.processInfo.environment["SIMBA_THREADS"], let n = Int(text), n > 0 { return n }
        return max(1, ProcessInfo.processInfo.activeProcessorCount)
    }()

    /// Runs `body(range)` over `0..<count` split into contiguous ranges, one per worker, in parallel.
    ///
    /// Small loops (`count * costPerItem < 32_768`) run inline: a thread hand-off costs more than
    /// the work.
    public static func forEachRange(
        _ count: Int, costPerItem: Int = 1, _ body: (Range<Int>) -> Void
    ) {
        if count <= 0 { return }
        let chunks = min(workers, count)
        if chunks == 1 || count * costPerItem < 32_768 {
            body(0..<count)
            return
        }
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
            let start = count * chunk / chunks
            let end = count * (chunk + 1) / chunks
            body(start..<end)
        }
    }

    /// Runs `body(i)` for every i in `0..<count` in parallel.
    public static func forEach(_ count: Int, costPerItem: Int = 1, _ body: (Int) -> Void) {
        forEachRange(count, costPerItem: costPerItem) { range in
            for i in range { body(i) }
        }
    }
}
