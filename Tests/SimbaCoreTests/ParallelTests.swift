// Parallel.forEachClaimed: every item runs exactly once, and a slot is never in use by two calls
// at once (the property per-slot scratch relies on).

import SimbaCore
import Synchronization
import Testing

@Suite struct ParallelTests {
    struct Record {
        var runs: [Int]
        var inUse: [Bool]
        var overlaps = 0
    }

    @Test(arguments: [1, 2, 3])
    func claimedItemsRunOnceAndSlotsNeverOverlap(slots: Int) {
        let count = 37
        let record = Mutex(Record(runs: Array(repeating: 0, count: count), inUse: Array(repeating: false, count: slots)))
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
}
