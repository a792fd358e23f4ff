// Reads and writes safetensors files (8-byte header length, JSON header, tensor bytes) and
// validates them strictly. It converts nothing: float32 tensors are read, others are only listed.

import Foundation
import SimbaCore

/// What is wrong with a safetensors file, naming the file.
public struct SafetensorsError: Error, CustomStringConvertible {
    public let path: String
    public let problem: String
    public var description: String { "\(path): \(problem)" }
}

/// A safetensors file held in memory, its header checked by `SafetensorsHeader` (every rule of
/// the format), so any tensor it lists can be read without further checks.
///
/// Format: little-endian UInt64 N, N bytes of JSON `{name: {"dtype", "shape", "data_offsets": [begin,
/// end]}, "__metadata__": {string: string}}`, then the data section; offsets are relative to the data
/// section, which the tensors must cover with no holes or overlaps.
public struct SafetensorsFile {
    public struct Tensor: Sendable {
        public let dtype: String
        public let shape: [Int]
        public let begin: Int
        public let end: Int
    }

    public let header: SafetensorsHeader
    public var path: String { header.path }
    public var tensors: [String: Tensor] { header.tensors }
    /// Tensor names in file order (by data offset).
    public var names: [String] { header.names }
    public var metadata: [String: String] { header.metadata }
    /// Holds the data section at `dataStart`.
    private let data: Data
    private let dataStart: Int

    /// Reads the file at `path`: the length and header first, checked against the file's size, then
    /// the data section, so a file claiming an impossible header fails before any large read.
    public init(path: String) throws {
        let file = try ReadOnlyFile(path: path)
        header = try SafetensorsHeader(file: file)
        data = try file.read(offset: 8 + header.jsonCount, count: header.dataCount)
        dataStart = 0
    }

    /// Checks and keeps `data`, the whole file's bytes; `path` names it in errors.
    public init(data: Data, path: String) throws {
        let length = try SafetensorsHeader.jsonCount(prefix: data.prefix(8), fileSize: data.count, path: path)
        header = try data.withUnsafeBytes { raw in
            try SafetensorsHeader(
                json: UnsafeRawBufferPointer(rebasing: raw[8..<8 + length]),
                dataCount: data.count - 8 - length, path: path)
        }
        self.data = data
        dataStart = 8 + length
    }

    /// Copies float32 tensor `name` into `destination` (which holds `count` floats).
    public func read(_ name: String, into destination: UnsafeMutablePointer<Float>, count: Int) throws {
        let tensor = try float32(name)
        precondition(count * 4 == tensor.end - tensor.begin, "read(\(name)): count \(count) does not match the tensor")
        guard count > 0 else { return }
        data.withUnsafeBytes { raw in
            let source = raw.baseAddress! + dataStart + tensor.begin
            // Little-endian float32 on a little-endian host: a byte copy.
            memcpy(destination, source, tensor.end - tensor.begin)
        }
    }

    /// Float32 tensor `name` as an array.
    public func floats(_ name: String) throws -> [Float] {
        let count = try float32(name).shape.reduce(1, *)
        var values = [Float](repeating: 0, count: count)
        guard count > 0 else { return values }
        try values.withUnsafeMutableBufferPointer { try read(name, into: $0.baseAddress!, count: $0.count) }
        return values
    }

    /// The entry of `name`, which must exist and be float32.
    private func float32(_ name: String) throws -> Tensor {
        let shown = quoted(name)
        guard let tensor = tensors[name] else {
            throw SafetensorsError(path: path, problem: "no tensor named \(shown)")
        }
        guard tensor.dtype == "F32" else {
            throw SafetensorsError(path: path, problem: "tensor \(shown) is \(tensor.dtype); simba reads F32 only")
        }
        return tensor
    }

    /// Serialises float32 tensors, in the given order, with string metadata (`"format": "pt"` is
    /// always written, as other loaders insist on it).
    public static func encode(
        _ tensors: [(name: String, shape: [Int], values: UnsafePointer<Float>)], metadata: [String: String]
    ) -> Data {
        var header = "{"
        var meta = metadata
        meta["format"] = meta["format"] ?? "pt"
        header += "\"__metadata__\":{"
        header += meta.keys.sorted().map { "\(jsonString($0)):\(jsonString(meta[$0]!))" }.joined(separator: ",")
        header += "}"
        var offset = 0
        for tensor in tensors {
            let bytes = tensor.shape.reduce(1, *) * 4
            let shape = tensor.shape.map(String.init).joined(separator: ",")
            header +=
                ",\(jsonString(tensor.name)):{\"dtype\":\"F32\",\"shape\":[\(shape)],"
                + "\"data_offsets\":[\(offset),\(offset + bytes)]}"
            offset += bytes
        }
        header += "}"
        while (header.utf8.count + 8) % 8 != 0 { header += " " }
        var data = Data(capacity: 8 + header.utf8.count + offset)
        var length = UInt64(header.utf8.count).littleEndian
        withUnsafeBytes(of: &length) { data.append(contentsOf: $0) }
        data.append(contentsOf: Array(header.utf8))
        for tensor in tensors {
            data.append(UnsafeBufferPointer(start: tensor.values, count: tensor.shape.reduce(1, *)))
        }
        return data
    }

    /// A JSON string literal.
    static func jsonString(_ text: String) -> String {
        let encoded = try! JSONSerialization.data(withJSONObject: [text], options: [.withoutEscapingSlashes])
        return String(decoding: encoded.dropFirst().dropLast(), as: UTF8.self)
    }
}
