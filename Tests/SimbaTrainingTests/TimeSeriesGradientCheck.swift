// A SiMBA-TS model's backward against central finite differences, shared by the tests of the options
// that change its layers. No test of its own.

import Foundation
import SimbaCore
import SimbaModel
import SimbaTestSupport
import Testing

/// Checks `model`'s parameter gradients of Σ forecast·weights (a random window and random weights
/// drawn from `seed`, `batch` windows) against central differences with step 1e-2 on the first and
/// last element of every tensor, within 3e-3 + 3e-2·|numeric|. With the EinFFT mixer its own
/// parameters (`.mlp.`) are left out: its ReLU and softshrink kinks defeat finite differences, and its
/// backward is checked against PyTorch. Returns the names of the tensors checked, one per element.
func expectGradientsMatchFiniteDifferences(
    _ model: TimeSeriesModel, batch: Int, seed: UInt64 = 9, sourceLocation: SourceLocation = #_sourceLocation
) -> [String] {
    let config = model.config
    var generator = RandomGenerator(seed: seed)
    let window = (0..<batch * config.seqLen * config.variates).map { _ in generator.normal() }
    let weights = (0..<batch * config.predLen * config.variates).map { _ in generator.normal() }
    func loss() -> Double {
        let output = window.withUnsafeBufferPointer { model.forward($0.baseAddress!, batch: batch) }
        return weights.indices.reduce(0.0) { $0 + Double(output[$1]) * Double(weights[$1]) }
    }
    model.store.zeroGradients()
    _ = loss()
    weights.withUnsafeBufferPointer { model.backward($0.baseAddress!, batch: batch) }
    let values = model.store.values.pointer, gradients = model.store.gradients.pointer
    var checked: [String] = []
    for entry in model.store.entries
    where entry.kind == .parameter && !(config.channelMixer == .einfft && entry.name.contains(".mlp.")) {
        for i in Set([entry.offset, entry.offset + entry.count - 1]) {
            let numeric = Double(numericGradient(of: values + i, count: 1, step: 1e-2, loss)[0])
            #expect(
                abs(Double(gradients[i]) - numeric) <= 3e-3 + 3e-2 * abs(numeric),
                "\(entry.name)[\(i - entry.offset)]: backward \(gradients[i]), finite differences \(numeric)",
                sourceLocation: sourceLocation)
            checked.append(entry.name)
        }
    }
    return checked
}
