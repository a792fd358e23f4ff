// The JSON encoders runs write with: both sort their keys, since a plain JSONEncoder orders them by
// a hash that changes from process to process.

import Foundation

extension JSONEncoder {
    /// Sorted keys, indented: for files people read.
    static var pretty: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return encoder
    }

    /// Sorted keys, compact: checkpoint metadata, so a run writes the same bytes each time.
    static var sorted: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }
}
