// Opens a fixture written by scripts/reference/make_fixtures.py (Tests/Fixtures/<name>.safetensors) and
// reads its tensors and config. The fixtures are read from the source tree.

import Foundation
import SimbaCore
import SimbaSafetensors

/// One PyTorch fixture: weights under state_dict names plus x, y, dy, dx, grad.<name>, loss, ….
public struct Fixture {
    public let file: SafetensorsFile
    public let config: [String: Any]

    public init(_ name: String) throws {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        file = try SafetensorsFile(path: folder.appendingPathComponent("Fixtures/\(name).safetensors").path)
        let json = file.metadata["config"].flatMap { $0.data(using: .utf8) } ?? Data("{}".utf8)
        config = (try JSONSerialization.jsonObject(with: json) as? [String: Any]) ?? [:]
    }

    public func tensor(_ name: String) throws -> [Float] { try file.floats(name) }

    public func int(_ key: String) -> Int {
        guard let value = (config[key] as? NSNumber)?.intValue else {
            preconditionFailure("fixture config lacks \(key)")
        }
        return value
    }

    /// True for the fixture's own tensors (inputs, outputs, gradients, extras), which are not weights.
    public static func isExtra(_ name: String) -> Bool {
        ["x", "y", "dy", "dx", "loss", "labels", "target"].contains(name)
            || ["grad.", "after.", "act.", "adamw."].contains { name.hasPrefix($0) }
    }

    /// Loads the fixture's weights into `store` (every tensor must be there, nothing else).
    public func load(into store: ParameterStore) throws {
        try store.loadStateDict(from: file, ignoring: Self.isExtra)
    }
}
