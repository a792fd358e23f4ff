// The processes of one `mpirun` (or `srun`) job through Open MPI: who this process is, sums (blocking or
// started now, waited for later), broadcasts and the job's end. The only file importing CMPI; it trains nothing.

import CMPI
import Foundation
import SimbaRuntime

/// The processes (ranks) of the job this process was launched in, from MPI_Init to MPI_Finalize or
/// MPI_Abort. One per process at most (`world`); without a launcher there is none, and nothing calls
/// MPI. Collective calls (`sum`, `broadcast`) must be made by every rank in the same order, from the
/// thread that started the group (MPI_THREAD_FUNNELED).
public final class ProcessGroup {
    /// This process's rank, 0 ..< size; rank 0 writes files and prints.
    public let rank: Int
    /// Processes in the job.
    public let size: Int
    /// This process's rank among those on its machine, and how many run there (Open MPI's
    /// OMPI_COMM_WORLD_LOCAL_RANK and OMPI_COMM_WORLD_LOCAL_SIZE; 0 and 1 when unset).
    public let localRank: Int
    public let localSize: Int
    /// The machine's name as MPI reports it, for messages.
    public let host: String

    /// The group started by `startIfLaunched`, if any.
    public private(set) nonisolated(unsafe) static var world: ProcessGroup?

    /// True when a launcher started this process: Open MPI's `mpirun` sets OMPI_COMM_WORLD_SIZE,
    /// a PMIx launcher (`srun --mpi=pmix`) sets PMIX_RANK.
    public static func isLaunched(_ environment: [String: String]) -> Bool {
        environment["OMPI_COMM_WORLD_SIZE"] != nil || environment["PMIX_RANK"] != nil
    }

    /// This process's rank as its launcher numbered it (OMPI_COMM_WORLD_RANK, or PMIX_RANK), before
    /// or without MPI starting; nil without a launcher, or when the value is not a whole number.
    public static func launchedRank(_ environment: [String: String]) -> Int? {
        (environment["OMPI_COMM_WORLD_RANK"] ?? environment["PMIX_RANK"]).flatMap { Int($0) }
    }

    /// Calls MPI_Init_thread and returns the group when a launcher started this process (once;
    /// later calls return the same group); nil, without touching MPI, otherwise. A malformed local
    /// rank or size in `environment` throws before MPI starts.
    public static func startIfLaunched(_ environment: [String: String]) throws -> ProcessGroup? {
        if let world { return world }
        guard isLaunched(environment) else { return nil }
        let local = try localPlacement(environment)
        var provided: Int32 = 0
        MPI_Init_thread(nil, nil, simba_mpi_thread_funneled(), &provided)
        var rank: Int32 = 0, size: Int32 = 0
        MPI_Comm_rank(simba_mpi_comm_world(), &rank)
        MPI_Comm_size(simba_mpi_comm_world(), &size)
        var name = [CChar](repeating: 0, count: Int(simba_mpi_max_processor_name()) + 1)
        var length: Int32 = 0
        MPI_Get_processor_name(&name, &length)
        let group = ProcessGroup(
            rank: Int(rank), size: Int(size), localRank: local.rank, localSize: local.size,
            host: String(cString: name))
        world = group
        return group
    }

    private init(rank: Int, size: Int, localRank: Int, localSize: Int, host: String) {
        self.rank = rank
        self.size = size
        self.localRank = localRank
        self.localSize = localSize
        self.host = host
    }

    /// OMPI_COMM_WORLD_LOCAL_RANK and OMPI_COMM_WORLD_LOCAL_SIZE: whole numbers, rank below size;
    /// (0, 1) when unset.
    public static func localPlacement(_ environment: [String: String]) throws -> (rank: Int, size: Int) {
        let size = try Parallel.localProcesses(environment) ?? 1
        guard let text = environment["OMPI_COMM_WORLD_LOCAL_RANK"] else { return (0, size) }
        guard let rank = Int(text), (0..<size).contains(rank) else {
            throw EnvironmentError(
                description: "the environment variable OMPI_COMM_WORLD_LOCAL_RANK is \(quoted(text)); mpirun sets "
                    + "it to a whole number below OMPI_COMM_WORLD_LOCAL_SIZE (\(size)): start simba with mpirun")
        }
        return (rank, size)
    }

    /// "rank 1 of 2 on node7", for messages.
    public var description: String { "rank \(rank) of \(size) on \(host)" }

    /// Replaces `values` on every rank by their elementwise sum over all ranks (MPI_Allreduce,
    /// MPI_SUM, in place). The sum's order is Open MPI's: with two ranks a + b, exactly.
    public func sum(_ values: UnsafeMutablePointer<Float>, count: Int) {
        forEachPiece(count) {
            MPI_Allreduce(
                simba_mpi_in_place(), values + $0, $1, simba_mpi_float(), simba_mpi_sum(), simba_mpi_comm_world())
        }
    }

    /// `sum` for doubles.
    public func sum(_ values: UnsafeMutablePointer<Double>, count: Int) {
        forEachPiece(count) {
            MPI_Allreduce(
                simba_mpi_in_place(), values + $0, $1, simba_mpi_double(), simba_mpi_sum(),
                simba_mpi_comm_world())
        }
    }

    /// Room for `capacity` float sums in flight at once (`PendingSums`), made once per run.
    public func pendingSums(capacity: Int) -> PendingSums {
        PendingSums(capacity: capacity)
    }

    /// Float sums started without waiting (MPI_Iallreduce, MPI_SUM, in place), then progressed by
    /// `poll` and finished by `waitAll`. Open MPI has no progress thread: a started sum advances only
    /// inside MPI calls, so the caller polls between pieces of its own work. Every rank must start
    /// the same sums in the same order, interleaved with its blocking collectives in the same order
    /// too (MPI matches collectives of a communicator, blocking or not, by the order they start in);
    /// a sum's values must not be read or written until `waitAll` returns. Same thread rules as the
    /// group. Requests are allocated once; nothing is allocated per sum.
    public final class PendingSums {
        /// Sums that can be in flight at once.
        public let capacity: Int
        /// Sums started since the last `waitAll`.
        public private(set) var started = 0
        private let requests: UnsafeMutablePointer<MPI_Request?>

        fileprivate init(capacity: Int) {
            precondition(capacity >= 1 && capacity <= Int(Int32.max), "capacity \(capacity) outside 1...Int32.max")
            self.capacity = capacity
            requests = .allocate(capacity: capacity)
            requests.initialize(repeating: simba_mpi_request_null(), count: capacity)
        }

        deinit { requests.deallocate() }

        /// Starts replacing `values[0 ..< count]` on every rank by its elementwise sum over all ranks.
        /// With two ranks the sum is a + b exactly, as `sum`'s.
        public func start(_ values: UnsafeMutablePointer<Float>, count: Int) {
            precondition(started < capacity, "more than \(capacity) sums in flight")
            precondition(count >= 1 && count <= Int(Int32.max), "a sum of \(count) floats")
            // The default error handler (MPI_ERRORS_ARE_FATAL) aborts the job on any failure.
            _ = MPI_Iallreduce(
                simba_mpi_in_place(), values, Int32(count), simba_mpi_float(), simba_mpi_sum(),
                simba_mpi_comm_world(), requests + started)
            started += 1
        }

        /// Lets the started sums advance (MPI_Testall); true when all of them are done.
        @discardableResult
        public func poll() -> Bool {
            var done: Int32 = 0
            _ = MPI_Testall(Int32(started), requests, &done, simba_mpi_statuses_ignore())
            return done != 0
        }

        /// Waits until every started sum is done (MPI_Waitall); then none is in flight.
        public func waitAll() {
            _ = MPI_Waitall(Int32(started), requests, simba_mpi_statuses_ignore())
            started = 0
        }
    }

    /// Copies `count` bytes at `bytes` on rank `root` into `bytes` on every other rank (MPI_Bcast).
    public func broadcast(_ bytes: UnsafeMutableRawPointer, count: Int, from root: Int = 0) {
        forEachPiece(count) {
            MPI_Bcast(bytes + $0, $1, simba_mpi_byte(), Int32(root), simba_mpi_comm_world())
        }
    }

    /// `broadcast` of one trivial value (numbers, tuples of numbers).
    public func broadcast<T: BitwiseCopyable>(_ value: inout T, from root: Int = 0) {
        withUnsafeMutableBytes(of: &value) { broadcast($0.baseAddress!, count: $0.count, from: root) }
    }

    /// Rank 0's `bytes` on every rank: the count, then the bytes.
    public func broadcast(_ bytes: [UInt8], from root: Int = 0) -> [UInt8] {
        var count = bytes.count
        broadcast(&count, from: root)
        var result = rank == root ? bytes : [UInt8](repeating: 0, count: count)
        result.withUnsafeMutableBytes { broadcast($0.baseAddress!, count: count, from: root) }
        return result
    }

    /// Ends MPI on a job every rank finished (MPI_Finalize, which waits for the others).
    public func finish() {
        MPI_Finalize()
    }

    /// Stops every rank of the job with `status` (MPI_Abort): for an error on this rank, after its
    /// message is printed. The launcher ends the others and exits with a non-zero status.
    public func abort(status: Int32) {
        MPI_Abort(simba_mpi_comm_world(), status)
    }

    /// Calls `body(offset, count)` over `0..<count` in pieces of at most Int32.max, MPI's count type.
    private func forEachPiece(_ count: Int, _ body: (Int, Int32) -> Int32) {
        precondition(count >= 0, "a negative count")
        var offset = 0
        while offset < count {
            let piece = min(count - offset, Int(Int32.max))
            // The default error handler (MPI_ERRORS_ARE_FATAL) aborts the job on any failure.
            _ = body(offset, Int32(piece))
            offset += piece
        }
    }
}
