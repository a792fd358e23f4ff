// Reads and writes safetensors files (8-byte header length, JSON header, tensor bytes) and
// validates them strictly. It converts nothing: float32 tensors are read, others are only listed.

import Foundation

/// What is wrong with a safetensors file, naming the file.
public struct SafetensorsError: Error, CustomStringConvertible {
    public let path: String
    public let problem: String
    public var description: String { "\(path): \(problem)" }
}

/// A parsed safetensors file held in memory.
///
/// Format: little-endian UInt64 N, N bytes of JSON `{name: {"dtype", "shape", "data_offsets": [begin,
/// end]}, "__metadata__": {string: string}}`, then the data section; offsets are relative to the data
/// section, which the tensors must cover with no holes or overlaps.
public struct SafetensorsFile {
    public struct Tensor {
        public let dtype: String
        public let shape: [Int]
        public let begin: Int
        public let end: Int
    }

    /// Bytes per element of every dtype safetensors defines.
    static let dtypeSizes: [String: Int] = [
        "BOOL": 1, "U8": 1, "I8": 1, "F8_E5M2": 1, "F8_E4M3": 1, "I16": 2, "U16": 2, "F16": 2, "BF16": 2,
        "I32": 4, "U32": 4, "F32": 4, "I64": 8, "U64": 8, "F64": 8,
    ]

    public let path: String
    public let tensors: [String: Tensor]
    /// Tensor names in file order (by data offset).
    public let names: [String]
    public let metadata: [String: String]
    private let data: Data
    private let dataStart: Int

    public init(path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SafetensorsError(path: path, problem: "cannot read the file (missing or unreadable)")
        }
        try self.init(data: data, path: path)
    }

    public init(data: Data, path: String) throws {
        func fail(_ problem: String) -> SafetensorsError { SafetensorsError(path: path, problem: problem) }
        self.path = path
        self.data = data
        guard data.count >= 8 else { throw fail("too short to be a safetensors file (\(data.count) bytes)") }
        let headerLength = data.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        guard headerLength <= UInt64(data.count - 8) else {
            throw fail("header length \(headerLength) is larger than the file (\(data.count) bytes): truncated or not safetensors")
        }
        dataStart = 8 + Int(headerLength)
        let json: Any
        do {
            json = try JSONSerialization.jsonObject(with: data.subdata(in: 8..<dataStart))
        } catch {
            throw fail("the header is not valid JSON")
        }
        guard let header = json as? [String: Any] else { throw fail("the header is not a JSON object") }
        var tensors: [String: Tensor] = [:]
        var metadata: [String: String] = [:]
        for (name, value) in header {
            if name == "__metadata__" {
                guard let object = value as? [String: Any] else { throw fail("__metadata__ is not an object") }
                for (key, item) in object {
                    guard let text = item as? String else { throw fail("metadata value '\(key)' is not a string") }
                    metadata[key] = text
                }
                continue
            }
            guard let entry = value as? [String: Any], let dtype = entry["dtype"] as? String,
                let shapeValues = entry["shape"] as? [Any], let offsets = entry["data_offsets"] as? [Any],
                offsets.count == 2
            else { throw fail("tensor '\(name)' lacks dtype, shape or data_offsets") }
            guard let elementSize = Self.dtypeSizes[dtype] else { throw fail("tensor '\(name)' has unknown dtype \(dtype)") }
            let shape = try shapeValues.map { item -> Int in
                guard let n = (item as? NSNumber)?.intValue, n >= 0 else { throw fail("tensor '\(name)' has a bad shape") }
                return n
            }
            guard let begin = (offsets[0] as? NSNumber)?.intValue, let end = (offsets[1] as? NSNumber)?.intValue,
                begin >= 0, end >= begin, end <= data.count - dataStart
            else { throw fail("tensor '\(name)' has data offsets outside the file") }
            guard end - begin == shape.reduce(1, *) * elementSize else {
                throw fail("tensor '\(name)' has shape \(shape) (\(dtype)) but \(end - begin) bytes")
            }
            tensors[name] = Tensor(dtype: dtype, shape: shape, begin: begin, end: end)
        }
        let ordered = tensors.sorted { ($0.value.begin, $0.value.end) < ($1.value.begin, $1.value.end) }
        var position = 0
        for (name, tensor) in ordered where tensor.end > tensor.begin {
            guard tensor.begin >= position else { throw fail("tensor '\(name)' overlaps another tensor") }
            guard tensor.begin == position else { throw fail("the data section has a hole before tensor '\(name)'") }
            position = tensor.end
        }
        guard position == data.count - dataStart else {
            throw fail("the data section has \(data.count - dataStart - position) bytes no tensor covers")
        }
        self.tensors = tensors
        self.names = ordered.map(\.key)
        self.metadata = metadata
    }

    /// Copies float32 tensor `name` into `destination` (which holds `count` floats).
    public func read(_ name: String, into destination: UnsafeMutablePointer<Float>, count: Int) throws {
        guard let tensor = tensors[name] else { throw SafetensorsError(path: path, problem: "no tensor named '\(name)'") }
        guard tensor.dtype == "F32" else {
            throw SafetensorsError(path: path, problem: "tensor '\(name)' is \(tensor.dtype); simba reads F32 only")
        }
        precondition(count * 4 == tensor.end - tensor.begin, "read(\(name)): count \(count) does not match the tensor")
        data.withUnsafeBytes { raw in
            let source = raw.baseAddress! + dataStart + tensor.begin
            // Little-endian float32 on a little-endian host: a byte copy.
            memcpy(destination, source, tensor.end - tensor.begin)
        }
    }

    /// Float32 tensor `name` as an array.
    public func floats(_ name: String) throws -> [Float] {
        guard let tensor = tensors[name] else { throw SafetensorsError(path: path, problem: "no tensor named '\(name)'") }
        var values = [Float](repeating: 0, count: tensor.shape.reduce(1, *))
        try values.withUnsafeMutableBufferPointer { try read(name, into: $0.baseAddress!, count: $0.count) }
        return values
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
            header += ",\(jsonString(tensor.name)):{\"dtype\":\"F32\",\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(offset + bytes)]}"
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
