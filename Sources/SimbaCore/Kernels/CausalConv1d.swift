// Causal depthwise 1-D convolution over the token axis of channels-last input (Mamba's `conv1d`
// with left padding k−1, output truncated to the input length), forward and backward. No activation.

/// Mamba's `nn.Conv1d(C, C, k, groups: C, padding: k−1)(x)[..., :L]` on channels-last data:
///
///     output[b, t, c] = bias[c] + Σ_{j<k} weight[c, 0, j] · input[b, t − (k−1) + j, c]
///
/// with input at negative times taken as zero, so output t sees inputs t−k+1 … t.
/// Input and output are (batch, length, channels) row-major; weight keeps PyTorch's (C, 1, k).
public enum CausalConv1d {
    /// Channels per parallel work item: wide enough for vector loads, narrow enough to split C.
    static let channelBlock = 64

    public static func forward(
        output: UnsafeMutablePointer<Float>,        // (batch, length, channels)
        input: UnsafePointer<Float>,                // (batch, length, channels)
        weight: UnsafePointer<Float>,               // (channels, 1, kernelSize)
        bias: UnsafePointer<Float>,                 // (channels)
        batch: Int, length: Int, channels: Int, kernelSize: Int
    ) {
        precondition(batch >= 0 && length >= 0 && channels > 0 && kernelSize > 0, "CausalConv1d sizes")
        let blocks = (channels + channelBlock - 1) / channelBlock
        Parallel.forEach(batch * blocks, costPerItem: length * channelBlock * kernelSize) { item in
            let b = item / blocks
            let c0 = (item % blocks) * channelBlock, c1 = min(c0 + channelBlock, channels)
            for t in 0..<length {
                let out = output + (b * length + t) * channels
                for c in c0..<c1 { out[c] = bias[c] }
                for j in max(0, kernelSize - 1 - t)..<kernelSize {
                    let row = input + (b * length + t - (kernelSize - 1) + j) * channels
                    for c in c0..<c1 { out[c] += weight[c * kernelSize + j] * row[c] }
                }
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
        let blocks = (channels + channelBlock - 1) / channelBlock
        // dInput: each (batch, channel block) item owns its slice.
        Parallel.forEach(batch * blocks, costPerItem: length * channelBlock * kernelSize) { item in
            let b = item / blocks
            let c0 = (item % blocks) * channelBlock, c1 = min(c0 + channelBlock, channels)
            for s in 0..<length {
                let dIn = dInput + (b * length + s) * channels
                for j in 0..<kernelSize where s + kernelSize - 1 - j < length {
                    let row = dOutput + (b * length + s + kernelSize - 1 - j) * channels
                    for c in c0..<c1 { dIn[c] += weight[c * kernelSize + j] * row[c] }
                }
            }
        }
        // dWeight, dBias: reductions over (batch, time), so each item owns a channel block.
        Parallel.forEach(blocks, costPerItem: batch * length * channelBlock * kernelSize) { block in
            let c0 = block * channelBlock, c1 = min(c0 + channelBlock, channels)
            for b in 0..<batch {
                for t in 0..<length {
                    let dOut = dOutput + (b * length + t) * channels
                    for c in c0..<c1 { dBias[c] += dOut[c] }
                    for j in max(0, kernelSize - 1 - t)..<kernelSize {
                        let row = input + (b * length + t - (kernelSize - 1) + j) * channels
                        for c in c0..<c1 { dWeight[c * kernelSize + j] += dOut[c] * row[c] }
                    }
                }
            }
        }
    }
}
