// Runs a trained SiMBA-TS over every window of a split in evaluation mode, in window order, refuses
// non-finite forecasts and scores it (MSE, MAE on the standardised scale), over the windows of every
// process of a job when it has a group. It never changes the weights.

import SimbaCore
import SimbaData
import SimbaDistributed
import SimbaModel

public final class ForecastPredictor {
    let batchSplit: ForecastBatchSplit
    let data: ForecastData
    let input: FloatBuffer  // (maxBatch, L, M)
    let target: FloatBuffer  // (maxBatch, H, K)
    let selected: FloatBuffer  // (maxBatch, H, K)
    var windows: [Int]
    /// The job whose processes share the windows of `scores` (each its owned shards), if any.
    let group: ProcessGroup?

    /// Runs batches of up to `batchSplit.maxBatch` windows through `batchSplit`; with `group`,
    /// `scores` is collective (every rank calls it).
    public init(batchSplit: ForecastBatchSplit, data: ForecastData, group: ProcessGroup? = nil) {
        self.batchSplit = batchSplit
        self.data = data
        self.group = group
        let (b, c) = (batchSplit.maxBatch, batchSplit.config)
        input = FloatBuffer(count: b * c.seqLen * c.variates)
        target = FloatBuffer(count: b * c.predLen * data.outputColumns)
        selected = FloatBuffer(count: b * c.predLen * data.outputColumns)
        windows = Array(repeating: 0, count: b)
    }

    /// Calls `body(first, count, predictions, targets)` for consecutive batches of windows of
    /// `split` (the last batch may be short); predictions and targets are (count, H, K),
    /// standardised, valid during the call; an error `body` throws ends the loop and is passed on.
    /// Evaluation mode inside, the previous mode restored after. After the pass, throws a
    /// NonFiniteOutputError naming the windows whose forecast holds a NaN or infinity, if any: `body`
    /// has seen them, so callers write nothing until this returns. Needs every shard owned.
    public func forEachBatch(
        _ split: ForecastSplit,
        _ body: (_ first: Int, _ count: Int, _ predictions: UnsafePointer<Float>, _ targets: UnsafePointer<Float>)
            throws
            -> Void
    ) throws {
        precondition(batchSplit.owned == 0..<batchSplit.shardCount, "forEachBatch runs every shard")
        let perWindow = batchSplit.config.predLen * data.outputColumns
        var bad = NonFiniteWindows()
        try predictBatches(split) { first, count, predictions, targets in
            bad.scan(predictions, first: first, count: count, perWindow: perWindow)
            try body(first, count, predictions, targets)
        }
        try bad.check("\(split.rawValue) windows", total: data.windowCount(split))
    }

    /// `forEachBatch` without the check.
    private func predictBatches(
        _ split: ForecastSplit,
        _ body: (Int, Int, UnsafePointer<Float>, UnsafePointer<Float>) throws -> Void
    ) rethrows {
        let wasTraining = batchSplit.training
        batchSplit.training = false
        defer { batchSplit.training = wasTraining }
        let k = data.outputColumns
        let total = data.windowCount(split)
        var first = 0
        while first < total {
            let count = min(batchSplit.maxBatch, total - first)
            for i in 0..<count { windows[i] = first + i }
            windows[0..<count].withUnsafeBufferPointer {
                data.fill(split: split, windows: $0, input: input.pointer, target: target.pointer)
            }
            batchSplit.forward(input.pointer, batch: count)
            batchSplit.selectColumns(k, into: selected.pointer)
            try body(first, count, selected.pointer, target.pointer)
            first += count
        }
    }

    /// The model's scores over every window × step × target column of `split`, per column and
    /// pooled, standardised and in original units; throws as `forEachBatch` does.
    public func scoreSheet(_ split: ForecastSplit) throws -> ForecastScoreSheet {
        var sheet = ForecastScoreSheet(scaler: data.scaler, columnRange: data.outputColumnRange)
        let h = batchSplit.config.predLen
        try forEachBatch(split) { _, count, predictions, targets in
            sheet.add(prediction: predictions, truth: targets, rows: count * h)
        }
        return sheet
    }

    /// MSE and MAE over every window × step × target column of `split`; NaN when a forecast is not
    /// finite (training checks the validation MSE and the weights itself). With a group, each rank
    /// sums its owned windows' errors and the sums and counts are added over the ranks (in double).
    public func scores(_ split: ForecastSplit) -> SplitScores {
        var sums = (squared: 0.0, absolute: 0.0, n: 0.0)
        let perWindow = batchSplit.config.predLen * data.outputColumns
        predictBatches(split) { _, count, predictions, targets in
            let rows = batchSplit.ownedWindows(batch: count)
            for i in rows.lowerBound * perWindow..<rows.upperBound * perWindow {
                let e = Double(predictions[i]) - Double(targets[i])
                sums.squared += e * e
                sums.absolute += abs(e)
            }
            sums.n += Double(rows.count * perWindow)
        }
        if let group {
            withUnsafeMutableBytes(of: &sums) {
                group.sum($0.baseAddress!.assumingMemoryBound(to: Double.self), count: 3)
            }
        }
        return SplitScores(mse: sums.squared / max(sums.n, 1), mae: sums.absolute / max(sums.n, 1))
    }
}

/// The windows whose forecast holds a NaN or infinity: how many, and the first few indices.
struct NonFiniteWindows {
    private(set) var count = 0
    private(set) var first: [Int] = []

    /// Scans `count` windows of `perWindow` values at `values`, the first being window `window`.
    mutating func scan(_ values: UnsafePointer<Float>, first window: Int, count windows: Int, perWindow: Int) {
        for w in 0..<windows where !(0..<perWindow).allSatisfy({ values[w * perWindow + $0].isFinite }) {
            count += 1
            if first.count < 5 { first.append(window + w) }
        }
    }

    /// Throws a NonFiniteOutputError naming the windows found, if any, of `total` `what`.
    func check(_ what: String, total: Int) throws {
        guard count > 0 else { return }
        let indices = first.map(String.init).joined(separator: ", ") + (count > first.count ? ", …" : "")
        throw NonFiniteOutputError(
            description: "the forecast holds NaN or infinite values for \(count) of the \(total) \(what) "
                + "(window\(count > 1 ? "s" : "") \(indices), counted from 0); nothing was scored or written. "
                + "The model's weights hold NaN or infinite values, or these windows drive it beyond float32's "
                + "range: use another checkpoint (e.g. a run's last.safetensors) or train again")
    }
}
