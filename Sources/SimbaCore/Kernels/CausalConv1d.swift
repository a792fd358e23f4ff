// Causal depthwise 1-D convolution over the token axis of channels-last input (Mamba's `conv1d`
// with left padding k−1, output truncated to the input length), forward and backward. No activation.

/// Mamba's `nn.Conv1d(C, C, k, groups: C, padding: k−1)(x)[..., :L]` on channels-last data:
///
///     output[b, t, c] = bias[c] + Σ_{j<k} weight[c, 0, j] · input[b, t − (k−1) + j, c]
///
/// with input at negative times taken as zero, so output t sees inputs t−k+1 … t.
/// Input and output are (batch, length, channels) row-major; weight keeps PyTorch's (C, 1, k).
public enum CausalConv1d {
    typealias Vector = VectorMath.Vector
    static let lanes = Vector.scalarCount

    /// Channels per parallel work item: four vectors, narrow enough to split C.
    static let channelBlock = 64

    /// Runs `body(b, c, n, taps)` for every sample b and every vector of channels c..<c + n
    /// (n ≤ 16), in parallel over (sample, 64-channel block), with `taps` the weight (C, 1, k) as
    /// (k, C): tap j of 16 consecutive channels is one vector load. Each call owns its outputs.
    static func forEachChannelVector(
        weight: UnsafePointer<Float>, batch: Int, length: Int, channels: Int, kernelSize: Int,
        _ body: (_ b: Int, _ c: Int, _ n: Int, _ taps: UnsafePointer<Float>) -> Void
    ) {
        let blocks = (channels + channelBlock - 1) / channelBlock
        withUnsafeTemporaryAllocation(of: Float.self, capacity: kernelSize * channels) { scratch in
            let taps = scratch.baseAddress!
            for c in 0..<channels {
                for j in 0..<kernelSize { taps[j * channels + c] = weight[c * kernelSize + j] }
            }
            Parallel.forEach(batch * blocks, costPerItem: length * channelBlock * kernelSize) { item in
                let c1 = min((item % blocks + 1) * channelBlock, channels)
                for c in stride(from: (item % blocks) * channelBlock, to: c1, by: lanes) {
                    body(item / blocks, c, min(lanes, c1 - c), UnsafePointer(taps))
                }
            }
        }
    }

    public static func forward(
        output: UnsafeMutablePointer<Float>,        // (batch, length, channels)
        input: UnsafePointer<Float>,                // (batch, length, channels)
        weight: UnsafePointer<Float>,               // (channels, 1, kernelSize)
        bias: UnsafePointer<Float>,                 // (channels)
        batch: Int, length: Int, channels: Int, kernelSize: Int
    ) {
        precondition(batch >= 0 && length >= 0 && channels > 0 && kernelSize > 0, "CausalConv1d sizes")
        forEachChannelVector(weight: weight, batch: batch, length: length, channels: channels, kernelSize: kernelSize) {
            b, c, n, taps in
            let bias = VectorMath.load(bias + c, n)
            for t in 0..<length {
                var out = bias
                for j in max(0, kernelSize - 1 - t)..<kernelSize {
                    let row = input + (b * length + t - (kernelSize - 1) + j) * channels
                    out = VectorMath.fma(VectorMath.load(taps + j * channels + c, n), VectorMath.load(row + c, n), out)
                }
                VectorMath.store(out, output + (b * length + t) * channels + c, n)
            }
        }
    }

    /// Accumulates dInput, dWeight and dBias (`+=`).
    ///
    ///     dInput[b, s, c] += Σ_j weight[c, j] · dOutput[b, s + (k−1) − j, c]   (for s + k−1−j < L)
    ///     dWeight[c, j]  += Σ_{b,t} dOutput[b, t, c] · input[b, t − (k−1) + j, c]
    ///     dBias[c]       += Σ_{b,t} dOutput[b, t, c]
    public static func backward(
        dInput: UnsafeMutablePointer<Float>,        // (batch, length, channels), +=
        dWeight: UnsafeMutablePointer<Float>,       // (channels, 1, kernelSize), +=
        dBias: UnsafeMutablePointer<Float>,         // (channels), +=
        dOutput: UnsafePointer<Float>,              // (batch, length, channels)
        input: UnsafePointer<Float>,                // (batch, length, channels)
        weight: UnsafePointer<Float>,               // (channels, 1, kernelSize)
        batch: Int, length: Int, channels: Int, kernelSize: Int
    ) {
        precondition(batch >= 0 && length >= 0 && channels > 0 && kernelSize > 0, "CausalConv1d sizes")
        // dInput: each (sample, channel vector) call owns its slice.
        forEachChannelVector(weight: weight, batch: batch, length: length, channels: channels, kernelSize: kernelSize) {
            b, c, n, taps in
            for s in 0..<length {
                let dIn = dInput + (b * length + s) * channels + c
                var sum = VectorMath.load(dIn, n)
                for j in 0..<kernelSize where s + kernelSize - 1 - j < length {
                    let row = dOutput + (b * length + s + kernelSize - 1 - j) * channels
                    sum = VectorMath.fma(VectorMath.load(taps + j * channels + c, n), VectorMath.load(row + c, n), sum)
                }
                VectorMath.store(sum, dIn, n)
            }
        }
        // dWeight, dBias: reductions over (batch, time) into per-tap vectors, one 16-channel tile
        // per work item (each lane sums over (b, t) in order).
        let tiles = (channels + lanes - 1) / lanes
        Parallel.forEach(tiles, costPerItem: batch * length * lanes * kernelSize) { tile in
            let c = tile * lanes, n = min(lanes, channels - c)
            withUnsafeTemporaryAllocation(of: Vector.self, capacity: kernelSize) { sums in
                let tapSums = sums.baseAddress!
                tapSums.initialize(repeating: .zero, count: kernelSize)
                var biasSum = Vector.zero
                for b in 0..<batch {
                    for t in 0..<length {
                        let dOut = VectorMath.load(dOutput + (b * length + t) * channels + c, n)
                        biasSum += dOut
                        for j in max(0, kernelSize - 1 - t)..<kernelSize {
                            let row = input + (b * length + t - (kernelSize - 1) + j) * channels
                            tapSums[j] = VectorMath.fma(dOut, VectorMath.load(row + c, n), tapSums[j])
                        }
                    }
                }
                VectorMath.store(VectorMath.load(dBias + c, n) + biasSum, dBias + c, n)
                for lane in 0..<n {
                    for j in 0..<kernelSize { dWeight[(c + lane) * kernelSize + j] += tapSums[j][lane] }
                }
            }
        }
    }
}
