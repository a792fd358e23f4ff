// Mamba's d_conv and expand set through the model configs: the layers' shapes, the memory estimate
// against what the model allocates, and checkpoint metadata written before the two were settings.

import Foundation
import SimbaCore
import SimbaTestSupport
import Testing

@testable import SimbaModel

@Suite struct MambaSizesTests {
    func series(dConv: Int, expand: Int) -> TimeSeriesConfig {
        var config = TimeSeriesConfig(seqLen: 24, predLen: 12, variates: 7)
        config.dModel = 16
        config.dState = 8
        config.dConv = dConv
        config.expand = expand
        return config
    }

    @Test("d_conv and expand size every Mamba's conv and inner width")
    func shapes() {
        let entries = TimeSeriesModel.parameterTable(config: series(dConv: 3, expand: 1))
        let shapes = Dictionary(uniqueKeysWithValues: entries.map { ($0.name, $0.shape) })
        #expect(shapes["blocks.0.attn.mamba.conv1d.weight"] == [16, 1, 3])
        #expect(shapes["blocks.0.attn.mamba.in_proj.weight"] == [32, 16])
        #expect(shapes["blocks.0.attn.mamba.out_proj.weight"] == [16, 16])
        var vision = VisionConfig(
            stemHiddenDim: 8, embedDims: [16, 24, 32, 40], depths: [1, 1, 1, 1],
            mlpRatios: [2, 2, 2, 2])
        vision.dConv = 2
        vision.expand = 3
        let table = Dictionary(
            uniqueKeysWithValues: VisionModel.parameterTable(config: vision)
                .map { ($0.name, $0.shape) })
        #expect(table["block4.0.attn.mamba.conv1d.weight"] == [120, 1, 2])
        #expect(table["post_network.0.attn.mamba.in_proj.weight"] == [240, 40])
    }

    @Test("The memory estimate follows d_conv and expand", arguments: [(3, 1), (2, 3)])
    func memoryEstimate(dConv: Int, expand: Int) {
        let config = series(dConv: dConv, expand: expand), batch = 3
        let model = TimeSeriesModel(config: config, maxBatch: batch, seed: 1)
        _ = model.forward(randomArray(batch * 24 * 7, seed: 2), batch: batch)
        model.backward(randomArray(batch * 12 * 7, seed: 3), batch: batch)
        let estimate = MemoryEstimate.timeSeries(config, batch: batch, shards: 1, training: true)
        #expect(estimate.parameters == Double(model.store.parameterCount + model.store.bufferCount))
        MemoryEstimateTests.expectClose(
            MemoryEstimateTests.modelFloats(estimate),
            allocatedFloats(model), "d_conv \(dConv) expand \(expand)")
    }

    @Test("Out-of-bounds d_conv and expand are named problems")
    func bounds() {
        var config = series(dConv: 0, expand: VisionConfig.maxExpand + 1)
        #expect(config.problems().count == 2)
        #expect(config.problems().allSatisfy { $0.hasPrefix("d_conv") || $0.hasPrefix("expand") })
        config.dConv = TimeSeriesConfig.maxDConv
        config.expand = TimeSeriesConfig.maxExpand
        #expect(config.problems().isEmpty)
    }

    /// `value` encoded as JSON, then without the keys `removed`.
    func json<Value: Encodable>(_ value: Value, removing removed: [String]) throws -> Data {
        let encoded = try JSONEncoder().encode(value)
        var object = try #require(try JSONSerialization.jsonObject(with: encoded) as? [String: Any])
        for key in removed { #expect(object.removeValue(forKey: key) != nil) }
        return try JSONSerialization.data(withJSONObject: object)
    }

    @Test("Model metadata without dConv and expand (older checkpoints) reads as 4 and 2; new metadata round-trips")
    func olderMetadata() throws {
        let custom = series(dConv: 3, expand: 1)
        #expect(try JSONDecoder().decode(TimeSeriesConfig.self, from: try json(custom, removing: [])) == custom)
        let older = try json(custom, removing: ["dConv", "expand"])
        #expect(try JSONDecoder().decode(TimeSeriesConfig.self, from: older) == series(dConv: 4, expand: 2))
        var vision = VisionConfig.variant("simba_s")!
        vision.dConv = 3
        vision.expand = 1
        #expect(try JSONDecoder().decode(VisionConfig.self, from: try json(vision, removing: [])) == vision)
        let olderVision = try json(vision, removing: ["dConv", "expand"])
        #expect(try JSONDecoder().decode(VisionConfig.self, from: olderVision) == VisionConfig.variant("simba_s")!)
    }
}
