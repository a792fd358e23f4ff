// `simba bench`: measured throughput of the numerical kernels at SiMBA-S sizes. Prints a table;
// asserts nothing (speed targets are read off these figures, never checked in unit tests).

import Foundation
import SimbaCore

enum BenchCommand {
    static let help = """
        Usage: simba bench kernels [--repeats N]

        kernels  sgemm GFLOP/s through simba's BLAS wrapper, selective-scan forward/backward and
                 EinFFT forward/backward at SiMBA-S stage-1 sizes (224×224: batch 8, 3136 tokens,
                 d_model 64).

        """

    static func run(_ arguments: [String]) throws {
        let options = try Options(arguments, command: "bench", valued: ["repeats"], flags: ["help"])
        if options.has("help") {
            print(help, terminator: "")
            return
        }
        let repeats = try options.value("repeats").map { text -> Int in
            guard let n = Int(text), n > 0 else { throw UsageError("--repeats takes a positive whole number, not '\(text)'") }
            return n
        } ?? 5
        switch options.positional.first {
        case "kernels": KernelBenchmark.run(repeats: repeats)
        case let other:
            throw UsageError("`simba bench` needs a benchmark name: kernels\(other.map { " (got '\($0)')" } ?? "")")
        }
    }
}
