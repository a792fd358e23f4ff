// Which config changes a resumed run accepts: the keys that cannot change what the finished epochs
// would have led to (or only the schedule's length), compared with the config its checkpoint holds.

import Foundation
import SimbaCore
import SimbaSafetensors

/// The rule for changing a run's config when it resumes. A resumed run reads its folder's
/// config.yaml plus the command line's overrides; the checkpoint (last.safetensors) holds the
/// config the run was trained with. Keys of `changeable` may differ between the two: they change
/// neither the weights nor the order of anything drawn (`data.workers`: batches are the same for
/// any worker count; `output.log_every`: only the progress lines), or only the length of the
/// schedule (`optimization.epochs`, which stretches the cosine schedule from the current step on,
/// and, for forecasting, `optimization.patience`). Any other difference is refused unless allowed
/// (`--allow-config-change`): the run would then no longer be the one its first epochs began.
/// `output.dir` is never compared (a run folder may be moved).
public enum ResumeChanges {
    /// The keys a resume may change, of those `schema` declares.
    public static func changeable(_ schema: ConfigSchema) -> [String] {
        ["optimization.epochs", "optimization.patience", "output.log_every", "data.workers"]
            .filter { schema.key($0) != nil }
    }

    /// The keys whose values differ between `config` and the config saved in the run's checkpoint
    /// `weights` (last.safetensors), as "key (old → new)", split into the changeable and the others.
    /// A folder without a checkpoint (no epoch completed) has nothing to compare: both lists are
    /// empty. A checkpoint without a readable config is a CheckpointError. Also refuses an
    /// `optimization.epochs` below the epochs the run has done.
    public static func differences(_ config: Config, weights: String) throws
        -> (changeable: [String], others: [String])
    {
        guard FileManager.default.fileExists(atPath: weights) else { return ([], []) }
        let metadata: [String: String]
        do {
            metadata = try SafetensorsHeader(path: weights).metadata
        } catch let error as SafetensorsError {
            throw CheckpointError(path: weights, problem: "\(error.problem); the run cannot resume from it")
        }
        let saved: Config
        do {
            guard let yaml = metadata["config"] else { throw CheckpointError(path: weights, problem: "") }
            saved = try Config(
                schema: config.schema, yaml: yaml, file: weights,
                overrides: ["output.dir=" + config.string("output.dir")])
        } catch {
            throw CheckpointError(
                path: weights,
                problem: "holds no config simba can read (written by another "
                    + "simba or changed by hand), so the run cannot resume from it")
        }
        if let done = metadata["epoch"].flatMap(Int.init), config.int("optimization.epochs") < done {
            throw ConfigCombinationError(
                description: "optimization.epochs is \(config.int("optimization.epochs")) "
                    + "but the run has done \(done) epochs; resume with --epochs above \(done), or leave it")
        }
        let allowed = Set(changeable(config.schema))
        var result: (changeable: [String], others: [String]) = ([], [])
        for key in config.schema.keys
        where key.path != "output.dir" && config.value(key.path) != saved.value(key.path) {
            let change =
                "\(key.path) (\(quoted(ConfigValueParser.yamlScalar(saved.value(key.path)))) → "
                + "\(quoted(ConfigValueParser.yamlScalar(config.value(key.path)))))"
            if allowed.contains(key.path) { result.changeable.append(change) } else { result.others.append(change) }
        }
        return result
    }
}
