// Parallel loops over independent work items on all cores. Used for everything that is not a
// BLAS call; BLAS calls run outside these loops so the two never oversubscribe the cores.

import CVectorBuiltins
import Foundation
import Synchronization

public enum Parallel {
    /// Worker count: SIMBA_THREADS when set, else the machine's active cores shared among the
    /// processes `mpirun` started on it (`defaultWorkers`). A bad SIMBA_THREADS or
    /// OMPI_COMM_WORLD_LOCAL_SIZE falls back to the cores here; the command line refuses it first
    /// (`configuredWorkers`, `localProcesses`).
    public static let workers: Int = {
        let environment = ProcessInfo.processInfo.environment
        if let n = try? configuredWorkers(environment) { return n }
        return defaultWorkers(
            cores: ProcessInfo.processInfo.activeProcessorCount,
            localProcesses: (try? localProcesses(environment)) ?? nil)
    }()

    /// `cores` divided among `localProcesses` processes of one job on this machine (1 when nil),
    /// rounded down, at least 1: ranks never oversubscribe the cores by default.
    public static func defaultWorkers(cores: Int, localProcesses: Int?) -> Int {
        max(1, cores / max(1, localProcesses ?? 1))
    }

    /// OMPI_COMM_WORLD_LOCAL_SIZE in `environment`, the processes `mpirun` started on this machine:
    /// nil when unset, else a whole number from 1 to 65536; anything else throws an error naming
    /// the variable.
    public static func localProcesses(_ environment: [String: String]) throws -> Int? {
        guard let text = environment["OMPI_COMM_WORLD_LOCAL_SIZE"] else { return nil }
        guard let n = Int(text), (1...65536).contains(n) else {
            throw EnvironmentError(
                description: "the environment variable OMPI_COMM_WORLD_LOCAL_SIZE is \(quoted(text)); mpirun sets it "
                    + "to the number of its processes on this machine: start simba with mpirun, or unset it")
        }
        return n
    }

    /// The largest SIMBA_THREADS accepted.
    public static let maxWorkers = 256

    /// SIMBA_THREADS in `environment`: nil when unset or empty, else a whole number from 1 to
    /// `maxWorkers`; anything else throws an error naming the variable.
    public static func configuredWorkers(_ environment: [String: String]) throws -> Int? {
        guard let text = environment["SIMBA_THREADS"], !text.isEmpty else { return nil }
        guard let n = Int(text), (1...maxWorkers).contains(n) else {
            throw EnvironmentError(
                description: "the environment variable SIMBA_THREADS is \(quoted(text)); set it to a whole number "
                    + "of threads from 1 to \(maxWorkers), or unset it to use the machine's cores")
        }
        return n
    }

    /// The helper threads (workers − 1 of them; the calling thread is the last worker).
    static let pool = WorkerPool(helpers: workers - 1)

    /// Contiguous ranges per worker a loop is split into: whoever is done first claims the next
    /// range, so a helper that starts late (or runs slower) does not leave the caller waiting.
    static let chunksPerWorker = 4

    /// Runs `body(range)` over `0..<count` split into contiguous ranges (`chunksPerWorker` per
    /// worker) in parallel.
    ///
    /// Small loops (`count * costPerItem < 32_768`) run inline: a hand-off costs more than the
    /// work. So does a loop started while another is running (from inside a loop body, or from a
    /// second thread): the pool serves one loop at a time.
    public static func forEachRange(
        _ count: Int, costPerItem: Int = 1, _ body: (Range<Int>) -> Void
    ) {
        if count <= 0 { return }
        let chunks = min(workers * chunksPerWorker, count)
        if workers == 1 || chunks == 1 || count * costPerItem < 32_768 {
            insideBody { body(0..<count) }
            return
        }
        let ran = withoutActuallyEscaping(body) { body in
            pool.run(chunks: chunks) { chunk in
                insideBody { body(count * chunk / chunks..<count * (chunk + 1) / chunks) }
            }
        }
        if !ran { insideBody { body(0..<count) } }
    }

    /// Runs `body(i, n)` over `0..<count` in steps of one 16-lane vector (n = 16, or fewer at the
    /// end of a range), the ranges in parallel: the traversal of every element-wise vector pass.
    @inlinable @inline(__always)
    public static func forEachVector(_ count: Int, costPerItem: Int = 1, _ body: (_ i: Int, _ n: Int) -> Void) {
        forEachRange(count, costPerItem: costPerItem) { range in
            var i = range.lowerBound
            while i < range.upperBound {
                let n = min(SIMD16<Float>.scalarCount, range.upperBound - i)
                body(i, n)
                i += n
            }
        }
    }

    /// Sets `count` floats at `pointer` to 0, in parallel slices (a large memset is serial otherwise).
    public static func zero(_ pointer: UnsafeMutablePointer<Float>, count: Int) {
        forEachRange(count, costPerItem: 1) { range in
            (pointer + range.lowerBound).update(repeating: 0, count: range.count)
        }
    }

    /// Runs `body(i)` for every i in `0..<count` in parallel.
    public static func forEach(_ count: Int, costPerItem: Int = 1, _ body: (Int) -> Void) {
        forEachRange(count, costPerItem: costPerItem) { range in
            for i in range { body(i) }
        }
    }

    /// Whether the calling thread is inside the body of a parallel loop, however that loop ran (on
    /// the pool or inline). It depends only on where the call is made, not on whether the pool
    /// happened to be busy, so what depends on it stays reproducible.
    static var insideLoop: Bool { pthread_getspecific(bodyKey) != nil }

    /// Marks the threads running a loop body (`insideLoop`).
    private static let bodyKey: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key, nil)
        return key
    }()

    /// Runs `body` with the calling thread marked as inside a loop body, then restores the mark.
    @inline(__always)
    private static func insideBody(_ body: () -> Void) {
        let previous = pthread_getspecific(bodyKey)
        pthread_setspecific(bodyKey, UnsafeRawPointer(bitPattern: 1))
        body()
        pthread_setspecific(bodyKey, previous)
    }

    /// Runs `body(slot, item)` for every item in `0..<count` on `slots` parallel claimants: each
    /// slot takes the next unclaimed item whenever it is free, so a worker that runs slower (or
    /// starts late) takes fewer items instead of leaving the others waiting. No two calls with
    /// the same `slot` (< slots) run at once, so `slot` can name per-worker scratch.
    public static func forEachClaimed(
        _ count: Int, slots: Int, costPerItem: Int = 1, _ body: (_ slot: Int, _ item: Int) -> Void
    ) {
        let next = Atomic<Int>(0)
        forEach(slots, costPerItem: count * costPerItem / max(slots, 1)) { slot in
            while true {
                let item = next.add(1, ordering: .relaxed).oldValue
                if item >= count { return }
                body(slot, item)
            }
        }
    }
}

/// Helper threads that spin briefly between loops, then sleep.
///
/// A training step runs hundreds of parallel loops, many of them tens of microseconds long; waking
/// a sleeping thread for each (what `DispatchQueue.concurrentPerform` does) cost a quarter of a
/// small model's step. Helpers here poll for the next loop `spinLimit` times (about a hundred
/// microseconds: each poll pauses, 17 ns here) before they block on a condition variable.
///
/// Protocol: one atomic word holds the loop's generation, its chunk count and the next unclaimed
/// chunk. The caller publishes `body`, sets `pending` to the chunk count and stores a new
/// generation (release); then it and any helper that sees the generation claim chunks by
/// compare-and-swap on that word (acquire), run them and decrement `pending`. The caller returns
/// when `pending` is 0, so it waits only for chunks a helper actually claimed, never for a helper
/// that was not scheduled in time (another process on the cores, loader threads); a helper that
/// arrives late finds the generation moved on and claims nothing. Which thread runs a chunk does
/// not change what the chunk computes.
final class WorkerPool: @unchecked Sendable {
    let helpers: Int
    /// generation << 32 | chunk count << 16 | next chunk.
    private let state = Atomic<Int>(0)
    private let pending = Atomic<Int>(0)
    private let busy = Atomic<Bool>(false)
    private var body: ((Int) -> Void)?
    // Sleeping helpers wait on `wake`; `sleepers` is guarded by `lock`.
    private var lock = pthread_mutex_t()
    private var wake = pthread_cond_t()
    private var sleepers = 0
    static let spinLimit = 6_000

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

    /// Runs `body(0..<chunks)` (chunks < 65 536) on the helpers and the calling thread; returns
    /// false (running nothing) when the pool is already serving a loop or has no helpers.
    func run(chunks: Int, _ body: @escaping (Int) -> Void) -> Bool {
        precondition(chunks < 1 << 16, "WorkerPool: too many chunks")
        guard helpers > 0, busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else {
            return false
        }
        self.body = body
        pending.store(chunks, ordering: .relaxed)
        let generation = (state.load(ordering: .relaxed) >> 32) + 1
        state.store(generation << 32 | chunks << 16, ordering: .releasing)
        pthread_mutex_lock(&lock)
        if sleepers > 0 { pthread_cond_broadcast(&wake) }
        pthread_mutex_unlock(&lock)
        runChunks(of: generation)
        var polls = 0
        while pending.load(ordering: .acquiring) > 0 {
            simba_spin_pause()
            polls += 1
            if polls % 64 == 0 { sched_yield() }
        }
        self.body = nil
        busy.store(false, ordering: .releasing)
        return true
    }

    /// Claims and runs chunks of loop `generation` until none are left or the loop is over.
    private func runChunks(of generation: Int) {
        while true {
            let word = state.load(ordering: .acquiring)
            let count = (word >> 16) & 0xFFFF, next = word & 0xFFFF
            guard word >> 32 == generation, next < count else { return }
            if state.compareExchange(expected: word, desired: word + 1, ordering: .acquiringAndReleasing).exchanged {
                // `body` stays set while this claimed chunk keeps `pending` above 0.
                body!(next)
                pending.subtract(1, ordering: .releasing)
            }
        }
    }

    private func helperLoop() {
        var seen = 0
        while true {
            var polls = 0
            while state.load(ordering: .acquiring) >> 32 == seen && polls < Self.spinLimit {
                simba_spin_pause()
                polls += 1
            }
            if state.load(ordering: .acquiring) >> 32 == seen {
                pthread_mutex_lock(&lock)
                sleepers += 1
                while state.load(ordering: .acquiring) >> 32 == seen { pthread_cond_wait(&wake, &lock) }
                sleepers -= 1
                pthread_mutex_unlock(&lock)
            }
            seen = state.load(ordering: .acquiring) >> 32
            runChunks(of: seen)
        }
    }
}

/// An environment variable simba reads holds a value it cannot use; the message names it.
public struct EnvironmentError: Error, CustomStringConvertible {
    public let description: String
    public init(description: String) { self.description = description }
}
