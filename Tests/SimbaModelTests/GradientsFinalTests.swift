// The backward's reports that the end of the gradient buffer is final (RunContext.gradientsFinal): for
// both models, every head and token axis, no later part of the backward changes what was reported final.

import Foundation
import SimbaCore
import SimbaModel
import Testing

/// Records each report: its offset and a copy of the gradients from there to the end.
private final class FinalReports {
    var offsets: [Int] = []
    var tails: [[Float]] = []
}

/// Installs a recorder on `context`, runs `backward`, then expects the reports to go strictly down to
/// 0, one per top-level module (`modules`), and each reported tail to equal the final gradients.
private func expectFinalReports(
    store: ParameterStore, context: RunContext, modules: Int, backward: () -> Void,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    let reports = FinalReports()
    let gradients = store.gradients.pointer, count = store.parameterCount
    context.gradientsFinal = { offset in
        reports.offsets.append(offset)
        reports.tails.append(Array(UnsafeBufferPointer(start: gradients + offset, count: count - offset)))
    }
    store.zeroGradients()
    backward()
    context.gradientsFinal = nil
    #expect(reports.offsets.count == modules, "\(reports.offsets)", sourceLocation: sourceLocation)
    #expect(reports.offsets.last == 0, sourceLocation: sourceLocation)
    #expect(zip(reports.offsets, reports.offsets.dropFirst()).allSatisfy { $0 > $1 }, sourceLocation: sourceLocation)
    #expect(reports.offsets.first.map { $0 < count } ?? false, sourceLocation: sourceLocation)
    for (offset, tail) in zip(reports.offsets, reports.tails) {
        if let i = tail.indices.first(where: { tail[$0].bitPattern != gradients[offset + $0].bitPattern }) {
            Issue.record(
                "gradient \(offset + i) reported final at \(offset) was \(tail[i]), then \(gradients[offset + i])",
                sourceLocation: sourceLocation)
        }
    }
    #expect((0..<count).contains { gradients[$0] != 0 }, sourceLocation: sourceLocation)
}

/// `count` deterministic values in (−1, 1).
private func values(_ count: Int, phase: Float) -> [Float] {
    (0..<count).map { sin(Float($0) * 0.731 + phase) }
}

@Suite("Gradients reported final during the backward")
struct GradientsFinalTests {
    @Test("VisionModel reports each module's gradients final", arguments: [true, false], ChannelMixerKind.allCases)
    func vision(tokenLabel: Bool, mixer: ChannelMixerKind) {
        var config = VisionConfig(
            stemHiddenDim: 8, embedDims: [16, 24, 32, 40], depths: [1, 2, 1, 1], mlpRatios: [2, 3, 2, 2])
        config.channelMixer = mixer
        config.tokenLabel = tokenLabel
        config.imageSize = 32
        config.numClasses = 5
        config.dState = 4
        let batch = 2
        let model = VisionModel(config: config, maxBatch: batch, seed: 3)
        let images = values(batch * 32 * 32 * 3, phase: 0.1), dLogits = values(batch * 5, phase: 0.7)
        // head (with aux_head), norm4, post_network.0, norm1..3, 5 blocks, patch_embed2..4, the stem.
        expectFinalReports(store: model.store, context: model.context, modules: 3 + 3 + 5 + 3 + 1) {
            _ = model.forward(images, batch: batch)
            model.backward(dLogits, batch: batch)
        }
    }

    /// Time tokens, variate tokens, variate tokens run one at a time (channel independence), and
    /// with the linear skip (reported with the head, registered after it).
    @Test(
        "TimeSeriesModel reports each module's gradients final",
        arguments: [
            (TokenAxis.time, false, false), (.variate, false, false), (.variate, true, false), (.variate, true, true)
        ])
    func timeSeries(axis: TokenAxis, independent: Bool, linearSkip: Bool) {
        var config = TimeSeriesConfig(seqLen: 12, predLen: 5, variates: 3)
        config.dModel = 8
        config.dState = 4
        config.eLayers = 2
        config.tokenAxis = axis
        config.channelIndependent = independent
        config.linearSkip = linearSkip
        config.dropout = 0.2
        config.headDropout = 0.1
        let batch = 2
        let model = TimeSeriesModel(config: config, maxBatch: batch, seed: 5)
        let window = values(batch * 12 * 3, phase: 0.3), dForecast = values(batch * 5 * 3, phase: 0.9)
        // head, time_proj (time axis), norm, 2 blocks, embed.
        expectFinalReports(store: model.store, context: model.context, modules: axis == .time ? 6 : 5) {
            _ = model.forward(window, batch: batch)
            model.backward(dForecast, batch: batch)
        }
    }
}
