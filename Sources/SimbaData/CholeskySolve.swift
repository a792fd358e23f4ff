// Solves a symmetric positive definite system A X = B in Double by Cholesky factorisation, for
// least-squares normal equations. Small dense systems only (up to a few thousand); no pivoting.

import SimbaCore

public enum CholeskySolve {
    /// Overwrites `b` (n × columns, row-major) with X solving A X = B, where `a` (n × n, row-major,
    /// only its lower triangle read) is symmetric positive definite; `a` is overwritten by its
    /// Cholesky factor. Returns false, leaving `b` unspecified, when a pivot is not positive (A is
    /// not positive definite in Double, or holds a NaN).
    public static func solve(_ a: inout [Double], _ b: inout [Double], n: Int, columns: Int) -> Bool {
        precondition(n >= 1 && columns >= 0 && a.count == n * n && b.count == n * columns, "system shapes differ")
        return a.withUnsafeMutableBufferPointer { a in
            b.withUnsafeMutableBufferPointer { b in solve(a.baseAddress!, b.baseAddress!, n: n, columns: columns) }
        }
    }

    private static func solve(
        _ a: UnsafeMutablePointer<Double>, _ b: UnsafeMutablePointer<Double>, n: Int,
        columns: Int
    ) -> Bool {
        // A = G Gᵀ, G lower triangular, stored over A's lower triangle (Cholesky–Banachiewicz). The
        // dot products run in four partial sums, which the compiler can keep in vector registers.
        for i in 0..<n {
            let rowI = a + i * n
            for j in 0...i {
                let rowJ = a + j * n
                var (s0, s1, s2, s3) = (0.0, 0.0, 0.0, 0.0)
                var p = 0
                while p + 4 <= j {
                    s0 += rowI[p] * rowJ[p]
                    s1 += rowI[p + 1] * rowJ[p + 1]
                    s2 += rowI[p + 2] * rowJ[p + 2]
                    s3 += rowI[p + 3] * rowJ[p + 3]
                    p += 4
                }
                while p < j {
                    s0 += rowI[p] * rowJ[p]
                    p += 1
                }
                let sum = rowI[j] - ((s0 + s1) + (s2 + s3))
                if i == j {
                    guard sum > 0 else { return false }
                    rowI[i] = sum.squareRoot()
                } else {
                    rowI[j] = sum / rowJ[j]
                }
            }
        }
        // G Y = B, then Gᵀ X = Y: blocked triangular solves over all columns at once (OpenBLAS).
        BLAS.solveLowerTriangular(a, n: n, transposed: false, b: b, columns: columns)
        BLAS.solveLowerTriangular(a, n: n, transposed: true, b: b, columns: columns)
        return true
    }
}
