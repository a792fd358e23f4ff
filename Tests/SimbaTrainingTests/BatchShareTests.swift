// A job's shares of a batch: they partition it into mostly whole mixup pairs, the selection holds a
// share and its partners, and mixing a share with its partners gives the whole batch's mixed rows bit
// for bit.

import SimbaCore
import Testing

@testable import SimbaTraining

@Suite struct BatchShareTests {
    @Test func sharesPartitionEveryBatchIntoMostlyWholePairs() {
        for ranks in 1...4 {
            for count in ranks...11 {
                let shares = (0..<ranks).map { BatchShare(rank: $0, ranks: ranks).samples(of: count) }
                #expect(shares.flatMap { $0 }.sorted() == Array(0..<count), "\(ranks) ranks, batch \(count)")
                #expect(
                    shares.allSatisfy { !$0.isEmpty && $0.count <= (count + ranks - 1) / ranks && $0 == $0.sorted() })
                for rank in 0..<ranks {
                    let share = BatchShare(rank: rank, ranks: ranks)
                    let samples = shares[rank]
                    let partners = Set(samples.map { count - 1 - $0 })
                    // A boundary between two ranks splits at most one pair: at most two partners are elsewhere.
                    #expect(partners.subtracting(samples).count <= 2, "\(ranks) ranks, batch \(count), rank \(rank)")
                    let mixing = share.selection(batchSize: 11, mixing: true).positions(count: count)
                    #expect(mixing == Array(partners.union(samples)).sorted())
                    #expect(share.selection(batchSize: 11, mixing: false).positions(count: count) == samples)
                }
            }
        }
        #expect(BatchShare(rank: 0, ranks: 2).samples(of: 8) == [0, 1, 6, 7])
        #expect(BatchShare(rank: 1, ranks: 3).samples(of: 7) == [1, 5])
        #expect(BatchShare(rank: 1, ranks: 3).largestShare(batchSize: 10) == 4)
        #expect(BatchShare(rank: 1, ranks: 2).selection(batchSize: 32, mixing: true).positions(count: 32).count == 16)
    }

    /// Mixup and CutMix of each rank's share, with its partners unmixed beside it, equal the rows of
    /// the whole batch mixed in place, for even and odd batches (whose middle sample mixes with itself).
    @Test func mixingAShareEqualsTheWholeBatchsRows() {
        let (size, classes, pixels) = (6, 5, 6 * 6 * 3)
        for (mixupAlpha, cutmixAlpha) in [(0.8, 0.0), (0.0, 1.0), (0.8, 1.0)] {
            let mixup = Mixup(mixupAlpha: mixupAlpha, cutmixAlpha: cutmixAlpha, labelSmoothing: 0.1)
            for batch in [6, 7] {
                var noise = RandomGenerator(seed: UInt64(batch))
                let originals = (0..<batch * pixels).map { _ in noise.normal() }
                let image = { (b: Int) in originals[(b * pixels)..<((b + 1) * pixels)] }
                let labels = (0..<batch).map { Int32($0 % classes) }
                for draw in 0..<4 {
                    var whole = originals
                    var wholeTargets = [Float](repeating: 0, count: batch * classes)
                    var scratch = [Float](repeating: 0, count: pixels)
                    var generator = RandomGenerator(seed: 40 + UInt64(draw))
                    mixup.apply(
                        images: &whole, labels: labels, targets: &wholeTargets, scratch: &scratch, batch: batch,
                        size: size, classes: classes, generator: &generator)
                    var after = generator
                    let nextDraw = after.next()
                    for rank in 0..<3 {
                        let samples = BatchShare(rank: rank, ranks: 3).samples(of: batch)
                        var images = samples.flatMap { image($0) }
                        let partners = samples.flatMap { image(batch - 1 - $0) }
                        var targets = [Float](repeating: 0, count: samples.count * classes)
                        var shareGenerator = RandomGenerator(seed: 40 + UInt64(draw))
                        mixup.apply(
                            samples: samples, images: &images, partners: partners, labels: labels, targets: &targets,
                            batch: batch, size: size, classes: classes, generator: &shareGenerator)
                        let place = "α \(mixupAlpha)/\(cutmixAlpha), batch \(batch), draw \(draw), rank \(rank)"
                        #expect(images == samples.flatMap { whole[($0 * pixels)..<(($0 + 1) * pixels)] }, "\(place)")
                        #expect(
                            targets == samples.flatMap { wholeTargets[($0 * classes)..<(($0 + 1) * classes)] },
                            "\(place)")
                        #expect(shareGenerator.next() == nextDraw, "\(place): the same draws")
                    }
                }
            }
        }
    }
}
