// ImageLoader with a BatchSelection: it delivers the whole loader's images at the selected positions
// bit for bit, never reads the others, and `prepare` decodes any position as the workers would.

import Foundation
import SimbaCore
import Testing

@testable import SimbaData

/// `perClass` 12×10 noise PNGs in each of 3 classes under ROOT/train.
private func makeFolder(perClass: Int) throws -> String {
    let root = try temporaryFolder("selection")
    for c in 0..<3 {
        for i in 0..<perClass {
            try writePNG(noiseImage(width: 12, height: 10, seed: 7 * c + i), root + "/train/class\(c)/\(i).png")
        }
    }
    return root
}

/// One epoch of a whole loader: per batch, its labels and its images (one array per position).
private func wholeEpoch(_ loader: ImageLoader, _ number: Int) throws -> [(labels: [Int32], images: [[Float]])] {
    loader.startEpoch(number)
    let floats = loader.sampleFloats
    var images = [Float](repeating: 0, count: loader.batchSize * floats)
    var labels = [Int32](repeating: -1, count: loader.batchSize)
    var batches: [(labels: [Int32], images: [[Float]])] = []
    while let count = try images.withUnsafeMutableBufferPointer({ i in
        try labels.withUnsafeMutableBufferPointer { l in try loader.next(into: i.baseAddress!, labels: l.baseAddress!) }
    }) {
        batches.append(
            (Array(labels[0..<count]), (0..<count).map { Array(images[($0 * floats)..<(($0 + 1) * floats)]) }))
    }
    return batches
}

/// One epoch of a selecting loader: per batch, the delivery, every label and the delivered images.
private func selectedEpoch(
    _ loader: ImageLoader, _ number: Int, prepare: [Int] = []
) throws -> [(delivery: SelectedBatch, labels: [Int32], images: [[Float]], prepared: [[Float]])] {
    loader.startEpoch(number)
    let floats = loader.sampleFloats
    var images = [Float](repeating: 0, count: loader.selection!.capacity * floats)
    var labels = [Int32](repeating: -1, count: loader.batchSize)
    var one = [Float](repeating: 0, count: floats)
    var batches: [(SelectedBatch, [Int32], [[Float]], [[Float]])] = []
    while let delivery = try images.withUnsafeMutableBufferPointer({ i in
        try labels.withUnsafeMutableBufferPointer { l in
            try loader.nextSelected(into: i.baseAddress!, labels: l.baseAddress!)
        }
    }) {
        let delivered = delivery.positions.indices.map { Array(images[($0 * floats)..<(($0 + 1) * floats)]) }
        let prepared = try prepare.filter { $0 < delivery.count }.map { position in
            try one.withUnsafeMutableBufferPointer { try loader.prepare(position: position, into: $0.baseAddress!) }
            return one
        }
        batches.append((delivery, Array(labels[0..<delivery.count]), delivered, prepared))
    }
    return batches
}

@Suite struct ImageLoaderSelectionTests {
    private let augment = TrainTransform(
        size: 8, colorJitter: ColorJitter(brightness: 0.4, contrast: 0.4, saturation: 0.4),
        erasing: RandomErasing(probability: 0.5))

    /// Positions 1 and 4 of batches of 5 (and what exists of them in the last batch of 2).
    private let selection = BatchSelection(batchSize: 5) { count in [1, 4].filter { $0 < count } }

    @Test func selectedPositionsAreTheWholeLoadersImagesBitForBit() throws {
        let root = try makeFolder(perClass: 4)
        let samples = try ImageFolder(root: root, split: "train").samples
        let whole = ImageLoader(samples: samples, transform: augment, batchSize: 5, shuffle: true, seed: 9, workers: 2)
        let selecting = ImageLoader(
            samples: samples, transform: augment, batchSize: 5, shuffle: true, seed: 9, workers: 3,
            selection: selection)
        #expect(selection.capacity == 2)
        let want = try wholeEpoch(whole, 2)
        let got = try selectedEpoch(selecting, 2, prepare: [0, 3])
        #expect(got.map(\.delivery.count) == [5, 5, 2])
        #expect(got.map(\.delivery.positions) == [[1, 4], [1, 4], [1]])
        for (batch, (w, g)) in zip(want, got).enumerated() {
            #expect(g.labels == w.labels, "batch \(batch): every position's label")
            #expect(g.delivery.failed.isEmpty)
            for (index, position) in g.delivery.positions.enumerated() {
                #expect(g.images[index] == w.images[position], "batch \(batch), position \(position)")
            }
            for (index, position) in [0, 3].filter({ $0 < w.labels.count }).enumerated() {
                #expect(g.prepared[index] == w.images[position], "prepared: batch \(batch), position \(position)")
            }
        }
    }

    /// A truncated file the selection never reaches is not read, so nothing is skipped; one it
    /// reaches is listed in `failed` and `skipped`, and `prepare` of it throws its decode error.
    @Test func unreadableFilesCountOnlyWhereSelected() throws {
        let root = try makeFolder(perClass: 3)
        let samples = try ImageFolder(root: root, split: "train").samples
        let bad = samples[2].path
        let bytes = try Data(contentsOf: URL(fileURLWithPath: bad))
        try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: bad))
        let eval = EvalTransform(size: 8)
        // In file order sample 2 is position 2 of batch 0: outside the selection.
        let missed = ImageLoader(
            samples: samples, transform: eval, batchSize: 5, shuffle: false, seed: 0, workers: 2,
            selection: selection)
        let quiet = try selectedEpoch(missed, 0)
        #expect(quiet.allSatisfy { $0.delivery.failed.isEmpty } && missed.skipped.isEmpty)
        let hitting = BatchSelection(batchSize: 5) { count in Array(0..<min(count, 3)) }
        let hit = ImageLoader(
            samples: samples, transform: eval, batchSize: 5, shuffle: false, seed: 0, workers: 2, selection: hitting)
        let loud = try selectedEpoch(hit, 0)
        #expect(loud.map(\.delivery.failed) == [[2], []])
        #expect(hit.skipped.map(\.path) == [bad])
        hit.startEpoch(0)
        var images = [Float](repeating: 0, count: 3 * hit.sampleFloats)
        var labels = [Int32](repeating: 0, count: 5)
        _ = try hit.nextSelected(into: &images, labels: &labels)
        #expect(hit.sample(atPosition: 2).path == bad)
        expectError(ImageDecodeError.self, containing: [bad]) { try hit.prepare(position: 2, into: &images) }
    }

    @Test func deliveryIndexFindsSelectedPositionsOnly() {
        let delivery = SelectedBatch(count: 9, positions: [0, 3, 4, 8], failed: [])
        #expect([0, 3, 4, 8].map { delivery.index(of: $0) } == [0, 1, 2, 3])
        #expect([1, 2, 5, 7].allSatisfy { delivery.index(of: $0) == nil })
    }
}
