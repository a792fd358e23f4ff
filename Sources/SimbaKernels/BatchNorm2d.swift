// Batch normalisation of NHWC images per channel (PyTorch `nn.BatchNorm2d`, affine, tracked running
// stats): training and eval forward and backward. No momentum=None cumulative average, no affine-free variant.

import SimbaRuntime

/// `nn.BatchNorm2d(channels, eps, momentum)` on NHWC data seen as (rows = batch·H·W, channels).
///
/// Training: mean_c = (1/n) Σ_r x[r, c], var_c = (1/n) Σ_r (x[r, c] − mean_c)² (biased, n = rows),
/// rstd_c = 1/√(var_c + eps), y = (x − mean_c)·rstd_c·weight[c] + bias[c], and in place
/// runningMean = (1 − momentum)·runningMean + momentum·mean_c,
/// runningVar = (1 − momentum)·runningVar + momentum·var_c·n/(n − 1) (unbiased, as PyTorch).
/// Eval: the same normalisation with runningMean and runningVar instead of the batch statistics.
///
/// Per-channel reductions run in parallel over 16-channel tiles (`ChannelTiles`), each summing all
/// rows in double precision; elementwise passes run in parallel over rows. No scratch.
public enum BatchNorm2d {
    public static func forwardTraining(
        output: UnsafeMutablePointer<Float>,  // (rows, channels)
        savedMean: UnsafeMutablePointer<Float>,  // (channels), batch mean, saved for backward
        savedRstd: UnsafeMutablePointer<Float>,  // (channels), 1/√(biased var + eps), saved for backward
        runningMean: UnsafeMutablePointer<Float>,  // (channels), updated in place
        runningVar: UnsafeMutablePointer<Float>,  // (channels), updated in place
        input: UnsafePointer<Float>,  // (rows, channels)
        weight: UnsafePointer<Float>,  // (channels)
        bias: UnsafePointer<Float>,  // (channels)
        rows: Int, channels: Int, eps: Float = 1e-5, momentum: Float = 0.1
    ) {
        precondition(rows > 1, "BatchNorm2d training needs more than one value per channel")
        let n = Double(rows)
        ChannelTiles.forEach(channels: channels, sumsPerChannel: 2, costPerTile: 3 * ChannelTiles.width * rows) {
            start, width, sums in
            let sum = sums, squares = sums + ChannelTiles.width
            for r in 0..<rows {
                let x = input + r * channels + start
                for c in 0..<width { sum[c] += Double(x[c]) }
            }
            for c in 0..<width { sum[c] /= n }
            for r in 0..<rows {
                let x = input + r * channels + start
                for c in 0..<width {
                    let centred = Double(x[c]) - sum[c]
                    squares[c] += centred * centred
                }
            }
            for c in 0..<width {
                let channel = start + c
                let variance = squares[c] / n
                savedMean[channel] = Float(sum[c])
                savedRstd[channel] = Float(1 / (variance + Double(eps)).squareRoot())
                runningMean[channel] = (1 - momentum) * runningMean[channel] + momentum * Float(sum[c])
                runningVar[channel] = (1 - momentum) * runningVar[channel] + momentum * Float(variance * n / (n - 1))
            }
        }
        Parallel.forEachRange(rows, costPerItem: 3 * channels) { range in
            for r in range {
                let x = input + r * channels, y = output + r * channels
                for c in 0..<channels { y[c] = (x[c] - savedMean[c]) * savedRstd[c] * weight[c] + bias[c] }
            }
        }
    }

    public static func forwardEval(
        output: UnsafeMutablePointer<Float>,  // (rows, channels)
        input: UnsafePointer<Float>,  // (rows, channels)
        weight: UnsafePointer<Float>,  // (channels)
        bias: UnsafePointer<Float>,  // (channels)
        runningMean: UnsafePointer<Float>,  // (channels)
        runningVar: UnsafePointer<Float>,  // (channels)
        rows: Int, channels: Int, eps: Float = 1e-5
    ) {
        withUnsafeTemporaryAllocation(of: Float.self, capacity: channels) { buffer in
            let scale = buffer.baseAddress!  // s = 1/√(runningVar + eps)
            for c in 0..<channels { scale[c] = 1 / (runningVar[c] + eps).squareRoot() }
            Parallel.forEachRange(rows, costPerItem: 4 * channels) { range in
                for r in range {
                    let x = input + r * channels, y = output + r * channels
                    for c in 0..<channels { y[c] = (x[c] - runningMean[c]) * scale[c] * weight[c] + bias[c] }
                }
            }
        }
    }

    /// Full batch-statistics gradient, with x̂ = (x − mean)·rstd:
    /// dx += weight·rstd·(dy − (1/n)Σ_r dy − x̂·(1/n)Σ_r dy·x̂), dWeight += Σ_r dy·x̂, dBias += Σ_r dy.
    public static func backwardTraining(
        dInput: UnsafeMutablePointer<Float>,  // (rows, channels), +=
        dWeight: UnsafeMutablePointer<Float>,  // (channels), +=
        dBias: UnsafeMutablePointer<Float>,  // (channels), +=
        dOutput: UnsafePointer<Float>,  // (rows, channels)
        input: UnsafePointer<Float>,  // (rows, channels)
        weight: UnsafePointer<Float>,  // (channels)
        savedMean: UnsafePointer<Float>,  // (channels), from forwardTraining
        savedRstd: UnsafePointer<Float>,  // (channels), from forwardTraining
        rows: Int, channels: Int
    ) {
        let inverseCount = 1 / Float(rows)
        ChannelTiles.forEach(channels: channels, sumsPerChannel: 2, costPerTile: 5 * ChannelTiles.width * rows) {
            start, width, sums in
            let sumDy = sums, sumDyXHat = sums + ChannelTiles.width
            for r in 0..<rows {
                let x = input + r * channels + start, dy = dOutput + r * channels + start
                for c in 0..<width {
                    let xHat = (x[c] - savedMean[start + c]) * savedRstd[start + c]
                    sumDy[c] += Double(dy[c])
                    sumDyXHat[c] += Double(dy[c] * xHat)
                }
            }
            for c in 0..<width {
                dWeight[start + c] += Float(sumDyXHat[c])
                dBias[start + c] += Float(sumDy[c])
                sumDy[c] *= Double(inverseCount)
                sumDyXHat[c] *= Double(inverseCount)
            }
            for r in 0..<rows {
                let x = input + r * channels + start, dy = dOutput + r * channels + start
                let dx = dInput + r * channels + start
                for c in 0..<width {
                    let channel = start + c
                    let s = savedRstd[channel]
                    let xHat = (x[c] - savedMean[channel]) * s
                    dx[c] += weight[channel] * s * (dy[c] - Float(sumDy[c]) - xHat * Float(sumDyXHat[c]))
                }
            }
        }
    }

    /// Eval-mode gradient (running statistics are constants), with s = 1/√(runningVar + eps):
    /// dx += dy·weight·s, dWeight += Σ_r dy·(x − runningMean)·s, dBias += Σ_r dy.
    public static func backwardEval(
        dInput: UnsafeMutablePointer<Float>,  // (rows, channels), +=
        dWeight: UnsafeMutablePointer<Float>,  // (channels), +=
        dBias: UnsafeMutablePointer<Float>,  // (channels), +=
        dOutput: UnsafePointer<Float>,  // (rows, channels)
        input: UnsafePointer<Float>,  // (rows, channels)
        weight: UnsafePointer<Float>,  // (channels)
        runningMean: UnsafePointer<Float>,  // (channels)
        runningVar: UnsafePointer<Float>,  // (channels)
        rows: Int, channels: Int, eps: Float = 1e-5
    ) {
        ChannelTiles.forEach(channels: channels, sumsPerChannel: 2, costPerTile: 4 * ChannelTiles.width * rows) {
            start, width, sums in
            let sumDy = sums, sumDyXHat = sums + ChannelTiles.width
            for r in 0..<rows {
                let x = input + r * channels + start, dy = dOutput + r * channels + start
                let dx = dInput + r * channels + start
                for c in 0..<width {
                    let channel = start + c
                    let s = 1 / (runningVar[channel] + eps).squareRoot()
                    dx[c] += dy[c] * weight[channel] * s
                    sumDy[c] += Double(dy[c])
                    sumDyXHat[c] += Double(dy[c] * ((x[c] - runningMean[channel]) * s))
                }
            }
            for c in 0..<width {
                dWeight[start + c] += Float(sumDyXHat[c])
                dBias[start + c] += Float(sumDy[c])
            }
        }
    }
}
