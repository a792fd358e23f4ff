// BatchNorm2d training forward and backward with the batch statistics taken over the rows of every
// process running a slice of the batch (PyTorch's SyncBatchNorm). Eval mode is BatchNorm2d's own.

import SimbaCore

/// `BatchNorm2d.forwardTraining`/`backwardTraining` where mean, variance and the two backward sums
/// run over the rows of every process: `sum(values, count)` replaces doubles by their sums over the
/// processes (collective, called in the same order on each). With the local sums of x, then of
/// (x − mean)², then of dy and dy·x̂ summed, each process gets the statistics of the whole batch
/// (n = total rows), as one process running it would, up to the order of the double sums. The
/// weight and bias gradients added are this process's rows' shares, summed later with the others.
/// Serial loops over rows in double: used only with `optimization.sync_bn`.
enum SynchronizedBatchNorm {
    static func forwardTraining(
        output: UnsafeMutablePointer<Float>,  // (rows, channels)
        savedMean: UnsafeMutablePointer<Float>,  // (channels)
        savedRstd: UnsafeMutablePointer<Float>,  // (channels)
        runningMean: UnsafeMutablePointer<Float>,  // (channels), updated in place
        runningVar: UnsafeMutablePointer<Float>,  // (channels), updated in place
        input: UnsafePointer<Float>,  // (rows, channels)
        weight: UnsafePointer<Float>, bias: UnsafePointer<Float>,
        rows: Int, channels: Int, eps: Float, momentum: Float,
        sum: (UnsafeMutablePointer<Double>, Int) -> Void
    ) {
        // sums[0..<channels]: Σx, then Σ(x − mean)²; sums[channels]: the row count.
        var sums = [Double](repeating: 0, count: channels + 1)
        sums.withUnsafeMutableBufferPointer { buffer in
            let s = buffer.baseAddress!
            for r in 0..<rows {
                let x = input + r * channels
                for c in 0..<channels { s[c] += Double(x[c]) }
            }
            s[channels] = Double(rows)
            sum(s, channels + 1)
            let n = s[channels]
            precondition(n > 1, "BatchNorm2d training needs more than one value per channel")
            var mean = [Double](repeating: 0, count: channels)
            for c in 0..<channels {
                mean[c] = s[c] / n
                s[c] = 0
            }
            for r in 0..<rows {
                let x = input + r * channels
                for c in 0..<channels {
                    let centred = Double(x[c]) - mean[c]
                    s[c] += centred * centred
                }
            }
            sum(s, channels)
            for c in 0..<channels {
                let variance = s[c] / n
                savedMean[c] = Float(mean[c])
                savedRstd[c] = Float(1 / (variance + Double(eps)).squareRoot())
                runningMean[c] = (1 - momentum) * runningMean[c] + momentum * Float(mean[c])
                runningVar[c] = (1 - momentum) * runningVar[c] + momentum * Float(variance * n / (n - 1))
            }
        }
        for r in 0..<rows {
            let x = input + r * channels, y = output + r * channels
            for c in 0..<channels { y[c] = (x[c] - savedMean[c]) * savedRstd[c] * weight[c] + bias[c] }
        }
    }

    /// dx += weight·rstd·(dy − (1/n)Σ dy − x̂·(1/n)Σ dy·x̂) with both sums and n over every process;
    /// dWeight += Σ dy·x̂ and dBias += Σ dy over this process's rows.
    static func backwardTraining(
        dInput: UnsafeMutablePointer<Float>,  // (rows, channels), +=
        dWeight: UnsafeMutablePointer<Float>,  // (channels), +=
        dBias: UnsafeMutablePointer<Float>,  // (channels), +=
        dOutput: UnsafePointer<Float>,  // (rows, channels)
        input: UnsafePointer<Float>,  // (rows, channels)
        weight: UnsafePointer<Float>,
        savedMean: UnsafePointer<Float>, savedRstd: UnsafePointer<Float>,
        rows: Int, channels: Int,
        sum: (UnsafeMutablePointer<Double>, Int) -> Void
    ) {
        // [Σdy (channels), Σdy·x̂ (channels), rows]
        var sums = [Double](repeating: 0, count: 2 * channels + 1)
        sums.withUnsafeMutableBufferPointer { buffer in
            let sumDy = buffer.baseAddress!, sumDyXHat = sumDy + channels
            for r in 0..<rows {
                let x = input + r * channels, dy = dOutput + r * channels
                for c in 0..<channels {
                    let xHat = (x[c] - savedMean[c]) * savedRstd[c]
                    sumDy[c] += Double(dy[c])
                    sumDyXHat[c] += Double(dy[c] * xHat)
                }
            }
            for c in 0..<channels {
                dWeight[c] += Float(sumDyXHat[c])
                dBias[c] += Float(sumDy[c])
            }
            sumDy[2 * channels] = Double(rows)
            sum(sumDy, 2 * channels + 1)
            let inverseCount = 1 / sumDy[2 * channels]
            for r in 0..<rows {
                let x = input + r * channels, dy = dOutput + r * channels, dx = dInput + r * channels
                for c in 0..<channels {
                    let s = savedRstd[c]
                    let xHat = (x[c] - savedMean[c]) * s
                    dx[c] +=
                        weight[c] * s
                        * (dy[c] - Float(sumDy[c] * inverseCount) - xHat * Float(sumDyXHat[c] * inverseCount))
                }
            }
        }
    }
}
