// Swift names for the OpenBLAS calls simba uses: row-major single-precision GEMM, and what the
// library reports about itself. The only file that imports COpenBLAS.

import COpenBLAS

/// Row-major matrix products on OpenBLAS.
public enum BLAS {
    /// C[m×n] = alpha · op(A)[m×k] · op(B)[k×n] + beta · C, all row-major.
    ///
    /// `lda`, `ldb`, `ldc` are the row strides of A, B, C as stored (before the transpose).
    @inline(__always)
    public static func gemm(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
        alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        precondition(m >= 0 && n >= 0 && k >= 0, "gemm sizes must be non-negative")
        if m == 0 || n == 0 { return }
        cblas_sgemm(
            CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
            Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// The kernel set OpenBLAS chose when it loaded (e.g. "SkylakeX", "Prescott").
    public static var coreName: String { String(cString: openblas_get_corename()) }

    /// OpenBLAS's build configuration string.
    public static var configuration: String { String(cString: openblas_get_config()) }

    /// Threads OpenBLAS uses for one call.
    public static var threads: Int {
        get { Int(openblas_get_num_threads()) }
        set { openblas_set_num_threads(Int32(newValue)) }
    }
}
