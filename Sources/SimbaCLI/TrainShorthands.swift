// The everyday options of `simba train` (--epochs, --lr, --batch-size, --seed, --workers), each a
// shorthand for one `--set` key, and the hint that names the `--set` key an unknown option may mean.

import SimbaCore
import SimbaTraining

enum TrainShorthands {
    /// Each option with the config key it sets. The keys are those of `ForecastSettings.keys` and
    /// `VisionSettings.keys`; `data.workers` is a classification key only.
    static let options: [(option: String, key: String)] = [
        ("epochs", "optimization.epochs"), ("lr", "optimization.lr"), ("batch-size", "optimization.batch_size"),
        ("seed", "optimization.seed"), ("workers", "data.workers")
    ]

    /// The help lines of the shorthands.
    static let help = """
          --epochs N      same as --set optimization.epochs=N (on --resume: train the run to N epochs)
          --lr X          same as --set optimization.lr=X
          --batch-size N  same as --set optimization.batch_size=N
          --seed N        same as --set optimization.seed=N
          --workers N     same as --set data.workers=N (classification only)
        """

    /// The `key=value` overrides the shorthands given in `options` stand for, checked against `schema`:
    /// a shorthand whose key the task lacks, or one given together with `--set` of its key, is a
    /// UsageError. The values are checked later, with every other override, by `Config`.
    static func overrides(_ options: Options, schema: ConfigSchema, task: String) throws -> [String] {
        let setKeys = Set(
            options.allValues("set").compactMap { $0.split(separator: "=", maxSplits: 1).first }
                .map { $0.trimmingCharacters(in: .whitespaces) })
        var overrides: [String] = []
        for (option, key) in Self.options {
            guard let value = options.value(option) else { continue }
            guard schema.key(key) != nil else {
                throw UsageError(
                    "--\(option) sets \(key), which a \(task) config does not have (it is a key of "
                        + "classification configs, task: classify); drop --\(option)")
            }
            guard !setKeys.contains(key) else {
                throw UsageError("--\(option) and --set \(key)=… both set \(key); keep one")
            }
            overrides.append("\(key)=\(value)")
        }
        return overrides
    }

    /// " (a config key: --set optimization.warmup_epochs=…)" when the unknown option `name` (dashes
    /// read as underscores) is the name or the path of a key of either task's schema; nil otherwise.
    static func configKeyHint(_ name: String) -> String? {
        let wanted = name.replacingOccurrences(of: "-", with: "_")
        var paths: [String] = []
        for schema in [ConfigSchema.forecast, ConfigSchema.classify] {
            for key in schema.keys where (key.name == wanted || key.path == wanted) && !paths.contains(key.path) {
                paths.append(key.path)
            }
        }
        guard !paths.isEmpty else { return nil }
        let sets = paths.map { "--set \($0)=…" }.joined(separator: " or ")
        return " (a config key: \(sets))"
    }
}
