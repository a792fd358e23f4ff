// Which positions of each batch a loader prepares, so that one process of a data-parallel job decodes
// only the images it runs. It does not decide which samples a batch holds; the loader's order does.

/// The positions of a batch (0 ..< count) an `ImageLoader` decodes and delivers, for every batch
/// size `count` up to `batchSize` (an epoch's last batch may be smaller). The positions not selected
/// are not read at all; their labels are still delivered.
public struct BatchSelection: Sendable {
    public let batchSize: Int
    /// The most positions selected in any batch: how many images a delivery holds at most.
    public let capacity: Int
    private let select: @Sendable (Int) -> [Int]

    /// `positions(count)` gives ascending, distinct positions in 0 ..< count, for each count in
    /// 1 ... batchSize (checked here, once, for every count).
    public init(batchSize: Int, positions: @escaping @Sendable (Int) -> [Int]) {
        precondition(batchSize > 0, "batchSize must be positive")
        var capacity = 0
        for count in 1...batchSize {
            let chosen = positions(count)
            precondition(
                zip(chosen, chosen.dropFirst()).allSatisfy { $0 < $1 }
                    && chosen.allSatisfy { (0..<count).contains($0) },
                "positions(\(count)) must be ascending and below \(count), got \(chosen)")
            capacity = max(capacity, chosen.count)
        }
        self.batchSize = batchSize
        self.capacity = capacity
        select = positions
    }

    /// The selected positions of a batch of `count` (1 ... batchSize), ascending.
    public func positions(count: Int) -> [Int] {
        precondition((1...batchSize).contains(count), "a batch of \(count) outside 1...\(batchSize)")
        return select(count)
    }
}

/// One delivery of a selecting loader: the batch's size, which positions it prepared and which of
/// those could not be read. Image i of the delivery belongs to `positions[i]`.
public struct SelectedBatch: Equatable, Sendable {
    /// Positions in the batch, unreadable ones included.
    public let count: Int
    /// The selected positions, ascending.
    public let positions: [Int]
    /// The selected positions whose file could not be read, ascending; their images are left as
    /// they were.
    public let failed: [Int]

    /// Where `position`'s image is in the delivery, or nil when it was not selected.
    public func index(of position: Int) -> Int? {
        var (low, high) = (0, positions.count)
        while low < high {
            let middle = (low + high) / 2
            if positions[middle] < position { low = middle + 1 } else { high = middle }
        }
        return low < positions.count && positions[low] == position ? low : nil
    }
}
