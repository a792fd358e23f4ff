// swift-tools-version:6.0
// libFuzzer targets over simba's readers of outside input (CSV, YAML config, safetensors, PNG, JPEG).
// Built only with `swift build --sanitize=fuzzer` (see `make fuzz`); the simba package never builds them.

import Foundation
import PackageDescription

// SwiftPM names a package reached by path after its folder, so the parent folder's name (simba, or a
// worktree's name) is what a product's `package:` must say.
let simbaFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
let simba = simbaFolder.lastPathComponent.lowercased()

/// One fuzz target: an executable whose only entry point is `LLVMFuzzerTestOneInput` (libFuzzer brings `main`).
func fuzzTarget(_ name: String, _ products: [String]) -> Target {
    .executableTarget(name: name, dependencies: products.map { .product(name: $0, package: simba) })
}

let package = Package(
    name: "simba-fuzz",
    dependencies: [.package(path: simbaFolder.path)],
    targets: [
        fuzzTarget("FuzzCSV", ["SimbaData"]),
        fuzzTarget("FuzzConfig", ["SimbaTraining"]),
        fuzzTarget("FuzzSafetensors", ["SimbaSafetensors"]),
        fuzzTarget("FuzzPNG", ["SimbaData"]),
        fuzzTarget("FuzzJPEG", ["SimbaData"])
    ],
    swiftLanguageModes: [.v5]
)
