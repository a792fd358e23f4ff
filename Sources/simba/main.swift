// The `simba` executable: arranges OpenBLAS's kernel set, picks simba's kernel level, lets Ctrl-C and
// SIGTERM stop the commands that check for them, runs the command line, ends an `mpirun` job's MPI
// (finalised, or aborted for every rank when this one failed), exits with its status. The only place
// that exits.

import Foundation
import SimbaCLI
import SimbaCore
import SimbaDistributed
import SimbaTraining

BLASKernelSelection.reexecIfNeeded()
// The level SIMBA_CPU names, or the best this CPU runs. A bad value keeps the best level here and is
// refused with its message by SimbaCommand.run before any command starts.
_ = try? Kernels.select(ProcessInfo.processInfo.environment)
let arguments = Array(CommandLine.arguments.dropFirst())
// These commands stop cleanly between steps or batches; every other one keeps the default
// actions, so Ctrl-C ends it at once. So do the ranks of an `mpirun` job: mpirun answers Ctrl-C, and
// another rank's abort, with SIGTERM to every rank, and the run resumes from its last complete epoch.
if let command = arguments.first, ["train", "eval", "predict", "forecast"].contains(command),
    !ProcessGroup.isLaunched(ProcessInfo.processInfo.environment)
{
    Interruption.installHandlers()
}
let status = SimbaCommand.run(arguments)
if let group = ProcessGroup.world {
    // Its message is already on stderr; the launcher ends the other ranks.
    if status == 0 { group.finish() } else { group.abort(status: status) }
}
exit(status)
