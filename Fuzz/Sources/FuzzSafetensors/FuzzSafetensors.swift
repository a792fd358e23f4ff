// libFuzzer target: any bytes as a safetensors file, read as a checkpoint is: the header, then every
// tensor. A thrown error is a pass; a trap or a memory error is a finding.

import Foundation
import SimbaCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSafetensors(_ bytes: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    do {
        let file = try SafetensorsFile(data: Data(bytes: bytes, count: count), path: "fuzz.safetensors")
        for name in file.names { _ = try? file.floats(name) }
    } catch {
        _ = String(describing: error)
    }
    return 0
}
