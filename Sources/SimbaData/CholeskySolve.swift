// Solves a symmetric positive definite system A X = B in Double by Cholesky factorisation, for
// least-squares normal equations. Small dense systems only; no pivoting, no BLAS.

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

    private static func solve(_ a: UnsafeMutablePointer<Double>, _ b: UnsafeMutablePointer<Double>, n: Int,
                              columns: Int) -> Bool {
        // A = G Gᵀ, G lower triangular, stored over A's lower triangle (Cholesky–Banachiewicz).
        for i in 0..<n {
            for j in 0...i {
                var sum = a[i * n + j]
                for p in 0..<j { sum -= a[i * n + p] * a[j * n + p] }
                if i == j {
                    guard sum > 0 else { return false }
                    a[i * n + i] = sum.squareRoot()
                } else {
                    a[i * n + j] = sum / a[j * n + j]
                }
            }
        }
        // G Y = B, then Gᵀ X = Y, row by row over all columns at once.
        for i in 0..<n {
            for p in 0..<i {
                let g = a[i * n + p]
                for c in 0..<columns { b[i * columns + c] -= g * b[p * columns + c] }
            }
            let pivot = a[i * n + i]
            for c in 0..<columns { b[i * columns + c] /= pivot }
        }
        for i in stride(from: n - 1, through: 0, by: -1) {
            for p in (i + 1)..<n {
                let g = a[p * n + i]
                for c in 0..<columns { b[i * columns + c] -= g * b[p * columns + c] }
            }
            let pivot = a[i * n + i]
            for c in 0..<columns { b[i * columns + c] /= pivot }
        }
        return true
    }
}
