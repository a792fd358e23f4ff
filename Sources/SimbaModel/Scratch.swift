// Scratch memory shared by the modules of one model: what each module uses during one forward or
// backward call, laid out like a call stack. Nothing kept from forward to backward lives here.

import SimbaCore

/// One module's claim on scratch memory: the buffers its forward call and its backward call use
/// while they run, and the claims of the modules it calls.
///
/// A module lists at init the largest size of each buffer a forward call takes and of each buffer
/// a backward call takes, and the claims of the modules it calls, which it adopts as children. The
/// claims form the model's call tree. On first use the root lays the tree out as a call stack, once
/// per direction: a claim's buffers start where its caller's buffers end, and the modules one
/// caller calls (which run one after another) all start at the same place. A call and every call
/// it makes therefore get disjoint memory, and the whole model needs only its deepest path — one
/// layer's backward scratch, not one per layer.
///
/// Checked by preconditions at every call: a claim's call runs only inside its parent's call of the
/// same direction (a root only when no call is running), so the nesting is the declared one; and
/// each buffer taken is at most its declared size.
///
/// Lifetime: what a call writes stays valid after it returns until its caller makes another call
/// of that direction (to any child). A module may so return a forward output held in its scratch;
/// the caller reads it before calling anything else.
///
/// The root allocates the memory lazily: the forward layout at the first forward call, grown to
/// the backward layout at the first backward call, so a model that only runs forward (evaluation,
/// inference) never allocates backward scratch.
public final class Scratch {
    public enum Direction { case forward, backward }

    /// Declared sizes, in floats, of the buffers one call takes, in the order it takes them.
    let forwardCounts: [Int]
    let backwardCounts: [Int]
    private(set) var children: [Scratch] = []
    private(set) weak var parent: Scratch?
    /// Offsets of this claim's buffers in the root's memory, set by the root's layout.
    private(set) var forwardOffset = 0
    private(set) var backwardOffset = 0
    private var laidOut = false

    // Root only: the memory, the layout's sizes and the running call.
    private var memory: FloatBuffer?
    private var forwardCapacity = 0
    private var backwardCapacity = 0
    private weak var running: Scratch?
    private var runningDirection = Direction.forward

    /// Buffers are placed at multiples of 16 floats (64 bytes, as `FloatBuffer` aligns).
    static func rounded(_ count: Int) -> Int { (count + 15) / 16 * 16 }

    /// `forward` and `backward`: the largest size of each buffer one call takes, in take order.
    /// `children`: the claims of the modules this module calls (nil entries are skipped), which
    /// must not belong to another claim yet.
    public init(forward: [Int] = [], backward: [Int] = [], children: [Scratch?] = []) {
        precondition((forward + backward).allSatisfy { $0 >= 0 }, "Scratch sizes must be non-negative")
        forwardCounts = forward
        backwardCounts = backward
        for case let child? in children {
            precondition(
                child.parent == nil && !child.laidOut, "Scratch: a module's claim can be adopted once, before first use"
            )
            child.parent = self
            self.children.append(child)
        }
    }

    var forwardSize: Int { forwardCounts.reduce(0) { $0 + Self.rounded($1) } }
    var backwardSize: Int { backwardCounts.reduce(0) { $0 + Self.rounded($1) } }

    var root: Scratch {
        var node = self
        while let up = node.parent { node = up }
        return node
    }

    /// Floats the root allocates for each direction (its deepest path); lays the tree out if needed.
    var capacity: (forward: Int, backward: Int) {
        let root = self.root
        root.layOut()
        return (root.forwardCapacity, root.backwardCapacity)
    }

    /// Floats held right now by the root's memory.
    var allocated: Int { root.memory?.count ?? 0 }

    private func layOut() {
        guard !laidOut else { return }
        func place(_ node: Scratch, forward: Int, backward: Int) {
            node.forwardOffset = forward
            node.backwardOffset = backward
            node.laidOut = true
            let forwardEnd = forward + node.forwardSize, backwardEnd = backward + node.backwardSize
            forwardCapacity = max(forwardCapacity, forwardEnd)
            backwardCapacity = max(backwardCapacity, backwardEnd)
            for child in node.children { place(child, forward: forwardEnd, backward: backwardEnd) }
        }
        place(self, forward: 0, backward: 0)
    }

    /// Runs `body` as this module's forward call, with its forward buffers.
    public func withForward<Result>(_ body: (inout Buffers) -> Result) -> Result {
        call(.forward, body)
    }

    /// Runs `body` as this module's backward call, with its backward buffers.
    public func withBackward<Result>(_ body: (inout Buffers) -> Result) -> Result {
        call(.backward, body)
    }

    private func call<Result>(_ direction: Direction, _ body: (inout Buffers) -> Result) -> Result {
        let root = self.root
        if let parent {
            precondition(
                root.running === parent && root.runningDirection == direction,
                "Scratch: a module's \(direction) call must run inside its parent's \(direction) call")
        } else {
            precondition(root.running == nil, "Scratch: the root's call must not be nested")
            root.prepare(direction)
        }
        root.running = self
        root.runningDirection = direction
        defer { root.running = parent }
        let counts = direction == .forward ? forwardCounts : backwardCounts
        let offset = direction == .forward ? forwardOffset : backwardOffset
        var buffers = Buffers(base: root.memory!.pointer + offset, counts: counts)
        return body(&buffers)
    }

    /// Root: lays the tree out and makes sure the memory covers `direction`'s layout (backward
    /// covers both). Growing replaces the memory, which is safe here: no call is running, and
    /// nothing in scratch outlives the caller's next call.
    private func prepare(_ direction: Direction) {
        layOut()
        let needed = direction == .forward ? forwardCapacity : max(forwardCapacity, backwardCapacity)
        if (memory?.count ?? -1) < needed {
            memory = nil
            memory = FloatBuffer(count: needed)
        }
    }

    /// The buffers of one call, handed out in declaration order.
    public struct Buffers {
        let base: UnsafeMutablePointer<Float>
        let counts: [Int]
        private var index = 0
        private var offset = 0

        init(base: UnsafeMutablePointer<Float>, counts: [Int]) {
            self.base = base
            self.counts = counts
        }

        /// The next declared buffer, of which the call uses `count` floats (at most its declared size).
        public mutating func take(_ count: Int) -> UnsafeMutablePointer<Float> {
            precondition(index < counts.count, "Scratch: more buffers taken than declared (\(counts.count))")
            precondition(
                count <= counts[index], "Scratch: buffer \(index) needs \(count) floats, declared \(counts[index])")
            defer {
                offset += Scratch.rounded(counts[index])
                index += 1
            }
            return base + offset
        }
    }
}
