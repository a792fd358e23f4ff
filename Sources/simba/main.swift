// The `simba` executable: arranges OpenBLAS's kernel set, runs the command line, exits with its
// status. The only place in the package that exits.

import Foundation
import SimbaCLI

BLASKernelSelection.reexecIfNeeded()
exit(SimbaCommand.run(Array(CommandLine.arguments.dropFirst())))
