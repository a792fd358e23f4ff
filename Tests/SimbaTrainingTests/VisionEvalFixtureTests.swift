// The evaluation path of `simba eval` (weights file → PNG folder → eval transform → eval-mode model)
// against the PyTorch reference's logits on the same files (fixture vision_eval). It trains nothing.

import Foundation
import SimbaCore
import SimbaData
import SimbaModel
import SimbaSafetensors
import SimbaTestSupport
import SimbaTraining
import Testing

@Suite struct VisionEvalFixtureTests {
    /// Tests/Fixtures, next to this file's folder.
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures").path

    /// The fixture's architecture (img_size 32, 3 classes, EinFFT, token labelling on).
    func config(_ fixture: Fixture) -> VisionConfig {
        let c = fixture.config
        var config = VisionConfig(
            stemHiddenDim: fixture.int("stem_hidden_dim"), embedDims: c["embed_dims"] as! [Int],
            depths: c["depths"] as! [Int], mlpRatios: c["mlp_ratios"] as! [Int])
        config.dState = fixture.int("d_state")
        config.channelMixer = ChannelMixerKind(rawValue: c["channel_mixer"] as! String)!
        config.tokenLabel = c["token_label"] as! Bool
        config.numClasses = fixture.int("num_classes")
        config.imageSize = fixture.int("image_size")
        return config
    }

    /// Writes the fixture's state_dict tensors (no y, no labels) to a weights-only file, as
    /// scripts/tools/convert_pth.py makes from a PyTorch checkpoint, and returns its path.
    func writeWeights(_ fixture: Fixture, in folder: TemporaryFolder) throws -> String {
        let names = fixture.file.names.filter { !Fixture.isExtra($0) }
        let values = try names.map { try fixture.tensor($0) }
        let path = folder.file("weights.safetensors")
        var tensors: [(name: String, shape: [Int], values: UnsafePointer<Float>)] = []
        var pointers: [UnsafeMutablePointer<Float>] = []
        defer { for pointer in pointers { pointer.deallocate() } }
        for (name, value) in zip(names, values) {
            let pointer = UnsafeMutablePointer<Float>.allocate(capacity: value.count)
            pointer.initialize(from: value, count: value.count)
            pointers.append(pointer)
            tensors.append((name, fixture.file.tensors[name]!.shape, UnsafePointer(pointer)))
        }
        try SafetensorsFile.encode(tensors, metadata: [:]).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// Logits of `VisionEvaluation.run` on Tests/Fixtures/eval_images/val equal the reference's
    /// eval-mode logits, whole batch and with a partial last batch (3 + 1).
    ///
    /// The images are 32×32 and the transform is (32, crop_pct 1), so the resize is the identity
    /// (ResampleTests.equalSizeIsTheIdentity) and the input is exactly torchvision's float32
    /// (v/255 − mean)/std (TransformTests.normalisationIsExactlyTorchvisionsFloat32). What is left is
    /// float32 arithmetic through ~20 layers in another summation order. Measured against the float64
    /// reference: simba 1.7e-6, the float32 reference 1.2e-6, so simba vs the stored float32 logits
    /// (|y| ≤ 1.4) differ by at most 2.7e-6 (both batch sizes). Tolerance atol 2e-5, rtol 1e-5: 7× that,
    /// and 100× below the smallest real defect, one input byte off by one level in one pixel
    /// (2.3e-3 on the logits; training-mode BatchNorm, a flip or BGR order move them by 1.5–2.1).
    @Test(arguments: [4, 3])
    func logitsOfTheImageFolderMatchReference(batchSize: Int) throws {
        let fixture = try Fixture("vision_eval")
        let temporary = TemporaryFolder("simba-vision-eval")
        let checkpoint = try VisionCheckpoint.fromWeights(
            path: try writeWeights(fixture, in: temporary),
            config: config(fixture), maxBatch: fixture.int("batch"))
        #expect(!checkpoint.model.training, "fromWeights must return the model in eval mode")
        let root = Self.fixtures + "/" + (fixture.config["images"] as! String)
        let folder = try ImageFolder(root: root, split: fixture.config["split"] as! String)
        #expect(folder.classNames == fixture.config["classes"] as! [String])

        let transform = EvalTransform(size: 32, cropPct: 1.0, interpolation: .bicubic, normalization: .imageNet)
        let result = try VisionEvaluation.run(
            checkpoint: checkpoint, folder: folder, transform: transform,
            batchSize: batchSize, workers: 2, log: nil)

        let samples = fixture.config["samples"] as! [String]
        #expect(result.samples.map { String($0.path.dropFirst(folder.splitPath.count + 1)) } == samples)
        #expect(result.samples.map(\.label) == (try fixture.tensor("labels")).map { Int($0) })
        let expected = try fixture.tensor("y")
        expectClose(result.logits, expected, atol: 2e-5, rtol: 1e-5, "vision_eval logits, batch size \(batchSize)")

        // Scores are those of the reference logits: plain cross-entropy and top-1 over the 4 images
        // (the reference's top-1 margins are ≥ 0.07, far above the logit tolerance).
        let classes = fixture.int("num_classes"), labels = try fixture.tensor("labels").map { Int($0) }
        var loss = 0.0, hits = 0
        for (i, label) in labels.enumerated() {
            let row = expected[(i * classes)..<((i + 1) * classes)].map(Double.init)
            loss += log(row.map { exp($0) }.reduce(0, +)) - row[label]
            if row.indices.max(by: { row[$0] < row[$1] }) == label { hits += 1 }
        }
        #expect(result.scores.images == samples.count)
        #expect(abs(result.scores.loss - loss / Double(labels.count)) <= 1e-5)
        #expect(result.scores.top1 == 100 * Double(hits) / Double(labels.count))
    }
}
