// ForecastBatchSplit: how a batch is cut into shards, that a split batch gives every window its own
// forecast and gradient, that the gradients sum in shard order, and that no width changes a bit.

import Foundation
import SimbaCore
import SimbaData
import SimbaModel
import SimbaTestSupport
import Testing

@testable import SimbaTraining

@Suite struct ForecastBatchSplitTests {
    let seqLen = 16, predLen = 8, variates = 3

    func config(dropout: Float) -> TimeSeriesConfig {
        var config = TimeSeriesConfig(seqLen: seqLen, predLen: predLen, variates: variates)
        config.dModel = 16
        config.eLayers = 2
        config.dState = 8
        config.dropout = dropout
        return config
    }

    /// Forecast (batch, H, M) and parameter gradient of Σ forecast·dForecast for `batch` windows.
    func run(_ split: ForecastBatchSplit, _ x: [Float], _ dForecast: [Float], batch: Int)
        -> (forecast: [Float], gradient: [Float])
    {
        split.model.store.zeroGradients()
        split.forward(x, batch: batch)
        var forecast = [Float](repeating: 0, count: batch * predLen * variates)
        split.selectColumns(variates, into: &forecast)
        split.backward(dForecast)
        return (forecast, split.model.store.gradients.array)
    }

    @Test func shardCountDependsOnTheBatchAlone() {
        #expect(ForecastBatchSplit.shardCount(batch: 1) == 1)
        #expect((2...47).allSatisfy { ForecastBatchSplit.shardCount(batch: $0) == 2 })
        #expect(ForecastBatchSplit.shardCount(batch: 48) == 3)
        #expect(ForecastBatchSplit.shardCount(batch: 64) == 4)
        #expect(ForecastBatchSplit.shardCount(batch: 65536) == Parallel.maxWorkers)
    }

    /// Every batch up to the maximum is covered by consecutive shards, each within its instance.
    @Test func shardsCoverEveryBatchWithinTheirInstances() {
        for maxBatch in 1...100 {
            let shards = ForecastBatchSplit.shardCount(batch: maxBatch)
            let capacity = (0..<shards).map { ForecastBatchSplit.windows(shard: $0, of: shards, batch: maxBatch).count }
            #expect(capacity[0] == capacity.max(), "shard 0 runs on the model: it must be a longest shard")
            for batch in 1...maxBatch {
                var next = 0
                for shard in 0..<shards {
                    let windows = ForecastBatchSplit.windows(shard: shard, of: shards, batch: batch)
                    #expect(
                        windows.lowerBound == next && windows.count <= capacity[shard],
                        "batch \(batch) of \(maxBatch), shard \(shard): \(windows)")
                    next = windows.upperBound
                }
                #expect(next == batch, "batch \(batch) of \(maxBatch) covered up to \(next)")
            }
        }
    }

    // 50 windows: three shards of 17, 17 and 16.
    @Test(arguments: [5, 50])
    func splitBatchMatchesWindowsAlone(batch: Int) {
        let window = seqLen * variates, horizon = predLen * variates
        let split = ForecastBatchSplit(config: config(dropout: 0), maxBatch: batch, seed: 7)
        let x = randomArray(batch * window, seed: 1), dForecast = randomArray(batch * horizon, seed: 2)
        let together = run(split, x, dForecast, batch: batch)
        var forecasts: [Float] = [], gradientSum = [Float](repeating: 0, count: split.model.store.parameterCount)
        for b in 0..<batch {
            let alone = run(
                split, Array(x[b * window..<(b + 1) * window]),
                Array(dForecast[b * horizon..<(b + 1) * horizon]), batch: 1)
            forecasts += alone.forecast
            for i in gradientSum.indices { gradientSum[i] += alone.gradient[i] }
        }
        // The same arithmetic per window up to the products' blocking and the order of the sums.
        expectClose(together.forecast, forecasts, atol: 1e-5, rtol: 1e-5, "forecast")
        expectClose(together.gradient, gradientSum, atol: 1e-5, rtol: 1e-4, "gradients")
    }

    /// The contract behind width independence, bit for bit: shard s's gradient computed alone on an
    /// instance of its own (Dropout seeded by the s-th draw of the model's generator), the shards'
    /// gradients summed left to right, shard 0's first.
    @Test func gradientsSumInShardOrder() {
        let batch = 64, window = seqLen * variates, horizon = predLen * variates
        let split = ForecastBatchSplit(config: config(dropout: 0.3), maxBatch: batch, seed: 5)
        split.training = true
        let shards = split.shardCount
        #expect(shards == 4)
        let x = randomArray(batch * window, seed: 8), dForecast = randomArray(batch * horizon, seed: 9)
        let plain = TimeSeriesModel(config: config(dropout: 0.3), maxBatch: batch, seed: 5)
        plain.training = true
        var generator = plain.context.generator
        let seeds = (1..<shards).map { _ in generator.next() }
        var expected = [Float](repeating: 0, count: plain.store.parameterCount)
        for shard in 0..<shards {
            let windows = ForecastBatchSplit.windows(shard: shard, of: shards, batch: batch)
            plain.context.generator = shard == 0 ? generator : RandomGenerator(seed: seeds[shard - 1])
            plain.store.zeroGradients()
            _ = plain.forward(Array(x[windows.lowerBound * window..<windows.upperBound * window]), batch: windows.count)
            plain.backward(
                Array(dForecast[windows.lowerBound * horizon..<windows.upperBound * horizon]),
                batch: windows.count)
            let gradient = plain.store.gradients.array
            for i in expected.indices { expected[i] = shard == 0 ? gradient[i] : expected[i] + gradient[i] }
            if shard == 0 { generator = plain.context.generator }
        }
        let actual = run(split, x, dForecast, batch: batch).gradient
        #expect(
            actual.map(\.bitPattern) == expected.map(\.bitPattern),
            "the split's gradients differ from the shards' summed in order")
        #expect(
            split.model.context.generator.next() == generator.next(),
            "the model's generator continues where shard 0 left it")
    }

    /// Two training steps with Dropout at widths 1 to 8 (more than the workers, too): the same bits.
    @Test func widthChangesNoBit() {
        let batch = 64
        let x = randomArray(batch * seqLen * variates, seed: 3)
        let dForecast = randomArray(batch * predLen * variates, seed: 4)
        func twoSteps(width: Int) -> [UInt32] {
            let split = ForecastBatchSplit(config: config(dropout: 0.3), maxBatch: batch, seed: 11, width: width)
            split.training = true
            _ = run(split, x, dForecast, batch: batch)
            let second = run(split, x, dForecast, batch: batch)
            return (second.forecast + second.gradient).map(\.bitPattern)
        }
        let reference = twoSteps(width: 1)
        for width in [2, 3, 4, 8] {
            #expect(twoSteps(width: width) == reference, "width \(width) against width 1")
        }
    }

    /// The split's buffers after a training step against `MemoryEstimate` with its shard count.
    @Test(arguments: [(TokenAxis.variate, 5), (.time, 50), (.variate, 64)])
    func allocationsMatchMemoryEstimate(axis: TokenAxis, batch: Int) {
        var model = config(dropout: 0.1)
        model.tokenAxis = axis
        let split = ForecastBatchSplit(config: model, maxBatch: batch, seed: 1)
        split.training = true
        split.forward(randomArray(batch * seqLen * variates, seed: 2), batch: batch)
        split.backward(randomArray(batch * predLen * variates, seed: 3))
        let estimate = MemoryEstimate.timeSeries(model, batch: batch, shards: split.shardCount, training: true)
        let estimated = estimate.parameters + estimate.gradients + estimate.activations + estimate.scratch
        let allocated = allocatedFloats(split)
        #expect(
            abs(estimated - allocated) <= 0.005 * allocated,
            "\(axis) batch \(batch): estimated \(Int(estimated)) floats, allocated \(Int(allocated))")
    }
}

@Suite("Forecast training gives the same weights at every split width", .serialized)
struct ForecastSplitWidthTests {
    /// Trains the tiny config at batch 64 (four shards) for two epochs with `width` shards at a time;
    /// returns the bits of every weight and the summary.
    func train(_ folder: TemporaryFolder, width: Int) throws -> ([UInt32], String) {
        let file = folder.write(ForecastFiles.config(epochs: 2), to: "config.yaml")
        let config = try Config(
            schema: .forecast, configFile: file,
            overrides: ["output.dir=\(folder.file("run-\(width)"))", "optimization.batch_size=64"],
            workingDirectory: folder.path)
        let data = try ForecastData(path: config.path("data.path"), options: ForecastJob.dataOptions(config))
        let settings = try ForecastJob.settings(config, variates: data.inputColumns)
        let run = try RunFolder.open(path: config.string("output.dir"), resume: false)
        defer { run.close() }
        let trainer = try ForecastTrainer(
            settings: settings, data: data, run: run, log: RunLog(console: false),
            metadata: ["format": "pt"], resume: false, width: width)
        #expect(trainer.batchSplit.shardCount == 4)
        _ = try trainer.train()
        return (trainer.model.store.values.array.map(\.bitPattern), try text(run.path + "/summary.csv"))
    }

    @Test func widthsOneTwoAndFourTrainTheSameWeights() throws {
        let folder = TemporaryFolder()
        folder.write(ForecastFiles.csv(rows: 400), to: "series.csv")
        let one = try train(folder, width: 1)
        for width in [2, 4] {
            let other = try train(folder, width: width)
            #expect(other.0 == one.0, "weights at width \(width) differ from width 1")
            #expect(other.1 == one.1, "summary at width \(width) differs from width 1")
        }
    }
}
