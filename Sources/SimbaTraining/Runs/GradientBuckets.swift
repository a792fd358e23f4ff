// How a job cuts its flat gradient buffer into buckets summed over the processes as the backward
// finishes them (PyTorch DDP's bucket_cap_mb): the plan of ranges alone. StepReduction runs it.

import SimbaCore

/// Buckets of a flat gradient buffer of `parameterCount` floats, in the order they are started: the
/// backward finishes the buffer from its end (parameters are registered in state_dict order and run
/// backward in reverse), so the first bucket is the buffer's last `bucketFloats` floats, the next
/// the ones before, and the last bucket, the buffer's start, may be shorter. The ranges cover
/// `0 ..< parameterCount` exactly, without overlap. Any plan gives the same sums: each float is
/// summed over the processes once, whatever bucket holds it.
public struct GradientBuckets: Equatable, Sendable {
    /// Floats in a MiB (2²⁰ bytes, DDP's unit for bucket_cap_mb) of float32 gradients.
    public static let floatsPerMiB = (1 << 20) / MemoryLayout<Float>.size
    /// The most buckets a plan may have: each is one MPI request in flight.
    public static let maxBuckets = 65_536
    /// The largest bucket accepted, in MiB: 2²⁸ floats, within MPI's Int32 count.
    public static let maxMiB = 1024.0

    /// The ranges, in start order (from the end of the buffer); empty for a buffer of none.
    public let ranges: [Range<Int>]
    /// Floats per bucket (the last started may hold fewer).
    public let bucketFloats: Int

    /// The plan for `megabytes` MiB per bucket (`optimization.bucket_mb`, > 0; at least one float).
    /// Throws when the buffer would need more than `maxBuckets` buckets.
    public init(parameterCount: Int, megabytes: Double) throws {
        precondition(parameterCount >= 0 && megabytes > 0 && megabytes.isFinite, "a bucket plan of \(megabytes) MiB")
        let floats = max(1, Int((megabytes * Double(Self.floatsPerMiB)).rounded(.down)))
        let count = (parameterCount + floats - 1) / floats
        guard count <= Self.maxBuckets else {
            throw TrainingError(
                "optimization.bucket_mb \(megabytes) cuts the model's \(parameterCount) gradients into \(count) "
                    + "buckets, more than \(Self.maxBuckets): raise it (or set 0 for one sum after the backward)")
        }
        bucketFloats = floats
        ranges = (0..<count).map { k in
            max(0, parameterCount - (k + 1) * floats)..<parameterCount - k * floats
        }
    }

    /// Throws, before anything is written, if a job's `bucketMB` (`optimization.bucket_mb`) would cut
    /// the parameters of `table` into too many buckets.
    public static func check(bucketMB: Double, table: [TensorEntry]) throws {
        guard bucketMB > 0 else { return }
        let parameters = table.lazy.filter { $0.kind == .parameter }.map(\.count).reduce(0, +)
        _ = try GradientBuckets(parameterCount: parameters, megabytes: bucketMB)
    }
}
