// Batches of decoded, transformed images prepared on worker threads ahead of the consumer, in an
// epoch order fixed by (seed, epoch), whole or only a selection of each batch's positions. It does
// not mix samples (mixup/cutmix) or decide which positions a process of a job runs.

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
/// With a `selection`, workers decode only the selected positions of each batch (the ring holds
/// `selection.capacity` images a batch) and `nextSelected(into:labels:)` delivers them with every
/// position's label; `prepare(position:into:)` decodes any other position of the last delivery.
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
    /// The positions decoded of each batch; nil: all of them.
    public let selection: BatchSelection?
    /// Files skipped so far in the current epoch (path, reason), in epoch order.
    public private(set) var skipped: [(path: String, reason: String)] = []

    private let ring: BatchRing
    private let scratches: [ResampleScratch]
    /// `prepare(position:into:)`'s, on the consumer's thread.
    private let consumerScratch = ResampleScratch()
    private var run: EpochRun?
    /// The generator base of the current epoch's samples.
    private var epochBase = RandomGenerator(seed: 0)

    public init(
        samples: [ImageSample], transform: any ImageTransform, batchSize: Int, shuffle: Bool,
        dropLast: Bool = false, seed: UInt64, workers: Int = ImageLoader.defaultWorkers,
        prefetchBatches: Int = 3, strict: Bool = false, selection: BatchSelection? = nil
    ) {
        precondition(
            batchSize > 0 && workers > 0 && prefetchBatches > 0,
            "batchSize, workers and prefetchBatches must be positive")
        precondition(selection.map { $0.batchSize == batchSize } ?? true, "a selection for another batch size")
        self.samples = samples
        self.transform = transform
        self.batchSize = batchSize
        self.shuffle = shuffle
        self.dropLast = dropLast
        self.seed = seed
        self.workers = workers
        self.prefetchBatches = prefetchBatches
        self.strict = strict
        self.selection = selection
        ring = BatchRing(
            slots: prefetchBatches, batchSize: batchSize, images: selection?.capacity ?? batchSize,
            sampleFloats: transform.size * transform.size * 3)
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
            order: order, positions: positions, batchSize: batchSize, batches: batchesPerEpoch, ring: ring,
            selection: selection)
        self.run = run
        epochBase = RandomGenerator(seed: seed).split(2 * UInt64(epoch) + 1)
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
        precondition(selection == nil, "a selecting loader delivers with nextSelected")
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

    /// A selecting loader's next batch: copies its selected images into `images`
    /// (`selection.capacity` images; image i is position i of the delivery's `positions`) and the
    /// label of every position into `labels` (batchSize Int32), and returns the delivery, or nil
    /// when the epoch is over. Unreadable selected files are listed in `failed` and in `skipped`
    /// (with `strict`, the first one is thrown instead).
    public func nextSelected(
        into images: UnsafeMutablePointer<Float>, labels: UnsafeMutablePointer<Int32>
    ) throws -> SelectedBatch? {
        guard let run, let selection else { preconditionFailure("call startEpoch on a selecting loader first") }
        guard let (batch, problems) = run.waitForNextBatch() else { return nil }
        let slot = batch % ring.slots
        let count = run.count(of: batch)
        let positions = selection.positions(count: count)
        images.update(from: ring.images[slot], count: positions.count * sampleFloats)
        labels.update(from: ring.labels[slot], count: count)
        run.release(batch)
        for (_, problem) in problems { skipped.append((problem.path, problem.reason)) }
        if strict, let first = problems.first { throw first.problem.error }
        return SelectedBatch(count: count, positions: positions, failed: problems.map(\.position))
    }

    /// The sample at `position` of the last batch `nextSelected` delivered.
    public func sample(atPosition position: Int) -> ImageSample {
        guard let run, let batch = run.lastDelivered else { preconditionFailure("no batch delivered yet") }
        precondition((0..<run.count(of: batch)).contains(position), "position \(position) outside the batch")
        return samples[run.order[batch * batchSize + position]]
    }

    /// Decodes and transforms the sample at `position` of the last delivered batch into `output`
    /// (size · size · 3 floats), with the augmentation the workers would have drawn for it, on the
    /// calling thread. Throws the file's `ImageDecodeError` when it cannot be read.
    public func prepare(position: Int, into output: UnsafeMutablePointer<Float>) throws {
        guard let run, let batch = run.lastDelivered else { preconditionFailure("no batch delivered yet") }
        precondition((0..<run.count(of: batch)).contains(position), "position \(position) outside the batch")
        let index = run.order[batch * batchSize + position]
        let image = try ImageDecoder.decode(path: samples[index].path)
        var generator = epochBase.split(UInt64(index))
        transform.apply(image, into: output, generator: &generator, scratch: consumerScratch)
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

    /// `images` images of `sampleFloats` floats and `batchSize` labels a slot.
    init(slots: Int, batchSize: Int, images imageCount: Int, sampleFloats: Int) {
        self.slots = slots
        images = (0..<slots).map { _ in
            let p = UnsafeMutablePointer<Float>.allocate(capacity: imageCount * sampleFloats)
            p.initialize(repeating: 0, count: imageCount * sampleFloats)
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
    /// With a selection: per position of a full batch, and of the last batch, the image's index in
    /// its slot, or −1 when it is not decoded. Empty without one (position p is image p).
    let fullLayout: [Int]
    let lastLayout: [Int]
    let group = DispatchGroup()
    /// The batch `release` last freed (the consumer's thread alone reads and writes it).
    private(set) var lastDelivered: Int?
    private let condition = NSCondition()
    private var nextPosition = 0
    private var delivered = 0
    private var cancelled = false
    private var done: [Int]
    /// Per slot: the batch positions whose sample failed, and why (usually empty).
    private var problems: [[(position: Int, problem: Problem)]]

    init(order: [Int], positions: Int, batchSize: Int, batches: Int, ring: BatchRing, selection: BatchSelection?) {
        self.order = order
        self.positions = positions
        self.batchSize = batchSize
        self.batches = batches
        self.ring = ring
        func layout(_ count: Int) -> [Int] {
            guard let selection, count > 0 else { return [] }
            var layout = [Int](repeating: -1, count: count)
            for (index, position) in selection.positions(count: count).enumerated() { layout[position] = index }
            return layout
        }
        fullLayout = layout(min(batchSize, positions))
        lastLayout = batches > 0 ? layout(positions - (batches - 1) * batchSize) : []
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
            let layout = batch == batches - 1 ? lastLayout : fullLayout
            let image = layout.isEmpty ? offset : layout[offset]
            ring.labels[slot][offset] = Int32(sample.label)
            var problem: Problem?
            do {
                if image >= 0 {
                    let decoded = try ImageDecoder.decode(path: sample.path)
                    var generator = context.epochBase.split(UInt64(index))
                    context.transform.apply(
                        decoded, into: ring.images[slot] + image * floats, generator: &generator,
                        scratch: context.scratch)
                }
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
        lastDelivered = batch
        condition.broadcast()
        condition.unlock()
    }
}
