// The EinFFT layer against tensors written by the official PyTorch module (fixtures einfft_n7 and
// einfft_n8: batch 2, dim 16, odd and even token counts), and its parameter registration.

import Foundation
import SimbaCore
import SimbaModel
import Testing

@Suite struct EinFFTModuleTests {
    @Test func registersTheOfficialStateDict() {
        let store = ParameterStore()
        _ = SimbaModel.EinFFT(store: store, prefix: "block1.0.mlp.", channels: 64, maxBatch: 1, maxLength: 3)
        #expect(store.entries.map(\.name) == ["complex_weight_1", "complex_weight_2", "complex_bias_1", "complex_bias_2"].map { "block1.0.mlp." + $0 })
        #expect(store.entries.map(\.shape) == [[2, 4, 16, 16], [2, 4, 16, 16], [2, 4, 16], [2, 4, 16]])
    }

    @Test(arguments: ["einfft_n7", "einfft_n8"]) func matchesPyTorch(fixture: String) throws {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/\(fixture)", withExtension: "safetensors"))
        let file = try SafetensorsFile(path: url.path)
        let batch = 2, length = fixture == "einfft_n7" ? 7 : 8, channels = 16
        let store = ParameterStore()
        // maxLength above the fixture's length: exercises a plan made on first use.
        let layer = SimbaModel.EinFFT(store: store, prefix: "", channels: channels, maxBatch: 3, maxLength: 9)
        store.allocate()
        try store.loadStateDict(from: file) { ["x", "y", "dx", "dy"].contains($0) || $0.hasPrefix("grad.") }
        let x = try file.floats("x"), dy = try file.floats("dy")
        let y = x.withUnsafeBufferPointer { Array(UnsafeBufferPointer(start: layer.forward($0.baseAddress!, batch: batch, length: length), count: x.count)) }
        var dx = [Float](repeating: 0, count: x.count)
        store.zeroGradients()
        dy.withUnsafeBufferPointer { layer.backward($0.baseAddress!, dInput: &dx, batch: batch, length: length) }
        // float32 against float32 (PyTorch's own FFT): values up to ~8, rounding ~1e-6 relative per
        // step; gradients exactly zero in PyTorch (Hermitian sums) come out at ~1e-7 here.
        expectElementsClose(y, try file.floats("y"), atol: 1e-5, rtol: 1e-4, "\(fixture) y")
        expectElementsClose(dx, try file.floats("dx"), atol: 1e-5, rtol: 1e-4, "\(fixture) dx")
        for ref in [layer.complexWeight1, layer.complexWeight2, layer.complexBias1, layer.complexBias2] {
            let gradient = Array(UnsafeBufferPointer(start: ref.gradient, count: ref.count))
            expectElementsClose(gradient, try file.floats("grad." + ref.entry.name), atol: 1e-5, rtol: 1e-4, "\(fixture) grad \(ref.entry.name)")
        }
    }
}

/// Element-wise |a − r| ≤ atol + rtol·|r|, reporting the worst element.
private func expectElementsClose(
    _ actual: [Float], _ expected: [Float], atol: Float, rtol: Float, _ what: String,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(actual.count == expected.count, "\(what): count", sourceLocation: sourceLocation)
    var worst: (index: Int, excess: Float)?
    for i in 0..<min(actual.count, expected.count) {
        let excess = abs(actual[i] - expected[i]) - (atol + rtol * abs(expected[i]))
        if !(excess <= 0), worst == nil || !(excess <= worst!.excess) { worst = (i, excess.isNaN ? .infinity : excess) }
    }
    if let worst {
        let i = worst.index
        Issue.record("\(what): worst index \(i) got \(actual[i]) want \(expected[i]) (atol \(atol), rtol \(rtol))", sourceLocation: sourceLocation)
    }
}
