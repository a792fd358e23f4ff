// Depthwise 3×3 convolution of NHWC images, stride 1, zero padding 1, with bias (PyTorch
// `nn.Conv2d(C, C, 3, 1, 1, groups=C)`), forward and backward. No other kernel size, stride or padding.

/// `nn.Conv2d(channels, channels, 3, stride 1, padding 1, groups channels, bias)` on NHWC data:
/// y[b, y, x, c] = bias[c] + Σ_{ky, kx ∈ 0..<3} W[c, 0, ky, kx] · in[b, y + ky − 1, x + kx − 1, c],
/// with in = 0 outside the image; output has the input's shape.
///
/// Forward and dInput run in parallel over batch·height rows; within a row, channels go in tiles of
/// 16 whose 3×3 taps are first copied to a (9, 16) block on the stack, so the innermost loop runs
/// over contiguous channels of input, output and weight alike. No scratch.
public enum DepthwiseConv2d {
    static let taps = 9

    public static func forward(
        output: UnsafeMutablePointer<Float>,        // (batch, height, width, channels)
        input: UnsafePointer<Float>,                // (batch, height, width, channels)
        weight: UnsafePointer<Float>,               // (channels, 1, 3, 3)
        bias: UnsafePointer<Float>,                 // (channels)
        batch: Int, height: Int, width: Int, channels: Int
    ) {
        Parallel.forEach(batch * height, costPerItem: 2 * taps * width * channels) { item in
            let b = item / height, y = item % height
            forEachTile(channels: channels, weight: weight) { start, count, tileWeight in
                for x in 0..<width {
                    let out = output + ((b * height + y) * width + x) * channels + start
                    for c in 0..<count { out[c] = bias[start + c] }
                    for ky in 0..<3 {
                        let iy = y + ky - 1
                        guard iy >= 0 && iy < height else { continue }
                        for kx in 0..<3 {
                            let ix = x + kx - 1
                            guard ix >= 0 && ix < width else { continue }
                            let source = input + ((b * height + iy) * width + ix) * channels + start
                            let w = tileWeight + (ky * 3 + kx) * ChannelTiles.width
                            for c in 0..<count { out[c] += source[c] * w[c] }
                        }
                    }
                }
            }
        }
    }

    /// dx[b, y, x, c] += Σ_{ky, kx} dy[b, y − ky + 1, x − kx + 1, c] · W[c, 0, ky, kx] (parallel over
    /// batch·height), dWeight[c, 0, ky, kx] += Σ_{b, y, x} dy[b, y, x, c] · in[b, y + ky − 1, x + kx − 1, c]
    /// and dBias[c] += Σ dy (parallel over 16-channel tiles, double accumulators).
    public static func backward(
        dInput: UnsafeMutablePointer<Float>,        // (batch, height, width, channels), +=
        dWeight: UnsafeMutablePointer<Float>,       // (channels, 1, 3, 3), +=
        dBias: UnsafeMutablePointer<Float>,         // (channels), +=
        dOutput: UnsafePointer<Float>,              // (batch, height, width, channels)
        input: UnsafePointer<Float>,                // (batch, height, width, channels)
        weight: UnsafePointer<Float>,               // (channels, 1, 3, 3)
        batch: Int, height: Int, width: Int, channels: Int
    ) {
        Parallel.forEach(batch * height, costPerItem: 2 * taps * width * channels) { item in
            let b = item / height, y = item % height
            forEachTile(channels: channels, weight: weight) { start, count, tileWeight in
                for x in 0..<width {
                    let dx = dInput + ((b * height + y) * width + x) * channels + start
                    for ky in 0..<3 {
                        let oy = y - ky + 1
                        guard oy >= 0 && oy < height else { continue }
                        for kx in 0..<3 {
                            let ox = x - kx + 1
                            guard ox >= 0 && ox < width else { continue }
                            let dy = dOutput + ((b * height + oy) * width + ox) * channels + start
                            let w = tileWeight + (ky * 3 + kx) * ChannelTiles.width
                            for c in 0..<count { dx[c] += dy[c] * w[c] }
                        }
                    }
                }
            }
        }
        let pixels = batch * height * width
        ChannelTiles.forEach(
            channels: channels, sumsPerChannel: taps + 1, costPerTile: 2 * (taps + 1) * ChannelTiles.width * pixels
        ) { start, count, sums in
            let sumBias = sums + taps * ChannelTiles.width
            for b in 0..<batch {
                for y in 0..<height {
                    for x in 0..<width {
                        let dy = dOutput + ((b * height + y) * width + x) * channels + start
                        for c in 0..<count { sumBias[c] += Double(dy[c]) }
                        for ky in 0..<3 {
                            let iy = y + ky - 1
                            guard iy >= 0 && iy < height else { continue }
                            for kx in 0..<3 {
                                let ix = x + kx - 1
                                guard ix >= 0 && ix < width else { continue }
                                let source = input + ((b * height + iy) * width + ix) * channels + start
                                let sum = sums + (ky * 3 + kx) * ChannelTiles.width
                                for c in 0..<count { sum[c] += Double(dy[c] * source[c]) }
                            }
                        }
                    }
                }
            }
            for c in 0..<count {
                for tap in 0..<taps { dWeight[(start + c) * taps + tap] += Float(sums[tap * ChannelTiles.width + c]) }
                dBias[start + c] += Float(sumBias[c])
            }
        }
    }

    /// Runs `body(start, count, tileWeight)` for each 16-channel tile in turn, with the tile's taps
    /// transposed to tileWeight[tap·16 + c] = W[start + c, 0, tap] on the stack.
    private static func forEachTile(
        channels: Int, weight: UnsafePointer<Float>,
        _ body: (_ start: Int, _ count: Int, _ tileWeight: UnsafePointer<Float>) -> Void
    ) {
        withUnsafeTemporaryAllocation(of: Float.self, capacity: taps * ChannelTiles.width) { scratch in
            let tileWeight = scratch.baseAddress!
            for start in stride(from: 0, to: channels, by: ChannelTiles.width) {
                let count = min(ChannelTiles.width, channels - start)
                for c in 0..<count {
                    for tap in 0..<taps { tileWeight[tap * ChannelTiles.width + c] = weight[(start + c) * taps + tap] }
                }
                body(start, count, tileWeight)
            }
        }
    }

    /// Plain loops over every output element, the twin the tiled forward is tested against.
    public static func referenceForward(
        output: UnsafeMutablePointer<Float>,        // (batch, height, width, channels)
        input: UnsafePointer<Float>,                // (batch, height, width, channels)
        weight: UnsafePointer<Float>,               // (channels, 1, 3, 3)
        bias: UnsafePointer<Float>,                 // (channels)
        batch: Int, height: Int, width: Int, channels: Int
    ) {
        for b in 0..<batch {
            for y in 0..<height {
                for x in 0..<width {
                    for c in 0..<channels {
                        var sum = Double(bias[c])
                        for ky in 0..<3 {
                            for kx in 0..<3 {
                                let iy = y + ky - 1, ix = x + kx - 1
                                guard iy >= 0 && iy < height && ix >= 0 && ix < width else { continue }
                                sum += Double(weight[c * taps + ky * 3 + kx])
                                    * Double(input[((b * height + iy) * width + ix) * channels + c])
                            }
                        }
                        output[((b * height + y) * width + x) * channels + c] = Float(sum)
                    }
                }
            }
        }
    }
}
