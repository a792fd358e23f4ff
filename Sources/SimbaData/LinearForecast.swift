// The linear baseline: per target column, a least-squares map from its L look-back values to its
// H horizon values plus a bias, fitted on the training windows. It does not mix columns.

import SimbaCore

/// For each target column j, forecast ŷ = xᵀ W_j + b_j, x the column's L standardised look-back
/// values, W_j (L × H) and b_j (H) minimising Σ ‖xᵀ W_j + b_j − y‖² + λ ‖W_j‖² over every window
/// of the train split (the DLinear paper's "Linear" baseline, one map per channel, fitted in
/// closed form rather than by gradient descent). In features `S` and `MS` the one column is the
/// target, mapped from its own past (the other inputs of `MS` are not used).
///
/// Fitting: the normal equations in Double, Σ zzᵀ β = Σ z yᵀ with z = (x, 1), solved by Cholesky.
/// The windows slide over one series, so every entry of the sums is a lagged product sum
/// Σ_w s[w + a]·s[w + b] of the train rows s; each lag's sums are computed once and slid along the
/// diagonal (one update per entry), so a fit costs O(K·(N + L)·(L + H)) for the sums and
/// O(K·L²·(L + H)) for the solve, whatever the number N of windows; the columns are fitted on the
/// workers at once. Forecasting uses one float32 matrix product per column and batch.
public struct LinearForecast: ForecastBaseline {
    public let name = "linear"
    public let key = "linear"
    /// λ relative to the mean diagonal of Σ xxᵀ (≈ N on the standardised scale); the bias is not
    /// penalised. It only keeps the system positive definite when the look-back values are
    /// collinear (a trend, a constant stretch).
    public static let relativeRidge = 1e-6
    public let seqLen: Int
    public let predLen: Int
    /// Training windows the sums ran over.
    public let trainingWindows: Int
    /// (K, L, H): column j's W_j.
    public let weights: [Float]
    /// (K, H): column j's b_j.
    public let bias: [Float]

    /// Fits the maps on the train split of `data`; nil when a column's system is not positive
    /// definite even with the ridge (not seen on finite data).
    public static func fit(_ data: ForecastData) -> LinearForecast? {
        let (l, h, m, k) = (data.seqLen, data.predLen, data.inputColumns, data.outputColumns)
        let rows = data.rows(.train)
        let windows = data.windowCount(.train)
        // The columns' fits are independent: one per worker at a time.
        var solutions = [[Double]?](repeating: nil, count: k)
        let cost = (windows + l) * (l + h) + l * l * (l + h)
        solutions.withUnsafeMutableBufferPointer { solutions in
            Parallel.forEach(k, costPerItem: cost) { j in
                let c = data.outputColumnRange.lowerBound + j
                let series = rows.map { range in range.map { Double(data.values[$0 * m + c]) } }
                solutions[j] = solve(series: series, seqLen: l, predLen: h)
            }
        }
        var weights = [Float](repeating: 0, count: k * l * h), bias = [Float](repeating: 0, count: k * h)
        for j in 0..<k {
            guard let solution = solutions[j] else { return nil }
            for i in 0..<l * h { weights[j * l * h + i] = Float(solution[i]) }
            for t in 0..<h { bias[j * h + t] = Float(solution[l * h + t]) }
        }
        return LinearForecast(seqLen: l, predLen: h, trainingWindows: windows, weights: weights, bias: bias)
    }

    /// β ((L + 1) × H: W's rows, then b) for the windows of the given series (none crosses two), or nil.
    static func solve(series all: [[Double]], seqLen l: Int, predLen h: Int) -> [Double]? {
        let n = l + h
        // gram[a·n + b] = Σ_w s[w + a] s[w + b] for a ≤ b, a < L (the rows the equations use) and
        // sums[a] = Σ_w s[w + a], over every window w of every series s.
        var gram = [Double](repeating: 0, count: l * n), sums = [Double](repeating: 0, count: n)
        var windows = 0
        for s in all {
            let count = s.count - n + 1
            precondition(count >= 1, "a series shorter than one window")
            windows += count
            for lag in 0..<n {
                var g = 0.0
                for w in 0..<count { g += s[w] * s[w + lag] }
                gram[lag] += g
                for a in 1..<min(l, n - lag) {
                    let (enter, leave) = (a + count - 1, a - 1)
                    g += s[enter] * s[enter + lag] - s[leave] * s[leave + lag]
                    gram[a * n + a + lag] += g
                }
            }
            var sum = s[0..<count].reduce(0, +)
            sums[0] += sum
            for a in 1..<n {
                sum += s[a + count - 1] - s[a - 1]
                sums[a] += sum
            }
        }

        let size = l + 1
        var normal = [Double](repeating: 0, count: size * size), right = [Double](repeating: 0, count: size * h)
        var trace = 0.0
        for i in 0..<l {
            for j in 0...i { normal[i * size + j] = gram[j * n + i] }
            normal[l * size + i] = sums[i]
            trace += gram[i * n + i]
            for t in 0..<h { right[i * h + t] = gram[i * n + l + t] }
        }
        normal[l * size + l] = Double(windows)
        for t in 0..<h { right[l * h + t] = sums[l + t] }
        let ridge = relativeRidge * trace / Double(l)
        for i in 0..<l { normal[i * size + i] += ridge }
        guard CholeskySolve.solve(&normal, &right, n: size, columns: h) else { return nil }
        return right
    }

    public func forecast(
        _ data: ForecastData, split: ForecastSplit, first: Int, count: Int,
        into output: UnsafeMutablePointer<Float>
    ) {
        let (l, h, m, k) = (seqLen, predLen, data.inputColumns, data.outputColumns)
        precondition(
            data.seqLen == l && data.predLen == h && weights.count == k * l * h,
            "a map fitted on other windows")
        var lookBack = [Float](repeating: 0, count: count * l), forecast = [Float](repeating: 0, count: count * h)
        for j in 0..<k {
            let c = data.outputColumnRange.lowerBound + j
            for w in 0..<count {
                let start = data.firstRow(split, first + w)
                for i in 0..<l { lookBack[w * l + i] = data.values[(start + i) * m + c] }
            }
            weights.withUnsafeBufferPointer { weights in
                lookBack.withUnsafeBufferPointer { x in
                    forecast.withUnsafeMutableBufferPointer { y in
                        BLAS.gemm(
                            transposeA: false, transposeB: false, m: count, n: h, k: l,
                            a: x.baseAddress!, lda: l, b: weights.baseAddress! + j * l * h, ldb: h,
                            beta: 0, c: y.baseAddress!, ldc: h)
                    }
                }
            }
            for w in 0..<count {
                for t in 0..<h { output[(w * h + t) * k + j] = forecast[w * h + t] + bias[j * h + t] }
            }
        }
    }
}
