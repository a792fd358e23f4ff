// Scratch: the call-stack layout (a call's buffers sit above its caller's, siblings share), lazy
// allocation per direction, the nesting and size preconditions, and a model's modules in one tree.

import Foundation
import SimbaCore
import SimbaTestSupport
import Testing

@testable import SimbaModel

@Suite struct ScratchTests {
    /// root [10] calls a [20, 5] (which calls c [3]) and b [7]; backward sizes differ.
    func tree() -> (root: Scratch, a: Scratch, b: Scratch, c: Scratch) {
        let c = Scratch(forward: [3], backward: [40])
        let a = Scratch(forward: [20, 5], backward: [1], children: [c])
        let b = Scratch(forward: [7], children: [nil])
        let root = Scratch(forward: [10], backward: [100], children: [a, b])
        return (root, a, b, c)
    }

    @Test func laysTheTreeOutLikeACallStack() {
        let (root, a, b, c) = tree()
        // Buffers are rounded to 16 floats. Forward: root 0..<16; a and b from 16; c after a's 32 + 16.
        #expect(root.capacity.forward == 80 && root.capacity.backward == 112 + 16 + 48)
        #expect([root, a, b, c].map(\.forwardOffset) == [0, 16, 16, 64])
        #expect([root, a, b, c].map(\.backwardOffset) == [0, 112, 112, 128])
    }

    @Test func callsGetTheirOwnBuffersAboveTheirCallers() {
        let (root, a, b, c) = tree()
        root.withForward { rootBuffers in
            let base = rootBuffers.take(10)
            base.update(repeating: 1, count: 10)
            a.withForward { buffers in
                #expect(buffers.take(20) == base + 16)
                #expect(buffers.take(4) == base + 48)
                c.withForward { buffers in #expect(buffers.take(3) == base + 64) }
            }
            b.withForward { buffers in #expect(buffers.take(7) == base + 16) }
            #expect((0..<10).allSatisfy { base[$0] == 1 })
        }
        root.withBackward { rootBuffers in
            let base = rootBuffers.take(100)
            a.withBackward { buffers in
                #expect(buffers.take(1) == base + 112)
                c.withBackward { buffers in #expect(buffers.take(40) == base + 128) }
            }
        }
    }

    @Test func forwardOnlyNeverAllocatesBackwardScratch() {
        let (root, a, _, _) = tree()
        #expect(root.allocated == 0)
        root.withForward { _ in a.withForward { _ in } }
        #expect(root.allocated == 80)
        root.withBackward { _ in }
        #expect(root.allocated == 176)
        root.withForward { _ in }
        #expect(root.allocated == 176)
    }

    @Test func aClaimIsAdoptedOnce() async {
        await #expect(processExitsWith: .failure) {
            let child = Scratch(forward: [1])
            let parent = Scratch(children: [child])
            withExtendedLifetime(parent) { _ = Scratch(children: [child]) }
        }
    }

    @Test func aChildRunsOnlyInsideItsParentsCallOfTheSameDirection() async {
        await #expect(processExitsWith: .failure) {
            let child = Scratch(forward: [1])
            let parent = Scratch(children: [child])
            withExtendedLifetime(parent) { child.withForward { _ in } }
        }
        await #expect(processExitsWith: .failure) {
            let child = Scratch(forward: [1])
            let root = Scratch(children: [child])
            root.withBackward { _ in child.withForward { _ in } }
        }
    }

    @Test func aBufferLargerThanDeclaredStops() async {
        await #expect(processExitsWith: .failure) {
            Scratch(forward: [8]).withForward { buffers in _ = buffers.take(9) }
        }
    }

    /// Every module of a model hangs off the model's claim, so the model needs one layer's scratch.
    @Test func aModelsModulesShareOneTree() {
        var config = VisionConfig(
            stemHiddenDim: 8, embedDims: [16, 24, 32, 40], depths: [1, 2, 1, 1], mlpRatios: [2, 2, 2, 2])
        config.dState = 8
        config.numClasses = 10
        config.imageSize = 64
        let model = VisionModel(config: config, maxBatch: 2, seed: 1)
        let claims: [Scratch] =
            [model.stem.scratch] + model.downsamples.map(\.scratch) + model.stages.joined().map(\.scratch)
            + [model.classBlock.scratch, model.stages[1][1].attn.mamba.scratch, model.classBlock.attn.mamba.scratch]
        #expect(claims.allSatisfy { $0.root === model.scratch })
        model.training = false
        _ = model.forward(randomArray(2 * 64 * 64 * 3, seed: 2), batch: 2)
        #expect(model.scratch.allocated == model.scratch.capacity.forward)
        #expect(model.scratch.capacity.forward < model.scratch.capacity.backward)
    }
}
