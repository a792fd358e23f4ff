// `simba bench`: measured throughput of the numerical kernels and of whole-model cases. Prints
// figures; asserts nothing (speed targets are read off these figures, never checked in unit tests).

import Foundation
import SimbaBench
import SimbaCore

enum BenchCommand {
    static let help = """
        Usage: simba bench kernels [--repeats N]
               simba bench model [--case NAME …] [--repeats N] [--warmup N] [--config FILE] [--json]

        kernels  sgemm GFLOP/s through simba's BLAS wrapper, selective-scan forward/backward and
                 EinFFT forward/backward at SiMBA-S stage-1 sizes (224×224: batch 8, 3136 tokens,
                 d_model 64).
        model    the cases of `make bench` (scripts/tools/bench.py compares them with PyTorch):
                   sgemm              sgemm 1024³, GFLOP/s
                   cores              fused multiply-add GFLOP/s of all threads at once over one
                                      thread's: ≈ the thread count when each thread has a core of
                                      its own, ≈ 1 when a virtual machine's CPUs share one core
                   train-einfft-64    SiMBA-S EinFFT training step, 64×64, batch 16, images/s
                   train-mlp-64       the same with the MLP channel mixer
                   train-einfft-128   the same as train-einfft-64 at 128×128 (4× the tokens)
                   token-linearity    seconds of a train-einfft-128 step over a train-einfft-64 step,
                                      the two alternated in one process (median ratio)
                   infer-einfft-224   SiMBA-S EinFFT inference, 224×224, batch 8, images/s
                   etth1-epoch        one epoch of --config (default configs/etth1-96.yaml), seconds
                   memory-einfft-224  peak resident MB of one SiMBA-S EinFFT training step at
                                      224×224, batch 32 (run it alone: the peak is the process's)
                 Every case by default except memory-einfft-224. Median of --repeats (default 3)
                 runs after --warmup (default 1) untimed ones (each at most 1000). Training cases
                 also give the GFLOP/s of the model's matrix products. --json prints one JSON
                 object per case.

        """

    static let command = Command(
        name: "bench", valued: ["repeats", "warmup", "case", "config"], flags: ["json"],
        words: ["kernels", "model"], help: { help }, run: run)

    static func run(_ options: Options) throws {
        switch options.word {
        case "kernels":
            let repeats = try options.int("repeats", in: 1...1000) ?? 5
            print(
                "OpenBLAS kernels: \(BLAS.coreName) (\(BLASKernelSelection.origin)), BLAS threads \(BLAS.threads), "
                    + "parallel loop workers \(Parallel.workers)")
            KernelBenchmark.run(repeats: repeats)
        case "model":
            let names =
                options.allValues("case").isEmpty
                ? ModelBenchmark.cases.filter { $0 != "memory-einfft-224" } : options.allValues("case")
            if let unknown = names.first(where: { !ModelBenchmark.cases.contains($0) }) {
                throw UsageError(
                    "unknown benchmark case '\(unknown)'; the cases are "
                        + ModelBenchmark.cases.joined(separator: ", "))
            }
            let repeats = try options.int("repeats", in: 1...1000) ?? 3
            let warmup = try options.int("warmup", in: 0...1000) ?? 1
            let configFile = options.value("config") ?? "configs/etth1-96.yaml"
            if !options.has("json") {
                print(
                    "OpenBLAS kernels: \(BLAS.coreName), threads \(Parallel.workers); median of \(repeats) after "
                        + "\(warmup) warm-up"
                )
            }
            for name in names {
                let result = try ModelBenchmark.run(
                    name: name, repeats: repeats, warmup: warmup, configFile: configFile)
                print(options.has("json") ? result.json : result.text)
                fflush(stdout)
            }
        default:
            throw UsageError("`simba bench` needs a benchmark name: kernels or model; see `simba bench --help`")
        }
    }
}
