// Checks shared by the training-run tests: weights compared bit for bit, an error's message
// holding given fragments, and a run folder holding no checkpoint.

import Foundation
import SimbaCore
import SimbaSafetensors
import Testing

/// Every tensor of a safetensors file as raw float32 bit patterns, by name.
public func tensorBits(_ path: String) throws -> [String: [UInt32]] {
    let file = try SafetensorsFile(path: path)
    var result: [String: [UInt32]] = [:]
    for name in file.names { result[name] = try file.floats(name).map(\.bitPattern) }
    return result
}

/// The UTF-8 text of a file.
public func text(_ path: String) throws -> String { try String(contentsOfFile: path, encoding: .utf8) }

/// Expects `body` to throw an error of type `E` whose description holds every fragment.
public func expectError<E: Error>(
    _ type: E.Type, containing fragments: [String], sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () throws -> Void
) {
    do {
        try body()
        Issue.record("expected \(E.self), but nothing was thrown", sourceLocation: sourceLocation)
    } catch let error as E {
        let message = String(describing: error)
        for fragment in fragments {
            #expect(message.contains(fragment), "'\(fragment)' not in: \(message)", sourceLocation: sourceLocation)
        }
    } catch {
        Issue.record("expected \(E.self), got \(Swift.type(of: error)): \(error)", sourceLocation: sourceLocation)
    }
}

/// Asserts the run folder `run` inside `folder` holds no weights or state file.
public func expectNoCheckpoint(
    _ folder: TemporaryFolder, run: String = "run", sourceLocation: SourceLocation = #_sourceLocation
) {
    for name in ["last.safetensors", "best.safetensors", "last.state.safetensors"] {
        #expect(!folder.exists("\(run)/\(name)"), "\(run)/\(name) was written", sourceLocation: sourceLocation)
    }
}
