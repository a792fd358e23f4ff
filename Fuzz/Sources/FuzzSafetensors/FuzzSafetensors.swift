// libFuzzer target: any bytes as a safetensors file, read as a checkpoint is: the header, then every
// tensor. A thrown error is a pass; a trap or a memory error is a finding.

import Foundation
import SimbaSafetensors

/// The file the reader sees. Input that starts with `{` is a header and data without the 8-byte length,
/// which is prefixed here (the header ends at the last `}`), so mutations of the JSON keep a matching
/// length; any other input is the whole file as it is.
func safetensorsFile(_ input: UnsafeBufferPointer<UInt8>) -> Data {
    guard input.first == UInt8(ascii: "{"), let close = input.lastIndex(of: UInt8(ascii: "}")) else {
        return Data(input)
    }
    var length = UInt64(close + 1).littleEndian
    return Data(bytes: &length, count: 8) + Data(input)
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSafetensors(_ bytes: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    do {
        let file = try SafetensorsFile(
            data: safetensorsFile(UnsafeBufferPointer(start: bytes, count: count)),
            path: "fuzz.safetensors")
        for name in file.names { _ = try? file.floats(name) }
    } catch {
        _ = String(describing: error)
    }
    return 0
}
