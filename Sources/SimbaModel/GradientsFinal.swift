// Where a model's backward says that the end of the flat gradient buffer is final, so that a gradient
// sum over processes can start on it while the rest of the backward runs. It sums nothing itself.

import SimbaCore

extension ParameterStore {
    /// The flat offset of the first parameter whose name starts with `prefix` (a module's, e.g.
    /// "block1.0."): where that module's gradients begin. Parameters are registered in state_dict
    /// order, module after module, so a module's gradients are those from this offset to the next
    /// module's. For the model's own use while it is built; the module must have a parameter.
    func firstParameterOffset(_ prefix: String) -> Int {
        guard let entry = entries.first(where: { $0.kind == .parameter && $0.name.hasPrefix(prefix) }) else {
            preconditionFailure("no parameter named \(prefix)…")
        }
        return entry.offset
    }
}
