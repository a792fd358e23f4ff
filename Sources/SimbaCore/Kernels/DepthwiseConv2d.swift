// Depthwise 3×3 convolution of NHWC images, stride 1, zero padding 1, with bias (PyTorch
// `nn.Conv2d(C, C, 3, 1, 1, groups=C)`), forward and backward. No other kernel size, stride or padding.

/// `nn.Conv2d(channels, channels, 3, stride 1, padding 1, groups channels, bias)` on NHWC data:
/// y[b, y, x, c] = bias[c] + Σ_{ky, kx ∈ 0..<3} W[c, 0, ky, kx] · in[b, y + ky − 1, x + kx − 1, c],
/// with in = 0 outside the image; output has the input's shape.
///
/// Forward and dInput run in parallel over batch·height rows; within a row, channels go in tiles of
/// 16 (one SIMD16 vector) whose 3×3 taps are first copied to nine vectors on the stack, so every
/// operand is one contiguous vector load. No scratch.
public enum DepthwiseConv2d {
    typealias Vector = VectorMath.Vector
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
                let bias = VectorMath.load(bias + start, count)
                for x in 0..<width {
                    var sum = bias
                    for ky in 0..<3 {
                        let iy = y + ky - 1
                        guard iy >= 0 && iy < height else { continue }
                        for kx in 0..<3 {
                            let ix = x + kx - 1
                            guard ix >= 0 && ix < width else { continue }
                            let source = input + ((b * height + iy) * width + ix) * channels + start
                            sum = VectorMath.fma(VectorMath.load(source, count), tileWeight[ky * 3 + kx], sum)
                        }
                    }
                    VectorMath.store(sum, output + ((b * height + y) * width + x) * channels + start, count)
                }
            }
        }
    }

    /// dx[b, y, x, c] += Σ_{ky, kx} dy[b, y − ky + 1, x − kx + 1, c] · W[c, 0, ky, kx] (parallel over
    /// batch·height), dWeight[c, 0, ky, kx] += Σ_{b, y, x} dy[b, y, x, c] · in[b, y + ky − 1, x + kx − 1, c]
    /// and dBias[c] += Σ dy (parallel over 16-channel tiles: one float vector sum per tap and image
    /// row, added into double accumulators).
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
                    var sum = VectorMath.load(dx, count)
                    for ky in 0..<3 {
                        let oy = y - ky + 1
                        guard oy >= 0 && oy < height else { continue }
                        for kx in 0..<3 {
                            let ox = x - kx + 1
                            guard ox >= 0 && ox < width else { continue }
                            let dy = dOutput + ((b * height + oy) * width + ox) * channels + start
                            sum = VectorMath.fma(VectorMath.load(dy, count), tileWeight[ky * 3 + kx], sum)
                        }
                    }
                    VectorMath.store(sum, dx, count)
                }
            }
        }
        let pixels = batch * height * width
        ChannelTiles.forEach(
            channels: channels, sumsPerChannel: taps + 1, costPerTile: 2 * (taps + 1) * ChannelTiles.width * pixels
        ) { start, count, sums in
            let sumBias = sums + taps * ChannelTiles.width
            func accumulate(_ rowSum: Vector, into target: UnsafeMutablePointer<Double>) {
                for c in 0..<count { target[c] += Double(rowSum[c]) }
            }
            for b in 0..<batch {
                for y in 0..<height {
                    let dyRow = dOutput + (b * height + y) * width * channels + start
                    var biasRow = Vector.zero
                    for x in 0..<width { biasRow += VectorMath.load(dyRow + x * channels, count) }
                    accumulate(biasRow, into: sumBias)
                    for ky in 0..<3 {
                        let iy = y + ky - 1
                        guard iy >= 0 && iy < height else { continue }
                        let inRow = input + (b * height + iy) * width * channels + start
                        for kx in 0..<3 {
                            // Output columns x whose tap column x + kx − 1 is inside the image.
                            var tapRow = Vector.zero
                            for x in max(0, 1 - kx)..<min(width, width + 1 - kx) {
                                tapRow = VectorMath.fma(
                                    VectorMath.load(dyRow + x * channels, count),
                                    VectorMath.load(inRow + (x + kx - 1) * channels, count), tapRow)
                            }
                            accumulate(tapRow, into: sums + (ky * 3 + kx) * ChannelTiles.width)
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
    /// as vectors: tileWeight[tap][c] = W[start + c, 0, tap] (lanes past `count` 0), on the stack.
    private static func forEachTile(
        channels: Int, weight: UnsafePointer<Float>,
        _ body: (_ start: Int, _ count: Int, _ tileWeight: UnsafePointer<Vector>) -> Void
    ) {
        withUnsafeTemporaryAllocation(of: Vector.self, capacity: taps) { scratch in
            let tileWeight = scratch.baseAddress!
            for start in stride(from: 0, to: channels, by: ChannelTiles.width) {
                let count = min(ChannelTiles.width, channels - start)
                for tap in 0..<taps {
                    var v = Vector.zero
                    for c in 0..<count { v[c] = weight[(start + c) * taps + tap] }
                    tileWeight[tap] = v
                }
                body(start, count, UnsafePointer(tileWeight))
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
