// Swift names for the OpenBLAS calls simba uses: row-major single-precision GEMM split across
// simba's own workers, a Double triangular solve and product sum, and what the library reports about
// itself. The only file importing COpenBLAS.

import COpenBLAS
import Dispatch
import Foundation

/// Row-major matrix products on OpenBLAS.
///
/// OpenBLAS runs single-threaded here; `gemm` splits a large product into row (or column) blocks
/// of C and runs them on simba's parallel workers. OpenBLAS 0.3.21's own thread pool was seen to
/// deadlock (the caller spinning in exec_blas_async_wait while its worker idled) after thousands
/// of calls, and its spinning threads competed with simba's loops between calls.
public enum BLAS {
    /// Set once, before the first product: OpenBLAS computes in the calling thread.
    private static let singleThreaded: Void = openblas_set_num_threads(1)

    /// Floating-point operations and wall time spent in `gemm`, counted while a benchmark sets it
    /// (nil, the default, counts nothing). Set and read it outside parallel loops; products that
    /// run concurrently (the two halves of a time-series batch) add to it under `meterLock`.
    public nonisolated(unsafe) static var meter: GemmMeter?
    private static let meterLock = NSLock()

    /// Products below this many multiply-adds run in one piece.
    static let splitThreshold = 1 << 18

    /// C[m×n] = alpha · op(A)[m×k] · op(B)[k×n] + beta · C, all row-major; large products in row
    /// (or column) blocks of C on the workers (`pieceCount`).
    ///
    /// `lda`, `ldb`, `ldc` are the row strides of A, B, C as stored (before the transpose).
    public static func gemm(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
        alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        precondition(m >= 0 && n >= 0 && k >= 0, "gemm sizes must be non-negative")
        if m == 0 || n == 0 { return }
        _ = singleThreaded
        let started = meter == nil ? 0 : DispatchTime.now().uptimeNanoseconds
        defer { addToMeter(flops: 2 * Double(m) * Double(n) * Double(k), since: started) }
        let workers = Parallel.workers
        // Inside a parallel loop's body (SiMBA-TS's two half-batches) the blocks would run one
        // after the other on this thread: one call is faster (112×256×128: 62 µs against 73 µs for
        // two halves, OpenBLAS single-threaded here). Whether a product is split depends only on
        // where it is called, never on the timing of other threads, so results stay reproducible.
        guard workers > 1, m * n * k >= splitThreshold, !Parallel.insideLoop else {
            sgemm(transposeA, transposeB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
            return
        }
        if m >= n {
            // Row blocks of C: rows of op(A) start at a + r·lda (or a + r when A is transposed).
            let pieces = pieceCount(m)
            Parallel.forEachRange(pieces, costPerItem: splitThreshold) { range in
                for part in range {
                    let r0 = m * part / pieces, r1 = m * (part + 1) / pieces
                    guard r1 > r0 else { continue }
                    sgemm(
                        transposeA, transposeB, r1 - r0, n, k, alpha, a + (transposeA ? r0 : r0 * lda), lda,
                        b, ldb, beta, c + r0 * ldc, ldc)
                }
            }
        } else {
            // Column blocks of C: columns of op(B) start at b + j (or b + j·ldb when B is transposed).
            let pieces = pieceCount(n)
            Parallel.forEachRange(pieces, costPerItem: splitThreshold) { range in
                for part in range {
                    let j0 = n * part / pieces, j1 = n * (part + 1) / pieces
                    guard j1 > j0 else { continue }
                    sgemm(
                        transposeA, transposeB, m, j1 - j0, k, alpha, a, lda,
                        b + (transposeB ? j0 * ldb : j0), ldb, beta, c + j0, ldc)
                }
            }
        }
    }

    /// Blocks of C a split product is cut into: one per worker, or two, three or four per worker
    /// while each keeps ≥ 256 rows (or columns). Workers claim blocks as they come free, so one
    /// that starts late or runs slower on this shared host takes fewer of them instead of leaving
    /// the other waiting for its half (Mamba block backward at 224×224, batch 8: median 134 → 125
    /// ms and 139 → 132 ms in two runs of 8 alternations). Always a multiple of the workers: with
    /// 3 blocks on 2 workers one of them computes two thirds of the product (64×896×448 with its
    /// columns in 3 blocks: 325–330 µs against 232–282 in 2; 392×896×448: 1.50 ms against 1.09–1.27;
    /// scripts/microbenchmarks/gemm_split.c).
    static func pieceCount(_ extent: Int) -> Int {
        let workers = Parallel.workers
        return workers * min(4, max(1, extent / (256 * workers)))
    }

    /// `count` independent products of one shape, C_i = alpha · op(A_i) · op(B_i) + beta · C_i, with
    /// A_i = a + i·aStep, B_i = b + i·bStep, C_i = c + i·cStep (element offsets; the C_i must not
    /// overlap): products too small to split well whose operands lie side by side in shared rows,
    /// like EinFFT's four blocks.
    ///
    /// The shared rows are walked in pieces of `rowPiece` stored rows, so the rows a piece reads
    /// stay in cache from one product to the next; done whole, each product would read every
    /// row's cache lines again once the rows outgrow L2 (scripts/microbenchmarks/gemm_pieces.c: four 32-wide
    /// products over 4096 rows, 0.64 ms whole and 0.36 ms in pieces of 256). With A not
    /// transposed the pieces are rows of C, each through all `count` products, in parallel;
    /// with A transposed they are pieces of the sum over k, added in order (beta on the first,
    /// then 1) while the products run in parallel. The pieces never depend on timing, so neither
    /// do the results.
    public static func gemmBatch(
        count: Int, transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
        alpha: Float = 1, a: UnsafePointer<Float>, aStep: Int, lda: Int,
        b: UnsafePointer<Float>, bStep: Int, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, cStep: Int, ldc: Int, rowPiece: Int
    ) {
        precondition(count >= 0 && m >= 0 && n >= 0 && k >= 0, "gemmBatch sizes must be non-negative")
        precondition(rowPiece > 0, "gemmBatch rowPiece must be positive")
        if count == 0 || m == 0 || n == 0 { return }
        _ = singleThreaded
        let started = meter == nil ? 0 : DispatchTime.now().uptimeNanoseconds
        defer { addToMeter(flops: 2 * Double(count) * Double(m) * Double(n) * Double(k), since: started) }
        if !transposeA {
            // Items piece-major: the contiguous ranges a worker claims keep a piece's products
            // together, and a single piece still spreads its products over the workers.
            let pieces = (m + rowPiece - 1) / rowPiece
            Parallel.forEach(pieces * count, costPerItem: min(rowPiece, m) * n * k) { item in
                let r0 = item / count * rowPiece, rows = min(rowPiece, m - r0), i = item % count
                sgemm(
                    false, transposeB, rows, n, k, alpha, a + i * aStep + r0 * lda, lda, b + i * bStep, ldb,
                    beta, c + i * cStep + r0 * ldc, ldc)
            }
        } else {
            Parallel.forEach(count, costPerItem: m * n * k) { i in
                // Rows p0… of A (stored k × m) and of B, or B's columns p0… when it is transposed;
                // one call with k = 0 (C = beta·C) when there is nothing to sum.
                for p0 in stride(from: 0, to: max(k, 1), by: rowPiece) {
                    sgemm(
                        true, transposeB, m, n, min(rowPiece, k - p0), alpha, a + i * aStep + p0 * lda, lda,
                        b + i * bStep + (transposeB ? p0 : p0 * ldb), ldb, p0 == 0 ? beta : 1, c + i * cStep, ldc)
                }
            }
        }
    }

    /// Solves T X = B (or Tᵀ X = B when `transposed`) in place of B (n × columns, row-major), T the
    /// lower triangle of `t` (n × n, row-major, non-unit diagonal), in Double: LAPACK's dtrsm in the
    /// calling thread, for the small least-squares systems of the forecasting baselines.
    public static func solveLowerTriangular(
        _ t: UnsafePointer<Double>, n: Int, transposed: Bool, b: UnsafeMutablePointer<Double>, columns: Int
    ) {
        precondition(n >= 0 && columns >= 0, "triangular solve sizes must be non-negative")
        if n == 0 || columns == 0 { return }
        _ = singleThreaded
        cblas_dtrsm(
            CblasRowMajor, CblasLeft, CblasLower, transposed ? CblasTrans : CblasNoTrans, CblasNonUnit,
            Int32(n), Int32(columns), 1, t, Int32(n), b, Int32(columns))
    }

    /// C[n×p] += Aᵀ·B for A (rows × n) and B (rows × p), all row-major, in Double: OpenBLAS's dgemm
    /// in the calling thread, for the sums of least-squares normal equations.
    public static func addTransposeProduct(
        _ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, rows: Int, n: Int, p: Int,
        into c: UnsafeMutablePointer<Double>
    ) {
        precondition(rows >= 0 && n >= 0 && p >= 0, "product sizes must be non-negative")
        if rows == 0 || n == 0 || p == 0 { return }
        _ = singleThreaded
        cblas_dgemm(
            CblasRowMajor, CblasTrans, CblasNoTrans, Int32(n), Int32(p), Int32(rows), 1, a, Int32(n), b, Int32(p),
            1, c, Int32(p))
    }

    /// Adds one call to `meter` when a benchmark has set it.
    @inline(__always)
    private static func addToMeter(flops: Double, since started: UInt64) {
        guard meter != nil else { return }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - started) * 1e-9
        meterLock.lock()
        meter!.flops += flops
        meter!.seconds += seconds
        meterLock.unlock()
    }

    @inline(__always)
    private static func sgemm(
        _ transposeA: Bool, _ transposeB: Bool, _ m: Int, _ n: Int, _ k: Int, _ alpha: Float,
        _ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>, _ ldb: Int,
        _ beta: Float, _ c: UnsafeMutablePointer<Float>, _ ldc: Int
    ) {
        cblas_sgemm(
            CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
            Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// The kernel set OpenBLAS chose when it loaded (e.g. "SkylakeX", "Prescott").
    public static var coreName: String { String(cString: openblas_get_corename()) }

    /// OpenBLAS's build configuration string.
    public static var configuration: String { String(cString: openblas_get_config()) }

    /// Threads one product runs on: simba's workers, each calling OpenBLAS single-threaded.
    public static var threads: Int { Parallel.workers }
}

/// Matrix-product work counted by `BLAS.meter`: 2·m·n·k per product and the seconds inside `gemm`.
public struct GemmMeter: Sendable {
    public var flops = 0.0
    public var seconds = 0.0

    public init() {}

    public var gflopsPerSecond: Double { seconds > 0 ? flops / seconds * 1e-9 : 0 }
}
