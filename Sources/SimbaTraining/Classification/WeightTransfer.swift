// The starting weights of a fine-tuning run (`model.init`): which tensors of a checkpoint or of
// official weights load into the model and which classifier heads start anew. It trains nothing.

import Foundation
import SimbaCore
import SimbaSafetensors

/// A plan to start a model from another model's weights, with the official code's `--finetune`
/// rule: every tensor of the model whose name and shape the file holds (F32) is loaded; `head.*`
/// and `aux_head.*` tensors that the file holds for another class count (the same shape but the
/// first dimension) keep the model's own initialisation (SiMBA's `_init_weights`, from the run's
/// seed). Any other tensor of the model the file lacks or holds with another shape, and any tensor
/// of the file the model lacks (PyTorch's `num_batches_tracked` counters aside), is an error that
/// lists them. The plan is made from the file's header and the model's table, before the model
/// (and its batch-sized buffers) is built.
public struct WeightTransfer: Sendable {
    /// The safetensors file read (a run folder's best.safetensors when a folder was given).
    public let path: String
    /// Names of the tensors loaded from the file, in the model's order.
    public let loaded: [String]
    /// Names of the head tensors left at their initialisation, and the file's class count for them.
    public let reinitialised: [String]
    public let fileClasses: Int?
    /// Values the loaded tensors hold.
    public let loadedValues: Int

    /// The plan for `given` (a safetensors file, or a run folder whose best.safetensors is read)
    /// against the model's tensor `table`; throws a CheckpointError naming `model.init` for a file
    /// that is missing, damaged or does not fit as the type's rule says.
    public static func plan(_ given: String, table: [TensorEntry]) throws -> WeightTransfer {
        var isFolder: ObjCBool = false
        let exists = FileManager.default.fileExists(atPath: given, isDirectory: &isFolder)
        let path = exists && isFolder.boolValue ? given + "/best.safetensors" : given
        let header: SafetensorsHeader
        do {
            header = try SafetensorsHeader(path: path)
        } catch let error as SafetensorsError {
            throw CheckpointError(
                path: path,
                problem: "model.init: \(error.problem); give a simba checkpoint (or "
                    + "its run folder) or official weights converted to safetensors")
        }
        var loaded: [String] = [], heads: [String] = [], missing: [String] = [], misshaped: [String] = []
        var fileClasses: Int?, values = 0
        for entry in table {
            guard let tensor = header.tensors[entry.name] else {
                missing.append(entry.name)
                continue
            }
            if tensor.dtype == "F32" && tensor.shape == entry.shape {
                loaded.append(entry.name)
                values += entry.count
            } else if isHead(entry.name), tensor.dtype == "F32", tensor.shape.count == entry.shape.count,
                tensor.shape.dropFirst() == entry.shape.dropFirst(), let classes = tensor.shape.first
            {
                heads.append(entry.name)
                fileClasses = classes
            } else {
                misshaped.append("\(entry.name) (file \(tensor.dtype) \(tensor.shape), model F32 \(entry.shape))")
            }
        }
        let known = Set(table.map(\.name))
        let unexpected = header.names.filter { !known.contains($0) && !$0.hasSuffix("num_batches_tracked") }
            .map { quoted($0, marks: false) }
        guard missing.isEmpty && misshaped.isEmpty && unexpected.isEmpty else {
            var lines = [
                "model.init: the weights do not fit the model (only head.* and aux_head.* may differ, in "
                    + "their class count):"
            ]
            for (title, names) in [("missing", missing), ("unexpected", unexpected), ("wrong shape", misshaped)]
            where !names.isEmpty {
                let shown = names.prefix(StateDictMismatch.shownPerList).joined(separator: ", ")
                let more =
                    names.count > StateDictMismatch.shownPerList
                    ? ", … and \(names.count - StateDictMismatch.shownPerList) more" : ""
                lines.append("  \(title) (\(names.count)): \(shown)\(more)")
            }
            lines.append(
                "Set the model keys (model.variant, sizes, channel_mixer, token_label) to those the weights "
                    + "were trained with.")
            throw CheckpointError(path: path, problem: lines.joined(separator: "\n"))
        }
        return WeightTransfer(
            path: path, loaded: loaded, reinitialised: heads, fileClasses: fileClasses,
            loadedValues: values)
    }

    /// Whether `name` is a classifier head's tensor, which may differ in class count.
    static func isHead(_ name: String) -> Bool {
        name.hasPrefix("head.") || name.hasPrefix("aux_head.")
    }

    /// Reads the planned tensors into `store` (the model the plan was made for); the others keep
    /// their values.
    public func apply(to store: ParameterStore) throws {
        let file = try SafetensorsFile(path: path)
        for name in loaded {
            guard let tensor = store.tensor(name) else { preconditionFailure("\(name) is not in the planned model") }
            try file.read(name, into: tensor.value, count: tensor.count)
        }
    }

    /// The log line: what was loaded from where and which heads start anew.
    public var summary: String {
        let base = "init: \(loaded.count) tensors (\(loadedValues) values) loaded from \(path)"
        guard !reinitialised.isEmpty else { return base + "; nothing re-initialised" }
        let classes = fileClasses.map { " (the file's heads have \($0) classes)" } ?? ""
        return base + "; re-initialised\(classes): " + reinitialised.joined(separator: ", ")
    }
}
