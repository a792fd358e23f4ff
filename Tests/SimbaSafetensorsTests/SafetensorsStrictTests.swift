// The safetensors format's rules, one test per rule: each malformed header is refused with a message
// naming the file, the tensor or field and what is wrong; well-formed edge cases still load.

import Foundation
import SimbaCore
import SimbaSafetensors
import SimbaTestSupport
import Testing

/// The bytes of a safetensors file: the 8-byte length of `header` (or `claimedLength`), the header,
/// then `dataBytes` zero bytes.
private func safetensors(_ header: [UInt8], dataBytes: Int = 0, claimedLength: UInt64? = nil) -> Data {
    var data = Data()
    var length = (claimedLength ?? UInt64(header.count)).littleEndian
    withUnsafeBytes(of: &length) { data.append(contentsOf: $0) }
    data.append(contentsOf: header)
    data.append(Data(count: dataBytes))
    return data
}

private func safetensors(_ json: String, dataBytes: Int = 0, claimedLength: UInt64? = nil) -> Data {
    safetensors(Array(json.utf8), dataBytes: dataBytes, claimedLength: claimedLength)
}

/// The description of the error `SafetensorsFile(data:path:)` throws for `data`, or nil when it loads.
private func rejection(_ data: Data) -> String? {
    do {
        _ = try SafetensorsFile(data: data, path: "bad.safetensors")
        return nil
    } catch {
        return String(describing: error)
    }
}

/// Expects `data` to be refused with a message naming the file and holding every fragment.
private func expectRefused(_ data: Data, _ fragments: [String], sourceLocation: SourceLocation = #_sourceLocation) {
    guard let message = rejection(data) else {
        Issue.record("a malformed file was accepted (expected: \(fragments))", sourceLocation: sourceLocation)
        return
    }
    #expect(message.hasPrefix("bad.safetensors: "), "\(message)", sourceLocation: sourceLocation)
    for fragment in fragments {
        #expect(message.contains(fragment), "'\(fragment)' not in: \(message)", sourceLocation: sourceLocation)
    }
}

/// One F32 tensor entry.
private func entry(_ name: String, shape: String = "[1]", offsets: String = "[0,4]", dtype: String = "F32") -> String {
    "\"\(name)\":{\"dtype\":\"\(dtype)\",\"shape\":\(shape),\"data_offsets\":\(offsets)}"
}

@Suite("safetensors: the format's rules")
struct SafetensorsStrictTests {
    @Test func duplicateTensorNameIsRefused() {
        expectRefused(
            safetensors("{\(entry("w")),\(entry("w", offsets: "[4,8]"))}", dataBytes: 8),
            ["tensor 'w' appears twice"])
    }

    @Test func duplicateMetadataKeyAndDuplicateFieldAreRefused() {
        expectRefused(safetensors("{\"__metadata__\":{\"a\":\"1\",\"a\":\"2\"}}"), ["metadata key 'a' appears twice"])
        expectRefused(safetensors("{\"__metadata__\":{},\"__metadata__\":{}}"), ["__metadata__ twice"])
        let twice = "{\"w\":{\"dtype\":\"F32\",\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}"
        expectRefused(safetensors(twice, dataBytes: 4), ["tensor 'w' has the field dtype twice"])
    }

    @Test func fractionalShapeIsRefused() {
        expectRefused(
            safetensors("{\(entry("w", shape: "[2.5]", offsets: "[0,10]"))}", dataBytes: 10),
            ["tensor 'w': shape entry 0 is 2.5", "without a fraction or exponent"])
        expectRefused(safetensors("{\(entry("w", shape: "[1.0]"))}", dataBytes: 4), ["shape entry 0 is 1.0"])
        expectRefused(safetensors("{\(entry("w", shape: "[1e0]"))}", dataBytes: 4), ["shape entry 0 is 1e0"])
    }

    @Test func negativeShapeIsRefused() {
        expectRefused(
            safetensors("{\(entry("w", shape: "[2,-1]", offsets: "[0,0]"))}"),
            ["tensor 'w': shape entry 1 is -1, which is negative"])
    }

    @Test func overflowingShapeProductIsRefused() {
        let huge = "[4294967296,4294967296]"
        expectRefused(
            safetensors("{\(entry("w", shape: huge, offsets: "[0,0]"))}"),
            ["tensor 'w' has shape [4294967296, 4294967296] whose byte count overflows"])
        // Fits in Int as an element count, overflows once multiplied by 4 bytes.
        expectRefused(
            safetensors("{\(entry("w", shape: "[4611686018427387904]", offsets: "[0,0]"))}"),
            ["overflows"])
    }

    @Test func shapeEntryBeyondIntIsRefused() {
        expectRefused(
            safetensors("{\(entry("w", shape: "[99999999999999999999]", offsets: "[0,0]"))}"),
            ["shape entry 0 is 99999999999999999999, larger than the largest supported"])
    }

    @Test func offsetsBeyondTwoToThe64AreRefused() {
        // 2^64 and 2^64 + 4: truncated to 0 and 4 they would look valid.
        let offsets = "[18446744073709551616,18446744073709551620]"
        expectRefused(
            safetensors("{\(entry("w", offsets: offsets))}", dataBytes: 4),
            ["tensor 'w': data_offsets begin is 18446744073709551616, larger than the largest supported"])
        expectRefused(
            safetensors("{\(entry("w", offsets: "[0,-4]"))}", dataBytes: 4),
            ["data_offsets end is -4, which is negative"])
    }

    @Test func offsetsOutOfOrderAreRefused() {
        expectRefused(
            safetensors("{\(entry("w", offsets: "[4,0]"))}", dataBytes: 4),
            ["tensor 'w' has data_offsets [4, 0]: begin after end"])
        expectRefused(
            safetensors("{\(entry("w", offsets: "[0]"))}", dataBytes: 4),
            ["tensor 'w': data_offsets must be an array of two integers"])
        expectRefused(
            safetensors("{\(entry("w", offsets: "[0,4,8]"))}", dataBytes: 4),
            ["data_offsets must be an array of two integers"])
    }

    @Test func overlappingTensorsAreRefused() {
        let json = "{\(entry("a", shape: "[2]", offsets: "[0,8]")),\(entry("b", offsets: "[4,8]"))}"
        expectRefused(safetensors(json, dataBytes: 8), ["tensor 'b' (bytes 4..<8) overlaps tensor 'a'"])
        // The same range twice.
        expectRefused(
            safetensors("{\(entry("a")),\(entry("b"))}", dataBytes: 4),
            ["tensor 'b' (bytes 0..<4) overlaps tensor 'a'"])
    }

    @Test func holeBetweenTensorsIsRefused() {
        let json = "{\(entry("a")),\(entry("b", offsets: "[8,12]"))}"
        expectRefused(safetensors(json, dataBytes: 12), ["a hole of 4 bytes before tensor 'b'"])
        expectRefused(
            safetensors("{\(entry("a"))}", dataBytes: 8),
            ["4 bytes after the last tensor that no tensor covers"])
    }

    @Test func offsetsOutsideTheDataSectionAreRefused() {
        expectRefused(
            safetensors("{\(entry("w", offsets: "[0,4]"))}", dataBytes: 2),
            ["tensor 'w' has data_offsets [0, 4] outside the file's data section (2 bytes)"])
    }

    @Test func headerLargerThanTheFileIsRefused() {
        expectRefused(safetensors("{}", claimedLength: 1000), ["header length 1000 is larger than the file (10 bytes)"])
        expectRefused(Data([1, 2, 3]), ["too short to be a safetensors file (3 bytes)"])
    }

    @Test func headerOverTheBoundIsRefused() {
        // The claimed length passes the file-size check (the file is longer) but not the bound.
        let claimed = UInt64(SafetensorsHeader.maxBytes + 1)
        expectRefused(
            safetensors("{}", claimedLength: claimed),
            ["header length 100000001 exceeds the 100000000-byte limit"])
        expectRefused(safetensors("{}", claimedLength: UInt64.max), ["exceeds the 100000000-byte limit"])
    }

    @Test func unknownDtypeIsRefused() {
        expectRefused(
            safetensors("{\(entry("w", dtype: "Q9"))}", dataBytes: 4),
            ["tensor 'w' has unknown dtype 'Q9'", "F32"])
    }

    @Test func byteCountMismatchIsRefused() {
        expectRefused(
            safetensors("{\(entry("w", shape: "[3]", offsets: "[0,8]"))}", dataBytes: 8),
            ["tensor 'w' has shape [3] (F32, 12 bytes) but its data_offsets cover 8 bytes"])
        expectRefused(
            safetensors("{\(entry("w", shape: "[2]", offsets: "[0,8]", dtype: "F64"))}", dataBytes: 8),
            ["(F64, 16 bytes)"])
    }

    @Test func nonStringMetadataIsRefused() {
        expectRefused(
            safetensors("{\"__metadata__\":{\"epoch\":3}}"),
            ["metadata value 'epoch' is a number; metadata values must be strings"])
        expectRefused(safetensors("{\"__metadata__\":[\"a\"]}"), ["__metadata__ is an array, not an object"])
    }

    @Test func nonUTF8HeaderIsRefused() {
        expectRefused(
            safetensors(Array("{\"w".utf8) + [0xFF] + Array("\":{}}".utf8)),
            ["invalid UTF-8 at header byte 3"])
        // An overlong encoding of '/' and an encoded surrogate are not UTF-8 either.
        expectRefused(safetensors(Array("{\"".utf8) + [0xC0, 0xAF] + Array("\":{}}".utf8)), ["invalid UTF-8"])
        expectRefused(safetensors(Array("{\"".utf8) + [0xED, 0xA0, 0x80] + Array("\":{}}".utf8)), ["invalid UTF-8"])
        expectRefused(safetensors("{\"\\ud800\":{}}"), ["surrogate"])
    }

    @Test func malformedJSONIsRefusedWithItsPosition() {
        expectRefused(safetensors("not json"), ["not valid JSON", "header byte 0"])
        expectRefused(safetensors("{\"a\":1,}"), ["not valid JSON: expected a string key at header byte 7"])
        expectRefused(safetensors("{} x"), ["unexpected text after the JSON value"])
        expectRefused(safetensors("[]"), ["the header is an array, not a JSON object"])
        expectRefused(safetensors("{\"a\":\"x\ny\"}"), ["control character"])
        expectRefused(safetensors("{\"a\":01}"), ["not valid JSON"])
    }

    @Test func deepNestingAndLongArraysAreRefused() {
        let depth = 100_000
        let json = "{\"a\":" + String(repeating: "[", count: depth) + String(repeating: "]", count: depth) + "}"
        expectRefused(safetensors(json), ["nested deeper than 32 levels"])
        let long = "{\"a\":[" + Array(repeating: "0", count: 1025).joined(separator: ",") + "]}"
        expectRefused(safetensors(long), ["an array longer than 1024 elements"])
    }

    @Test func tensorEntryMustHaveExactlyItsThreeFields() {
        expectRefused(safetensors("{\"w\":{\"dtype\":\"F32\",\"shape\":[0]}}"), ["tensor 'w' lacks data_offsets"])
        let extra = "{\"w\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0],\"x\":1}}"
        expectRefused(safetensors(extra), ["tensor 'w' has an unknown field 'x'"])
        expectRefused(safetensors("{\"w\":[1]}"), ["tensor 'w' is an array, not an object"])
        expectRefused(
            safetensors("{\(entry("w", shape: "3"))}", dataBytes: 4),
            ["tensor 'w': shape is a number, not an array"])
    }

    @Test func longNamesAreQuotedShort() throws {
        let name = String(repeating: "n", count: 5000)
        let message = try #require(rejection(safetensors("{\(entry(name, dtype: "Q9"))}", dataBytes: 4)))
        #expect(message.count < 300, "\(message.count) characters")
        #expect(message.contains("'" + String(repeating: "n", count: 80) + "…'"))
        let control = try #require(rejection(safetensors("{\(entry("a\\nb", dtype: "Q9"))}", dataBytes: 4)))
        #expect(control.contains("tensor 'a\\nb'"), "\(control)")
    }

    @Test func wellFormedEdgeCasesLoad() throws {
        // Padding after the JSON, an empty tensor, a scalar, escapes, a non-F32 tensor, metadata anywhere.
        let json =
            "{" + entry("empty", shape: "[0,3]", offsets: "[0,0]") + ","
            + entry("scalar", shape: "[]", offsets: "[0,4]") + ","
            + entry("caf\\u00e9\\ud83d\\ude00", shape: "[2]", offsets: "[4,8]", dtype: "F16") + ","
            + "\"__metadata__\":{\"format\":\"pt\",\"note\":\"a\\\"b\"}" + "}   "
        let file = try SafetensorsFile(data: safetensors(json, dataBytes: 8), path: "good.safetensors")
        #expect(file.names == ["empty", "scalar", "café😀"])
        #expect(file.metadata == ["format": "pt", "note": "a\"b"])
        #expect(try file.floats("empty").isEmpty)
        #expect(try file.floats("scalar") == [0])
        #expect(throws: SafetensorsError.self) { try file.floats("café😀") }
    }

    @Test func dataSliceWithOffsetIndexLoads() throws {
        // Data that is a slice of a larger buffer (its indices do not start at 0).
        let whole = Data([9, 9, 9]) + safetensors("{\(entry("w"))}", dataBytes: 4)
        let file = try SafetensorsFile(data: whole.dropFirst(3), path: "slice")
        #expect(try file.floats("w") == [0])
    }

    /// Random byte changes of a valid file: every result either loads or throws, never traps.
    @Test func mutatedFilesNeverTrap() {
        let store = ParameterStore()
        _ = store.parameter("layer.weight", [3, 2], .normal(std: 1))
        _ = store.buffer("bn.running_mean", [4], .constant(0.5))
        store.allocate()
        let valid = store.encodeStateDict(metadata: ["config": "{\"a\":[1,2]}"])
        var generator = RandomGenerator(seed: 7)
        var refused = 0
        for _ in 0..<3000 {
            var bytes = valid
            for _ in 0..<(1 + Int(generator.uniform(0, 4))) {
                let index = Int(generator.uniform(0, Float(bytes.count))) % bytes.count
                bytes[index] = UInt8(Int(generator.uniform(0, 256)) % 256)
            }
            if let file = try? SafetensorsFile(data: bytes, path: "m") {
                for name in file.names where file.tensors[name]?.dtype == "F32" { _ = try? file.floats(name) }
            } else {
                refused += 1
            }
        }
        #expect(refused > 0)
    }
}

@Suite("safetensors: reading a file from disk")
struct SafetensorsFileReadingTests {
    @Test func hugeClaimedHeaderFailsBeforeReading() throws {
        let folder = TemporaryFolder()
        let path = folder.file("claims.safetensors")
        try safetensors("{}", claimedLength: 90_000_000).write(to: URL(fileURLWithPath: path))
        let claim = "header length 90000000 is larger than the file (10 bytes)"
        expectError(SafetensorsError.self, containing: [path, claim]) {
            _ = try SafetensorsFile(path: path)
        }
        expectError(SafetensorsError.self, containing: ["larger than the file"]) {
            _ = try SafetensorsHeader(path: path)
        }
    }

    @Test func headerAloneIsReadAndCheckedAgainstTheFileSize() throws {
        let folder = TemporaryFolder()
        let path = folder.file("w.safetensors")
        let json = "{\(entry("w", shape: "[2]", offsets: "[0,8]"))}"
        try safetensors(json, dataBytes: 8).write(to: URL(fileURLWithPath: path))
        let header = try SafetensorsHeader(path: path)
        #expect(header.names == ["w"] && header.dataCount == 8 && header.tensors["w"]?.shape == [2])
        #expect(try SafetensorsFile(path: path).floats("w") == [0, 0])
        // One byte short: the header is fine, the data section is not.
        let short = folder.file("short.safetensors")
        try safetensors(json, dataBytes: 7).write(to: URL(fileURLWithPath: short))
        expectError(SafetensorsError.self, containing: [short, "outside the file's data section (7 bytes)"]) {
            _ = try SafetensorsHeader(path: short)
        }
    }

    @Test func foldersFIFOsAndMissingFilesAreRefusedWithoutHanging() throws {
        let folder = TemporaryFolder()
        expectError(SafetensorsError.self, containing: [folder.path, "is a folder, not a safetensors file"]) {
            _ = try SafetensorsFile(path: folder.path)
        }
        let fifo = folder.file("pipe")
        #expect(mkfifo(fifo, 0o600) == 0)
        expectError(SafetensorsError.self, containing: [fifo, "not a regular file"]) {
            _ = try SafetensorsFile(path: fifo)
        }
        expectError(SafetensorsError.self, containing: ["cannot open the file (No such file or directory)"]) {
            _ = try SafetensorsFile(path: folder.file("missing.safetensors"))
        }
    }

    @Test func pyTorchBatchNormCountersAreIgnoredByTheFit() throws {
        let store = ParameterStore()
        _ = store.buffer("bn.running_mean", [2], .zeros)
        let json =
            "{\(entry("bn.running_mean", shape: "[2]", offsets: "[0,8]")),"
            + "\(entry("bn.num_batches_tracked", shape: "[]", offsets: "[8,16]", dtype: "I64"))}"
        let file = try SafetensorsFile(data: safetensors(json, dataBytes: 16), path: "bn.safetensors")
        try file.header.checkFits(store.entries)
        store.allocate()
        try store.loadStateDict(from: file)
    }

    @Test func mismatchListsTheFirstNamesAndCountsTheRest() throws {
        let store = ParameterStore()
        for i in 0..<20 { _ = store.parameter("layer\(i).weight", [2], .zeros) }
        let file = try SafetensorsFile(data: safetensors("{}"), path: "empty.safetensors")
        let listed = ["missing (20): layer0.weight, ", "layer7.weight, … and 12 more"]
        expectError(StateDictMismatch.self, containing: listed) {
            try file.header.checkFits(store.entries)
        }
    }
}
