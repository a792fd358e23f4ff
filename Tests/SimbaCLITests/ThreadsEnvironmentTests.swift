// SIMBA_THREADS through SimbaCommand.run's environment: a value that is not a whole number of
// threads from 1 to 256 stops every command before it runs; valid values and unset run as before.

import Foundation
import SimbaCore
import SimbaTestSupport
import Testing

@testable import SimbaCLI

@Suite("SIMBA_THREADS is checked before a command runs")
struct ThreadsEnvironmentTests {
    @Test(
        "A bad SIMBA_THREADS is one error naming it, status 1, and the command does not run",
        arguments: ["0", "-2", "abc", "1.5", "257", "99999999999999999999", " 4"])
    func refused(_ value: String) {
        let run = simba(["info"], environment: ["SIMBA_THREADS": value])
        #expect(run.result == 1)
        #expect(run.errors.contains("SIMBA_THREADS is '\(value)'"), "\(run.errors)")
        #expect(run.errors.contains("from 1 to 256"), "\(run.errors)")
        #expect(!run.output.contains("OpenBLAS kernels:"), "simba info ran with SIMBA_THREADS=\(value)")
    }

    @Test("A whole number from 1 to 256, empty or unset runs the command", arguments: ["1", "2", "256", ""])
    func accepted(_ value: String) throws {
        #expect(try Parallel.configuredWorkers(["SIMBA_THREADS": value]) == (value.isEmpty ? nil : Int(value)))
        let run = simba(["info"], environment: ["SIMBA_THREADS": value])
        #expect(run.result == 0, "\(run.errors)")
        #expect(try Parallel.configuredWorkers([:]) == nil)
    }

    @Test("Help does not need a valid SIMBA_THREADS")
    func helpIgnoresIt() {
        #expect(simba(["info", "--help"], environment: ["SIMBA_THREADS": "0"]).result == 0)
    }
}
