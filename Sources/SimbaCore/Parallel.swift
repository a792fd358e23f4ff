// Parallel loops over independent work items on all cores. Used for everything that is not a
// BLAS call; BLAS calls run outside these loops so the two never oversubscribe the cores.

import Foundation
import Synchronization

public enum Parallel {
    /// Worker count: the machine's active cores (or SIMBA_THREADS when set).
    public static let workers: Int = {
        if let text = ProcessInfo.processInfo.environment["SIMBA_THREADS"], let n = Int(text), n > 0 { return n }
        return max(1, ProcessInfo.processInfo.activeProcessorCount)
    }()

    /// The helper threads (workers − 1 of them; the calling thread is the last worker).
    static let pool = WorkerPool(helpers: workers - 1)

    /// Runs `body(range)` over `0..<count` split into contiguous ranges, one per worker, in parallel.
    ///
    /// Small loops (`count * costPerItem < 32_768`) run inline: a hand-off costs more than the
    /// work. So does a loop started while another is running (from inside a loop body, or from a
    /// second thread): the pool serves one loop at a time.
    public static func forEachRange(
        _ count: Int, costPerItem: Int = 1, _ body: (Range<Int>) -> Void
    ) {
        if count <= 0 { return }
        let chunks = min(workers, count)
        if chunks == 1 || count * costPerItem < 32_768 {
            body(0..<count)
            return
        }
        let ran = withoutActuallyEscaping(body) { body in
            pool.run(chunks: chunks) { chunk in body(count * chunk / chunks..<count * (chunk + 1) / chunks) }
        }
        if !ran { body(0..<count) }
    }

    /// Runs `body(i)` for every i in `0..<count` in parallel.
    public static func forEach(_ count: Int, costPerItem: Int = 1, _ body: (Int) -> Void) {
        forEachRange(count, costPerItem: costPerItem) { range in
            for i in range { body(i) }
        }
    }
}

/// Helper threads that spin briefly between loops, then sleep.
///
/// A training step runs hundreds of parallel loops, many of them tens of microseconds long; waking
/// a sleeping thread for each (what `DispatchQueue.concurrentPerform` does) cost a quarter of a
/// small model's step. Helpers here poll for the next loop `spinLimit` times (about a hundred
/// microseconds) before they block on a condition variable.
///
/// Protocol: the caller publishes `body` and the chunk count, then bumps `generation` (release);
/// every helper that sees the new generation (acquire) claims chunks from `nextChunk` alongside the
/// caller and then acknowledges (`acks`, release). The caller returns only when all helpers have
/// acknowledged, so no helper can still be reading this loop's state when the next one is set up.
/// Which thread runs a chunk does not change what the chunk computes.
final class WorkerPool: @unchecked Sendable {
    let helpers: Int
    private let generation = Atomic<Int>(0)
    private let nextChunk = Atomic<Int>(0)
    private let acks = Atomic<Int>(0)
    private let busy = Atomic<Bool>(false)
    private var chunkCount = 0
    private var body: ((Int) -> Void)?
    // Sleeping helpers wait on `wake`; `sleepers` is guarded by `lock`.
    private var lock = pthread_mutex_t()
    private var wake = pthread_cond_t()
    private var sleepers = 0
    static let spinLimit = 100_000

    init(helpers: Int) {
        self.helpers = max(0, helpers)
        pthread_mutex_init(&lock, nil)
        pthread_cond_init(&wake, nil)
        for _ in 0..<self.helpers {
            let thread = Thread { [unowned self] in self.helperLoop() }
            thread.stackSize = 8 << 20
            thread.start()
        }
    }

    /// Runs `body(0..<chunks)` on the helpers and the calling thread; returns false (running
    /// nothing) when the pool is already serving a loop or has no helpers.
    func run(chunks: Int, _ body: @escaping (Int) -> Void) -> Bool {
        guard helpers > 0, busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else {
            return false
        }
        self.body = body
        chunkCount = chunks
        nextChunk.store(0, ordering: .relaxed)
        acks.store(0, ordering: .relaxed)
        generation.add(1, ordering: .releasing)
        pthread_mutex_lock(&lock)
        if sleepers > 0 { pthread_cond_broadcast(&wake) }
        pthread_mutex_unlock(&lock)
        runChunks(body)
        while acks.load(ordering: .acquiring) < helpers {}
        self.body = nil
        busy.store(false, ordering: .releasing)
        return true
    }

    /// Claims and runs chunks until none are left.
    private func runChunks(_ body: (Int) -> Void) {
        while true {
            let chunk = nextChunk.add(1, ordering: .relaxed).oldValue
            if chunk >= chunkCount { return }
            body(chunk)
        }
    }

    private func helperLoop() {
        var seen = 0
        while true {
            var polls = 0
            while generation.load(ordering: .acquiring) == seen && polls < Self.spinLimit { polls += 1 }
            if generation.load(ordering: .acquiring) == seen {
                pthread_mutex_lock(&lock)
                sleepers += 1
                while generation.load(ordering: .acquiring) == seen { pthread_cond_wait(&wake, &lock) }
                sleepers -= 1
                pthread_mutex_unlock(&lock)
            }
            seen += 1
            if let body { runChunks(body) }
            acks.add(1, ordering: .releasing)
        }
    }
}
