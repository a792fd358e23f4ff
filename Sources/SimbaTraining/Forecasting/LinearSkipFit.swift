// The least-squares start of SiMBA-TS's linear skip (`model.linear_skip_fit`): the Linear(L → H) of a
// variate's normalised window that best forecasts the training windows alone, fitted in closed form.

import SimbaCore
import SimbaData
import SimbaModel
import SimbaRuntime

/// W (H × L) and b (H) minimising Σ ‖σ·(W x̂ + b) + μ − y‖² + λ‖W‖² over every training window
/// and every column the loss reads (all of them in features `M`, the target in `S` and `MS`): x
/// the column's L look-back values, y its H future values, μ and σ the window's RevIN statistics
/// as the model computes them (mean, √(biased variance + 1e-5); 0 and 1 without `revin`), x̂ =
/// (x − μ)/σ. That is the model's own training loss with the skip as the whole forecast, so the
/// blocks start from what a linear map of the window leaves.
///
/// Fitting: with z = (x − μ, σ) = σ·(x̂, 1) the normal equations are Σ zzᵀ β = Σ z (y − μ)ᵀ, summed
/// in Double (OpenBLAS dgemm over blocks of windows) and solved by Cholesky; λ is
/// `LinearForecast.relativeRidge` times the mean diagonal of W's rows, as for the linear baseline.
enum LinearSkipFit {
    /// Windows, and rows (window and column pairs), summed in one product at most.
    static let maxBlockWindows = 256, maxBlockRows = 4096

    /// The windows of one product for `columns` loss columns: up to `maxBlockWindows` and
    /// `maxBlockRows`, at least one.
    static func blockWindows(columns: Int) -> Int { max(1, min(maxBlockWindows, maxBlockRows / columns)) }

    /// Bytes `fit` holds at once for look-back `l`, horizon `h` and `columns` loss columns: the normal
    /// equations, the right-hand sides and one block of rows, in Double, plus one window in float32.
    static func workingBytes(l: Int, h: Int, inputColumns m: Int, columns k: Int) -> Double {
        let (size, rows) = (Double(l + 1), Double(blockWindows(columns: k) * k))
        return 8 * (size * size + size * Double(h) + rows * (size + Double(h))) + 4 * Double(l * m + h * k)
    }

    /// The fit on `data`'s train split, or nil when its system is not positive definite even with
    /// the ridge (every window constant). `weight` is (H, L) and `bias` (H), as `skip.weight` and
    /// `skip.bias` are stored.
    static func fit(_ data: ForecastData, revin: Bool) -> (weight: [Float], bias: [Float])? {
        let (l, h, m, k) = (data.seqLen, data.predLen, data.inputColumns, data.outputColumns)
        let size = l + 1, windows = data.windowCount(.train)
        var normal = [Double](repeating: 0, count: size * size), right = [Double](repeating: 0, count: size * h)
        var input = [Float](repeating: 0, count: l * m), target = [Float](repeating: 0, count: h * k)
        let windowsPerBlock = blockWindows(columns: k), rowsPerBlock = windowsPerBlock * k
        var z = [Double](repeating: 0, count: rowsPerBlock * size), y = [Double](repeating: 0, count: rowsPerBlock * h)
        for first in stride(from: 0, to: windows, by: windowsPerBlock) {
            let count = min(windowsPerBlock, windows - first)
            for w in 0..<count {
                data.fill(split: .train, window: first + w, input: &input, target: &target)
                for j in 0..<k {
                    let c = m - k + j, row = w * k + j
                    var mean = 0.0, variance = 0.0
                    if revin {
                        for i in 0..<l { mean += Double(input[i * m + c]) }
                        mean /= Double(l)
                        for i in 0..<l {
                            let deviation = Double(input[i * m + c]) - mean
                            variance += deviation * deviation
                        }
                        variance /= Double(l)
                    }
                    for i in 0..<l { z[row * size + i] = Double(input[i * m + c]) - mean }
                    z[row * size + l] = revin ? (variance + 1e-5).squareRoot() : 1
                    for t in 0..<h { y[row * h + t] = Double(target[t * k + j]) - mean }
                }
            }
            BLAS.addTransposeProduct(z, z, rows: count * k, n: size, p: size, into: &normal)
            BLAS.addTransposeProduct(z, y, rows: count * k, n: size, p: h, into: &right)
        }
        let trace = (0..<l).reduce(0.0) { $0 + normal[$1 * size + $1] }
        let ridge = LinearForecast.relativeRidge * trace / Double(l)
        for i in 0..<l { normal[i * size + i] += ridge }
        guard CholeskySolve.solve(&normal, &right, n: size, columns: h) else { return nil }
        var weight = [Float](repeating: 0, count: h * l), bias = [Float](repeating: 0, count: h)
        for t in 0..<h {
            for i in 0..<l { weight[t * l + i] = Float(right[i * h + t]) }
            bias[t] = Float(right[l * h + t])
        }
        return (weight, bias)
    }
}

extension LinearSkipFit {
    /// Writes the fit on `data` into `store`'s `skip.weight` and `skip.bias` (a model with the
    /// linear skip); the flat range of the two, which the store holds one after the other. Throws
    /// before fitting when its working set (`workingBytes`) exceeds `available` bytes, and when the
    /// fit has no solution.
    static func start(
        _ store: ParameterStore, data: ForecastData, revin: Bool, available: Double? = MemoryBudget.availableBytes()
    ) throws -> Range<Int> {
        guard let weight = store.entries.first(where: { $0.name == "skip.weight" }),
            let bias = store.entries.first(where: { $0.name == "skip.bias" })
        else { preconditionFailure("a model without the linear skip") }
        precondition(bias.offset == weight.offset + weight.count, "skip.bias does not follow skip.weight")
        let bytes = workingBytes(
            l: data.seqLen, h: data.predLen, inputColumns: data.inputColumns, columns: data.outputColumns)
        if let available, bytes > available {
            let (needed, free) = (MemoryEstimate.describe(bytes: bytes), MemoryEstimate.describe(bytes: available))
            throw TrainingError(
                "model.linear_skip_fit needs \(needed) for its normal equations (look-back \(data.seqLen), "
                    + "horizon \(data.predLen)) and \(free) is available: lower data.seq_len, or set "
                    + "model.linear_skip_fit: false")
        }
        guard let fit = fit(data, revin: revin) else {
            throw TrainingError(
                "model.linear_skip_fit: the training windows' least-squares system has no unique solution "
                    + "(are the windows constant?): set model.linear_skip_fit: false")
        }
        precondition(fit.weight.count == weight.count && fit.bias.count == bias.count, "fit of another shape")
        (store.values.pointer + weight.offset).update(from: fit.weight, count: weight.count)
        (store.values.pointer + bias.offset).update(from: fit.bias, count: bias.count)
        return weight.offset..<bias.offset + bias.count
    }
}
