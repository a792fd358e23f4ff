// The floats a model really holds: every FloatBuffer reachable from an object through stored
// properties, each counted once. For memory-estimate tests; it measures nothing else.

import SimbaCore

/// Floats held by every `FloatBuffer` reachable from `root` through stored properties (each
/// object counted once, so buffers two instances share count once).
public func allocatedFloats(_ root: AnyObject) -> Double {
    var seen: Set<ObjectIdentifier> = []
    var total = 0.0
    func visit(_ value: Any) {
        let mirror = Mirror(reflecting: value)
        if mirror.displayStyle == .class {
            let object = value as AnyObject
            guard seen.insert(ObjectIdentifier(object)).inserted else { return }
            if let buffer = object as? FloatBuffer {
                total += Double(buffer.count)
                return
            }
        }
        var level: Mirror? = mirror
        while let current = level {
            for child in current.children { visit(child.value) }
            level = current.superclassMirror
        }
    }
    visit(root)
    return total
}
