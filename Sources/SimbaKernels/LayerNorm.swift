// Layer normalisation over the last dimension with an elementwise affine (PyTorch `nn.LayerNorm`),
// forward and backward. No normalisation over several trailing dimensions, no affine-free variant.

import SimbaRuntime

/// `nn.LayerNorm(channels, eps)`: for each row r,
/// mean_r = (1/C) Σ_c x[r, c], var_r = (1/C) Σ_c (x[r, c] − mean_r)² (biased),
/// rstd_r = 1/√(var_r + eps), y[r, c] = (x[r, c] − mean_r)·rstd_r·weight[c] + bias[c].
///
/// The forward saves mean and rstd per row for the backward; the caller keeps them and the input.
/// Row sums run in 16-lane partial sums (then a tree over the lanes), whole vectors first and the
/// channels past the last multiple of 16 one by one.
public enum LayerNorm {
    typealias Vector = VectorMath.Vector
    static let lanes = Vector.scalarCount

    public static func forward(
        output: UnsafeMutablePointer<Float>,  // (rows, channels)
        mean: UnsafeMutablePointer<Float>,  // (rows), saved for backward
        rstd: UnsafeMutablePointer<Float>,  // (rows), saved for backward
        input: UnsafePointer<Float>,  // (rows, channels)
        weight: UnsafePointer<Float>,  // (channels)
        bias: UnsafePointer<Float>,  // (channels)
        rows: Int, channels: Int, eps: Float
    ) {
        precondition(rows >= 0 && channels > 0, "LayerNorm needs channels > 0")
        let inverseCount = 1 / Float(channels)
        let full = channels / lanes * lanes  // channels in whole vectors; the rest run scalar
        Parallel.forEachRange(rows, costPerItem: 4 * channels) { range in
            for r in range {
                let x = input + r * channels
                let y = output + r * channels
                var sums = Vector.zero
                for c in stride(from: 0, to: full, by: lanes) { sums += VectorMath.load(x + c, lanes) }
                var sum = VectorMath.laneSum(sums)
                for c in full..<channels { sum += x[c] }
                let mu = sum * inverseCount
                var squareSums = Vector.zero
                for c in stride(from: 0, to: full, by: lanes) {
                    let centred = VectorMath.load(x + c, lanes) - mu
                    squareSums = VectorMath.fma(centred, centred, squareSums)
                }
                var squares = VectorMath.laneSum(squareSums)
                for c in full..<channels {
                    let centred = x[c] - mu
                    squares += centred * centred
                }
                let s = 1 / (squares * inverseCount + eps).squareRoot()
                for c in stride(from: 0, to: full, by: lanes) {
                    let xHat = (VectorMath.load(x + c, lanes) - mu) * s
                    VectorMath.store(
                        VectorMath.fma(xHat, VectorMath.load(weight + c, lanes), VectorMath.load(bias + c, lanes)),
                        y + c, lanes)
                }
                for c in full..<channels { y[c] = (x[c] - mu) * s * weight[c] + bias[c] }
                mean[r] = mu
                rstd[r] = s
            }
        }
    }

    /// With x̂ = (x − mean)·rstd and g = dy·weight (per row):
    /// dx += rstd·(g − mean_c(g) − x̂·mean_c(g·x̂)), dWeight += Σ_r dy·x̂, dBias += Σ_r dy.
    ///
    /// dInput runs in parallel over rows; dWeight and dBias in a second pass in parallel over
    /// 16-channel tiles, each summing all rows in double precision. No scratch.
    public static func backward(
        dInput: UnsafeMutablePointer<Float>,  // (rows, channels), +=
        dWeight: UnsafeMutablePointer<Float>,  // (channels), +=
        dBias: UnsafeMutablePointer<Float>,  // (channels), +=
        dOutput: UnsafePointer<Float>,  // (rows, channels)
        input: UnsafePointer<Float>,  // (rows, channels)
        weight: UnsafePointer<Float>,  // (channels)
        mean: UnsafePointer<Float>,  // (rows), from forward
        rstd: UnsafePointer<Float>,  // (rows), from forward
        rows: Int, channels: Int
    ) {
        let inverseCount = 1 / Float(channels)
        let full = channels / lanes * lanes
        Parallel.forEachRange(rows, costPerItem: 6 * channels) { range in
            for r in range {
                let x = input + r * channels
                let dy = dOutput + r * channels
                let dx = dInput + r * channels
                let mu = mean[r], s = rstd[r]
                var sumsG = Vector.zero, sumsGX = Vector.zero
                for c in stride(from: 0, to: full, by: lanes) {
                    let g = VectorMath.load(dy + c, lanes) * VectorMath.load(weight + c, lanes)
                    sumsG += g
                    sumsGX = VectorMath.fma(g, (VectorMath.load(x + c, lanes) - mu) * s, sumsGX)
                }
                var sumG = VectorMath.laneSum(sumsG), sumGX = VectorMath.laneSum(sumsGX)
                for c in full..<channels {
                    let g = dy[c] * weight[c]
                    sumG += g
                    sumGX += g * (x[c] - mu) * s
                }
                let meanG = sumG * inverseCount, meanGX = sumGX * inverseCount
                for c in stride(from: 0, to: full, by: lanes) {
                    let xHat = (VectorMath.load(x + c, lanes) - mu) * s
                    let g = VectorMath.load(dy + c, lanes) * VectorMath.load(weight + c, lanes)
                    VectorMath.store(
                        VectorMath.fma(g - meanG - xHat * meanGX, s, VectorMath.load(dx + c, lanes)), dx + c, lanes)
                }
                for c in full..<channels {
                    let xHat = (x[c] - mu) * s
                    dx[c] += s * (dy[c] * weight[c] - meanG - xHat * meanGX)
                }
            }
        }
        ChannelTiles.forEach(channels: channels, sumsPerChannel: 2, costPerTile: 4 * ChannelTiles.width * rows) {
            start, width, sums in
            let sumWeight = sums, sumBias = sums + ChannelTiles.width
            var weightLanes = DoubleLanes(), biasLanes = DoubleLanes()
            for r in 0..<rows {
                let x = VectorMath.load(input + r * channels + start, width)
                let dy = VectorMath.load(dOutput + r * channels + start, width)
                weightLanes.add(dy * ((x - mean[r]) * rstd[r]))
                biasLanes.add(dy)
            }
            weightLanes.add(to: sumWeight)
            biasLanes.add(to: sumBias)
            for c in 0..<width {
                dWeight[start + c] += Float(sumWeight[c])
                dBias[start + c] += Float(sumBias[c])
            }
        }
    }
}
