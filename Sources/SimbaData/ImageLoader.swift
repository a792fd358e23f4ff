// Batches of decoded, transformed images prepared on worker threads ahead of the consumer, in an
// epoch order fixed by (seed, epoch). It does not mix samples (mixup/cutmix) or shard across ranks.

import Foundation
import SimbaCore

/// Loads an epoch of `samples` as batches of (batch, size, size, 3) float32 NHWC images and Int32 labels.
///
/// Order: with `shuffle`, a Fisher–Yates permutation drawn from (seed, epoch), so a resumed run sees
/// the same order; otherwise file order. Batch b holds positions b·batchSize ..< (b+1)·batchSize of
/// that order; with `dropLast` a final partial batch is left out.
///
/// Each sample's augmentation draws from `ImageLoader.sampleGenerator(seed:epoch:index:)` (index =
/// the sample's position in `samples`), so batches are identical whatever the worker count or timing.
///
/// Workers (threads) decode and transform samples into a ring of `prefetchBatches` batch buffers
/// (allocated once: prefetchBatches · batchSize · size² · 3 floats) and stop when the ring is full.
/// `next(into:labels:)` waits for the next batch and copies it to the caller.
///
/// Unreadable files: by default skipped — the batch shrinks (the returned count is smaller; read it)
/// and `skipped` records (path, reason) in order; print their count at the end of the epoch.
/// With `strict`, `next` throws the file's `ImageDecodeError` when it reaches that batch.
public final class ImageLoader {
    /// `max(2, cores − 1)`: the training step already uses every core (Parallel, BLAS), and loader
    /// threads only run while the ring has room, so their total CPU time does not grow with their
    /// number; two keep both cores of a small machine busy refilling the ring while the model waits
    /// (at the start of an epoch), cores − 1 on larger machines leaves one core's worth for the model.
    public static let defaultWorkers = max(2, ProcessInfo.processInfo.activeProcessorCount - 1)

    public let samples: [ImageSample]
    public let transform: any ImageTransform
    public let batchSize: Int
    public let shuffle: Bool
    public let dropLast: Bool
    public let seed: UInt64
    public let workers: Int
    public let prefetchBatches: Int
    public let strict: Bool
    /// Files skipped so far in the current epoch (path, reason), in epoch order.
    public private(set) var skipped: [(path: String, reason: String)] = []

    private let ring: BatchRing
    private let scratches: [ResampleScratch]
    private var run: EpochRun?

    public init(
        samples: [ImageSample], transform: any ImageTransform, batchSize: Int, shuffle: Bool,
        dropLast: Bool = false, seed: UInt64, workers: Int = ImageLoader.defaultWorkers,
        prefetchBatches: Int = 3, strict: Bool = false
    ) {
        precondition(
            batchSize > 0 && workers > 0 && prefetchBatches > 0,
            "batchSize, workers and prefetchBatches must be positive")
        self.samples = samples
        self.transform = transform
        self.batchSize = batchSize
        self.shuffle = shuffle
        self.dropLast = dropLast
        self.seed = seed
        self.workers = workers
        self.prefetchBatches = prefetchBatches
        self.strict = strict
        ring = BatchRing(
            slots: prefetchBatches, batchSize: batchSize, sampleFloats: transform.size * transform.size * 3)
        scratches = (0..<workers).map { _ in ResampleScratch() }
    }

    deinit { stop() }

    /// Floats per image: size · size · 3.
    public var sampleFloats: Int { transform.size * transform.size * 3 }

    /// Batches `next` delivers per epoch (fewer samples in a batch when files are skipped, never
    /// fewer batches unless a whole batch is unreadable).
    public var batchesPerEpoch: Int {
        dropLast ? samples.count / batchSize : (samples.count + batchSize - 1) / batchSize
    }

    /// The epoch's order of sample indices: a permutation from (seed, epoch) or 0..<count.
    public static func order(count: Int, seed: UInt64, epoch: Int, shuffle: Bool) -> [Int] {
        var order = Array(0..<count)
        guard shuffle else { return order }
        var generator = RandomGenerator(seed: seed).split(2 * UInt64(epoch))
        for i in stride(from: count - 1, to: 0, by: -1) { order.swapAt(i, generator.integer(in: 0...i)) }
        return order
    }

    /// The generator sample `index` of `epoch` draws its augmentation from.
    public static func sampleGenerator(seed: UInt64, epoch: Int, index: Int) -> RandomGenerator {
        RandomGenerator(seed: seed).split(2 * UInt64(epoch) + 1).split(UInt64(index))
    }

    /// Stops the current epoch (if any) and starts preparing `epoch`'s batches.
    public func startEpoch(_ epoch: Int) {
        precondition(epoch >= 0, "epoch must be ≥ 0, got \(epoch)")
        stop()
        skipped = []
        let order = ImageLoader.order(count: samples.count, seed: seed, epoch: epoch, shuffle: shuffle)
        let positions = min(batchesPerEpoch * batchSize, samples.count)
        let run = EpochRun(
            order: order, positions: positions, batchSize: batchSize, batches: batchesPerEpoch, ring: ring)
        self.run = run
        let epochBase = RandomGenerator(seed: seed).split(2 * UInt64(epoch) + 1)
        for w in 0..<workers {
            let context = WorkerContext(
                samples: samples, transform: transform, strict: strict,
                epochBase: epochBase, scratch: scratches[w])
            run.group.enter()
            let thread = Thread { run.work(context) }
            thread.name = "simba-loader-\(w)"
            thread.start()
        }
    }

    /// Copies the next batch into `images` ((batchSize, size, size, 3) floats) and `labels`
    /// (batchSize Int32) and returns how many samples it holds, or nil when the epoch is over.
    public func next(into images: UnsafeMutablePointer<Float>, labels: UnsafeMutablePointer<Int32>) throws -> Int? {
        guard let run else { preconditionFailure("call startEpoch before next") }
        while let (batch, problems) = run.waitForNextBatch() {
            let slot = batch % ring.slots
            let count = run.count(of: batch)
            var kept = 0
            var nextProblem = 0
            let floats = sampleFloats
            for position in 0..<count {
                if nextProblem < problems.count && problems[nextProblem].position == position {
                    let problem = problems[nextProblem].problem
                    skipped.append((problem.path, problem.reason))
                    nextProblem += 1
                    continue
                }
                (images + kept * floats).update(from: ring.images[slot] + position * floats, count: floats)
                labels[kept] = ring.labels[slot][position]
                kept += 1
            }
            run.release(batch)
            if strict, let first = problems.first { throw first.problem.error }
            if kept > 0 { return kept }
        }
        return nil
    }

    /// Cancels the running epoch's workers and waits for them to exit.
    private func stop() {
        guard let run else { return }
        run.cancel()
        run.group.wait()
        self.run = nil
    }
}

/// Batch buffers shared by every epoch: `slots` batches of images and labels.
private final class BatchRing {
    let slots: Int
    let images: [UnsafeMutablePointer<Float>]
    let labels: [UnsafeMutablePointer<Int32>]

    init(slots: Int, batchSize: Int, sampleFloats: Int) {
        self.slots = slots
        images = (0..<slots).map { _ in
            let p = UnsafeMutablePointer<Float>.allocate(capacity: batchSize * sampleFloats)
            p.initialize(repeating: 0, count: batchSize * sampleFloats)
            return p
        }
        labels = (0..<slots).map { _ in
            let p = UnsafeMutablePointer<Int32>.allocate(capacity: batchSize)
            p.initialize(repeating: 0, count: batchSize)
            return p
        }
    }

    deinit {
        for image in images { image.deallocate() }
        for label in labels { label.deallocate() }
    }
}

/// What a worker needs besides the epoch's shared state.
private struct WorkerContext {
    let samples: [ImageSample]
    let transform: any ImageTransform
    let strict: Bool
    let epochBase: RandomGenerator
    let scratch: ResampleScratch
}

/// A sample that could not be loaded.
private struct Problem {
    let path: String
    let reason: String
    let error: Error
}

/// One epoch's shared state: the claim counter over order positions, per-slot completion counts
/// and problems, guarded by one condition.
private final class EpochRun: @unchecked Sendable {
    let order: [Int]
    let positions: Int
    let batches: Int
    let ring: BatchRing
    let batchSize: Int
    let group = DispatchGroup()
    private let condition = NSCondition()
    private var nextPosition = 0
    private var delivered = 0
    private var cancelled = false
    private var done: [Int]
    /// Per slot: the batch positions whose sample failed, and why (usually empty).
    private var problems: [[(position: Int, problem: Problem)]]

    init(order: [Int], positions: Int, batchSize: Int, batches: Int, ring: BatchRing) {
        self.order = order
        self.positions = positions
        self.batchSize = batchSize
        self.batches = batches
        self.ring = ring
        done = [Int](repeating: 0, count: ring.slots)
        problems = [[(position: Int, problem: Problem)]](repeating: [], count: ring.slots)
    }

    func count(of batch: Int) -> Int { min(batchSize, positions - batch * batchSize) }

    func cancel() {
        condition.lock()
        cancelled = true
        condition.broadcast()
        condition.unlock()
    }

    /// A worker's loop: claim a position whose batch has a free slot, prepare it, report it.
    func work(_ context: WorkerContext) {
        defer { group.leave() }
        let floats = context.transform.size * context.transform.size * 3
        condition.lock()
        while !cancelled && nextPosition < positions {
            let position = nextPosition
            let batch = position / batchSize
            if batch >= delivered + ring.slots {
                condition.wait()
                continue
            }
            nextPosition += 1
            condition.unlock()
            let slot = batch % ring.slots, offset = position % batchSize
            let index = order[position]
            let sample = context.samples[index]
            var problem: Problem?
            do {
                let image = try ImageDecoder.decode(path: sample.path)
                var generator = context.epochBase.split(UInt64(index))
                context.transform.apply(
                    image, into: ring.images[slot] + offset * floats,
                    generator: &generator, scratch: context.scratch)
                ring.labels[slot][offset] = Int32(sample.label)
            } catch let error as ImageDecodeError {
                problem = Problem(path: sample.path, reason: error.reason, error: error)
            } catch {
                problem = Problem(path: sample.path, reason: "\(error)", error: error)
            }
            condition.lock()
            if let problem { problems[slot].append((offset, problem)) }
            done[slot] += 1
            if done[slot] == count(of: batch) { condition.broadcast() }
        }
        condition.unlock()
    }

    /// Waits until the next undelivered batch is complete and returns its number and its failed
    /// samples sorted by position, or nil at the end.
    func waitForNextBatch() -> (batch: Int, problems: [(position: Int, problem: Problem)])? {
        condition.lock()
        defer { condition.unlock() }
        guard delivered < batches else { return nil }
        let slot = delivered % ring.slots
        while done[slot] < count(of: delivered) { condition.wait() }
        return (delivered, problems[slot].sorted { $0.position < $1.position })
    }

    /// Frees the slot of `batch` (already copied out) for the workers.
    func release(_ batch: Int) {
        condition.lock()
        let slot = batch % ring.slots
        done[slot] = 0
        problems[slot].removeAll(keepingCapacity: true)
        delivered += 1
        condition.broadcast()
        condition.unlock()
    }
}
