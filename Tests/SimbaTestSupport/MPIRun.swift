// Open MPI's `mpirun` for tests that start `simba` as several ranks: where it is, and the command
// line of a small job on this machine. It starts nothing itself.

import Foundation

public enum MPIRun {
    /// `mpirun` on PATH (Debian's openmpi-bin), or nil when it is not installed.
    public static let path: String? = {
        let folders = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
        return folders.map { "\($0)/mpirun" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    /// `mpirun -np ranks` on this machine, allowed to run as root and to start more ranks than
    /// there are cores, with `options` (e.g. `--mca btl self,tcp`) after; then comes the program.
    /// `mpirun` must be there (`path`).
    public static func launcher(ranks: Int, _ options: [String] = []) -> [String] {
        [path!, "-np", String(ranks), "--allow-run-as-root", "--oversubscribe"] + options
    }

    /// The arguments of a two-program job, `launcher(ranks: 1)` then these: rank 0 runs simba with
    /// `first`, rank 1 simba with `second` (`mpirun -np 1 simba first… : -np 1 simba second…`).
    public static func arguments(first: [String], second: [String]) -> [String] {
        first + [":", "-np", "1", SimbaProcess.executable ?? "simba"] + second
    }
}
