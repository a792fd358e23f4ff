// libFuzzer target: any bytes as a YAML config file, resolved against the forecast and the classify
// schema as `simba train --config` reads it. A thrown error is a pass; a trap or a hang is a finding.

import Foundation
import SimbaTraining

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzConfig(_ bytes: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    // The command reads the file as UTF-8 and refuses it otherwise; the fuzzer feeds what passes.
    guard let text = String(data: Data(bytes: bytes, count: count), encoding: .utf8) else { return 0 }
    for schema in [ConfigSchema.forecast, ConfigSchema.classify] {
        do {
            _ = try Config(schema: schema, yaml: text, file: "fuzz.yaml", workingDirectory: "/fuzz")
        } catch {
            _ = String(describing: error)
        }
    }
    return 0
}
