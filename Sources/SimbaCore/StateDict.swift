// Moves a ParameterStore to and from safetensors files under the PyTorch state_dict names, so a
// PyTorch state_dict loads as it is. It does not hold optimizer state (see the training state).

import Foundation

/// A weights file that does not fit the model: lists every missing, unexpected and mis-shaped tensor.
public struct StateDictMismatch: Error, CustomStringConvertible {
    public let path: String
    public let missing: [String]
    public let unexpected: [String]
    public let misshaped: [String]

    public var description: String {
        var lines = ["\(path) does not fit the model:"]
        if !missing.isEmpty { lines.append("  missing (\(missing.count)): " + missing.joined(separator: ", ")) }
        if !unexpected.isEmpty { lines.append("  unexpected (\(unexpected.count)): " + unexpected.joined(separator: ", ")) }
        if !misshaped.isEmpty { lines.append("  wrong shape (\(misshaped.count)): " + misshaped.joined(separator: ", ")) }
        lines.append("Check that the model options the weights were trained with (sizes, channel mixer, classes, token labelling) are the ones given here.")
        return lines.joined(separator: "\n")
    }
}

extension ParameterStore {
    /// Every parameter and buffer, in table order, as safetensors bytes.
    public func encodeStateDict(metadata: [String: String]) -> Data {
        let tensors = entries.map { entry in
            (name: entry.name, shape: entry.shape,
             values: UnsafePointer((entry.kind == .parameter ? values.pointer : buffers.pointer) + entry.offset))
        }
        return SafetensorsFile.encode(tensors, metadata: metadata)
    }

    /// Writes every parameter and buffer atomically to `path`.
    public func saveStateDict(to path: String, metadata: [String: String]) throws {
        try AtomicFile.write(encodeStateDict(metadata: metadata), to: path)
    }

    /// Loads every parameter and buffer from `file`. Checks the whole file before changing
    /// anything: on a mismatch the store is untouched. `num_batches_tracked` tensors (PyTorch
    /// BatchNorm counters) are ignored; `ignoring` names other tensors to skip (e.g. fixture extras).
    public func loadStateDict(from file: SafetensorsFile, ignoring: (String) -> Bool = { _ in false }) throws {
        var missing: [String] = [], misshaped: [String] = []
        let known = Set(entries.map(\.name))
        for entry in entries {
            guard let tensor = file.tensors[entry.name] else {
                missing.append(entry.name)
                continue
            }
            if tensor.shape != entry.shape || tensor.dtype != "F32" {
                misshaped.append("\(entry.name) (file \(tensor.dtype) \(tensor.shape), model F32 \(entry.shape))")
            }
        }
        let unexpected = file.names.filter {
            !known.contains($0) && !$0.hasSuffix("num_batches_tracked") && !ignoring($0)
        }
        guard missing.isEmpty && unexpected.isEmpty && misshaped.isEmpty else {
            throw StateDictMismatch(path: file.path, missing: missing, unexpected: unexpected, misshaped: misshaped)
        }
        for entry in entries {
            let base = entry.kind == .parameter ? values.pointer : buffers.pointer
            try file.read(entry.name, into: base + entry.offset, count: entry.count)
        }
    }
}
