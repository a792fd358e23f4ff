// What the ranks of an `mpirun` job add up at every training step (gradients, in buckets during the backward
// or at once after it; loss shares; stop requests), timed per epoch. It decides nothing about samples.

import Foundation
import SimbaCore
import SimbaDistributed

/// One trainer's per-step collectives in a job; a trainer without a job has none.
///
/// Gradients: with buckets, the model's backward calls `gradientsFinal(from:)` after each module
/// (its `RunContext.gradientsFinal`), which starts the sum (MPI_Iallreduce) of every bucket lying
/// wholly in the final part of the buffer and lets the started ones advance (MPI_Testall: Open MPI
/// has no progress thread); `sumGradients` starts the rest and waits for all, before clipping and
/// the optimizer. Every rank's backward reports at the same places, so the ranks start the same
/// buckets in the same order, and sync_bn's blocking allreduces inside the backward fall between the
/// same buckets on every rank. That is what MPI asks (MPI-3.1, 5.12): every process calls a
/// communicator's collectives, blocking and nonblocking, in the same order, and a nonblocking one
/// never matches a blocking one (a bucket is an MPI_Iallreduce on every rank).
/// Without buckets (`optimization.bucket_mb` 0), one blocking MPI_Allreduce after the backward.
/// Either way each float is summed once over the ranks (with two, a + b exactly).
final class StepReduction {
    let group: ProcessGroup
    /// Whether some rank had a stop request at the last step (then all ranks stop together).
    private(set) var stopAgreed = false
    /// Nanoseconds spent in the step's collectives since `startEpoch` (waiting for the slowest rank
    /// included), the buckets' starts and polls during the backward too.
    private var nanoseconds: UInt64 = 0
    /// The buffer summed: `count` floats, the same every step.
    private let gradients: UnsafeMutablePointer<Float>
    private let count: Int
    /// The bucket plan, nil for one sum after the backward.
    let buckets: GradientBuckets?
    private let pending: ProcessGroup.PendingSums?
    /// Buckets started this step.
    private var bucketsStarted = 0
    /// Whether this step's gradients are summed already (`sumGradients` ran before `reduce`).
    private var gradientsSummed = false

    /// The reduction of `count` floats at `gradients` in buckets of `bucketMB` MiB (0: one sum after
    /// the backward). Throws for a plan of too many buckets (`GradientBuckets`).
    init(group: ProcessGroup, gradients: UnsafeMutablePointer<Float>, count: Int, bucketMB: Double) throws {
        self.group = group
        self.gradients = gradients
        self.count = count
        buckets = bucketMB > 0 ? try GradientBuckets(parameterCount: count, megabytes: bucketMB) : nil
        pending = buckets.map { group.pendingSums(capacity: max($0.ranges.count, 1)) }
    }

    func startEpoch() { nanoseconds = 0 }

    /// The model's `RunContext.gradientsFinal`: every gradient at offsets ≥ `offset` is final for
    /// this step. Starts the sums of the buckets that became final, then polls the started ones.
    func gradientsFinal(from offset: Int) {
        guard let buckets, let pending else { return }
        let start = DispatchTime.now().uptimeNanoseconds
        let ranges = buckets.ranges
        while bucketsStarted < ranges.count && ranges[bucketsStarted].lowerBound >= offset {
            let range = ranges[bucketsStarted]
            pending.start(gradients + range.lowerBound, count: range.count)
            bucketsStarted += 1
        }
        if pending.started > 0 { pending.poll() }
        nanoseconds += DispatchTime.now().uptimeNanoseconds - start
    }

    /// Completes this step's sum of the gradients over the ranks: starts the buckets not started
    /// yet and waits for all (or, without buckets, sums the whole buffer). Collective.
    func sumGradients() {
        let start = DispatchTime.now().uptimeNanoseconds
        if let buckets, let pending {
            let ranges = buckets.ranges
            while bucketsStarted < ranges.count {
                let range = ranges[bucketsStarted]
                pending.start(gradients + range.lowerBound, count: range.count)
                bucketsStarted += 1
            }
            pending.waitAll()
            bucketsStarted = 0
        } else {
            group.sum(gradients, count: count)
        }
        gradientsSummed = true
        nanoseconds += DispatchTime.now().uptimeNanoseconds - start
    }

    /// Completes the gradients' sum (unless `sumGradients` already did this step), then sums the
    /// ranks' shares of the loss with their stop requests, then runs `more` (further collectives of
    /// the step, timed with the rest). Returns the batch's loss. Collective.
    func reduce(loss: Float, stopRequested: Bool, more: () -> Void = {}) -> Float {
        if !gradientsSummed { sumGradients() }
        gradientsSummed = false
        let start = DispatchTime.now().uptimeNanoseconds
        defer { nanoseconds += DispatchTime.now().uptimeNanoseconds - start }
        var shared = (Double(loss), stopRequested ? 1.0 : 0.0)
        withUnsafeMutableBytes(of: &shared) {
            group.sum($0.baseAddress!.assumingMemoryBound(to: Double.self), count: 2)
        }
        stopAgreed = shared.1 > 0
        more()
        return Float(shared.0)
    }

    /// Replaces `flags` by their sums over the ranks (which samples of a batch some rank could not
    /// read), timed with the step's other collectives. Collective.
    func agree(_ flags: UnsafeMutablePointer<Float>, count: Int) {
        let start = DispatchTime.now().uptimeNanoseconds
        group.sum(flags, count: count)
        nanoseconds += DispatchTime.now().uptimeNanoseconds - start
    }

    /// The signal to stop with after the last step: this rank's `request`, or SIGTERM when only
    /// another rank had one; nil to go on. Every rank gets the same answer.
    func stopSignal(_ request: Int32?) -> Int32? { stopAgreed ? request ?? SIGTERM : nil }

    /// The log line of an epoch of `steps` steps whose training took `trainSeconds`.
    func epochLine(epoch: Int, steps: Int, trainSeconds: Double) -> String {
        let seconds = Double(nanoseconds) * 1e-9
        return String(
            format: "epoch %d: %.3f ms per step in the gradient allreduce and the step's other collectives "
                + "(waiting for the slowest rank included), %.1f%% of the training steps' time", epoch + 1,
            seconds * 1e3 / Double(max(steps, 1)), 100 * seconds / max(trainSeconds, 1e-9))
    }
}
