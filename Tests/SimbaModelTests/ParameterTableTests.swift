// The parameter table a model computes without allocating (used to check weights before building)
// against the table of the model actually built, for every mixer, head and token axis.

import SimbaCore
import SimbaModel
import Testing

/// Names and shapes of a table, for comparison.
private func layout(_ entries: [TensorEntry]) -> [String] { entries.map { "\($0.name) \($0.shape)" } }

@Suite("Parameter tables computed without building the model")
struct ParameterTableTests {
    /// (mixer, token label, image size).
    static let visionCases: [(ChannelMixerKind, Bool, Int)] = [
        (.einfft, true, 64), (.mlp, true, 32), (.einfft, false, 96), (.mlp, false, 64)
    ]

    @Test("VisionModel.parameterTable equals the built model's table", arguments: 0..<4)
    func vision(_ index: Int) {
        let (mixer, tokenLabel, imageSize) = Self.visionCases[index]
        var config = VisionConfig(
            stemHiddenDim: 8, embedDims: [16, 24, 32, 40], depths: [1, 2, 1, 1],
            mlpRatios: [2, 3, 2, 2])
        config.channelMixer = mixer
        config.tokenLabel = tokenLabel
        config.imageSize = imageSize
        config.numClasses = 5
        let built = VisionModel(config: config, maxBatch: 2)
        let table = VisionModel.parameterTable(config: config)
        #expect(layout(table) == layout(built.store.entries))
        #expect(table.map(\.kind) == built.store.entries.map(\.kind))
    }

    @Test(
        "TimeSeriesModel.parameterTable equals the built model's table", arguments: TokenAxis.allCases,
        ChannelMixerKind.allCases)
    func timeSeries(_ axis: TokenAxis, _ mixer: ChannelMixerKind) {
        var config = TimeSeriesConfig(seqLen: 12, predLen: 5, variates: 3)
        config.dModel = 8
        config.tokenAxis = axis
        config.channelMixer = mixer
        let built = TimeSeriesModel(config: config, maxBatch: 4)
        #expect(layout(TimeSeriesModel.parameterTable(config: config)) == layout(built.store.entries))
    }

    @Test("The table of simba_l needs no allocation of its size (milliseconds, not seconds)")
    func largeVariantIsCheap() {
        let start = ContinuousClock.now
        let table = VisionModel.parameterTable(config: VisionConfig.variant("simba_l")!)
        #expect(table.count > 500)
        #expect(table.contains { $0.name == "head.weight" && $0.shape == [1000, 512] })
        #expect(ContinuousClock.now - start < .seconds(5))
    }
}
