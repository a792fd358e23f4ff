// JSON for checkpoint metadata with its keys sorted, so a run writes the same bytes each time: the
// key order of a plain JSONEncoder follows a hash that changes from process to process.

import Foundation

enum MetadataJSON {
    static func string<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}
