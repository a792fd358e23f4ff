// BLAS.gemm (split across workers when large) and BLAS.gemmBatch (in row pieces) against a naive
// double-precision product, for every transpose combination.

import SimbaCore
import SimbaTestSupport
import Testing

@Suite struct BLASTests {
    /// C = alpha·op(A)·op(B) + beta·C in doubles, row-major with the given strides.
    func naive(
        _ tA: Bool, _ tB: Bool, m: Int, n: Int, k: Int, alpha: Float, a: [Float], aOffset: Int, lda: Int,
        b: [Float], bOffset: Int, ldb: Int, beta: Float, c: inout [Float], cOffset: Int, ldc: Int
    ) {
        for i in 0..<m {
            for j in 0..<n {
                var sum = 0.0
                for p in 0..<k {
                    let x = a[aOffset + (tA ? p * lda + i : i * lda + p)]
                    let y = b[bOffset + (tB ? j * ldb + p : p * ldb + j)]
                    sum += Double(x) * Double(y)
                }
                let index = cOffset + i * ldc + j
                c[index] = Float(Double(alpha) * sum + Double(beta) * Double(c[index]))
            }
        }
    }

    // Large enough that gemm splits over workers (m·n·k ≥ 2^18) and each batch item is a parallel task.
    // With two workers (`BLAS.pieceCount`) 90×70 is cut into two row blocks of C, 1100×20 into four
    // row blocks and 20×1100 into four column blocks.
    @Test(
        arguments: [(false, false), (false, true), (true, false), (true, true)],
        [(90, 70, 50), (1100, 20, 30), (20, 1100, 30)])
    func gemmMatchesNaive(transposes: (Bool, Bool), shape: (Int, Int, Int)) {
        let (tA, tB) = transposes
        let (m, n, k) = shape
        let lda = (tA ? m : k) + 3, ldb = (tB ? k : n) + 2, ldc = n + 5
        let a = randomArray((tA ? k : m) * lda, seed: 1), b = randomArray((tB ? n : k) * ldb, seed: 2)
        let c0 = randomArray(m * ldc, seed: 3)
        var expected = c0
        naive(
            tA, tB, m: m, n: n, k: k, alpha: 0.5, a: a, aOffset: 0, lda: lda, b: b, bOffset: 0, ldb: ldb,
            beta: 1, c: &expected, cOffset: 0, ldc: ldc)
        let c = FloatBuffer(c0)
        BLAS.gemm(
            transposeA: tA, transposeB: tB, m: m, n: n, k: k, alpha: 0.5, a: a, lda: lda, b: b, ldb: ldb,
            beta: 1, c: c.pointer, ldc: ldc)
        // Sums of at most 50 products of O(1) terms in float32: 1e-4 covers rounding.
        expectClose(c.array, expected, atol: 1e-4, rtol: 1e-4, "gemm")
    }

    // Row pieces of 7 leave a short last piece of C's rows (tA false) or of the sum (tA true); 1000
    // is one piece.
    @Test(arguments: [(false, false), (false, true), (true, false), (true, true)], [7, 1000])
    func gemmBatchMatchesNaive(transposes: (Bool, Bool), rowPiece: Int) {
        let (tA, tB) = transposes
        let (count, m, n, k) = (4, 40, 36, 30)
        // Interleaved operands like EinFFT's blocks: item i starts i·step into shared rows.
        let aRows = tA ? k : m, aColumns = tA ? m : k, bRows = tB ? n : k, bColumns = tB ? k : n
        let lda = count * aColumns, ldb = count * bColumns, ldc = count * n
        let a = randomArray(aRows * lda, seed: 4), b = randomArray(bRows * ldb, seed: 5)
        let c0 = randomArray(m * ldc, seed: 6)
        var expected = c0
        for i in 0..<count {
            naive(
                tA, tB, m: m, n: n, k: k, alpha: 1, a: a, aOffset: i * aColumns, lda: lda, b: b,
                bOffset: i * bColumns, ldb: ldb, beta: 0, c: &expected, cOffset: i * n, ldc: ldc)
        }
        let c = FloatBuffer(c0)
        BLAS.gemmBatch(
            count: count, transposeA: tA, transposeB: tB, m: m, n: n, k: k, a: a, aStep: aColumns, lda: lda,
            b: b, bStep: bColumns, ldb: ldb, beta: 0, c: c.pointer, cStep: n, ldc: ldc, rowPiece: rowPiece)
        expectClose(c.array, expected, atol: 1e-4, rtol: 1e-4, "gemmBatch")
    }
}
