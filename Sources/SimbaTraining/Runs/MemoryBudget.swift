// Whether a model at a batch fits in this machine's memory, checked before anything is built or
// written: `MemoryEstimate` against MemAvailable and the cgroup's limit. It allocates nothing.

import Foundation
import SimbaModel

/// A model or batch that cannot fit in memory; says how much it needs, what drives it and what to lower.
public struct MemoryError: Error, CustomStringConvertible {
    public let description: String
}

public enum MemoryBudget {
    /// Bytes this process may still take: /proc/meminfo's MemAvailable, lowered to the cgroup v2
    /// limit less its current use when `memory.max` sets one. Nil where neither can be read.
    public static func availableBytes() -> Double? {
        var available: Double?
        if let text = try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8),
            let line = text.split(separator: "\n").first(where: { $0.hasPrefix("MemAvailable:") }),
            let kibibytes = Double(line.split(separator: " ").dropFirst().first ?? "")
        {
            available = kibibytes * 1024
        }
        let read = { (name: String) in
            (try? String(contentsOfFile: "/sys/fs/cgroup/" + name, encoding: .utf8))
                .flatMap { Double($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        }
        if let limit = read("memory.max") {
            let left = max(0, limit - (read("memory.current") ?? 0))
            available = min(available ?? left, left)
        }
        return available
    }

    /// The estimate of `estimate(batch)`; throws a `MemoryError` when it exceeds `available`, naming
    /// `batchSetting` (`optimization.batch_size`, `--batch-size`) with the largest batch that fits, or
    /// `sizeSettings` when even one sample does not fit. Without a known `available` nothing is refused.
    public static func check(
        batch: Int, batchSetting: String, sizeSettings: String,
        available: Double? = availableBytes(),
        estimate: (Int) -> MemoryEstimate
    ) throws -> MemoryEstimate {
        let needed = estimate(batch)
        guard let available, needed.bytes > available else { return needed }
        let have = MemoryEstimate.describe(bytes: available)
        guard batch > 1, estimate(1).bytes <= available else {
            let parameters = MemoryEstimate.describe(bytes: 4 * needed.parameters)
            throw MemoryError(
                description: "the model needs about \(MemoryEstimate.describe(bytes: estimate(1).bytes)) "
                    + "even at batch 1 (\(parameters) of parameters; \(sizeSettings) drive it), this machine has "
                    + "\(have) available; choose a smaller model")
        }
        var fits = 1, tooBig = batch
        while tooBig - fits > 1 {
            let middle = fits + (tooBig - fits) / 2
            if estimate(middle).bytes <= available { fits = middle } else { tooBig = middle }
        }
        throw MemoryError(
            description: "the model at batch \(batch) needs about "
                + "\(MemoryEstimate.describe(bytes: needed.bytes)) (\(batchSetting) drives it), this machine has "
                + "\(have) "
                + "available; lower \(batchSetting) to \(fits) or less")
    }

    /// Throws a `MemoryError` when `bytes`, held for `what` (e.g. "the logits of 1000 images × 10
    /// classes"), exceed `available`; `advice` says what to change. For results whose size the data
    /// decides rather than the model. Without a known `available` nothing is refused.
    public static func require(
        bytes: Double, for what: String, advice: String,
        available: Double? = availableBytes()
    ) throws {
        guard let available, bytes > available else { return }
        throw MemoryError(
            description: "\(what) need about \(MemoryEstimate.describe(bytes: bytes)), this machine has "
                + "\(MemoryEstimate.describe(bytes: available)) available; \(advice)")
    }

    /// `check` for a vision model; the defaults are an evaluation's (`simba eval`, a checkpoint's model).
    @discardableResult
    public static func check(
        _ model: VisionConfig, batch: Int, training: Bool = false,
        batchSetting: String = "--batch-size",
        sizeSettings: String = "the checkpoint's model sizes",
        available: Double? = availableBytes()
    ) throws -> MemoryEstimate {
        try check(batch: batch, batchSetting: batchSetting, sizeSettings: sizeSettings, available: available) {
            MemoryEstimate.vision(model, batch: $0, training: training)
        }
    }

    /// `check` for SiMBA-TS; the defaults are an evaluation's (`simba forecast`, a checkpoint's model).
    @discardableResult
    public static func check(
        _ model: TimeSeriesConfig, batch: Int, training: Bool = false,
        batchSetting: String = "--batch-size",
        sizeSettings: String = "the checkpoint's model sizes",
        available: Double? = availableBytes()
    ) throws -> MemoryEstimate {
        try check(batch: batch, batchSetting: batchSetting, sizeSettings: sizeSettings, available: available) {
            MemoryEstimate.timeSeries(
                model, batch: $0, shards: ForecastBatchSplit.shardCount(batch: $0),
                training: training)
        }
    }
}
