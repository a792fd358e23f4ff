// Pooling over the token axis: mean (the class token, the mean of the last stage's tokens) and max
// with saved indices (token labelling's aux logits). No pooling over spatial windows.

import SimbaRuntime

/// `x.mean(dim=1)`: (batch, tokens, channels) → (batch, channels),
/// y[b, c] = (Σ_t x[b, t, c]) / tokens; backward dx[b, t, c] += dy[b, c] / tokens.
public enum MeanPool {
    public static func forward(
        output: UnsafeMutablePointer<Float>,  // (batch, channels)
        input: UnsafePointer<Float>,  // (batch, tokens, channels)
        batch: Int, tokens: Int, channels: Int
    ) {
        precondition(tokens > 0, "MeanPool needs at least one token")
        let count = Float(tokens)
        Parallel.forEach(batch, costPerItem: tokens * channels) { b in
            let y = output + b * channels
            let x = input + b * tokens * channels
            y.update(from: x, count: channels)
            for t in 1..<tokens {
                let row = x + t * channels
                for c in 0..<channels { y[c] += row[c] }
            }
            for c in 0..<channels { y[c] /= count }
        }
    }

    public static func backward(
        dInput: UnsafeMutablePointer<Float>,  // (batch, tokens, channels), +=
        dOutput: UnsafePointer<Float>,  // (batch, channels)
        batch: Int, tokens: Int, channels: Int
    ) {
        let count = Float(tokens)
        Parallel.forEach(batch, costPerItem: tokens * channels) { b in
            let dy = dOutput + b * channels
            let dx = dInput + b * tokens * channels
            for t in 0..<tokens {
                let row = dx + t * channels
                for c in 0..<channels { row[c] += dy[c] / count }
            }
        }
    }
}

/// `torch.max(x, dim=1)` over tokens: (batch, tokens, channels) → values (batch, channels) and
/// indices (batch, channels), Int32 token indices in 0..<tokens.
///
/// Ties go to the FIRST maximal token (torch.max's documented choice); a NaN wins over any number
/// and the first NaN is kept (torch.max propagates NaN). Backward sends dy[b, c] to the saved
/// index only, as PyTorch's max backward (a scatter at the returned indices) does.
///
/// Sample b starts at `input + b·sampleStride` (default tokens·channels), so a caller can pool the
/// patch tokens of a (batch, 1 + tokens, channels) array that begins with a class token by passing
/// `input + channels` and `sampleStride: (1 + tokens)·channels`; backward takes the same stride.
public enum MaxPool {
    public static func forward(
        output: UnsafeMutablePointer<Float>,  // (batch, channels)
        indices: UnsafeMutablePointer<Int32>,  // (batch, channels), saved for backward
        input: UnsafePointer<Float>,  // (batch, tokens, channels), samples sampleStride apart
        batch: Int, tokens: Int, channels: Int, sampleStride: Int? = nil
    ) {
        precondition(tokens > 0 && tokens <= Int(Int32.max), "MaxPool token count \(tokens) out of range")
        let stride = sampleStride ?? tokens * channels
        precondition(stride >= tokens * channels, "MaxPool sampleStride \(stride) overlaps samples")
        Parallel.forEach(batch, costPerItem: tokens * channels) { b in
            let y = output + b * channels
            let index = indices + b * channels
            let x = input + b * stride
            y.update(from: x, count: channels)
            index.update(repeating: 0, count: channels)
            for t in 1..<tokens {
                let row = x + t * channels
                for c in 0..<channels where row[c] > y[c] || (row[c].isNaN && !y[c].isNaN) {
                    y[c] = row[c]
                    index[c] = Int32(t)
                }
            }
        }
    }

    public static func backward(
        dInput: UnsafeMutablePointer<Float>,  // (batch, tokens, channels), +=, samples sampleStride apart
        dOutput: UnsafePointer<Float>,  // (batch, channels)
        indices: UnsafePointer<Int32>,  // (batch, channels), from forward
        batch: Int, tokens: Int, channels: Int, sampleStride: Int? = nil
    ) {
        let stride = sampleStride ?? tokens * channels
        precondition(stride >= tokens * channels, "MaxPool sampleStride \(stride) overlaps samples")
        Parallel.forEach(batch, costPerItem: channels) { b in
            let dy = dOutput + b * channels
            let index = indices + b * channels
            let dx = dInput + b * stride
            for c in 0..<channels { dx[Int(index[c]) * channels + c] += dy[c] }
        }
    }
}
