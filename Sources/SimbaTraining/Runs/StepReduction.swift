// What the ranks of an `mpirun` job add up at every training step: the gradients, the loss shares and
// the stop requests, timed per epoch for the log. It decides nothing about which samples a rank runs.

import Foundation
import SimbaCore
import SimbaDistributed

/// One trainer's per-step collectives in a job; a trainer without a job has none.
struct StepReduction {
    let group: ProcessGroup
    /// Whether some rank had a stop request at the last step (then all ranks stop together).
    private(set) var stopAgreed = false
    /// Nanoseconds spent in `reduce` since `startEpoch` (waiting for the slowest rank included).
    private var nanoseconds: UInt64 = 0

    init(group: ProcessGroup) { self.group = group }

    mutating func startEpoch() { nanoseconds = 0 }

    /// Sums `store`'s gradients over the ranks (MPI_Allreduce over the flat buffer), then the ranks'
    /// shares of the loss with their stop requests, then runs `more` (further collectives of the
    /// step, timed with the rest). Returns the batch's loss. Collective.
    mutating func reduce(
        gradients store: ParameterStore, loss: Float, stopRequested: Bool, more: () -> Void = {}
    ) -> Float {
        let start = DispatchTime.now().uptimeNanoseconds
        defer { nanoseconds += DispatchTime.now().uptimeNanoseconds - start }
        group.sum(store.gradients.pointer, count: store.parameterCount)
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
    mutating func agree(_ flags: UnsafeMutablePointer<Float>, count: Int) {
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
