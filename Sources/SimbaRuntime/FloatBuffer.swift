// An owned, zero-initialised, 64-byte aligned float32 array: the storage behind parameters,
// gradients and activations. It does no arithmetic and never resizes.

import Foundation

/// Owned float32 storage, aligned for AVX-512 loads, freed in `deinit`.
///
/// Kernels take raw pointers; a `FloatBuffer` only owns the memory. Allocate once, outside the
/// training step, and reuse.
public final class FloatBuffer: @unchecked Sendable {
    public let count: Int
    public let pointer: UnsafeMutablePointer<Float>

    /// Sizes from outside are checked before they get here (`MemoryBudget` refuses a model that cannot
    /// fit), so a failure is the machine running out of memory after that check: it stops the process
    /// with the bytes asked for. The check stays in builds without preconditions (`-Ounchecked`).
    public init(count: Int) {
        precondition(count >= 0, "FloatBuffer count must be non-negative")
        self.count = count
        let (bytes, overflow) = max(count, 1).multipliedReportingOverflow(by: MemoryLayout<Float>.stride)
        var raw: UnsafeMutableRawPointer?
        guard !overflow, posix_memalign(&raw, 64, bytes) == 0, let raw else {
            let asked = overflow ? "more than Int.max" : "\(bytes)"
            fatalError(
                "out of memory: could not allocate \(count) floats (\(asked) bytes); "
                    + "free memory or lower the batch size")
        }
        pointer = raw.bindMemory(to: Float.self, capacity: max(count, 1))
        pointer.initialize(repeating: 0, count: max(count, 1))
    }

    public convenience init(_ values: [Float]) {
        self.init(count: values.count)
        values.withUnsafeBufferPointer { pointer.update(from: $0.baseAddress!, count: values.count) }
    }

    deinit { free(pointer) }

    public var buffer: UnsafeMutableBufferPointer<Float> { .init(start: pointer, count: count) }

    public func zero() { Parallel.zero(pointer, count: count) }

    public var array: [Float] { Array(buffer) }

    public subscript(index: Int) -> Float {
        get { pointer[index] }
        set { pointer[index] = newValue }
    }
}
