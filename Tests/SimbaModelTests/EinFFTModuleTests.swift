// The EinFFT layer's parameter registration: the official state_dict names, order and shapes.
// Its arithmetic against PyTorch is in ModuleFixtureTests.

import SimbaCore
import SimbaModel
import Testing

@Suite struct EinFFTModuleTests {
    @Test func registersTheOfficialStateDict() {
        let store = ParameterStore()
        _ = EinFFTLayer(store: store, prefix: "block1.0.mlp.", channels: 64, maxBatch: 1, maxLength: 3)
        #expect(
            store.entries.map(\.name)
                == ["complex_weight_1", "complex_weight_2", "complex_bias_1", "complex_bias_2"].map {
                    "block1.0.mlp." + $0
                })
        #expect(store.entries.map(\.shape) == [[2, 4, 16, 16], [2, 4, 16, 16], [2, 4, 16], [2, 4, 16]])
    }
}
