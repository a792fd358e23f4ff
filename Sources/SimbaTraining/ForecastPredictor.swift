// Runs a trained SiMBA-TS over every window of a split in evaluation mode, in window order, and
// scores it (MSE, MAE on the standardised scale). It never changes the weights.

import SimbaCore
import SimbaData
import SimbaModel

public final class ForecastPredictor {
    let model: TimeSeriesModel
    let data: ForecastData
    let input: FloatBuffer      // (maxBatch, L, M)
    let target: FloatBuffer     // (maxBatch, H, K)
    let selected: FloatBuffer   // (maxBatch, H, K)
    var windows: [Int]

    public init(model: TimeSeriesModel, data: ForecastData) {
        self.model = model
        self.data = data
        let (b, c) = (model.maxBatch, model.config)
        input = FloatBuffer(count: b * c.seqLen * c.variates)
        target = FloatBuffer(count: b * c.predLen * data.outputColumns)
        selected = FloatBuffer(count: b * c.predLen * data.outputColumns)
        windows = Array(repeating: 0, count: b)
    }

    /// Calls `body(first, count, predictions, targets)` for consecutive batches of windows of
    /// `split` (the last batch may be short); predictions and targets are (count, H, K),
    /// standardised, valid during the call; an error `body` throws ends the loop and is passed on.
    /// Evaluation mode inside, the previous mode restored after.
    public func forEachBatch(
        _ split: ForecastSplit,
        _ body: (_ first: Int, _ count: Int, _ predictions: UnsafePointer<Float>, _ targets: UnsafePointer<Float>) throws
            -> Void
    ) rethrows {
        let wasTraining = model.training
        model.training = false
        defer { model.training = wasTraining }
        let (h, m, k) = (model.config.predLen, model.config.variates, data.outputColumns)
        let total = data.windowCount(split)
        var first = 0
        while first < total {
            let count = min(model.maxBatch, total - first)
            for i in 0..<count { windows[i] = first + i }
            windows[0..<count].withUnsafeBufferPointer { data.fill(split: split, windows: $0, input: input.pointer, target: target.pointer) }
            let forecast = model.forward(input.pointer, batch: count)
            for row in 0..<count * h { (selected.pointer + row * k).update(from: forecast + row * m + (m - k), count: k) }
            try body(first, count, selected.pointer, target.pointer)
            first += count
        }
    }

    /// MSE and MAE over every window × step × target column of `split`.
    public func scores(_ split: ForecastSplit) -> SplitScores {
        var squared = 0.0, absolute = 0.0, n = 0
        let perWindow = model.config.predLen * data.outputColumns
        forEachBatch(split) { _, count, predictions, targets in
            for i in 0..<count * perWindow {
                let e = Double(predictions[i]) - Double(targets[i])
                squared += e * e
                absolute += abs(e)
            }
            n += count * perWindow
        }
        return SplitScores(mse: squared / Double(max(n, 1)), mae: absolute / Double(max(n, 1)))
    }
}
