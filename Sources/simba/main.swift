// The `simba` executable: arranges OpenBLAS's kernel set, picks simba's kernel level, lets Ctrl-C and
// SIGTERM stop the commands that check for them, runs the command line, exits with its status. The
// only place that exits.

import Foundation
import SimbaCLI
import SimbaCore
import SimbaTraining

BLASKernelSelection.reexecIfNeeded()
// The level SIMBA_CPU names, or the best this CPU runs. A bad value keeps the best level here and is
// refused with its message by SimbaCommand.run before any command starts.
_ = try? Kernels.select(ProcessInfo.processInfo.environment)
let arguments = Array(CommandLine.arguments.dropFirst())
// These commands stop cleanly between steps or batches; every other one keeps the default
// actions, so Ctrl-C ends it at once.
if let command = arguments.first, ["train", "eval", "predict", "forecast"].contains(command) {
    Interruption.installHandlers()
}
exit(SimbaCommand.run(arguments))
