// Edits a safetensors file in place at the byte level, as a damaged or hostile checkpoint would be:
// its metadata, or its float32 values set to NaN. It does not check the format.

import Foundation

public enum SafetensorsEditing {
    /// The header (as JSON) and the data section of the file at `path`.
    static func split(_ path: String) throws -> (header: [String: Any], data: Data) {
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        let length = Int(bytes.prefix(8).reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
        let json = try JSONSerialization.jsonObject(with: bytes.subdata(in: 8..<(8 + length)))
        let header = json as? [String: Any] ?? [:]
        return (header, bytes.subdata(in: (8 + length)..<bytes.count))
    }

    /// Writes `header` (space-padded to a multiple of 8) and `data` to `path`.
    static func join(_ header: [String: Any], _ data: Data, to path: String) throws {
        var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        json.append(contentsOf: [UInt8](repeating: 0x20, count: (8 - json.count % 8) % 8))
        var file = Data((0..<8).map { UInt8(truncatingIfNeeded: UInt64(json.count) >> (8 * UInt64($0))) })
        file.append(json)
        file.append(data)
        try file.write(to: URL(fileURLWithPath: path))
    }

    /// Lets `edit` change the `__metadata__` strings of the file at `path`.
    public static func editMetadata(_ path: String, _ edit: (inout [String: String]) throws -> Void) throws {
        var (header, data) = try split(path)
        var metadata = header["__metadata__"] as? [String: String] ?? [:]
        try edit(&metadata)
        header["__metadata__"] = metadata
        try join(header, data, to: path)
    }

    /// Sets every float32 value of the tensors `selected` picks (by name) to NaN; returns their names.
    @discardableResult
    public static func setNaN(_ path: String, where selected: (String) -> Bool) throws -> [String] {
        let (header, original) = try split(path)
        var data = original
        var names: [String] = []
        for (name, entry) in header where name != "__metadata__" && selected(name) {
            guard let entry = entry as? [String: Any], entry["dtype"] as? String == "F32",
                let offsets = entry["data_offsets"] as? [Int], offsets.count == 2
            else { continue }
            let nan = Float.nan.bitPattern
            for offset in stride(from: offsets[0], to: offsets[1], by: 4) {
                for byte in 0..<4 { data[offset + byte] = UInt8(truncatingIfNeeded: nan >> (8 * UInt32(byte))) }
            }
            names.append(name)
        }
        try join(header, data, to: path)
        return names
    }
}
