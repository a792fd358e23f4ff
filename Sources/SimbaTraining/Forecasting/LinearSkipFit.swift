// The least-squares start of SiMBA-TS's linear skip (`model.linear_skip_fit`): the Linear(L → H) of a
// variate's normalised window that best forecasts the training windows alone, fitted in closed form.

import SimbaCore
import SimbaData
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
    /// Windows whose rows are summed in one product.
    static let blockWindows = 256

    /// The fit on `data`'s train split, or nil when its system is not positive definite even with
    /// the ridge (every window constant). `weight` is (H, L) and `bias` (H), as `skip.weight` and
    /// `skip.bias` are stored.
    static func fit(_ data: ForecastData, revin: Bool) -> (weight: [Float], bias: [Float])? {
        let (l, h, m, k) = (data.seqLen, data.predLen, data.inputColumns, data.outputColumns)
        let size = l + 1, windows = data.windowCount(.train)
        var normal = [Double](repeating: 0, count: size * size), right = [Double](repeating: 0, count: size * h)
        var input = [Float](repeating: 0, count: l * m), target = [Float](repeating: 0, count: h * k)
        let rowsPerBlock = blockWindows * k
        var z = [Double](repeating: 0, count: rowsPerBlock * size), y = [Double](repeating: 0, count: rowsPerBlock * h)
        for first in stride(from: 0, to: windows, by: blockWindows) {
            let count = min(blockWindows, windows - first)
            for w in 0..<count {
                data.fill(split: .train, window: first + w, input: &input, target: &target)
                for j in 0..<k {
                    let c = m - k + j, row = w * k + j
                    var mean = 0.0, variance = 0.0
                    if revin {
                        for i in 0..<l { mean += Double(input[i * m + c]) }
                        mean /= Double(l)
                        for i in 0..<l { variance += (Double(input[i * m + c]) - mean).squared }
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
    /// when the fit has no solution.
    static func start(_ store: ParameterStore, data: ForecastData, revin: Bool) throws -> Range<Int> {
        guard let weight = store.entries.first(where: { $0.name == "skip.weight" }),
            let bias = store.entries.first(where: { $0.name == "skip.bias" })
        else { preconditionFailure("a model without the linear skip") }
        precondition(bias.offset == weight.offset + weight.count, "skip.bias does not follow skip.weight")
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

extension Double {
    fileprivate var squared: Double { self * self }
}
