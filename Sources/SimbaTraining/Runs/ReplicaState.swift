// What the ranks of an `mpirun` job keep identical in a training run: rank 0's state handed to the
// others on a resume, and the check that every rank still holds the same weights. It splits no batch.

import Foundation
import SimbaCore
import SimbaDistributed

enum ReplicaState {
    /// Rank 0's parameters and buffers (BatchNorm's running statistics, if any), optimizer moments and
    /// step count, `progress` and random generator, on every rank (no shared file system needed).
    /// Collective.
    static func receive(
        from group: ProcessGroup, store: ParameterStore, optimizer: AdamW, progress: inout TrainingProgress,
        generator: inout RandomGenerator
    ) throws {
        for buffer in [store.values, store.buffers, optimizer.m, optimizer.v] {
            group.broadcast(buffer.pointer, count: buffer.count * MemoryLayout<Float>.size)
        }
        var steps = optimizer.stepCount
        group.broadcast(&steps)
        optimizer.stepCount = steps
        let sent = group.broadcast(group.rank == 0 ? Array(try JSONEncoder().encode(progress)) : [])
        progress = try JSONDecoder().decode(TrainingProgress.self, from: Data(sent))
        var state = generator.state
        group.broadcast(&state)
        generator.state = state
    }

    /// Throws unless this rank's parameters and buffers are bit for bit rank 0's (compared by a
    /// checksum of their bits): ranks that drifted apart would train different models. `kept` says
    /// which checkpoint the run keeps. Collective.
    static func checkAgree(_ group: ProcessGroup, store: ParameterStore, epoch: Int, kept: String) throws {
        var checksum: UInt64 = 0
        for buffer in [store.values, store.buffers] {
            for i in 0..<buffer.count {
                checksum = (checksum &* 0x100_0000_01B3) ^ UInt64(buffer.pointer[i].bitPattern)
            }
        }
        var rankZero = checksum
        group.broadcast(&rankZero)
        guard rankZero == checksum else {
            throw TrainingError(
                "at the end of epoch \(epoch + 1) the weights of \(group.description) differ from rank 0's, so "
                    + "the processes no longer train one model; \(kept). Check that every rank runs the same "
                    + "simba build on the same data")
        }
    }
}
