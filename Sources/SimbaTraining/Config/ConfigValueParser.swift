// Reading one YAML scalar as a value of a key's kind, checking bounds and choices, and writing a value
// back as a YAML scalar that reads the same. It knows no files or keys: callers add where and which.

import Foundation
import SimbaCore

enum ConfigValueParser {
    /// A parse failure: the reason and the text after "key " (`must be a whole number, got '32.5'`).
    struct Failure: Error {
        let reason: ConfigError.Reason
        let message: String
    }

    /// Parses a scalar's text. `quoted` scalars are strings in YAML, so they are rejected where a number
    /// or a boolean is expected. Paths are made absolute against `baseDirectory`.
    static func parse(_ text: String, quoted: Bool, kind: ConfigKind, baseDirectory: String) -> Result<
        ConfigValue, Failure
    > {
        let shown = SimbaCore.quoted(text)
        if !quoted && isNull(text) {
            return .failure(
                Failure(
                    reason: .wrongType,
                    message: "must be \(kind.expectation), got no value "
                        + "(leave the key out to keep its default)"))
        }
        let value: ConfigValue
        switch kind {
        case .int:
            guard !quoted, let int = Int(text) else {
                return .failure(Failure(reason: .wrongType, message: "must be \(kind.expectation), got \(shown)"))
            }
            value = .int(int)
        case .float:
            guard !quoted, let double = parseDouble(text) else {
                return .failure(Failure(reason: .wrongType, message: "must be \(kind.expectation), got \(shown)"))
            }
            value = .double(double)
        case .bool:
            guard !quoted, let bool = parseBool(text) else {
                return .failure(Failure(reason: .wrongType, message: "must be true or false, got \(shown)"))
            }
            value = .bool(bool)
        case .string, .choice:
            value = .string(text)
        case .path:
            guard !text.isEmpty else {
                return .failure(Failure(reason: .wrongType, message: "must be a path, got an empty string"))
            }
            value = .string(absolutePath(text, relativeTo: baseDirectory))
        case .list:
            let entries =
                text.isEmpty
                ? []
                : text.split(separator: ",", omittingEmptySubsequences: false)
                    .map { ($0.trimmingCharacters(in: .whitespaces), false) }
            return parseList(entries, kind: kind, baseDirectory: baseDirectory, written: text)
        case .grid:
            return .failure(Failure(reason: .wrongType, message: "must be \(kind.expectation), got \(shown)"))
        }
        if let failure = check(value, kind: kind, written: text) { return .failure(failure) }
        return .success(value)
    }

    /// Parses the entries of a list key (each its text and whether it was quoted), as a YAML sequence
    /// gives them or as the deprecated comma-separated string splits into.
    static func parseList(
        _ entries: [(text: String, quoted: Bool)], kind: ConfigKind, baseDirectory: String,
        written: String? = nil
    ) -> Result<ConfigValue, Failure> {
        guard case let .list(element, _) = kind else { preconditionFailure("parseList needs a list kind") }
        var values: [ConfigValue] = []
        for (i, entry) in entries.enumerated() {
            switch parse(entry.text, quoted: entry.quoted, kind: element, baseDirectory: baseDirectory) {
            case let .success(value): values.append(value)
            case let .failure(failure):
                return .failure(Failure(reason: failure.reason, message: "entry \(i + 1) \(failure.message)"))
            }
        }
        let value = ConfigValue.list(values)
        if let failure = check(value, kind: kind, written: written) { return .failure(failure) }
        return .success(value)
    }

    /// Checks a value against the kind's type, bounds and choices; nil when it fits. Messages quote
    /// `written` (the text as the user wrote it) when given.
    static func check(_ value: ConfigValue, kind: ConfigKind, written: String? = nil) -> Failure? {
        let shown = SimbaCore.quoted(written ?? yamlScalar(value))
        switch (kind, value) {
        case let (.int(min, max), .int(int)):
            if let min, int < min { return outOfRange(kind, shown) }
            if let max, int > max { return outOfRange(kind, shown) }
            return nil
        case let (.float(min, max, minInclusive, maxInclusive), .double(double)):
            if let min, minInclusive ? double < min : double <= min { return outOfRange(kind, shown) }
            if let max, maxInclusive ? double > max : double >= max { return outOfRange(kind, shown) }
            return nil
        case (.float, .int), (.bool, .bool), (.string, .string), (.path, .string), (.grid, .grid):
            return nil
        case let (.list(element, counts), .list(values)):
            guard counts.contains(values.count) else {
                return Failure(
                    reason: .wrongType,
                    message: "must be \(kind.expectation), got \(values.count) "
                        + (values.count == 1 ? "entry" : "entries"))
            }
            for (i, value) in values.enumerated() {
                if let failure = check(value, kind: element) {
                    return Failure(reason: failure.reason, message: "entry \(i + 1) \(failure.message)")
                }
            }
            return nil
        case let (.choice(choices), .string(string)):
            if choices.contains(string) { return nil }
            let hint = Suggestion.phrase(
                Suggestion.nearest(
                    to: string, in: choices,
                    maxDistance: Suggestion.tolerance(for: string)))
            return Failure(
                reason: .notAChoice,
                message: "must be one of \(choices.joined(separator: ", ")), "
                    + "got \(SimbaCore.quoted(string))\(hint)")
        default:
            return Failure(reason: .wrongType, message: "must be \(kind.expectation), got \(shown)")
        }
    }

    private static func outOfRange(_ kind: ConfigKind, _ shown: String) -> Failure {
        let bounds: String
        switch kind {
        case let .int(min, max):
            bounds = ConfigKind.range(min: min.map(Double.init), max: max.map(Double.init), true, true)
        case let .float(min, max, minInclusive, maxInclusive):
            bounds = ConfigKind.range(min: min, max: max, minInclusive, maxInclusive)
        default:
            bounds = ""
        }
        return Failure(reason: .outOfRange, message: "must be\(bounds), got \(shown)")
    }

    /// YAML's null spellings for a plain scalar.
    static func isNull(_ text: String) -> Bool {
        ["", "~", "null", "Null", "NULL"].contains(text)
    }

    /// A finite decimal number (`1e-3`, `.5`, `-2`); rejects `inf`, `nan` and hexadecimal.
    static func parseDouble(_ text: String) -> Double? {
        guard text.allSatisfy({ $0.isASCII && ($0.isNumber || "+-.eE".contains($0)) }),
            let double = Double(text), double.isFinite
        else { return nil }
        return double
    }

    /// YAML 1.2 `true`/`false` and YAML 1.1's `yes`/`no`/`on`/`off`, in the usual capitalisations.
    static func parseBool(_ text: String) -> Bool? {
        let lower = text.lowercased()
        guard text == lower || text == text.uppercased() || text == lower.prefix(1).uppercased() + lower.dropFirst()
        else { return nil }
        switch lower {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default: return nil
        }
    }

    /// `text` as an absolute, standardised path (`~/` expanded, `.` and `..` removed).
    static func absolutePath(_ text: String, relativeTo base: String) -> String {
        let expanded = text == "~" || text.hasPrefix("~/") ? NSString(string: text).expandingTildeInPath : text
        let url =
            expanded.hasPrefix("/")
            ? URL(fileURLWithPath: expanded)
            : URL(fileURLWithPath: base, isDirectory: true).appendingPathComponent(expanded)
        return url.standardizedFileURL.path
    }

    /// The value as a YAML scalar that reads back to the same value: shortest round-trip decimals with a
    /// dot (`1.0e-05`, so YAML 1.1 readers see a float too), strings quoted when they would read as
    /// something else or need escaping.
    static func yamlScalar(_ value: ConfigValue) -> String {
        switch value {
        case let .int(int):
            return String(int)
        case let .double(double):
            var text = String(double)
            if !text.contains("."), let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
                text.insert(contentsOf: ".0", at: e)
            }
            return text
        case let .bool(bool):
            return bool ? "true" : "false"
        case let .string(string):
            return needsQuotes(string) ? quoted(string) : string
        case let .list(values):
            return "[" + values.map(yamlScalar).joined(separator: ", ") + "]"
        case let .grid(axes):
            return "{" + axes.map { "\($0.key): " + yamlScalar(.list($0.values)) }.joined(separator: ", ") + "}"
        }
    }

    /// Plain only for ASCII names and paths that YAML cannot read as a null, a boolean or a number.
    private static func needsQuotes(_ string: String) -> Bool {
        guard let first = string.unicodeScalars.first else { return true }
        let safe = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "_./-+"))
        return !string.unicodeScalars.allSatisfy { $0.isASCII && safe.contains($0) }
            || !(CharacterSet.letters.contains(first) || first == "/" || first == "_")
            || isNull(string) || parseBool(string) != nil || ["y", "n", "Y", "N"].contains(string)
    }

    private static func quoted(_ string: String) -> String {
        var out = "\""
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    out += String(format: "\\x%02X", scalar.value)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}
