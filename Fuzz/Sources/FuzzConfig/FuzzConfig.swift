// libFuzzer target: any bytes as a YAML config file, resolved against the forecast and the classify
// schema as `simba train --config` reads it and landed in the task's settings. A thrown error is a
// pass; a trap or a hang is a finding.

import Foundation
import SimbaTraining

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzConfig(_ bytes: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    // The command reads the file as UTF-8 and refuses it otherwise; the fuzzer feeds what passes.
    guard let text = String(data: Data(bytes: bytes, count: count), encoding: .utf8) else { return 0 }
    do {
        let config = try Config(schema: .forecast, yaml: text, file: "fuzz.yaml", workingDirectory: "/fuzz")
        _ = config.settings(ForecastSettings.keys, base: ForecastSettings())
    } catch {
        _ = String(describing: error)
    }
    do {
        let config = try Config(schema: .classify, yaml: text, file: "fuzz.yaml", workingDirectory: "/fuzz")
        _ = config.settings(VisionSettings.keys, base: VisionSettings())
    } catch {
        _ = String(describing: error)
    }
    return 0
}
