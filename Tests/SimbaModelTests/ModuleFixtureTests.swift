// Mamba, EinFFT, Block and ClassBlock against the PyTorch reference fixtures: output, input
// gradient and every parameter gradient, element by element.

import Foundation
import SimbaCore
import SimbaTestSupport
import Testing

@testable import SimbaModel

/// Loads `fixture`'s weights into a fresh store, runs `build`'s module forward on `x` and backward
/// on `dy`, and compares `y`, `dx` and every `grad.<name>`.
///
/// Tolerances: the reference is float32 PyTorch; simba sums in other orders. The worst difference
/// measured on these fixtures is 1.6e-6 on gradients of magnitude 1–3 (about 10 float32 ulps), so
/// outputs and gradients get atol 1e-5, rtol 1e-4: a 6× margin, and far below any real bug.
func checkModule(
    _ fixtureName: String, batch: Int, length: Int, sourceLocation: SourceLocation = #_sourceLocation,
    build: (ParameterStore) -> SequenceLayer
) throws {
    let fixture = try Fixture(fixtureName)
    let store = ParameterStore()
    let module = build(store)
    store.allocate()
    try fixture.load(into: store)
    let x = try fixture.tensor("x"), dy = try fixture.tensor("dy")
    let y = module.forward(x, batch: batch, length: length)
    expectClose(
        Array(UnsafeBufferPointer(start: y, count: dy.count)), try fixture.tensor("y"),
        atol: 1e-5, rtol: 1e-4, "\(fixtureName) y", sourceLocation: sourceLocation)
    var dx = [Float](repeating: 0, count: x.count)
    module.backward(dy, dInput: &dx, batch: batch, length: length)
    expectClose(
        dx, try fixture.tensor("dx"), atol: 1e-5, rtol: 1e-4, "\(fixtureName) dx", sourceLocation: sourceLocation)
    for entry in store.entries where entry.kind == .parameter {
        let gradient = Array(UnsafeBufferPointer(start: store[entry.name].gradient, count: entry.count))
        expectClose(
            gradient, try fixture.tensor("grad." + entry.name), atol: 1e-5, rtol: 1e-4,
            "\(fixtureName) grad.\(entry.name)", sourceLocation: sourceLocation)
    }
}

@Suite struct ModuleFixtureTests {
    @Test(arguments: ["mamba", "mamba_rank2"])
    func mamba(_ name: String) throws {
        let config = try Fixture(name)
        let (batch, length) = (config.int("batch"), config.int("length"))
        try checkModule(name, batch: batch, length: length) { store in
            Mamba(
                store: store, prefix: "", dModel: config.int("d_model"), dState: config.int("d_state"), maxBatch: batch,
                maxLength: length)
        }
    }

    @Test(arguments: ["einfft_n7", "einfft_n8"])
    func einfft(_ name: String) throws {
        let config = try Fixture(name)
        let (batch, tokens) = (config.int("batch"), config.int("tokens"))
        try checkModule(name, batch: batch, length: tokens) { store in
            EinFFTLayer(store: store, prefix: "", channels: config.int("dim"), maxBatch: batch, maxLength: tokens)
        }
    }

    @Test(arguments: ["block_einfft", "block_mlp"])
    func block(_ name: String) throws {
        let config = try Fixture(name)
        let (batch, height, width, dim) = (config.int("batch"), config.int("H"), config.int("W"), config.int("dim"))
        let mixer = config.config["channel_mixer"] as? String
        try checkModule(name, batch: batch, length: height * width) { store in
            Block(
                "", dim: dim, mamba: MambaSizes(dState: config.int("d_state")), drop: .dropPath(0),
                context: RunContext(),
                store: store, maxBatch: batch, maxLength: height * width
            ) { prefix in
                mixer == "einfft"
                    ? EinFFTLayer(
                        store: store, prefix: prefix, channels: dim, maxBatch: batch, maxLength: height * width)
                        as SequenceLayer
                    : ChannelMLP(
                        prefix, channels: dim, hidden: dim * config.int("mlp_ratio"), grid: (height, width),
                        store: store, maxBatch: batch)
            }
        }
    }

    @Test(arguments: ["classblock", "classblock_mlp"])
    func classBlock(_ name: String) throws {
        let config = try Fixture(name)
        let (batch, tokens, dim) = (config.int("batch"), config.int("tokens"), config.int("dim"))
        let mixer = config.config["channel_mixer"] as? String
        try checkModule(name, batch: batch, length: tokens) { store in
            ClassBlock(
                "", dim: dim, mamba: MambaSizes(dState: config.int("d_state")), store: store, maxBatch: batch,
                maxLength: tokens
            ) { prefix in
                mixer == "einfft"
                    ? EinFFTLayer(store: store, prefix: prefix, channels: dim, maxBatch: batch, maxLength: 1)
                        as SequenceLayer
                    : ChannelMLP(
                        prefix, channels: dim, hidden: dim * config.int("mlp_ratio"), grid: nil, store: store,
                        maxBatch: batch)
            }
        }
    }
}
