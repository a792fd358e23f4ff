// The kernel benchmark behind `simba bench kernels`: times simba's kernels at SiMBA-S stage-1
// sizes and prints one line per kernel. Median of `repeats` runs after one warm-up.

import Foundation
import SimbaCore

enum KernelBenchmark {
    /// Median seconds of `repeats` calls of `body`, after one warm-up call.
    static func time(repeats: Int, _ body: () -> Void) -> Double {
        body()
        var samples: [Double] = []
        for _ in 0..<repeats {
            let start = DispatchTime.now().uptimeNanoseconds
            body()
            samples.append(Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9)
        }
        return samples.sorted()[samples.count / 2]
    }

    static func run(repeats: Int) {
        print("OpenBLAS kernels: \(BLAS.coreName) (\(BLASKernelSelection.origin)), BLAS threads \(BLAS.threads)")
        sgemm(repeats: repeats)
    }

    /// sgemm at the in_proj size of SiMBA-S stage 1 (25088 × 64 → 256) and a square 1024 product.
    static func sgemm(repeats: Int) {
        for (m, n, k) in [(8 * 3136, 256, 64), (1024, 1024, 1024)] {
            let a = FloatBuffer(count: m * k), b = FloatBuffer(count: k * n), c = FloatBuffer(count: m * n)
            var generator = RandomGenerator(seed: 1)
            for i in 0..<a.count { a[i] = generator.normal() }
            for i in 0..<b.count { b[i] = generator.normal() }
            let seconds = time(repeats: repeats) {
                BLAS.gemm(
                    transposeA: false, transposeB: false, m: m, n: n, k: k,
                    a: a.pointer, lda: k, b: b.pointer, ldb: n, beta: 0, c: c.pointer, ldc: n)
            }
            let gflops = 2 * Double(m) * Double(n) * Double(k) / seconds * 1e-9
            print(String(format: "sgemm %5d×%4d×%4d (simba BLAS wrapper)   %8.2f ms  %7.1f GFLOP/s", m, n, k, seconds * 1e3, gflops))
        }
    }
}
