// A resolved config written back: as YAML that `--config` loads to an identical config, and as an
// aligned listing for the start of a run. It reads nothing and writes no files (the run folder does).

import Foundation

extension Config {
    /// Every key with its value, sections in schema order, each key's doc as a trailing comment.
    /// Paths are absolute, so the file re-runs from any folder; `output.dir`-like string keys are
    /// written as resolved.
    public func yaml() -> String {
        var lines = ["# Resolved configuration; run it again with --config <this file>."]
        var emittedSections: Set<String> = []
        for key in schema.keys {
            if let section = key.section {
                guard emittedSections.insert(section).inserted else { continue }
                lines.append("\(section):")
                lines += Self.aligned(
                    schema.keys(inSection: section).map {
                        ("  \($0.name): " + ConfigValueParser.yamlScalar(value($0.path)), "  # " + $0.doc)
                    })
            } else {
                lines += Self.aligned([
                    (key.path + ": " + ConfigValueParser.yamlScalar(value(key.path)), "  # " + key.doc)
                ])
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// `key = value` per line with the `=` aligned; values not from a built-in default say where they came from.
    public func describe() -> String {
        let width = schema.keys.map(\.path.count).max() ?? 0
        let rows = schema.keys.map { key in
            (
                key.path.padding(toLength: width, withPad: " ", startingAt: 0) + " = "
                    + ConfigValueParser.yamlScalar(value(key.path)), location(of: key.path)
            )
        }
        let valueWidth = rows.map(\.0.count).max() ?? 0
        return rows.map { text, location in
            location == .builtIn
                ? text
                : text.padding(toLength: valueWidth, withPad: " ", startingAt: 0)
                    + "  (" + location.text + ")"
        }.joined(separator: "\n")
    }

    private static func aligned(_ rows: [(String, String)]) -> [String] {
        let width = rows.map(\.0.count).max() ?? 0
        return rows.map { $0.0.padding(toLength: width, withPad: " ", startingAt: 0) + $0.1 }
    }
}
