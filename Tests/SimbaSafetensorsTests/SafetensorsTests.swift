// safetensors: a round trip through the store, and every malformed-file case rejected with a
// message that names the problem.

import Foundation
import SimbaCore
import SimbaSafetensors
import SimbaTestSupport
import Testing

@Suite struct SafetensorsTests {
    func makeStore() -> ParameterStore {
        let store = ParameterStore()
        _ = store.parameter("layer.weight", [3, 2], .normal(std: 1))
        _ = store.buffer("bn.running_mean", [4], .constant(0.5))
        _ = store.parameter("layer.bias", [3], .uniform(bound: 1))
        store.allocate()
        store.initialize(seed: 42)
        return store
    }

    @Test func roundTripKeepsEveryValueAndMetadata() throws {
        let store = makeStore()
        let data = store.encodeStateDict(metadata: ["config": "{\"a\":1}"])
        let file = try SafetensorsFile(data: data, path: "memory")
        #expect(file.metadata["format"] == "pt")
        #expect(file.metadata["config"] == "{\"a\":1}")
        #expect(file.names == ["layer.weight", "bn.running_mean", "layer.bias"])
        let copy = makeStore()
        copy.values.zero()
        copy.buffers.zero()
        try copy.loadStateDict(from: file)
        #expect(copy.values.array == store.values.array)
        #expect(copy.buffers.array == [0.5, 0.5, 0.5, 0.5])
    }

    @Test func mismatchListsMissingUnexpectedAndMisshaped() throws {
        let other = ParameterStore()
        _ = other.parameter("layer.weight", [2, 3], .zeros)
        _ = other.parameter("extra.weight", [1], .zeros)
        other.allocate()
        let file = try SafetensorsFile(data: other.encodeStateDict(metadata: [:]), path: "w.safetensors")
        let store = makeStore()
        let before = store.values.array
        do {
            try store.loadStateDict(from: file)
            Issue.record("a mismatched file loaded")
        } catch let mismatch as StateDictMismatch {
            #expect(mismatch.missing == ["bn.running_mean", "layer.bias"])
            #expect(mismatch.unexpected == ["extra.weight"])
            #expect(mismatch.misshaped.count == 1 && mismatch.misshaped[0].hasPrefix("layer.weight"))
        }
        #expect(store.values.array == before, "a failed load must leave the store untouched")
    }

    /// A valid header of `json` followed by `dataBytes` zero bytes.
    func file(_ json: String, dataBytes: Int, headerLength: UInt64? = nil) -> Data {
        var data = Data()
        var length = (headerLength ?? UInt64(json.utf8.count)).littleEndian
        withUnsafeBytes(of: &length) { data.append(contentsOf: $0) }
        data.append(contentsOf: Array(json.utf8))
        data.append(Data(count: dataBytes))
        return data
    }

    @Test(
        arguments: [
            ("{}", 0, UInt64(1000), "larger than the file"),
            ("not json", 0, nil, "not valid JSON"),
            ("{\"t\":{\"dtype\":\"Q9\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4, nil, "unknown dtype"),
            ("{\"t\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4]}}", 4, nil, "cover 4 bytes"),
            ("{\"t\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 2, nil, "outside the file"),
            (
                "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                    + "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}",
                8, nil, "overlaps"
            ),
            ("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8, nil, "hole"),
            ("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 8, nil, "no tensor covers")
        ] as [(String, Int, UInt64?, String)])
    func malformedFilesAreRejected(json: String, dataBytes: Int, headerLength: UInt64?, expected: String) {
        do {
            _ = try SafetensorsFile(
                data: file(json, dataBytes: dataBytes, headerLength: headerLength), path: "bad.safetensors")
            Issue.record("accepted a malformed file (\(expected))")
        } catch {
            let message = String(describing: error)
            #expect(message.hasPrefix("bad.safetensors: "))
            #expect(message.contains(expected), "message was: \(message)")
        }
    }

    @Test func tooShortFileIsRejected() {
        #expect(throws: SafetensorsError.self) { try SafetensorsFile(data: Data([1, 2, 3]), path: "x") }
    }

    @Test func atomicWriteReplacesWholeFile() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("simba-atomic-\(getpid())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("w.safetensors").path
        try AtomicFile.write(Data([1, 2, 3]), to: path)
        try AtomicFile.write(Data([4, 5]), to: path)
        #expect(FileManager.default.contents(atPath: path) == Data([4, 5]))
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["w.safetensors"])
        #expect(throws: FileWriteError.self) { try AtomicFile.write(Data(), to: folder.path + "/missing/x") }
    }
}
