// Causal depthwise 1-D convolution over the token axis of channels-last input (Mamba's `conv1d`
// with left padding k−1, output truncated to the input length), forward and backward. The forward
// can apply SiLU on the way out, as causal_conv1d_fn(activation="silu"); the backward cannot.

import SimbaRuntime

/// Mamba's `nn.Conv1d(C, C, k, groups: C, padding: k−1)(x)[..., :L]` on channels-last data:
///
///     output[b, t, c] = bias[c] + Σ_{j<k} weight[c, 0, j] · input[b, t − (k−1) + j, c]
///
/// with input at negative times taken as zero, so output t sees inputs t−k+1 … t; with `silu`,
/// the forward writes silu(output) instead (the same values as `SiLU.forward` on it).
/// Input and output are (batch, length, channels) row-major; weight keeps PyTorch's (C, 1, k).
public enum CausalConv1d {
    typealias Vector = VectorMath.Vector
    static let lanes = Vector.scalarCount

    /// Channels per parallel work item: four vectors, narrow enough to split C.
    static let channelBlock = 64

    /// Runs `body(b, c0, c1, taps)` for every sample b and block of channels c0..<c1 (≤ 64), in
    /// parallel over (sample, block), with `taps` the weight (C, 1, k) as (k, C): tap j of 16
    /// consecutive channels is one vector load. Each call owns its outputs; bodies walk time in
    /// the outer loop and the block's channel vectors in the inner one, so memory is read row
    /// after row (a walk down one 16-channel column at a time left the loads waiting on memory).
    static func forEachBlock(
        weight: UnsafePointer<Float>, batch: Int, length: Int, channels: Int, kernelSize: Int,
        _ body: (_ b: Int, _ c0: Int, _ c1: Int, _ taps: UnsafePointer<Float>) -> Void
    ) {
        let blocks = (channels + channelBlock - 1) / channelBlock
        withUnsafeTemporaryAllocation(of: Float.self, capacity: kernelSize * channels) { scratch in
            let taps = scratch.baseAddress!
            for c in 0..<channels {
                for j in 0..<kernelSize { taps[j * channels + c] = weight[c * kernelSize + j] }
            }
            Parallel.forEach(batch * blocks, costPerItem: length * channelBlock * kernelSize) { item in
                let c0 = (item % blocks) * channelBlock
                body(item / blocks, c0, min(c0 + channelBlock, channels), UnsafePointer(taps))
            }
        }
    }

    public static func forward(
        output: UnsafeMutablePointer<Float>,  // (batch, length, channels)
        input: UnsafePointer<Float>,  // (batch, length, channels)
        weight: UnsafePointer<Float>,  // (channels, 1, kernelSize)
        bias: UnsafePointer<Float>,  // (channels)
        batch: Int, length: Int, channels: Int, kernelSize: Int, silu: Bool = false
    ) {
        precondition(batch >= 0 && length >= 0 && channels > 0 && kernelSize > 0, "CausalConv1d sizes")
        forEachBlock(weight: weight, batch: batch, length: length, channels: channels, kernelSize: kernelSize) {
            b, c0, c1, taps in
            for t in 0..<length {
                let outRow = output + (b * length + t) * channels
                for c in stride(from: c0, to: c1, by: lanes) {
                    let n = min(lanes, c1 - c)
                    var out = VectorMath.load(bias + c, n)
                    for j in max(0, kernelSize - 1 - t)..<kernelSize {
                        let row = input + (b * length + t - (kernelSize - 1) + j) * channels
                        out = VectorMath.fma(
                            VectorMath.load(taps + j * channels + c, n), VectorMath.load(row + c, n), out)
                    }
                    VectorMath.store(silu ? SiLU.value(out) : out, outRow + c, n)
                }
            }
        }
    }

    /// Accumulates dInput, dWeight and dBias (`+=`); with `overwritingInput` dInput is written
    /// (`=`) instead, for a buffer that holds nothing yet, without zeroing it first.
    ///
    ///     dInput[b, s, c] += Σ_j weight[c, j] · dOutput[b, s + (k−1) − j, c]   (for s + k−1−j < L)
    ///     dWeight[c, j]  += Σ_{b,t} dOutput[b, t, c] · input[b, t − (k−1) + j, c]
    ///     dBias[c]       += Σ_{b,t} dOutput[b, t, c]
    public static func backward(
        dInput: UnsafeMutablePointer<Float>,  // (batch, length, channels), += (= if overwritingInput)
        dWeight: UnsafeMutablePointer<Float>,  // (channels, 1, kernelSize), +=
        dBias: UnsafeMutablePointer<Float>,  // (channels), +=
        dOutput: UnsafePointer<Float>,  // (batch, length, channels)
        input: UnsafePointer<Float>,  // (batch, length, channels)
        weight: UnsafePointer<Float>,  // (channels, 1, kernelSize)
        batch: Int, length: Int, channels: Int, kernelSize: Int, overwritingInput: Bool = false
    ) {
        precondition(batch >= 0 && length >= 0 && channels > 0 && kernelSize > 0, "CausalConv1d sizes")
        // dInput: each (sample, channel block) call owns its slice.
        forEachBlock(weight: weight, batch: batch, length: length, channels: channels, kernelSize: kernelSize) {
            b, c0, c1, taps in
            for s in 0..<length {
                let dInRow = dInput + (b * length + s) * channels
                for c in stride(from: c0, to: c1, by: lanes) {
                    let n = min(lanes, c1 - c)
                    var sum = overwritingInput ? .zero : VectorMath.load(dInRow + c, n)
                    for j in 0..<kernelSize where s + kernelSize - 1 - j < length {
                        let row = dOutput + (b * length + s + kernelSize - 1 - j) * channels
                        sum = VectorMath.fma(
                            VectorMath.load(taps + j * channels + c, n), VectorMath.load(row + c, n), sum)
                    }
                    VectorMath.store(sum, dInRow + c, n)
                }
            }
        }
        // dWeight, dBias: reductions over (batch, time) into per-tap vectors, one 16-channel tile
        // per work item (each lane sums over (b, t) in order). The last k inputs of the tile wait
        // in a ring, so each step loads one input row and one dOutput row.
        let tiles = (channels + lanes - 1) / lanes
        Parallel.forEach(tiles, costPerItem: batch * length * lanes * kernelSize) { tile in
            let c = tile * lanes, n = min(lanes, channels - c)
            withUnsafeTemporaryAllocation(of: Vector.self, capacity: 2 * kernelSize) { sums in
                let tapSums = sums.baseAddress!, recent = tapSums + kernelSize  // recent[t % k] = input[t]
                tapSums.initialize(repeating: .zero, count: kernelSize)
                var biasSum = Vector.zero
                for b in 0..<batch {
                    var slot = 0  // t % k
                    for t in 0..<length {
                        recent[slot] = VectorMath.load(input + (b * length + t) * channels + c, n)
                        let dOut = VectorMath.load(dOutput + (b * length + t) * channels + c, n)
                        biasSum += dOut
                        // Tap j reads input[t − (k−1) + j], kept at slot (t + 1 + j) mod k.
                        for j in max(0, kernelSize - 1 - t)..<kernelSize {
                            var source = slot + 1 + j
                            if source >= kernelSize { source -= kernelSize }  // < 2k
                            tapSums[j] = VectorMath.fma(dOut, recent[source], tapSums[j])
                        }
                        slot = slot + 1 == kernelSize ? 0 : slot + 1
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
