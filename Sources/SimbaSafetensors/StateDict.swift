// Moves a ParameterStore to and from safetensors files under the PyTorch state_dict names, so a
// PyTorch state_dict loads as it is. It does not hold optimizer state (see the training state).

import Foundation
import SimbaCore

/// A weights file that does not fit the model: counts every missing, unexpected and mis-shaped
/// tensor and names the first `shownPerList` of each.
public struct StateDictMismatch: Error, CustomStringConvertible {
    public let path: String
    public let missing: [String]
    public let unexpected: [String]
    public let misshaped: [String]

    /// Names listed per kind of mismatch in the description; the rest are counted.
    public static let shownPerList = 8

    public var description: String {
        var lines = ["\(path) does not fit the model:"]
        let lists = [("missing", missing), ("unexpected", unexpected), ("wrong shape", misshaped)]
        for (title, names) in lists where !names.isEmpty {
            let shown = names.prefix(Self.shownPerList).joined(separator: ", ")
            let more = names.count > Self.shownPerList ? ", … and \(names.count - Self.shownPerList) more" : ""
            lines.append("  \(title) (\(names.count)): \(shown)\(more)")
        }
        lines.append(
            "Check that the model options the weights were trained with (sizes, channel mixer, classes, "
                + "token labelling) are the ones given here.")
        return lines.joined(separator: "\n")
    }
}

extension SafetensorsHeader {
    /// Throws `StateDictMismatch` unless this header holds exactly the tensors of `table` (a
    /// model's parameter table, which need not be allocated), each F32 with the table's shape.
    /// `num_batches_tracked` tensors (PyTorch BatchNorm counters) are ignored, and so are the
    /// names `ignoring` accepts. Reads no tensor data, so it can run before the model is built.
    public func checkFits(_ table: [TensorEntry], ignoring: (String) -> Bool = { _ in false }) throws {
        var missing: [String] = [], misshaped: [String] = []
        let known = Set(table.map(\.name))
        for entry in table {
            guard let tensor = tensors[entry.name] else {
                missing.append(entry.name)
                continue
            }
            if tensor.shape != entry.shape || tensor.dtype != "F32" {
                let fileShape = Self.describe(tensor.shape)
                misshaped.append("\(entry.name) (file \(tensor.dtype) \(fileShape), model F32 \(entry.shape))")
            }
        }
        let unexpected = names.filter {
            !known.contains($0) && !$0.hasSuffix("num_batches_tracked") && !ignoring($0)
        }.map { quoted($0, marks: false) }
        guard missing.isEmpty && unexpected.isEmpty && misshaped.isEmpty else {
            throw StateDictMismatch(path: path, missing: missing, unexpected: unexpected, misshaped: misshaped)
        }
    }
}

extension ParameterStore {
    /// Every parameter and buffer, in table order, as safetensors bytes.
    public func encodeStateDict(metadata: [String: String]) -> Data {
        let tensors = entries.map { entry in
            (
                name: entry.name, shape: entry.shape,
                values: UnsafePointer((entry.kind == .parameter ? values.pointer : buffers.pointer) + entry.offset)
            )
        }
        return SafetensorsFile.encode(tensors, metadata: metadata)
    }

    /// Writes every parameter and buffer atomically to `path`.
    public func saveStateDict(to path: String, metadata: [String: String]) throws {
        try AtomicFile.write(encodeStateDict(metadata: metadata), to: path)
    }

    /// Loads every parameter and buffer from `file`. Checks the whole file before changing
    /// anything (`SafetensorsHeader.checkFits`): on a mismatch the store is untouched.
    public func loadStateDict(from file: SafetensorsFile, ignoring: (String) -> Bool = { _ in false }) throws {
        try file.header.checkFits(entries, ignoring: ignoring)
        for entry in entries {
            let base = entry.kind == .parameter ? values.pointer : buffers.pointer
            try file.read(entry.name, into: base + entry.offset, count: entry.count)
        }
    }
}
