// Instance normalisation of forecasting windows (RevIN without its affine part, as SiMBA-TS uses
// it): per window and variate, the mean and standard deviation over time, the normalised window,
// and the way back for the forecast. No learnable scale or shift, no backward (the statistics are
// constants and the window is data).

import SimbaRuntime

/// For each window b and variate v of a (batch, L, M) batch: μ = (1/L) Σ_t x[t, v],
/// σ = √((1/L) Σ_t (x[t, v] − μ)² + 1e-5), in double precision, and x̂ = (x − μ)/σ rounded to
/// float. Without `revin`, μ = 0 and σ = 1 (x̂ = x). `denormalize` maps a (batch, H, M) forecast
/// back: y·σ + μ.
public enum InstanceNorm {
    public static let eps = 1e-5

    public static func forward(
        normalized: UnsafeMutablePointer<Float>,  // (batch, L, M), or (batch, M, L) when `transposed`
        mean: UnsafeMutablePointer<Float>,  // (batch, M)
        std: UnsafeMutablePointer<Float>,  // (batch, M)
        window: UnsafePointer<Float>,  // (batch, L, M)
        batch: Int, length: Int, variates: Int, revin: Bool, transposed: Bool
    ) {
        let (l, m) = (length, variates)
        Parallel.forEach(batch, costPerItem: 4 * l * m) { b in
            let rows = window + b * l * m
            for v in 0..<m {
                var mu = 0.0, squares = 0.0
                for t in 0..<l { mu += Double(rows[t * m + v]) }
                mu /= Double(l)
                for t in 0..<l { let e = Double(rows[t * m + v]) - mu; squares += e * e }
                let sigma = revin ? (squares / Double(l) + eps).squareRoot() : 1
                let center = revin ? mu : 0
                mean[b * m + v] = Float(center)
                std[b * m + v] = Float(sigma)
                // Transposed: variate tokens read the window as (M, L).
                let target = transposed ? normalized + (b * m + v) * l : normalized + b * l * m + v
                let step = transposed ? 1 : m
                for t in 0..<l { target[t * step] = Float((Double(rows[t * m + v]) - center) / sigma) }
            }
        }
    }

    /// forecast[b, t, v] = forecast[b, t, v]·std[b, v] + mean[b, v], in place.
    public static func denormalize(
        _ forecast: UnsafeMutablePointer<Float>,  // (batch, H, M)
        mean: UnsafePointer<Float>,  // (batch, M)
        std: UnsafePointer<Float>,  // (batch, M)
        batch: Int, horizon: Int, variates: Int
    ) {
        for b in 0..<batch {
            let (scale, shift) = (std + b * variates, mean + b * variates)
            for t in 0..<horizon {
                let row = forecast + (b * horizon + t) * variates
                for v in 0..<variates { row[v] = row[v] * scale[v] + shift[v] }
            }
        }
    }
}
