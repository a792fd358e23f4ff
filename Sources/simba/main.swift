// The `simba` executable: arranges OpenBLAS's kernel set, lets Ctrl-C and SIGTERM stop the commands
// that check for them, runs the command line, exits with its status. The only place that exits.

import Foundation
import SimbaCLI
import SimbaTraining

BLASKernelSelection.reexecIfNeeded()
let arguments = Array(CommandLine.arguments.dropFirst())
// These commands stop cleanly between steps or batches; every other one keeps the default
// actions, so Ctrl-C ends it at once.
if let command = arguments.first, ["train", "eval", "forecast"].contains(command) {
    Interruption.installHandlers()
}
exit(SimbaCommand.run(arguments))
