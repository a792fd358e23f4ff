// Parallel.forEachClaimed: every item runs exactly once, and a slot is never in use by two calls
// at once (the property per-slot scratch relies on). Parallel.insideLoop: set in every loop body
// however it runs, and only there (BLAS.gemm's reproducibility relies on it).

import Synchronization
import Testing

@testable import SimbaRuntime

@Suite struct ParallelTests {
    struct Record {
        var runs: [Int]
        var inUse: [Bool]
        var overlaps = 0
    }

    @Test(arguments: [1, 2, 3])
    func claimedItemsRunOnceAndSlotsNeverOverlap(slots: Int) {
        let count = 37
        let record = Mutex(
            Record(runs: Array(repeating: 0, count: count), inUse: Array(repeating: false, count: slots)))
        // Each item declares enough cost (2^20) that the loop goes to the worker pool.
        Parallel.forEachClaimed(count, slots: slots, costPerItem: 1 << 20) { slot, item in
            record.withLock { r in
                if r.inUse[slot] { r.overlaps += 1 }
                r.inUse[slot] = true
            }
            var spin = 0
            for i in 0..<20_000 { spin &+= i }  // long enough for another worker to claim items meanwhile
            record.withLock { r in
                r.inUse[slot] = false
                r.runs[item] += spin == 0 ? 2 : 1
            }
        }
        record.withLock { r in
            #expect(r.runs == Array(repeating: 1, count: count))
            #expect(r.overlaps == 0)
        }
    }

    @Test func insideLoopHoldsInEveryBodyAndOnlyThere() {
        #expect(!Parallel.insideLoop)
        let outside = Mutex(0)
        // Pool-sized (each worker's chunks), inline-sized, and an inline loop nested in a pooled one.
        Parallel.forEach(8, costPerItem: 1 << 20) { _ in
            if !Parallel.insideLoop { outside.withLock { $0 += 1 } }
            Parallel.forEach(2) { _ in if !Parallel.insideLoop { outside.withLock { $0 += 1 } } }
            if !Parallel.insideLoop { outside.withLock { $0 += 1 } }  // restored after the nested loop
        }
        Parallel.forEach(3) { _ in if !Parallel.insideLoop { outside.withLock { $0 += 1 } } }
        #expect(outside.withLock { $0 } == 0)
        #expect(!Parallel.insideLoop)
    }
}
