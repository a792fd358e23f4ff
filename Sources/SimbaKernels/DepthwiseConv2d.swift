// Depthwise 3×3 convolution of NHWC images, stride 1, zero padding 1, with bias (PyTorch
// `nn.Conv2d(C, C, 3, 1, 1, groups=C)`), forward and backward. No other kernel size, stride or padding.

import SimbaRuntime

/// `nn.Conv2d(channels, channels, 3, stride 1, padding 1, groups channels, bias)` on NHWC data:
/// y[b, y, x, c] = bias[c] + Σ_{ky, kx ∈ 0..<3} W[c, 0, ky, kx] · in[b, y + ky − 1, x + kx − 1, c],
/// with in = 0 outside the image; output has the input's shape.
///
/// Every pass walks image rows in channel tiles (one vector each) with a sliding 3×3 window:
/// per pixel it loads the three vectors of the window's new column and keeps the other six in
/// registers; rows and columns outside the image read as zero vectors, so the loop has no bounds
/// tests. Forward and dInput (the same correlation with the kernel rotated by 180°) run in
/// parallel over batch·height rows, in tiles of `SweepVector` (16 channels with AVX-512's 32
/// registers, 8 otherwise: the 9 window vectors and 9 weight vectors of a 16-channel tile would not
/// fit in 16 AVX registers); dWeight and dBias in parallel over 16-channel tiles. No scratch.
public enum DepthwiseConv2d {
    typealias Vector = VectorMath.Vector
    #if SIMBA_KERNELS_AVX512
        typealias SweepVector = SIMD16<Float>
    #else
        typealias SweepVector = SIMD8<Float>
    #endif
    static let taps = 9

    public static func forward(
        output: UnsafeMutablePointer<Float>,  // (batch, height, width, channels)
        input: UnsafePointer<Float>,  // (batch, height, width, channels)
        weight: UnsafePointer<Float>,  // (channels, 1, 3, 3)
        bias: UnsafePointer<Float>,  // (channels)
        batch: Int, height: Int, width: Int, channels: Int
    ) {
        let image = Image(height: height, width: width, channels: channels)
        Parallel.forEach(batch * height, costPerItem: 2 * taps * width * channels) { item in
            let b = item / height, y = item % height
            forEachTile(channels: channels, weight: weight, rotated: false) { (start, count, w: Window<SweepVector>) in
                let bias: SweepVector = load(bias + start, count)
                let row = output + image.offset(b, y, 0) + start
                slide(image.window(input, b, y, start), width: width, count: count) { x, window in
                    store(window.weightedSum(w, plus: bias), row + x * channels, count)
                }
            }
        }
    }

    /// dx[b, y, x, c] += Σ_{ky, kx} dy[b, y − ky + 1, x − kx + 1, c] · W[c, 0, ky, kx] (parallel over
    /// batch·height rows: the forward's correlation of dy with the rotated kernel),
    /// dWeight[c, 0, ky, kx] += Σ_{b, y, x} dy[b, y, x, c] · in[b, y + ky − 1, x + kx − 1, c] and
    /// dBias[c] += Σ dy (parallel over 16-channel tiles: float sums per image row, added into float
    /// sums per image, added into double accumulators). With `overwritingInput`, dx = … instead of
    /// +=: for a dInput buffer that holds nothing yet, without zeroing it first.
    public static func backward(
        dInput: UnsafeMutablePointer<Float>,  // (batch, height, width, channels), += (= if overwritingInput)
        dWeight: UnsafeMutablePointer<Float>,  // (channels, 1, 3, 3), +=
        dBias: UnsafeMutablePointer<Float>,  // (channels), +=
        dOutput: UnsafePointer<Float>,  // (batch, height, width, channels)
        input: UnsafePointer<Float>,  // (batch, height, width, channels)
        weight: UnsafePointer<Float>,  // (channels, 1, 3, 3)
        batch: Int, height: Int, width: Int, channels: Int, overwritingInput: Bool = false
    ) {
        let image = Image(height: height, width: width, channels: channels)
        Parallel.forEach(batch * height, costPerItem: 2 * taps * width * channels) { item in
            let b = item / height, y = item % height
            forEachTile(channels: channels, weight: weight, rotated: true) { (start, count, w: Window<SweepVector>) in
                let row = dInput + image.offset(b, y, 0) + start
                slide(image.window(dOutput, b, y, start), width: width, count: count) { x, window in
                    let dx = row + x * channels
                    let previous: SweepVector = overwritingInput ? .zero : load(dx, count)
                    store(window.weightedSum(w, plus: previous), dx, count)
                }
            }
        }
        ChannelTiles.forEach(
            channels: channels, sumsPerChannel: taps + 1,
            costPerTile: 2 * (taps + 1) * ChannelTiles.width * batch * height * width
        ) { start, count, sums in
            var imageSums = Window<Vector>.zero, imageBias = Vector.zero
            for b in 0..<batch {
                for y in 0..<height {
                    let dyRow = dOutput + image.offset(b, y, 0) + start
                    var rowSums = Window<Vector>.zero, rowBias = Vector.zero
                    slide(image.window(input, b, y, start), width: width, count: count) { (x, window: Window<Vector>) in
                        let dy = VectorMath.load(dyRow + x * channels, count)
                        rowSums.addProducts(window, dy)
                        rowBias += dy
                    }
                    imageSums.add(rowSums)
                    imageBias += rowBias
                }
                for tap in 0..<taps {
                    for c in 0..<count { sums[tap * ChannelTiles.width + c] += Double(imageSums[tap][c]) }
                }
                for c in 0..<count { sums[taps * ChannelTiles.width + c] += Double(imageBias[c]) }
                imageSums = .zero
                imageBias = .zero
            }
            for c in 0..<count {
                for tap in 0..<taps { dWeight[(start + c) * taps + tap] += Float(sums[tap * ChannelTiles.width + c]) }
                dBias[start + c] += Float(sums[taps * ChannelTiles.width + c])
            }
        }
    }

    /// Offsets into an NHWC tensor, and the three rows of its 3×3 windows around a row.
    struct Image {
        let height: Int, width: Int, channels: Int

        func offset(_ b: Int, _ y: Int, _ x: Int) -> Int { ((b * height + y) * width + x) * channels }

        /// Rows y − 1, y, y + 1 of image b from channel `start`, each as (pointer, pixel step);
        /// a row outside the image is the zero vector with step 0.
        func window(_ tensor: UnsafePointer<Float>, _ b: Int, _ y: Int, _ start: Int) -> Rows {
            func row(_ iy: Int) -> (UnsafePointer<Float>, Int) {
                iy >= 0 && iy < height ? (tensor + offset(b, iy, 0) + start, channels) : (Rows.zeros, 0)
            }
            return Rows(above: row(y - 1), center: row(y), below: row(y + 1))
        }
    }

    /// Three image rows of one channel tile; `column(x, count)` is the window column at x
    /// (the zero vector outside 0..<width is the caller's business).
    struct Rows {
        /// One vector of zeros, never freed.
        nonisolated(unsafe) static let zeros: UnsafePointer<Float> = {
            let zeros = UnsafeMutablePointer<Float>.allocate(capacity: Vector.scalarCount)
            zeros.initialize(repeating: 0, count: Vector.scalarCount)
            return UnsafePointer(zeros)
        }()
        let above: (UnsafePointer<Float>, Int), center: (UnsafePointer<Float>, Int), below: (UnsafePointer<Float>, Int)

        @inline(__always) func column<V: SIMD>(_ x: Int, _ count: Int) -> (V, V, V) where V.Scalar == Float {
            (
                load(above.0 + x * above.1, count), load(center.0 + x * center.1, count),
                load(below.0 + x * below.1, count)
            )
        }
    }

    /// The nine input vectors under a 3×3 kernel, `tap` = ky·3 + kx.
    struct Window<V: SIMD> where V.Scalar == Float {
        var v0, v1, v2, v3, v4, v5, v6, v7, v8: V

        static var zero: Window {
            Window(v0: .zero, v1: .zero, v2: .zero, v3: .zero, v4: .zero, v5: .zero, v6: .zero, v7: .zero, v8: .zero)
        }

        subscript(tap: Int) -> V {
            switch tap {
            case 0: v0
            case 1: v1
            case 2: v2
            case 3: v3
            case 4: v4
            case 5: v5
            case 6: v6
            case 7: v7
            default: v8
            }
        }

        /// initial + Σ_tap w[tap]·v_tap, in tap order.
        @inline(__always) func weightedSum(_ w: Window, plus initial: V) -> V {
            var sum = VectorMath.fma(v0, w.v0, initial)
            sum = VectorMath.fma(v1, w.v1, sum); sum = VectorMath.fma(v2, w.v2, sum)
            sum = VectorMath.fma(v3, w.v3, sum); sum = VectorMath.fma(v4, w.v4, sum)
            sum = VectorMath.fma(v5, w.v5, sum); sum = VectorMath.fma(v6, w.v6, sum)
            sum = VectorMath.fma(v7, w.v7, sum); sum = VectorMath.fma(v8, w.v8, sum)
            return sum
        }

        /// self_tap += window_tap · factor for every tap.
        @inline(__always) mutating func addProducts(_ window: Window, _ factor: V) {
            v0 = VectorMath.fma(window.v0, factor, v0); v1 = VectorMath.fma(window.v1, factor, v1)
            v2 = VectorMath.fma(window.v2, factor, v2); v3 = VectorMath.fma(window.v3, factor, v3)
            v4 = VectorMath.fma(window.v4, factor, v4); v5 = VectorMath.fma(window.v5, factor, v5)
            v6 = VectorMath.fma(window.v6, factor, v6); v7 = VectorMath.fma(window.v7, factor, v7)
            v8 = VectorMath.fma(window.v8, factor, v8)
        }

        @inline(__always) mutating func add(_ other: Window) {
            v0 += other.v0; v1 += other.v1; v2 += other.v2; v3 += other.v3; v4 += other.v4
            v5 += other.v5; v6 += other.v6; v7 += other.v7; v8 += other.v8
        }
    }

    /// Calls `body(x, window)` for x in 0..<width with the 3×3 window of `rows` centred on column
    /// x, sliding: each step loads one new column.
    @inline(__always)
    private static func slide<V: SIMD>(
        _ rows: Rows, width: Int, count: Int, _ body: (Int, Window<V>) -> Void
    ) where V.Scalar == Float {
        var left = (V.zero, V.zero, V.zero)
        var center: (V, V, V) = rows.column(0, count)
        for x in 0..<width {
            let right: (V, V, V) = x + 1 < width ? rows.column(x + 1, count) : (V.zero, V.zero, V.zero)
            body(
                x,
                Window(
                    v0: left.0, v1: center.0, v2: right.0,
                    v3: left.1, v4: center.1, v5: right.1,
                    v6: left.2, v7: center.2, v8: right.2))
            left = center
            center = right
        }
    }

    /// Runs `body(start, count, tileWeight)` for each tile of V.scalarCount channels in turn, with
    /// the tile's taps as vectors: tap t of the window is W[start + c, 0, t] (or W[start + c, 0, 8 − t]
    /// when `rotated`, the kernel turned by 180°), lanes past `count` 0.
    @inline(__always)
    private static func forEachTile<V: SIMD>(
        channels: Int, weight: UnsafePointer<Float>, rotated: Bool,
        _ body: (_ start: Int, _ count: Int, _ tileWeight: Window<V>) -> Void
    ) where V.Scalar == Float {
        for start in stride(from: 0, to: channels, by: V.scalarCount) {
            let count = min(V.scalarCount, channels - start)
            func tap(_ t: Int) -> V {
                var v = V.zero
                for c in 0..<count { v[c] = weight[(start + c) * taps + (rotated ? taps - 1 - t : t)] }
                return v
            }
            body(
                start, count,
                Window(
                    v0: tap(0), v1: tap(1), v2: tap(2), v3: tap(3), v4: tap(4), v5: tap(5), v6: tap(6), v7: tap(7),
                    v8: tap(8)))
        }
    }

    // MARK: Vectors of any width

    /// `count` floats from `p` (lanes at or past `count` read as 0).
    @inline(__always)
    static func load<V: SIMD>(_ p: UnsafePointer<Float>, _ count: Int) -> V where V.Scalar == Float {
        if count == V.scalarCount { return UnsafeRawPointer(p).loadUnaligned(as: V.self) }
        var v = V.zero
        for i in 0..<count { v[i] = p[i] }
        return v
    }

    /// The first `count` lanes of `v` to `p`.
    @inline(__always)
    static func store<V: SIMD>(_ v: V, _ p: UnsafeMutablePointer<Float>, _ count: Int) where V.Scalar == Float {
        if count == V.scalarCount { UnsafeMutableRawPointer(p).storeBytes(of: v, as: V.self); return }
        for i in 0..<count { p[i] = v[i] }
    }
}
