// The declaration of a command's configuration: keys as dotted paths with a kind, a default and a doc line.
// It reads no files and holds no values; `Config` resolves values against a schema.

import Foundation

/// A resolved configuration value. Choices and paths are strings (paths absolute once resolved).
public enum ConfigValue: Equatable, Sendable {
    case int(Int)
    case double(Double)
    case bool(Bool)
    case string(String)
    /// The entries of a list key, each of its element kind.
    case list([ConfigValue])
    /// The searched keys of a `grid` key, each with the values to try, in the order written.
    case grid([SearchAxis])
}

/// One key of a search and the values tried for it, each already checked against the key's kind.
public struct SearchAxis: Equatable, Sendable {
    public let key: String
    public let values: [ConfigValue]

    public init(key: String, values: [ConfigValue]) {
        self.key = key
        self.values = values
    }
}

/// What a key accepts. Bounds are inclusive unless stated; `nil` means unbounded.
public enum ConfigKind: Equatable, Sendable {
    /// A whole number written as a decimal literal (`32`, not `32.0`).
    case int(min: Int? = nil, max: Int? = nil)
    /// A finite number (`1e-3`, `0.001` and `1` all accepted).
    case float(min: Double? = nil, max: Double? = nil, minInclusive: Bool = true, maxInclusive: Bool = true)
    /// `true` or `false` (YAML 1.1's `yes`/`no`/`on`/`off` are accepted too).
    case bool
    /// Any non-null scalar, kept as written.
    case string
    /// One of a fixed list of names, compared exactly.
    case choice([String])
    /// A file or folder: relative values are resolved against the config file's folder when they come
    /// from a config file and against the working directory otherwise; `~/` is expanded.
    case path
    /// A YAML sequence of `element` values whose length is one of `counts` (`[0, 4]`: empty or four).
    indirect case list(ConfigKind, counts: [Int])
    /// A mapping of the schema's own keys to YAML lists of values to try (`optimization.lr: [1e-4, 3e-4]`),
    /// each value read by the rules of its key.
    case grid

    /// A choice among the raw values of `Choice`'s cases, in declaration order.
    public static func choice<Choice: CaseIterable & RawRepresentable>(of _: Choice.Type) -> ConfigKind
    where Choice.RawValue == String {
        .choice(Choice.allCases.map(\.rawValue))
    }

    /// What the kind accepts, as the end of "key must be …" (`a whole number >= 1`, `one of M, S, MS`).
    public var expectation: String {
        switch self {
        case let .int(min, max):
            return "a whole number" + Self.range(min: min.map(Double.init), max: max.map(Double.init), true, true)
        case let .float(min, max, minInclusive, maxInclusive):
            return "a number" + Self.range(min: min, max: max, minInclusive, maxInclusive)
        case .bool: return "true or false"
        case .string: return "a string"
        case let .choice(choices): return "one of " + choices.joined(separator: ", ")
        case .path: return "a path"
        case let .list(element, counts):
            let contiguous = counts.count > 2 && zip(counts, counts.dropFirst()).allSatisfy { $1 == $0 + 1 }
            return "a list of "
                + (contiguous
                    ? "\(counts[0]) to \(counts[counts.count - 1])"
                    : counts.map(String.init).joined(separator: " or ")) + " entries, each "
                + element.expectation
        case .grid: return "a mapping of config keys to lists of values"
        }
    }

    /// The bound clause (" >= 0 and < 1"), empty when unbounded.
    static func range(min: Double?, max: Double?, _ minInclusive: Bool, _ maxInclusive: Bool) -> String {
        var parts: [String] = []
        if let min { parts.append((minInclusive ? ">= " : "> ") + formatNumber(min)) }
        if let max { parts.append((maxInclusive ? "<= " : "< ") + formatNumber(max)) }
        return parts.isEmpty ? "" : " " + parts.joined(separator: " and ")
    }

    /// `1` for whole numbers up to 2^53 in magnitude (every one a Double holds exactly, `maxSeed`
    /// included), Swift's shortest round-trip form otherwise (`0.001`, `1e-05`, `1e+300`).
    static func formatNumber(_ value: Double) -> String {
        value == value.rounded() && abs(value) <= 0x1p53 ? String(Int(value)) : String(value)
    }
}

/// A key's default.
public enum ConfigDefault: Equatable, Sendable {
    /// No default: the config file or the command line must set the key.
    case required
    case value(ConfigValue)
    /// A string in which `{config}` becomes the config file's name without its extension
    /// (`default` when there is no config file), e.g. `runs/{config}`.
    case template(String)
}

extension ConfigDefault: ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral,
    ExpressibleByBooleanLiteral, ExpressibleByStringLiteral
{
    public init(integerLiteral value: Int) { self = .value(.int(value)) }
    public init(floatLiteral value: Double) { self = .value(.double(value)) }
    public init(booleanLiteral value: Bool) { self = .value(.bool(value)) }
    public init(stringLiteral value: String) { self = .value(.string(value)) }
}

/// One setting: `section.name` (or a top-level `name`), what it accepts, its default and a one-line doc.
public struct ConfigKey: Equatable, Sendable {
    public let path: String
    public let kind: ConfigKind
    public let defaultValue: ConfigDefault
    public let doc: String

    public init(_ path: String, _ kind: ConfigKind, default defaultValue: ConfigDefault, _ doc: String) {
        precondition(
            !path.isEmpty && path.split(separator: ".", omittingEmptySubsequences: false).count <= 2
                && !path.hasPrefix(".") && !path.hasSuffix("."),
            "config key '\(path)' must be 'name' or 'section.name'")
        precondition(!doc.contains("\n"), "the doc of '\(path)' must be one line")
        if case .template = defaultValue {
            precondition(kind == .string || kind == .path, "only string and path keys take a template default")
        }
        self.path = path
        self.kind = kind
        if case .float = kind, case let .value(.int(int)) = defaultValue {
            self.defaultValue = .value(.double(Double(int)))
        } else {
            self.defaultValue = defaultValue
        }
        self.doc = doc
    }

    /// The part before the dot, or nil for a top-level key.
    public var section: String? {
        path.firstIndex(of: ".").map { String(path[..<$0]) }
    }

    /// The part after the dot (the whole path for a top-level key).
    public var name: String {
        path.firstIndex(of: ".").map { String(path[path.index(after: $0)...]) } ?? path
    }
}

/// An ordered list of keys. Sections are the parts before the dot, in order of first appearance;
/// a key's position decides where it is listed and written.
public struct ConfigSchema: Sendable {
    public let keys: [ConfigKey]
    private let index: [String: Int]

    /// Bounds shared by the tasks' schemas. Every numeric key is bounded on both sides, so no value
    /// from a config can size an allocation or a loop beyond what the machine could do; whether a batch
    /// fits in memory is `MemoryBudget`'s check. 65,536 images or windows per step is far above any
    /// CPU's memory at the published sizes.
    public static let maxBatch = 65_536
    public static let maxEpochs = 100_000
    /// 2^53: seeds stay exact when written as JSON or YAML numbers.
    public static let maxSeed = 9_007_199_254_740_992
    /// Learning rates size nothing; they only have to stay finite in float32 (a run they make diverge
    /// stops with a TrainingError, which tests provoke with lr 1e30).
    public static let maxFactor = 1e38

    public init(_ keys: [ConfigKey]) {
        var index: [String: Int] = [:]
        for (i, key) in keys.enumerated() {
            precondition(index[key.path] == nil, "config key '\(key.path)' is declared twice")
            index[key.path] = i
        }
        let sections = Set(keys.compactMap(\.section))
        for key in keys where key.section == nil {
            precondition(!sections.contains(key.path), "'\(key.path)' is both a key and a section")
        }
        self.keys = keys
        self.index = index
        for key in keys {
            if case let .value(value) = key.defaultValue {
                precondition(
                    ConfigValueParser.check(value, kind: key.kind) == nil,
                    "the default of '\(key.path)' is not \(key.kind.expectation)")
            }
        }
    }

    /// The key at `path`, or nil when the schema has none.
    public func key(_ path: String) -> ConfigKey? {
        index[path].map { keys[$0] }
    }

    /// Section names in order of first appearance.
    public var sections: [String] {
        var seen: Set<String> = []
        return keys.compactMap(\.section).filter { seen.insert($0).inserted }
    }

    /// The keys of one section, in schema order.
    public func keys(inSection section: String) -> [ConfigKey] {
        keys.filter { $0.section == section }
    }

    /// One line per key (`path  kind  default  doc`), for a `--help` page.
    public var reference: String {
        let rows = keys.map { key -> (String, String, String) in
            let value: String
            switch key.defaultValue {
            case .required: value = "required"
            case let .value(v): value = "default " + ConfigValueParser.yamlScalar(v)
            case let .template(t): value = "default " + t.replacingOccurrences(of: "{config}", with: "<config name>")
            }
            return (key.path, key.kind.expectation, value)
        }
        let w0 = rows.map(\.0.count).max() ?? 0
        let w1 = rows.map(\.1.count).max() ?? 0
        let w2 = rows.map(\.2.count).max() ?? 0
        return zip(rows, keys).map { row, key in
            row.0.padding(toLength: w0 + 2, withPad: " ", startingAt: 0)
                + row.1.padding(toLength: w1 + 2, withPad: " ", startingAt: 0)
                + row.2.padding(toLength: w2 + 2, withPad: " ", startingAt: 0) + key.doc
        }.joined(separator: "\n")
    }
}
