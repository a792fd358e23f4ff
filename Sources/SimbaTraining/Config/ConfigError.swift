// Everything wrong with a config file and its command-line overrides, one problem per line, each naming
// where it is (file and line, or the command line), the key, what is wrong and what to do. No recovery.

import SimbaCore

/// Where a value or a problem comes from.
public enum ConfigLocation: Equatable, Sendable {
    /// A built-in default.
    case builtIn
    /// A config file as the user named it; `line` is 1-based, nil when the problem concerns the whole file.
    case file(String, line: Int?)
    /// A `--set key=value` argument as given, or nil for the command line as a whole.
    case commandLine(String?)
    /// A `--search key=values` argument as given.
    case searchOption(String)
    /// The value one trial of a search gives the key.
    case searchTrial

    /// `configs/x.yaml line 14`, `command line: --set a.b=1`, `built-in default`.
    public var text: String {
        switch self {
        case .builtIn: return "built-in default"
        case let .file(path, line?): return "\(path) line \(line)"
        case let .file(path, nil): return path
        case let .commandLine(argument?): return "command line: --set \(quoted(argument, marks: false))"
        case .commandLine(nil): return "command line"
        case let .searchOption(argument): return "command line: --search \(quoted(argument, marks: false))"
        case .searchTrial: return "search trial"
        }
    }
}

/// All problems found while resolving a config; its description has one problem per line.
public struct ConfigError: Error, CustomStringConvertible, Sendable {
    public enum Reason: Equatable, Sendable {
        case unreadableFile
        case syntax
        case notAMapping
        case unknownKey
        case unknownSection
        case duplicateKey
        case wrongType
        case outOfRange
        case notAChoice
        case missingRequired
        case malformedOverride
    }

    public struct Problem: CustomStringConvertible, Sendable {
        public let reason: Reason
        /// The dotted key concerned, or nil (a syntax error, a malformed `--set`).
        public let key: String?
        /// What is wrong and what to do, without the location.
        public let message: String
        public let location: ConfigLocation

        /// `message (location)`.
        public var description: String { "\(message) (\(location.text))" }
    }

    public let problems: [Problem]

    public var description: String {
        problems.map(\.description).joined(separator: "\n")
    }
}

/// "Did you mean" candidates by edit distance.
enum Suggestion {
    /// The candidates nearest to `word` within `maxDistance` (ties all kept, in candidate order).
    static func nearest(to word: String, in candidates: [String], maxDistance: Int) -> [String] {
        let scored = candidates.map { ($0, distance(word, $0)) }
        guard let best = scored.map(\.1).min(), best <= maxDistance else { return [] }
        return scored.filter { $0.1 == best }.map(\.0)
    }

    /// The largest distance still worth suggesting for a misspelling of `word`.
    static func tolerance(for word: String) -> Int {
        max(2, word.count / 3)
    }

    /// Optimal-string-alignment distance: insertions, deletions, substitutions and adjacent
    /// transpositions each cost 1 (so `lr` → `rl` is 1, not 2).
    static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous2 = [Int](repeating: 0, count: b.count + 1)
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    current[j] = min(current[j], previous2[j - 2] + 1)
                }
            }
            (previous2, previous, current) = (previous, current, previous2)
        }
        return previous[b.count]
    }

    /// ` did you mean 'a' or 'b'?`, empty when there is nothing to suggest.
    static func phrase(_ candidates: [String]) -> String {
        candidates.isEmpty ? "" : "; did you mean " + candidates.map { "'\($0)'" }.joined(separator: " or ") + "?"
    }
}
