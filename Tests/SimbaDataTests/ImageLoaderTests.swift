// ImageLoader: determinism over worker counts and runs, epoch orders, dropLast, skipped and strict
// handling of truncated files. Small PNG folders only.

import Foundation
import SimbaCore
import SimbaData
import Testing

/// A train folder of `perClass` 12×10 noise PNGs in each of 3 classes.
private func makeFolder(perClass: Int) throws -> (root: String, folder: ImageFolder) {
    let root = try temporaryFolder("loader")
    for c in 0..<3 {
        for i in 0..<perClass {
            try writePNG(noiseImage(width: 12, height: 10, seed: 100 * c + i), root + "/train/class\(c)/\(i).png")
        }
    }
    return (root, try ImageFolder(root: root, split: "train"))
}

/// Every batch of one epoch: (count, images, labels).
private func epoch(_ loader: ImageLoader, _ number: Int) throws -> [(Int, [Float], [Int32])] {
    loader.startEpoch(number)
    var images = [Float](repeating: 0, count: loader.batchSize * loader.sampleFloats)
    var labels = [Int32](repeating: -1, count: loader.batchSize)
    var batches: [(Int, [Float], [Int32])] = []
    while let count = try images.withUnsafeMutableBufferPointer({ i in
        try labels.withUnsafeMutableBufferPointer { l in try loader.next(into: i.baseAddress!, labels: l.baseAddress!) }
    }) {
        batches.append((count, Array(images[0..<(count * loader.sampleFloats)]), Array(labels[0..<count])))
    }
    return batches
}

@Suite struct ImageLoaderTests {
    private let augment = TrainTransform(
        size: 8, colorJitter: ColorJitter(brightness: 0.4, contrast: 0.4, saturation: 0.4),
        erasing: RandomErasing(probability: 0.5))

    @Test func sameSeedAndEpochGiveIdenticalBatchesWhateverTheWorkers() throws {
        let (_, folder) = try makeFolder(perClass: 5)
        var results: [[(Int, [Float], [Int32])]] = []
        for (workers, prefetch) in [(1, 1), (3, 2), (4, 4)] {
            let loader = ImageLoader(
                samples: folder.samples, transform: augment, batchSize: 4, shuffle: true,
                seed: 42, workers: workers, prefetchBatches: prefetch)
            results.append(try epoch(loader, 3))
        }
        #expect(results[0].map(\.0) == [4, 4, 4, 3])
        for other in results.dropFirst() {
            #expect(other.count == results[0].count)
            for (a, b) in zip(results[0], other) {
                #expect(a.0 == b.0 && a.2 == b.2 && a.1 == b.1)
            }
        }
        let again = ImageLoader(
            samples: folder.samples, transform: augment, batchSize: 4, shuffle: true, seed: 42, workers: 2)
        let other = try epoch(again, 4)
        #expect(other.map(\.2) != results[0].map(\.2) || other.map(\.1) != results[0].map(\.1), "another epoch differs")
        let replay = try epoch(again, 3)
        #expect(replay.map(\.1) == results[0].map(\.1), "epoch 3 again, after epoch 4, is the same")
    }

    @Test func ordersArePermutationsFixedBySeedAndEpoch() {
        let a = ImageLoader.order(count: 50, seed: 1, epoch: 0, shuffle: true)
        #expect(a.sorted() == Array(0..<50))
        #expect(a == ImageLoader.order(count: 50, seed: 1, epoch: 0, shuffle: true))
        #expect(a != ImageLoader.order(count: 50, seed: 1, epoch: 1, shuffle: true))
        #expect(a != ImageLoader.order(count: 50, seed: 2, epoch: 0, shuffle: true))
        #expect(ImageLoader.order(count: 5, seed: 1, epoch: 0, shuffle: false) == [0, 1, 2, 3, 4])
    }

    /// Without shuffling, batches follow file order and labels; eval output equals the transform's.
    @Test func fileOrderAndDropLast() throws {
        let (_, folder) = try makeFolder(perClass: 3)
        let eval = EvalTransform(size: 8)
        let keep = ImageLoader(
            samples: folder.samples, transform: eval, batchSize: 4, shuffle: false, seed: 0, workers: 2)
        let all = try epoch(keep, 0)
        #expect(all.map(\.0) == [4, 4, 1])
        #expect(all.flatMap(\.2) == [0, 0, 0, 1, 1, 1, 2, 2, 2])
        var expected = [Float](repeating: 0, count: eval.size * eval.size * 3)
        expected.withUnsafeMutableBufferPointer {
            eval.apply(
                try! ImageDecoder.decode(path: folder.samples[5].path), into: $0.baseAddress!,
                scratch: ResampleScratch())
        }
        #expect(Array(all[1].1[(1 * 192)..<(2 * 192)]) == expected)
        let drop = ImageLoader(
            samples: folder.samples, transform: eval, batchSize: 4, shuffle: false, dropLast: true, seed: 0)
        #expect(drop.batchesPerEpoch == 2)
        #expect(try epoch(drop, 0).map(\.0) == [4, 4])
    }

    @Test func truncatedFileIsSkippedWithItsReason() throws {
        let (root, _) = try makeFolder(perClass: 3)
        let bad = root + "/train/class1/1.png"
        let bytes = try Data(contentsOf: URL(fileURLWithPath: bad))
        try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: bad))
        let folder = try ImageFolder(root: root, split: "train")
        let loader = ImageLoader(
            samples: folder.samples, transform: EvalTransform(size: 8), batchSize: 4,
            shuffle: false, seed: 0, workers: 2)
        let batches = try epoch(loader, 0)
        #expect(batches.map(\.0) == [4, 3, 1])
        #expect(batches.flatMap(\.2) == [0, 0, 0, 1, 1, 2, 2, 2])
        #expect(loader.skipped.count == 1)
        #expect(loader.skipped.first?.path == bad)
        #expect(loader.skipped.first?.reason.contains("truncated") == true, "\(loader.skipped)")
        _ = try epoch(loader, 1)
        #expect(loader.skipped.count == 1, "the list holds the current epoch only")

        let strict = ImageLoader(
            samples: folder.samples, transform: EvalTransform(size: 8), batchSize: 4,
            shuffle: false, seed: 0, workers: 2, strict: true)
        expectError(ImageDecodeError.self, containing: [bad, "replace or remove"]) { try epoch(strict, 0) }
    }
}
