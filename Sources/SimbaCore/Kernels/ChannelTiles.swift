// Per-channel sums over many rows, in parallel over 16-channel tiles with double-precision
// accumulators on each worker's stack: the shared skeleton of the norm and conv reductions, and
// the plain column sum that is every bias gradient.

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
        _ sums: UnsafeMutablePointer<Float>,        // (channels), +=
        of matrix: UnsafePointer<Float>,            // (rows, channels)
        rows: Int, channels: Int
    ) {
        forEach(channels: channels, sumsPerChannel: 1, costPerTile: width * rows) { start, count, partial in
            for r in 0..<rows {
                let row = matrix + r * channels + start
                for c in 0..<count { partial[c] += Double(row[c]) }
            }
            for c in 0..<count { sums[start + c] += Float(partial[c]) }
        }
    }
}
