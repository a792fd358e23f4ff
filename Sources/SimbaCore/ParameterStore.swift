// The model's parameters, gradients and buffers as flat float32 arrays laid out by one table of
// (PyTorch name, shape). It allocates and initialises; it does not know any layer's arithmetic.

import Foundation

/// How a tensor is filled when the model is created (before any checkpoint is loaded).
public enum Initializer: Sendable {
    case zeros
    case constant(Float)
    /// N(0, std²).
    case normal(std: Float)
    /// U(−bound, bound).
    case uniform(bound: Float)
    /// Any other rule (Mamba's `A_log`, `dt_proj.bias`): fills the tensor from the generator.
    case custom(@Sendable (UnsafeMutableBufferPointer<Float>, inout RandomGenerator) -> Void)
}

/// What kind of layer a tensor belongs to, for init schemes that dispatch on the module type
/// (SiMBA's `_init_weights` treats nn.Linear and nn.Conv2d specially).
public enum TensorRole: Sendable, Equatable {
    case plain
    case linearWeight
    case linearBias
    /// An nn.Conv2d weight; `fanOut` = kh·kw·out_channels/groups.
    case conv2dWeight(fanOut: Int)
    case conv2dBias
}

/// One named tensor in the store. `offset` indexes `values`/`gradients` for a parameter and
/// `buffers` for a buffer (BatchNorm running statistics).
public struct TensorEntry: Sendable {
    public enum Kind: Sendable { case parameter, buffer }
    public let name: String
    public let shape: [Int]
    public let kind: Kind
    public let offset: Int
    /// AdamW applies weight decay to this parameter (the official grouping: no decay for biases
    /// and 1-D parameters). Changeable before the optimizer is made.
    public var decay: Bool
    public internal(set) var initializer: Initializer
    public let role: TensorRole
    public var count: Int { shape.reduce(1, *) }
}

/// A view of one tensor: where its values (and gradient, for a parameter) live.
///
/// Valid while the store is alive and after `allocate()`; modules keep these and read the
/// pointers at call time, so the reads touch no reference count: the store is held
/// `unowned(unsafe)` (modules never outlive the store they registered in) and the entry's kind,
/// offset and count are copied out once.
public struct TensorRef: @unchecked Sendable {
    public let entry: TensorEntry
    unowned(unsafe) let store: ParameterStore
    let isParameter: Bool
    let offset: Int
    public let count: Int

    init(entry: TensorEntry, store: ParameterStore) {
        self.entry = entry
        self.store = store
        isParameter = entry.kind == .parameter
        offset = entry.offset
        count = entry.count
    }

    public var value: UnsafeMutablePointer<Float> {
        precondition(store.isAllocated, "parameter store used before allocate()")
        return (isParameter ? store.values.pointer : store.buffers.pointer) + offset
    }
    public var gradient: UnsafeMutablePointer<Float> {
        precondition(isParameter, "\(entry.name) is a buffer and has no gradient")
        precondition(store.isAllocated, "parameter store used before allocate()")
        return store.gradients.pointer + offset
    }
}

/// Every parameter of a model in one flat `values` array, with `gradients` of the same layout, and
/// every buffer in one flat `buffers` array. The table order is the PyTorch `state_dict` order.
///
/// Modules register their tensors while they are built (`parameter`, `buffer`); `allocate` then
/// makes the arrays once and `initialize` fills them. A gradient allreduce, the optimizer and
/// checkpoint I/O are each one loop over these arrays and this table.
public final class ParameterStore: @unchecked Sendable {
    public private(set) var entries: [TensorEntry] = []
    private var index: [String: Int] = [:]
    public private(set) var parameterCount = 0
    public private(set) var bufferCount = 0
    public private(set) var values = FloatBuffer(count: 0)
    public private(set) var gradients = FloatBuffer(count: 0)
    public private(set) var buffers = FloatBuffer(count: 0)
    public private(set) var isAllocated = false

    public init() {}

    /// Registers a trainable parameter. Decay defaults to the official grouping: tensors with
    /// more than one dimension that are not biases.
    public func parameter(
        _ name: String, _ shape: [Int], _ initializer: Initializer, role: TensorRole = .plain
    ) -> TensorRef {
        let decay = shape.count > 1 && !name.hasSuffix(".bias")
        return register(name, shape, .parameter, decay: decay, initializer, role: role)
    }

    /// Registers a non-trainable buffer (saved in checkpoints, not optimised).
    public func buffer(_ name: String, _ shape: [Int], _ initializer: Initializer) -> TensorRef {
        register(name, shape, .buffer, decay: false, initializer, role: .plain)
    }

    private func register(
        _ name: String, _ shape: [Int], _ kind: TensorEntry.Kind, decay: Bool, _ initializer: Initializer,
        role: TensorRole
    ) -> TensorRef {
        precondition(!isAllocated, "cannot register \(name) after allocate()")
        precondition(index[name] == nil, "tensor \(name) registered twice")
        precondition(shape.allSatisfy { $0 > 0 }, "tensor \(name) has shape \(shape)")
        let count = shape.reduce(1, *)
        let offset: Int
        switch kind {
        case .parameter: offset = parameterCount; parameterCount += count
        case .buffer: offset = bufferCount; bufferCount += count
        }
        let entry = TensorEntry(
            name: name, shape: shape, kind: kind, offset: offset, decay: decay, initializer: initializer, role: role)
        index[name] = entries.count
        entries.append(entry)
        return TensorRef(entry: entry, store: self)
    }

    /// Makes the flat arrays. Call once, after every module has registered.
    public func allocate() {
        precondition(!isAllocated, "allocate() called twice")
        values = FloatBuffer(count: parameterCount)
        gradients = FloatBuffer(count: parameterCount)
        buffers = FloatBuffer(count: bufferCount)
        isAllocated = true
    }

    /// Makes only the gradient array and reads values and buffers from `other`, a store with the
    /// same table (a replica of the same model that computes gradients for part of a batch). The
    /// values are `other`'s memory: loading or updating them there changes them here too.
    public func allocate(sharingValuesWith other: ParameterStore) {
        precondition(!isAllocated, "allocate() called twice")
        precondition(other.isAllocated, "share values only from an allocated store")
        precondition(
            entries.map(\.name) == other.entries.map(\.name) && entries.map(\.shape) == other.entries.map(\.shape),
            "a store shares values only with a store of the same tensors")
        values = other.values
        gradients = FloatBuffer(count: parameterCount)
        buffers = other.buffers
        isAllocated = true
    }

    /// Fills every tensor by its initializer, in table order, from one generator.
    public func initialize(seed: UInt64) {
        precondition(isAllocated, "initialize() before allocate()")
        var generator = RandomGenerator(seed: seed)
        for entry in entries {
            let base = entry.kind == .parameter ? values.pointer : buffers.pointer
            let target = UnsafeMutableBufferPointer(start: base + entry.offset, count: entry.count)
            switch entry.initializer {
            case .zeros: target.update(repeating: 0)
            case .constant(let c): target.update(repeating: c)
            case .normal(let std): for i in target.indices { target[i] = std * generator.normal() }
            case .uniform(let bound): for i in target.indices { target[i] = generator.uniform(-bound, bound) }
            case .custom(let fill): fill(target, &generator)
            }
        }
    }

    /// The tensor called `name`, or nil.
    public func tensor(_ name: String) -> TensorRef? {
        index[name].map { TensorRef(entry: entries[$0], store: self) }
    }

    public subscript(name: String) -> TensorRef {
        guard let ref = tensor(name) else { preconditionFailure("no tensor named \(name)") }
        return ref
    }

    /// Replaces the initializer of every tensor for which `rule` returns one (a model-wide init
    /// scheme such as SiMBA's `_init_weights`). Call before `initialize`.
    public func reinitialize(_ rule: (TensorEntry) -> Initializer?) {
        for i in entries.indices {
            if let initializer = rule(entries[i]) { entries[i].initializer = initializer }
        }
    }

    /// Sets the weight-decay flag of every parameter for which `rule` returns a value.
    public func setDecay(_ rule: (TensorEntry) -> Bool) {
        for i in entries.indices where entries[i].kind == .parameter { entries[i].decay = rule(entries[i]) }
    }

    public func zeroGradients() { gradients.zero() }
}
