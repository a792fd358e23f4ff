// Threads of a process that mpirun started: the machine's cores shared among the ranks on it
// (OMPI_COMM_WORLD_LOCAL_SIZE), SIMBA_THREADS first; a malformed local size stops every command.

import Foundation
import SimbaCore
import SimbaTestSupport
import Testing

@testable import SimbaCLI

@Suite("Each rank's threads default to its share of the cores")
struct ThreadsPerRankTests {
    @Test("The cores divided by the local ranks, rounded down, at least one")
    func share() {
        #expect(Parallel.defaultWorkers(cores: 8, localProcesses: nil) == 8)
        #expect(Parallel.defaultWorkers(cores: 8, localProcesses: 2) == 4)
        #expect(Parallel.defaultWorkers(cores: 8, localProcesses: 3) == 2)
        #expect(Parallel.defaultWorkers(cores: 2, localProcesses: 4) == 1)
    }

    @Test("OMPI_COMM_WORLD_LOCAL_SIZE is read as a whole number from 1 to 65536", arguments: ["1", "2", "65536"])
    func accepted(_ value: String) throws {
        #expect(try Parallel.localProcesses(["OMPI_COMM_WORLD_LOCAL_SIZE": value]) == Int(value))
        #expect(try Parallel.localProcesses([:]) == nil)
    }

    @Test(
        "A malformed OMPI_COMM_WORLD_LOCAL_SIZE is one error naming it, status 1, and the command does not run",
        arguments: ["0", "-1", "two", "65537", ""])
    func refused(_ value: String) {
        let run = simba(["info"], environment: ["OMPI_COMM_WORLD_LOCAL_SIZE": value])
        #expect(run.result == 1)
        #expect(run.errors.contains("OMPI_COMM_WORLD_LOCAL_SIZE is '\(value)'"), "\(run.errors)")
        #expect(run.errors.contains("start simba with mpirun"), "\(run.errors)")
        #expect(!run.output.contains("OpenBLAS kernels:"), "simba info ran with OMPI_COMM_WORLD_LOCAL_SIZE=\(value)")
    }
}
