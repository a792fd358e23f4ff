// One process's share of every image batch in an `mpirun` job: the samples of the batch it runs, the
// partners they mix with, and the positions its loaders decode. It loads and runs nothing.

import SimbaData

/// Which samples of a batch of `count` readable samples rank `rank` of `ranks` runs. Mixup and
/// CutMix mix sample b with sample count − 1 − b (the batch reversed), so the ranks take the batch
/// in the order 0, count − 1, 1, count − 2, … and rank r runs entries [r·count/ranks,
/// (r+1)·count/ranks) of it: each rank gets about count/ranks samples, mostly whole pairs, and
/// decodes its samples and the few partners outside them, nothing else of a batch.
struct BatchShare {
    let rank: Int
    let ranks: Int

    init(rank: Int, ranks: Int) {
        precondition(ranks > 0 && (0..<ranks).contains(rank), "rank \(rank) of \(ranks)")
        self.rank = rank
        self.ranks = ranks
    }

    /// This rank's samples of a batch of `count`, ascending; none is empty when count ≥ ranks.
    func samples(of count: Int) -> [Int] {
        (count * rank / ranks..<count * (rank + 1) / ranks).map { $0 % 2 == 0 ? $0 / 2 : count - 1 - $0 / 2 }.sorted()
    }

    /// The most samples a rank runs of a batch of at most `batchSize`: ⌈batchSize / ranks⌉.
    func largestShare(batchSize: Int) -> Int { (batchSize + ranks - 1) / ranks }

    /// The positions this rank decodes of each batch of a loader of `batchSize`: its samples, and
    /// their partners when `mixing`. Positions are those of the batch before unreadable files are
    /// dropped; when some are, the shares move and `ImageLoader.prepare` decodes what is missing.
    func selection(batchSize: Int, mixing: Bool) -> BatchSelection {
        let share = self
        return BatchSelection(batchSize: batchSize) { count in
            let samples = share.samples(of: count)
            guard mixing else { return samples }
            return Array(Set(samples).union(samples.map { count - 1 - $0 })).sorted()
        }
    }
}
