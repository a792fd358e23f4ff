// Top-1/top-5 accuracy and mean cross-entropy of a classifier's logits, accumulated over batches,
// with a count of images whose logits are not finite. Pure bookkeeping: it runs no model.

import Foundation

/// Running loss and top-k hits over the images seen so far.
public struct ClassificationScores: Sendable {
    public private(set) var images = 0
    public private(set) var lossSum = 0.0
    public private(set) var top1Hits = 0
    public private(set) var top5Hits = 0
    /// Images with a NaN or infinite logit (or loss): counted in `images`, never as a hit nor in
    /// the loss. Any such image makes the scores meaningless; callers refuse them (`checkFinite`).
    public private(set) var nonFiniteImages = 0

    public init() {}

    public var loss: Double { images == 0 ? .nan : lossSum / Double(images) }
    /// Percentages, as timm prints them.
    public var top1: Double { images == 0 ? .nan : 100 * Double(top1Hits) / Double(images) }
    public var top5: Double { images == 0 ? .nan : 100 * Double(top5Hits) / Double(images) }

    /// Adds one batch: logits (batch, classes) and true labels. Loss is plain cross-entropy (no smoothing).
    public mutating func add(logits: UnsafePointer<Float>, labels: UnsafePointer<Int32>, batch: Int, classes: Int) {
        for b in 0..<batch {
            let row = logits + b * classes
            let label = Int(labels[b])
            var maximum = -Float.infinity
            var finite = true
            for k in 0..<classes {
                maximum = max(maximum, row[k])
                finite = finite && row[k].isFinite
            }
            var sum = 0.0
            for k in 0..<classes { sum += exp(Double(row[k] - maximum)) }
            let loss = log(sum) - Double(row[label] - maximum)
            guard finite, loss.isFinite else {
                nonFiniteImages += 1
                continue
            }
            lossSum += loss
            let rank = Self.rank(of: label, in: row, classes: classes)
            if rank < 1 { top1Hits += 1 }
            if rank < 5 { top5Hits += 1 }
        }
        images += batch
    }

    /// The five counts and sums (images, loss sum, top-1 hits, top-5 hits, non-finite images), for
    /// adding the scores of several processes exactly; `init(totals:)` reads them back.
    public var totals: [Double] {
        [Double(images), lossSum, Double(top1Hits), Double(top5Hits), Double(nonFiniteImages)]
    }

    /// Scores from `totals` (of one or several processes, summed element by element).
    public init(totals: [Double]) {
        precondition(totals.count == 5, "scores have five totals")
        images = Int(totals[0])
        lossSum = totals[1]
        top1Hits = Int(totals[2])
        top5Hits = Int(totals[3])
        nonFiniteImages = Int(totals[4])
    }

    /// Throws a NonFiniteOutputError when any image so far had a non-finite logit or loss, saying
    /// how many of the images seen (of `total`) and `advice`: what the user can do.
    public func checkFinite(total: Int, _ advice: @autoclosure () -> String) throws {
        guard nonFiniteImages == 0 else {
            let scope = images < total ? "of the first \(images) images (of \(total))" : "of the \(images) images"
            throw NonFiniteOutputError(
                description: "\(nonFiniteImages) \(scope) produced a NaN or infinite logit or loss, "
                    + "so no accuracy can be given; \(advice())")
        }
    }

    /// How many classes score strictly higher than `label`, ties broken toward lower indices
    /// first (as torch.topk on CPU returns them).
    static func rank(of label: Int, in row: UnsafePointer<Float>, classes: Int) -> Int {
        let score = row[label]
        var rank = 0
        for k in 0..<classes where row[k] > score || (row[k] == score && k < label) { rank += 1 }
        return rank
    }

    /// The `count` best classes of a row, best first.
    public static func topClasses(_ row: UnsafePointer<Float>, classes: Int, count: Int) -> [Int] {
        Array((0..<classes).sorted { row[$0] > row[$1] || (row[$0] == row[$1] && $0 < $1) }.prefix(count))
    }
}
