// The header of a safetensors file checked against every rule of the format: its size, strict
// JSON, unique names, known dtypes, exact integer shapes and offsets. It reads no tensor data.

import Foundation
import SimbaCore

/// The tensor table and metadata of a safetensors file, known to describe a well-formed data
/// section: every tensor's byte count is its element count × dtype size (no overflow), and the
/// tensors, sorted by offset, cover the data section exactly (no holes, no overlaps).
///
/// Rules (those of the reference implementation, plus unique keys): a little-endian UInt64 header
/// length N ≤ `maxBytes` and ≤ file size − 8; N bytes of UTF-8 JSON holding one object; each key
/// once; `__metadata__`, when present, an object of strings; every other key a tensor
/// `{"dtype", "shape", "data_offsets"}` and nothing else, with a dtype of `dtypeSizes`, a shape of
/// non-negative integers and two offsets begin ≤ end inside the data section, all written as plain
/// integers (no sign, fraction or exponent) that fit in Int.
public struct SafetensorsHeader: Sendable {
    /// Largest header accepted, in bytes (the reference implementation's limit).
    public static let maxBytes = 100_000_000

    /// Bytes per element of every dtype safetensors defines with a whole number of bytes.
    public static let dtypeSizes: [String: Int] = [
        "BOOL": 1, "U8": 1, "I8": 1, "F8_E5M2": 1, "F8_E4M3": 1, "I16": 2, "U16": 2, "F16": 2, "BF16": 2,
        "I32": 4, "U32": 4, "F32": 4, "I64": 8, "U64": 8, "F64": 8
    ]

    public let path: String
    public let tensors: [String: SafetensorsFile.Tensor]
    /// Tensor names in file order (by data offset).
    public let names: [String]
    public let metadata: [String: String]
    /// Bytes of JSON after the 8-byte length (N); the data section starts at 8 + N.
    public let jsonCount: Int
    /// Bytes of the data section, which the tensors cover exactly.
    public let dataCount: Int

    /// Reads and checks the length and the header of the file at `path`, not its data: a file
    /// that claims a header larger than itself or than `maxBytes` fails before anything is read.
    public init(path: String) throws {
        try self.init(file: ReadOnlyFile(path: path))
    }

    init(file: ReadOnlyFile) throws {
        let length = try Self.jsonCount(
            prefix: file.read(offset: 0, count: min(8, file.size)), fileSize: file.size,
            path: file.path)
        let json = try file.read(offset: 8, count: length)
        self = try json.withUnsafeBytes { try Self(json: $0, dataCount: file.size - 8 - length, path: file.path) }
    }

    /// N from the file's first bytes (`prefix`, up to 8), checked against `fileSize` and `maxBytes`.
    static func jsonCount(prefix: Data, fileSize: Int, path: String) throws -> Int {
        guard prefix.count == 8, fileSize >= 8 else {
            throw SafetensorsError(path: path, problem: "too short to be a safetensors file (\(fileSize) bytes)")
        }
        let length = prefix.reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        guard length <= UInt64(maxBytes) else {
            let problem = "header length \(length) exceeds the \(maxBytes)-byte limit: damaged or not safetensors"
            throw SafetensorsError(path: path, problem: problem)
        }
        guard length <= UInt64(fileSize - 8) else {
            let problem =
                "header length \(length) is larger than the file (\(fileSize) bytes): "
                + "truncated or not safetensors"
            throw SafetensorsError(path: path, problem: problem)
        }
        return Int(length)
    }

    /// Checks `json` (the N header bytes) for a data section of `dataCount` bytes.
    init(json: UnsafeRawBufferPointer, dataCount: Int, path: String) throws {
        func fail(_ problem: String) -> SafetensorsError { SafetensorsError(path: path, problem: problem) }
        let root: HeaderJSON
        do {
            root = try HeaderJSON.parse(json)
        } catch let error as HeaderJSON.SyntaxError {
            throw fail("the header is not valid JSON: \(error.problem) at header byte \(error.offset)")
        }
        guard case .object(let members) = root else { throw fail("the header is \(root.kind), not a JSON object") }
        var tensors: [String: SafetensorsFile.Tensor] = [:]
        var metadata: [String: String]?
        for (name, value) in members {
            if name == "__metadata__" {
                guard metadata == nil else { throw fail("the header has __metadata__ twice") }
                metadata = try Self.metadata(value, fail: fail)
                continue
            }
            guard tensors[name] == nil else { throw fail("tensor \(quoted(name)) appears twice in the header") }
            tensors[name] = try Self.tensor(value, name: quoted(name), dataCount: dataCount, fail: fail)
        }
        let ordered = tensors.sorted { ($0.value.begin, $0.value.end, $0.key) < ($1.value.begin, $1.value.end, $1.key) }
        var position = 0, previous = ""
        for (name, tensor) in ordered {
            guard tensor.begin >= position else {
                let range = "bytes \(tensor.begin)..<\(tensor.end)"
                throw fail("tensor \(quoted(name)) (\(range)) overlaps tensor \(quoted(previous))")
            }
            guard tensor.begin == position else {
                let gap = tensor.begin - position
                throw fail("the data section has a hole of \(gap) bytes before tensor \(quoted(name))")
            }
            position = tensor.end
            previous = name
        }
        guard position == dataCount else {
            throw fail("the data section has \(dataCount - position) bytes after the last tensor that no tensor covers")
        }
        self.path = path
        self.tensors = tensors
        self.names = ordered.map(\.key)
        self.metadata = metadata ?? [:]
        self.jsonCount = json.count
        self.dataCount = dataCount
    }

    private static func metadata(
        _ value: HeaderJSON, fail: (String) -> SafetensorsError
    ) throws -> [String: String] {
        guard case .object(let members) = value else { throw fail("__metadata__ is \(value.kind), not an object") }
        var metadata: [String: String] = [:]
        for (key, item) in members {
            guard metadata[key] == nil else { throw fail("metadata key \(quoted(key)) appears twice") }
            guard case .string(let text) = item else {
                throw fail("metadata value \(quoted(key)) is \(item.kind); metadata values must be strings")
            }
            metadata[key] = text
        }
        return metadata
    }

    /// One tensor entry; `name` is already quoted for messages.
    private static func tensor(
        _ value: HeaderJSON, name: String, dataCount: Int, fail: (String) -> SafetensorsError
    ) throws -> SafetensorsFile.Tensor {
        guard case .object(let members) = value else { throw fail("tensor \(name) is \(value.kind), not an object") }
        var fields: [String: HeaderJSON] = [:]
        for (key, item) in members {
            guard ["dtype", "shape", "data_offsets"].contains(key) else {
                throw fail("tensor \(name) has an unknown field \(quoted(key)) (known: dtype, shape, data_offsets)")
            }
            guard fields[key] == nil else { throw fail("tensor \(name) has the field \(key) twice") }
            fields[key] = item
        }
        guard let dtypeValue = fields["dtype"], let shapeValue = fields["shape"],
            let offsetsValue = fields["data_offsets"]
        else {
            let absent = ["dtype", "shape", "data_offsets"].filter { fields[$0] == nil }
            throw fail("tensor \(name) lacks \(absent.joined(separator: " and "))")
        }
        guard case .string(let dtype) = dtypeValue else {
            throw fail("tensor \(name): dtype is \(dtypeValue.kind), not a string")
        }
        guard let elementSize = dtypeSizes[dtype] else {
            let known = dtypeSizes.keys.sorted().joined(separator: ", ")
            throw fail("tensor \(name) has unknown dtype \(quoted(dtype)) (known: \(known))")
        }
        guard case .array(let shapeItems) = shapeValue else {
            throw fail("tensor \(name): shape is \(shapeValue.kind), not an array")
        }
        let shape = try shapeItems.enumerated().map { index, item in
            try integer(item, "tensor \(name): shape entry \(index)", fail: fail)
        }
        var bytes = elementSize
        for extent in shape {
            let (product, overflow) = bytes.multipliedReportingOverflow(by: extent)
            guard !overflow else {
                throw fail("tensor \(name) has shape \(describe(shape)) whose byte count overflows: damaged file")
            }
            bytes = product
        }
        guard case .array(let offsets) = offsetsValue, offsets.count == 2 else {
            throw fail("tensor \(name): data_offsets must be an array of two integers [begin, end]")
        }
        let begin = try integer(offsets[0], "tensor \(name): data_offsets begin", fail: fail)
        let end = try integer(offsets[1], "tensor \(name): data_offsets end", fail: fail)
        guard begin <= end else { throw fail("tensor \(name) has data_offsets [\(begin), \(end)]: begin after end") }
        guard end <= dataCount else {
            throw fail(
                "tensor \(name) has data_offsets [\(begin), \(end)] outside the file's data section "
                    + "(\(dataCount) bytes)")
        }
        guard end - begin == bytes else {
            throw fail(
                "tensor \(name) has shape \(describe(shape)) (\(dtype), \(bytes) bytes) "
                    + "but its data_offsets cover \(end - begin) bytes")
        }
        return SafetensorsFile.Tensor(dtype: dtype, shape: shape, begin: begin, end: end)
    }

    /// A non-negative integer written in plain digits that fits in Int; `what` names it in errors.
    private static func integer(_ value: HeaderJSON, _ what: String, fail: (String) -> SafetensorsError) throws -> Int {
        guard case .number(let literal) = value else { throw fail("\(what) is \(value.kind), not an integer") }
        let shown = quoted(literal, marks: false)
        if literal.hasPrefix("-") {
            throw fail("\(what) is \(shown), which is negative; it must be a non-negative integer")
        }
        guard literal.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) else {
            throw fail("\(what) is \(shown); it must be a whole number written without a fraction or exponent")
        }
        guard let number = Int(literal) else {
            throw fail("\(what) is \(shown), larger than the largest supported (\(Int.max))")
        }
        return number
    }

    /// `shape` for a message, at most about 80 characters.
    static func describe(_ shape: [Int]) -> String {
        quoted("[" + shape.map(String.init).joined(separator: ", ") + "]", marks: false)
    }
}
