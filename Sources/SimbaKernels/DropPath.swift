// Stochastic depth (timm `drop_path`, training mode): one keep/drop decision per sample, scaling
// the whole residual branch of that sample. It does not add the residual; evaluation skips it.

import SimbaRuntime

/// timm `drop_path(x, p, training=True, scale_by_keep=True)`: y[b, …] = x[b, …]·mask[b] with
/// mask[b] = 1/(1 − p) with probability 1 − p and 0 otherwise.
///
/// A sample is a contiguous row of `rowSize` floats (tokens·channels for (batch, tokens, channels)).
/// The draws come from simba's generator, so masks are not PyTorch's; the distribution is.
public enum DropPath {
    /// Fills `mask` (one entry per sample) with 0 or 1/(1 − p). p = 0 gives all ones and draws
    /// nothing (timm returns x unchanged); p = 1 gives all zeros (timm skips the division).
    public static func makeMask(
        mask: UnsafeMutablePointer<Float>,  // (batch)
        batch: Int, probability: Float, generator: inout RandomGenerator
    ) {
        Dropout.makeMask(mask: mask, count: batch, probability: probability, generator: &generator)
    }

    /// y[b, j] = x[b, j]·mask[b]. `output` may alias `input`.
    public static func forward(
        output: UnsafeMutablePointer<Float>,  // (batch, rowSize)
        input: UnsafePointer<Float>,  // (batch, rowSize)
        mask: UnsafePointer<Float>,  // (batch), from makeMask
        batch: Int, rowSize: Int
    ) {
        precondition(rowSize > 0, "DropPath rowSize must be positive")
        Parallel.forEachRange(batch * rowSize) { range in
            forEachRow(range, rowSize: rowSize) { rows, b in
                let scale = mask[b]
                for i in rows { output[i] = input[i] * scale }
            }
        }
    }

    /// dInput[b, j] += dOutput[b, j]·mask[b]. `dInput` must not alias `dOutput`.
    public static func backward(
        dInput: UnsafeMutablePointer<Float>,  // (batch, rowSize), +=
        dOutput: UnsafePointer<Float>,  // (batch, rowSize)
        mask: UnsafePointer<Float>,  // (batch), the forward mask
        batch: Int, rowSize: Int
    ) {
        precondition(rowSize > 0, "DropPath rowSize must be positive")
        Parallel.forEachRange(batch * rowSize) { range in
            forEachRow(range, rowSize: rowSize) { rows, b in
                let scale = mask[b]
                for i in rows { dInput[i] += dOutput[i] * scale }
            }
        }
    }

    /// Splits a flat element range into its pieces within each sample: body(piece, sample).
    @inline(__always)
    private static func forEachRow(_ range: Range<Int>, rowSize: Int, _ body: (Range<Int>, Int) -> Void) {
        var start = range.lowerBound
        while start < range.upperBound {
            let b = start / rowSize
            let end = min(range.upperBound, (b + 1) * rowSize)
            body(start..<end, b)
            start = end
        }
    }
}
