// The bucket plan of a job's gradient sum: ranges that cover the flat buffer exactly, from its end to
// its start, each at most the bucket size; sizes from MiB; plans of too many buckets refused.

import SimbaCore
import Testing

@testable import SimbaTraining

@Suite("Gradient buckets")
struct GradientBucketsTests {
    /// (parameters, MiB per bucket).
    static let cases: [(Int, Double)] = [
        (1, 0.001), (262, 0.001), (263, 0.001), (12_178, 0.001), (292_832, 0.01), (15_309_104, 25), (10, 1024),
        (1_000, 1e-9)
    ]

    @Test("Ranges cover the buffer exactly, last first, each at most one bucket", arguments: cases)
    func rangesCoverTheBufferInReverse(parameters: Int, megabytes: Double) throws {
        let plan = try GradientBuckets(parameterCount: parameters, megabytes: megabytes)
        let floats = max(1, Int(megabytes * 262_144))
        #expect(plan.bucketFloats == floats)
        #expect(plan.ranges.count == (parameters + floats - 1) / floats)
        var end = parameters
        for range in plan.ranges {
            #expect(range.upperBound == end, "\(plan.ranges.prefix(4))")
            #expect(!range.isEmpty && range.count <= floats && range.count <= Int(Int32.max))
            #expect(range.count == floats || range.lowerBound == 0, "only the buffer's start is short")
            end = range.lowerBound
        }
        #expect(end == 0)
    }

    @Test("A MiB holds 262,144 float gradients; SiMBA-S at 25 MiB is three buckets")
    func sizes() throws {
        #expect(GradientBuckets.floatsPerMiB == 262_144)
        let plan = try GradientBuckets(parameterCount: 15_309_104, megabytes: 25)
        #expect(plan.ranges == [8_755_504..<15_309_104, 2_201_904..<8_755_504, 0..<2_201_904])
    }

    @Test("More buckets than MPI requests allowed is refused, naming the key")
    func tooManyBuckets() throws {
        #expect(throws: Never.self) { try GradientBuckets(parameterCount: 65_536, megabytes: 1e-9) }
        let error = #expect(throws: TrainingError.self) {
            try GradientBuckets(parameterCount: 65_537, megabytes: 1e-9)
        }
        #expect(error?.description.contains("optimization.bucket_mb 1e-09") == true, "\(String(describing: error))")
        #expect(error?.description.contains("65537 buckets, more than 65536") == true)
    }

    @Test("The job's check counts the parameters of the table, not its buffers, and accepts 0")
    func check() throws {
        let store = ParameterStore()
        _ = store.parameter("a.weight", [70_000], .zeros)
        _ = store.buffer("a.running_mean", [100_000], .zeros)
        let table = store.entries
        #expect(throws: TrainingError.self) { try GradientBuckets.check(bucketMB: 1e-9, table: table) }
        #expect(throws: Never.self) { try GradientBuckets.check(bucketMB: 0, table: table) }
        #expect(throws: Never.self) { try GradientBuckets.check(bucketMB: 0.01, table: table) }
    }
}
