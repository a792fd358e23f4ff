// The whole vision model and SiMBA-TS against the PyTorch reference fixtures: logits/forecast,
// loss, every parameter gradient, BatchNorm running statistics, and five AdamW steps of loss.

import Foundation
import SimbaCore
import SimbaTestSupport
import Testing

@testable import SimbaModel

/// Compares every parameter gradient in `store` with the fixture's `grad.<name>`.
///
/// Whole-model gradients pass through 20+ layers in float32; the worst difference measured against
/// the reference is 2.2e-6 (stem conv weights, through three training-mode BatchNorms), so
/// gradients get atol 1e-5, rtol 1e-4.
func expectGradients(
    _ store: ParameterStore, _ fixture: Fixture, _ what: String, sourceLocation: SourceLocation = #_sourceLocation
) throws {
    for entry in store.entries where entry.kind == .parameter {
        let gradient = Array(UnsafeBufferPointer(start: store[entry.name].gradient, count: entry.count))
        expectClose(
            gradient, try fixture.tensor("grad." + entry.name), atol: 1e-5, rtol: 1e-4,
            "\(what) grad.\(entry.name)", sourceLocation: sourceLocation)
    }
}

/// Compares the parameters the fixture saved after its five AdamW steps (`adamw.final.<name>`).
///
/// Adam divides each step by the gradient's own running magnitude, so an element whose gradient
/// is at float32 noise (|g| < 1e-5 at the first step, e.g. `A_log` entries of a lightly used state)
/// moves ±lr per step on rounding alone: those elements are allowed 5·2·lr. Every other element
/// gets atol 1e-4 (2% of the 5·lr a parameter moves in five steps), rtol 1e-4; the update rule
/// itself is checked exactly in AdamWTests.
func expectFinalParameters(
    _ store: ParameterStore, _ fixture: Fixture, _ what: String, sourceLocation: SourceLocation = #_sourceLocation
) throws {
    let lr: Float = 1e-3
    for tensorName in fixture.file.names where tensorName.hasPrefix("adamw.final.") {
        let parameter = String(tensorName.dropFirst("adamw.final.".count))
        let value = Array(UnsafeBufferPointer(start: store[parameter].value, count: store[parameter].count))
        let expected = try fixture.tensor(tensorName), firstGradient = try fixture.tensor("grad." + parameter)
        let noisy = firstGradient.indices.filter { abs(firstGradient[$0]) < 1e-5 }
        let clear = firstGradient.indices.filter { abs(firstGradient[$0]) >= 1e-5 }
        expectClose(
            clear.map { value[$0] }, clear.map { expected[$0] }, atol: 1e-4, rtol: 1e-4,
            "\(what) \(tensorName) (clear gradients)", sourceLocation: sourceLocation)
        expectClose(
            noisy.map { value[$0] }, noisy.map { expected[$0] }, atol: 10 * lr, rtol: 0,
            "\(what) \(tensorName) (noise-level gradients)", sourceLocation: sourceLocation)
    }
}

/// The AdamW settings of the fixtures: lr 1e-3, betas (0.9, 0.999), eps 1e-8, weight decay 0.05
/// with timm's grouping (the store's default decay flags).
func fixtureOptimizer(_ store: ParameterStore) -> AdamW {
    AdamW(store: store, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.05)
}

@Suite struct VisionFixtureTests {
    /// Builds the fixture's model (BatchNorm in training mode) with its weights loaded.
    func makeModel(_ fixture: Fixture) throws -> VisionModel {
        let c = fixture.config
        var config = VisionConfig(
            stemHiddenDim: fixture.int("stem_hidden_dim"), embedDims: c["embed_dims"] as! [Int],
            depths: c["depths"] as! [Int], mlpRatios: c["mlp_ratios"] as! [Int])
        config.dState = fixture.int("d_state")
        config.channelMixer = ChannelMixerKind(rawValue: c["channel_mixer"] as! String)!
        config.tokenLabel = c["token_label"] as! Bool
        config.numClasses = fixture.int("num_classes")
        let model = VisionModel(
            config: config, maxBatch: fixture.int("batch"),
            inputSize: (fixture.int("image_height"), fixture.int("image_width")))
        try fixture.load(into: model.store)
        model.training = true
        return model
    }

    /// NCHW (PyTorch) → NHWC (simba).
    func channelsLast(_ x: [Float], batch: Int, channels: Int, height: Int, width: Int) -> [Float] {
        var y = [Float](repeating: 0, count: x.count)
        for b in 0..<batch {
            for c in 0..<channels {
                for h in 0..<height {
                    for w in 0..<width {
                        y[((b * height + h) * width + w) * channels + c] =
                            x[((b * channels + c) * height + h) * width + w]
                    }
                }
            }
        }
        return y
    }

    /// One training step's loss: forward, label-smoothed cross-entropy (0.1), backward into the
    /// zeroed gradients.
    func lossAndBackward(_ model: VisionModel, images: [Float], labels: [Int32], batch: Int) -> (
        logits: [Float], loss: Float
    ) {
        let classes = model.config.numClasses
        model.store.zeroGradients()
        let logits = model.forward(images, batch: batch)
        var targets = [Float](repeating: 0, count: batch * classes)
        var probabilities = targets, dLogits = targets
        Kernels.current.crossEntropy.smoothedOneHot(
            targets: &targets, labels: labels, batch: batch, classes: classes, smoothing: 0.1)
        let loss = Kernels.current.crossEntropy.forward(
            probabilities: &probabilities, logits: logits, targets: targets, batch: batch, classes: classes)
        Kernels.current.crossEntropy.backward(
            dLogits: &dLogits, probabilities: probabilities, targets: targets, batch: batch, classes: classes, dLoss: 1)
        model.backward(dLogits, batch: batch)
        return (Array(UnsafeBufferPointer(start: logits, count: batch * classes)), loss)
    }

    @Test(arguments: ["vision_tiny_einfft_tl", "vision_tiny_einfft", "vision_tiny_mlp_tl"])
    func matchesReference(_ name: String) throws {
        let fixture = try Fixture(name)
        let model = try makeModel(fixture)
        let batch = fixture.int("batch")
        let images = channelsLast(
            try fixture.tensor("x"), batch: batch, channels: 3,
            height: fixture.int("image_height"), width: fixture.int("image_width"))
        let labels = try fixture.tensor("labels").map { Int32($0) }
        let (logits, loss) = lossAndBackward(model, images: images, labels: labels, batch: batch)

        // Intermediate activations localise a failure: float32 through the stem's BatchNorms.
        let stem = Array(
            UnsafeBufferPointer(
                start: model.stem.norm.output.pointer, count: batch * model.stageTokens[0] * model.config.embedDims[0]))
        expectClose(stem, try fixture.tensor("act.stem"), atol: 2e-5, rtol: 1e-4, "\(name) act.stem")
        // Logits after ~20 layers: atol 5e-5, rtol 1e-3 (reference float32 vs float64 spread 1e-6).
        expectClose(logits, try fixture.tensor("y"), atol: 5e-5, rtol: 1e-3, "\(name) logits")
        expectClose([loss], try fixture.tensor("loss"), atol: 1e-5, rtol: 1e-5, "\(name) loss")
        try expectGradients(model.store, fixture, name)
        for entry in model.store.entries where entry.kind == .buffer {
            let value = Array(UnsafeBufferPointer(start: model.store[entry.name].value, count: entry.count))
            expectClose(
                value, try fixture.tensor("after." + entry.name), atol: 1e-5, rtol: 1e-4, "\(name) after.\(entry.name)")
        }
    }

    @Test(arguments: ["vision_tiny_einfft_tl", "vision_tiny_mlp_tl"])
    func fiveAdamWStepsFollowReference(_ name: String) throws {
        let fixture = try Fixture(name)
        let model = try makeModel(fixture)
        let batch = fixture.int("batch")
        let images = channelsLast(
            try fixture.tensor("x"), batch: batch, channels: 3,
            height: fixture.int("image_height"), width: fixture.int("image_width"))
        let labels = try fixture.tensor("labels").map { Int32($0) }
        let optimizer = fixtureOptimizer(model.store)
        var losses: [Float] = []
        for _ in 0..<5 {
            losses.append(lossAndBackward(model, images: images, labels: labels, batch: batch).loss)
            optimizer.step(store: model.store, learningRate: 1e-3)
        }
        // Each step moves weights by ~lr; small gradient differences compound: rtol 1e-4 on the loss.
        expectClose(losses, try fixture.tensor("adamw.losses"), atol: 1e-5, rtol: 1e-4, "\(name) AdamW losses")
        try expectFinalParameters(model.store, fixture, name)
    }
}

@Suite struct TimeSeriesFixtureTests {
    func makeModel(_ fixture: Fixture) throws -> TimeSeriesModel {
        let c = fixture.config
        var config = TimeSeriesConfig(
            seqLen: fixture.int("seq_len"), predLen: fixture.int("pred_len"), variates: fixture.int("n_vars"))
        config.dModel = fixture.int("d_model")
        config.eLayers = fixture.int("e_layers")
        config.dState = fixture.int("d_state")
        config.channelMixer = ChannelMixerKind(rawValue: c["channel_mixer"] as! String)!
        config.mlpRatio = fixture.int("mlp_ratio")
        config.tokenAxis = TokenAxis(rawValue: c["token_axis"] as! String)!
        config.revin = c["revin"] as! Bool
        config.linearSkip = c["linear_skip"] as? Bool ?? false
        config.dropout = 0
        let model = TimeSeriesModel(config: config, maxBatch: fixture.int("batch"))
        try fixture.load(into: model.store)
        model.training = true
        return model
    }

    func lossAndBackward(_ model: TimeSeriesModel, x: [Float], target: [Float], batch: Int) -> (
        forecast: [Float], loss: Float
    ) {
        model.store.zeroGradients()
        let forecast = model.forward(x, batch: batch)
        let loss = Kernels.current.meanSquaredError.forward(prediction: forecast, target: target, count: target.count)
        var dForecast = [Float](repeating: 0, count: target.count)
        Kernels.current.meanSquaredError.backward(
            dPrediction: &dForecast, prediction: forecast, target: target, count: target.count, dLoss: 1)
        model.backward(dForecast, batch: batch)
        return (Array(UnsafeBufferPointer(start: forecast, count: target.count)), loss)
    }

    @Test(arguments: ["ts_variate", "ts_time", "ts_variate_mlp", "ts_variate_skip"])
    func matchesReference(_ name: String) throws {
        let fixture = try Fixture(name)
        let model = try makeModel(fixture)
        let (forecast, loss) = lossAndBackward(
            model, x: try fixture.tensor("x"), target: try fixture.tensor("target"), batch: fixture.int("batch"))
        expectClose(forecast, try fixture.tensor("y"), atol: 5e-5, rtol: 1e-3, "\(name) forecast")
        expectClose([loss], try fixture.tensor("loss"), atol: 1e-5, rtol: 1e-5, "\(name) loss")
        try expectGradients(model.store, fixture, name)
    }

    @Test(arguments: ["ts_variate", "ts_time", "ts_variate_skip"])
    func fiveAdamWStepsFollowReference(_ name: String) throws {
        let fixture = try Fixture(name)
        let model = try makeModel(fixture)
        let x = try fixture.tensor("x"), target = try fixture.tensor("target")
        let optimizer = fixtureOptimizer(model.store)
        var losses: [Float] = []
        for _ in 0..<5 {
            losses.append(lossAndBackward(model, x: x, target: target, batch: fixture.int("batch")).loss)
            optimizer.step(store: model.store, learningRate: 1e-3)
        }
        expectClose(losses, try fixture.tensor("adamw.losses"), atol: 1e-5, rtol: 1e-4, "\(name) AdamW losses")
        try expectFinalParameters(model.store, fixture, name)
    }
}
