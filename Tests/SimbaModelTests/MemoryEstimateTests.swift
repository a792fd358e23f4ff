// MemoryEstimate against the memory models really allocate: every FloatBuffer reachable from a model
// after a forward and a backward at its largest batch, counted by walking the object graph.

import Foundation
import SimbaCore
import SimbaTestSupport
import Testing

@testable import SimbaModel

@Suite struct MemoryEstimateTests {
    /// What the estimate says the model itself holds (no optimizer, no input batches, no process).
    static func modelFloats(_ estimate: MemoryEstimate) -> Double {
        estimate.parameters + estimate.gradients + estimate.activations + estimate.scratch
    }

    static func expectClose(
        _ estimated: Double, _ actual: Double, _ what: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let error = abs(estimated - actual) / actual
        let percent = String(format: "%.1f", error * 100)
        #expect(
            error <= 0.005,
            "\(what): estimated \(Int(estimated)) floats, allocated \(Int(actual)) (\(percent)% off)",
            sourceLocation: sourceLocation)
    }

    func vision(_ mixer: ChannelMixerKind, tokenLabel: Bool) -> VisionConfig {
        var config = VisionConfig(
            stemHiddenDim: 8, embedDims: [16, 24, 32, 40], depths: [1, 2, 1, 1],
            mlpRatios: [2, 2, 2, 2])
        config.dState = 8
        config.numClasses = 10
        config.imageSize = 64
        config.channelMixer = mixer
        config.tokenLabel = tokenLabel
        config.dropPathRate = 0.1
        return config
    }

    @Test(arguments: [(ChannelMixerKind.einfft, true), (.mlp, false)])
    func visionTrainingStepMatchesAllocations(mixer: ChannelMixerKind, tokenLabel: Bool) {
        let config = vision(mixer, tokenLabel: tokenLabel), batch = 3
        let model = VisionModel(config: config, maxBatch: batch, seed: 1)
        let logits = model.forward(randomArray(batch * 64 * 64 * 3, seed: 2), batch: batch)
        _ = logits
        model.backward(randomArray(batch * config.numClasses, seed: 3), batch: batch)
        let estimate = MemoryEstimate.vision(config, batch: batch, training: true)
        #expect(estimate.parameters == Double(model.store.parameterCount + model.store.bufferCount))
        #expect(estimate.gradients == Double(model.store.parameterCount))
        Self.expectClose(Self.modelFloats(estimate), allocatedFloats(model), "vision \(mixer) training")
    }

    @Test func visionEvaluationMatchesAllocations() {
        let config = vision(.einfft, tokenLabel: true), batch = 4
        let model = VisionModel(config: config, maxBatch: batch, seed: 1)
        model.training = false
        _ = model.forward(randomArray(batch * 64 * 64 * 3, seed: 2), batch: batch)
        let estimate = MemoryEstimate.vision(config, batch: batch, training: false)
        Self.expectClose(Self.modelFloats(estimate), allocatedFloats(model), "vision evaluation")
    }

    @Test(arguments: [
        (ChannelMixerKind.einfft, TokenAxis.variate, 5, Float(0), false, false), (.mlp, .time, 4, 0, false, false),
        (.einfft, .time, 1, 0, false, false), (.einfft, .variate, 3, 0.5, false, false),
        (.einfft, .variate, 3, 0, true, false), (.mlp, .variate, 2, 0, true, false),
        (.einfft, .variate, 3, 0, true, true)
    ])
    func timeSeriesTrainingStepMatchesAllocations(
        mixer: ChannelMixerKind, axis: TokenAxis, batch: Int,
        headDropout: Float, channelIndependent: Bool, linearSkip: Bool
    ) {
        var config = TimeSeriesConfig(seqLen: 24, predLen: 12, variates: 7)
        config.dModel = 16
        config.dState = 8
        config.channelMixer = mixer
        config.tokenAxis = axis
        config.headDropout = headDropout
        config.channelIndependent = channelIndependent
        config.linearSkip = linearSkip
        let model = TimeSeriesModel(config: config, maxBatch: batch, seed: 1)
        _ = model.forward(randomArray(batch * 24 * 7, seed: 2), batch: batch)
        model.backward(randomArray(batch * 12 * 7, seed: 3), batch: batch)
        let estimate = MemoryEstimate.timeSeries(config, batch: batch, shards: 1, training: true)
        Self.expectClose(
            Self.modelFloats(estimate), allocatedFloats(model),
            "SiMBA-TS \(mixer) \(axis) batch \(batch)")
    }

    /// A batch far beyond any machine is estimated without overflow, and grows with the batch.
    @Test func hugeBatchesAreFiniteAndLinear() {
        let config = VisionConfig.variant("simba_s")!
        let small = MemoryEstimate.vision(config, batch: 32, training: true).bytes
        let huge = MemoryEstimate.vision(config, batch: 1_000_000_000, training: true).bytes
        #expect(huge.isFinite && huge > 1e15)
        #expect(small > 3e9 && small < 6e9, "SiMBA-S at 224², batch 32 measured 4.6 GB peak, estimated \(small)")
        #expect(MemoryEstimate.describe(bytes: 12.3e12) == "12 TB")
        #expect(MemoryEstimate.describe(bytes: 4.56e9) == "4.6 GB")
    }
}
