// Per-channel sums over many rows, in parallel over 16-channel tiles with double-precision
// accumulators on each worker's stack: the shared skeleton of the norm and conv reductions, and
// the plain column sum that is every bias gradient.

import SimbaRuntime

/// Splits `channels` into tiles of `width` contiguous channels and hands each tile, with zeroed
/// double accumulators, to one worker.
///
/// A tile is one 64-byte cache line of floats, so sweeping all rows of a tile reads whole lines and
/// different workers never write the same line. No heap allocation: the accumulators
/// (`sumsPerChannel · width` doubles, at most a few KB) live on the worker's stack.
enum ChannelTiles {
    static let width = 16

    /// Runs `body(start, count, sums)` for every tile in parallel: channels `start..<start + count`,
    /// `sums` laid out (sumsPerChannel, width) and zeroed. `costPerTile` sizes the parallel split.
    static func forEach(
        channels: Int, sumsPerChannel: Int, costPerTile: Int,
        _ body: (_ start: Int, _ count: Int, _ sums: UnsafeMutablePointer<Double>) -> Void
    ) {
        let tiles = (channels + width - 1) / width
        Parallel.forEach(tiles, costPerItem: costPerTile) { tile in
            let start = tile * width
            withUnsafeTemporaryAllocation(of: Double.self, capacity: sumsPerChannel * width) { scratch in
                let sums = scratch.baseAddress!
                sums.initialize(repeating: 0, count: sumsPerChannel * width)
                body(start, min(width, channels - start), sums)
            }
        }
    }

    /// sums[c] += Σ_r matrix[r, c] for a (rows, channels) matrix: the bias gradient of a layer
    /// whose bias is added to every row (Linear, Conv2d), in parallel over tiles.
    static func addColumnSums(
        _ sums: UnsafeMutablePointer<Float>,  // (channels), +=
        of matrix: UnsafePointer<Float>,  // (rows, channels)
        rows: Int, channels: Int
    ) {
        forEach(channels: channels, sumsPerChannel: 1, costPerTile: width * rows) { start, count, partial in
            var total = DoubleLanes()
            for r in 0..<rows { total.add(VectorMath.load(matrix + r * channels + start, count)) }
            total.add(to: partial)
            for c in 0..<count { sums[start + c] += Float(partial[c]) }
        }
    }
}

/// Sixteen double-precision sums, one per lane of a tile: `add` widens each float lane exactly and
/// adds it in double, the same sums as a scalar loop of `sum[c] += Double(x[c])`, as two vector
/// conversions and two vector adds.
struct DoubleLanes {
    var low = SIMD8<Double>.zero, high = SIMD8<Double>.zero

    @inline(__always) mutating func add(_ v: SIMD16<Float>) {
        low += Self.widened(v.lowHalf)
        high += Self.widened(v.highHalf)
    }

    /// Each lane as a double, lane by lane: the generic `SIMD8<Double>(_:)` would leave an out-of-line
    /// specialisation that all CPU levels share at link time (scripts/tools/check_kernel_levels.py).
    @inline(__always) static func widened(_ v: SIMD8<Float>) -> SIMD8<Double> {
        SIMD8(
            Double(v[0]), Double(v[1]), Double(v[2]), Double(v[3]),
            Double(v[4]), Double(v[5]), Double(v[6]), Double(v[7]))
    }

    /// target[0..<16] += the sums.
    @inline(__always) func add(to target: UnsafeMutablePointer<Double>) {
        let raw = UnsafeMutableRawPointer(target)
        raw.storeBytes(of: raw.loadUnaligned(as: SIMD8<Double>.self) + low, as: SIMD8<Double>.self)
        raw.storeBytes(
            of: raw.loadUnaligned(fromByteOffset: 64, as: SIMD8<Double>.self) + high, toByteOffset: 64,
            as: SIMD8<Double>.self)
    }
}
