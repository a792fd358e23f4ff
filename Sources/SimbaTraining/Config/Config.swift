// The resolved values of a schema: built-in defaults < a YAML config file < `--set key=value` overrides,
// with typed accessors. It validates every value and reports every problem at once; it never prints
// (deprecation notes are kept for the caller to show).

import Foundation
import SimbaCore
import Yams

/// A configuration resolved against a `ConfigSchema`. Every key has a valid value of its kind.
///
/// Precedence follows the Time-Series-Library / timm habit: a `--set` override beats the config file,
/// which beats the built-in default. Accessing a key the schema does not declare, or through the wrong
/// type, is a programming error (precondition).
public struct Config: Equatable, Sendable {
    public let schema: ConfigSchema
    /// The config file as the user named it, nil without one.
    public let configFile: String?
    private let values: [String: ConfigValue]
    private let locations: [String: ConfigLocation]
    /// One line per deprecated form the config file used (a list written as a comma-separated
    /// string), naming the file and the key; the value was read all the same.
    public let notes: [String]

    /// Reads `configFile` (when given) and applies `overrides` (each `key=value`, the value read as a
    /// YAML scalar), then `searches` (each `key=value,value,…` or `key=[value, …]`, replacing that
    /// key's entry in the schema's grid key). Relative paths in the file are resolved against the
    /// file's folder; those on the command line and `configFile` itself against `workingDirectory`.
    /// Throws a `ConfigError` listing every problem found.
    public init(
        schema: ConfigSchema, configFile: String?, overrides: [String] = [], searches: [String] = [],
        workingDirectory: String = FileManager.default.currentDirectoryPath
    ) throws {
        guard let configFile else {
            try self.init(
                schema: schema, yaml: nil, file: nil, overrides: overrides, searches: searches,
                workingDirectory: workingDirectory)
            return
        }
        let absolute = ConfigValueParser.absolutePath(configFile, relativeTo: workingDirectory)
        var isDirectory: ObjCBool = false
        let what: String
        if !FileManager.default.fileExists(atPath: absolute, isDirectory: &isDirectory) {
            what = "config file not found; check the path given to --config"
        } else if isDirectory.boolValue {
            what = "the config path is a folder; give a .yaml file"
        } else if let data = FileManager.default.contents(atPath: absolute) {
            guard let text = String(data: data, encoding: .utf8) else {
                throw ConfigError(problems: [
                    .init(
                        reason: .unreadableFile, key: nil,
                        message: "config file is not UTF-8 text; save it as UTF-8",
                        location: .file(configFile, line: nil))
                ])
            }
            try self.init(
                schema: schema, yaml: text, file: configFile, overrides: overrides, searches: searches,
                workingDirectory: workingDirectory)
            return
        } else {
            what = "config file cannot be read; check its permissions"
        }
        throw ConfigError(problems: [
            .init(
                reason: .unreadableFile, key: nil, message: what,
                location: .file(configFile, line: nil))
        ])
    }

    /// Resolves from config text already read. `file` names it in messages, gives `{config}` defaults
    /// their name, and its folder (against `workingDirectory`) anchors the file's relative paths.
    public init(
        schema: ConfigSchema, yaml: String?, file: String?, overrides: [String] = [], searches: [String] = [],
        workingDirectory: String = FileManager.default.currentDirectoryPath
    ) throws {
        var resolver = Resolution(schema: schema, file: file, workingDirectory: workingDirectory)
        resolver.applyDefaults()
        if let yaml { resolver.applyFile(yaml) }
        for argument in overrides { resolver.applyOverride(argument) }
        for argument in searches { resolver.applySearch(argument) }
        resolver.checkRequired()
        guard resolver.problems.isEmpty else { throw ConfigError(problems: resolver.problems) }
        self.schema = schema
        self.configFile = file
        self.values = resolver.values
        self.locations = resolver.locations
        self.notes = resolver.notes
    }

    private init(
        schema: ConfigSchema, configFile: String?, values: [String: ConfigValue],
        locations: [String: ConfigLocation], notes: [String]
    ) {
        self.schema = schema
        self.configFile = configFile
        self.values = values
        self.locations = locations
        self.notes = notes
    }

    /// This config with each key of `changes` set to its value, located as `.searchTrial`: the
    /// settings of one trial of a search. Each key must be the schema's and each value of its kind.
    public func replacing(_ changes: [(key: String, value: ConfigValue)]) -> Config {
        var values = self.values, locations = self.locations
        for (key, value) in changes {
            guard let declared = schema.key(key) else { preconditionFailure("'\(key)' is not a key of this schema") }
            precondition(
                ConfigValueParser.check(value, kind: declared.kind) == nil,
                "\(value) is not \(declared.kind.expectation) for '\(key)'")
            values[key] = value
            locations[key] = .searchTrial
        }
        return Config(schema: schema, configFile: configFile, values: values, locations: locations, notes: notes)
    }

    /// Two configs are equal when they declare the same keys with the same values, wherever the values came from.
    public static func == (lhs: Config, rhs: Config) -> Bool {
        lhs.schema.keys == rhs.schema.keys && lhs.values == rhs.values
    }

    // MARK: Accessors

    public func value(_ key: String) -> ConfigValue {
        guard let value = values[key] else { preconditionFailure("'\(key)' is not a key of this config schema") }
        return value
    }

    /// Where the value of `key` came from.
    public func location(of key: String) -> ConfigLocation {
        guard let location = locations[key] else { preconditionFailure("'\(key)' is not a key of this config schema") }
        return location
    }

    public func int(_ key: String) -> Int {
        guard case let .int(int) = value(key) else { preconditionFailure("'\(key)' is not an int key") }
        return int
    }

    public func double(_ key: String) -> Double {
        guard case let .double(double) = value(key) else { preconditionFailure("'\(key)' is not a float key") }
        return double
    }

    public func float(_ key: String) -> Float {
        Float(double(key))
    }

    public func bool(_ key: String) -> Bool {
        guard case let .bool(bool) = value(key) else { preconditionFailure("'\(key)' is not a bool key") }
        return bool
    }

    /// The value of a string, choice or path key (paths are absolute).
    public func string(_ key: String) -> String {
        guard case let .string(string) = value(key) else { preconditionFailure("'\(key)' is not a string key") }
        return string
    }

    /// The absolute path of a path key.
    public func path(_ key: String) -> String {
        precondition(schema.key(key)?.kind == .path, "'\(key)' is not a path key")
        return string(key)
    }

    /// A choice key as an enum whose raw values are the choices.
    public func choice<Choice: RawRepresentable>(_ key: String, as type: Choice.Type = Choice.self) -> Choice
    where Choice.RawValue == String {
        guard let choice = Choice(rawValue: string(key)) else {
            preconditionFailure("'\(string(key))' of '\(key)' is not a case of \(Choice.self)")
        }
        return choice
    }
}

/// The working state while resolving: values so far and the problems found.
private struct Resolution {
    let schema: ConfigSchema
    let file: String?
    let workingDirectory: String
    var values: [String: ConfigValue] = [:]
    var locations: [String: ConfigLocation] = [:]
    var problems: [ConfigError.Problem] = []
    var notes: [String] = []

    init(schema: ConfigSchema, file: String?, workingDirectory: String) {
        self.schema = schema
        self.file = file
        self.workingDirectory = workingDirectory
    }

    /// The folder relative paths in the file are resolved against.
    var fileDirectory: String {
        guard let file else { return workingDirectory }
        return URL(fileURLWithPath: ConfigValueParser.absolutePath(file, relativeTo: workingDirectory))
            .deletingLastPathComponent().path
    }

    mutating func applyDefaults() {
        let configName = file.map { URL(fileURLWithPath: $0).deletingPathExtension().lastPathComponent } ?? "default"
        for key in schema.keys {
            switch key.defaultValue {
            case .required:
                continue
            case let .value(value):
                values[key.path] =
                    key.kind == .path && !stringValue(value).isEmpty
                    ? .string(ConfigValueParser.absolutePath(stringValue(value), relativeTo: workingDirectory))
                    : value
            case let .template(template):
                let text = template.replacingOccurrences(of: "{config}", with: configName)
                values[key.path] = .string(
                    key.kind == .path
                        ? ConfigValueParser.absolutePath(text, relativeTo: workingDirectory) : text)
            }
            locations[key.path] = .builtIn
        }
    }

    private func stringValue(_ value: ConfigValue) -> String {
        guard case let .string(string) = value else { preconditionFailure("a path default must be a string") }
        return string
    }

    // MARK: Config file

    mutating func applyFile(_ text: String) {
        let file = self.file ?? "config"
        if let (line, message) = ConfigTextLimits.problem(in: text) {
            problems.append(.init(reason: .syntax, key: nil, message: message, location: .file(file, line: line)))
            return
        }
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            problems.append(Self.syntaxProblem(error, file: file))
            return
        } catch {
            problems.append(
                .init(
                    reason: .syntax, key: nil, message: "YAML syntax error: \(error)",
                    location: .file(file, line: nil)))
            return
        }
        guard let root, !isNullNode(root) else { return }
        guard let mapping = root.mapping else {
            problems.append(
                .init(
                    reason: .notAMapping, key: nil,
                    message: "a config file must be a mapping of sections and keys (e.g. 'optimization:' then an "
                        + "indented 'lr: 0.001'), got \(Self.describe(root))",
                    location: .file(file, line: root.mark?.line)))
            return
        }
        walk(mapping, section: nil, file: file)
    }

    private mutating func walk(_ mapping: Node.Mapping, section: String?, file: String) {
        var firstLine: [String: Int] = [:]
        for (keyNode, valueNode) in mapping {
            let line = keyNode.mark?.line
            guard let name = keyNode.scalar?.string else {
                problems.append(
                    .init(
                        reason: .unknownKey, key: nil,
                        message: "keys must be plain names, got \(Self.describe(keyNode))",
                        location: .file(file, line: line)))
                continue
            }
            let path = section.map { "\($0).\(name)" } ?? name
            if let first = firstLine[path] {
                problems.append(
                    .init(
                        reason: .duplicateKey, key: path,
                        message: "\(path) is set twice (first on line \(first)); keep one",
                        location: .file(file, line: line)))
                continue
            }
            firstLine[path] = line ?? 0
            if !name.contains("."), let key = schema.key(path) {
                set(key, from: valueNode, location: .file(file, line: valueNode.mark?.line ?? line))
            } else if section == nil, schema.sections.contains(name) {
                if let sub = valueNode.mapping {
                    walk(sub, section: name, file: file)
                } else if !isNullNode(valueNode) {
                    let names = schema.keys(inSection: name).map(\.name).joined(separator: ", ")
                    problems.append(
                        .init(
                            reason: .notAMapping, key: name,
                            message: "'\(name)' is a section and must hold indented 'key: value' lines (\(names)), "
                                + "got \(Self.describe(valueNode))",
                            location: .file(file, line: valueNode.mark?.line ?? line)))
                }
            } else {
                problems.append(
                    unknown(
                        path, isSection: section == nil && valueNode.mapping != nil,
                        location: .file(file, line: line), fromFile: true))
            }
        }
    }

    private mutating func set(_ key: ConfigKey, from node: Node, location: ConfigLocation) {
        if key.kind == .grid {
            setGrid(key, from: node, location: location)
            return
        }
        let base: String
        if case .file = location { base = fileDirectory } else { base = workingDirectory }
        if case .list = key.kind, let sequence = node.sequence {
            var entries: [(text: String, quoted: Bool)] = []
            for item in sequence {
                guard let scalar = item.scalar else {
                    problems.append(
                        .init(
                            reason: .wrongType, key: key.path,
                            message:
                                "\(key.path) must be \(key.kind.expectation), got \(Self.describe(item)) as an entry",
                            location: location))
                    return
                }
                entries.append((scalar.string, scalar.style != .plain && scalar.style != .any))
            }
            record(key, ConfigValueParser.parseList(entries, kind: key.kind, baseDirectory: base), location: location)
            return
        }
        guard let scalar = node.scalar else {
            problems.append(
                .init(
                    reason: .wrongType, key: key.path,
                    message: "\(key.path) must be \(key.kind.expectation), got \(Self.describe(node))",
                    location: location))
            return
        }
        // An optional path (default "") may be set back to "": no file.
        if key.kind == .path, scalar.string.isEmpty, case .value(.string("")) = key.defaultValue {
            values[key.path] = .string("")
            locations[key.path] = location
            return
        }
        let result = ConfigValueParser.parse(
            scalar.string, quoted: scalar.style != .plain && scalar.style != .any,
            kind: key.kind, baseDirectory: base)
        // A list as a comma-separated string: read, with a note when a file wrote it (on the command
        // line, --set key=a,b is not YAML, so the comma form is the natural one there).
        if case .list = key.kind, case let .success(value) = result, case .file = location {
            notes.append(
                "\(location.text): \(key.path) written as a comma-separated string "
                    + "is deprecated; write a YAML list: \(key.name): \(ConfigValueParser.yamlScalar(value))")
        }
        record(key, result, location: location)
    }

    private mutating func record(
        _ key: ConfigKey, _ result: Result<ConfigValue, ConfigValueParser.Failure>,
        location: ConfigLocation
    ) {
        switch result {
        case let .success(value):
            values[key.path] = value
            locations[key.path] = location
        case let .failure(failure):
            problems.append(
                .init(
                    reason: failure.reason, key: key.path,
                    message: "\(key.path) \(failure.message)", location: location))
        }
    }

    // MARK: Command line

    mutating func applyOverride(_ argument: String) {
        let location = ConfigLocation.commandLine(argument)
        guard let equals = argument.firstIndex(of: "="),
            !argument[..<equals].trimmingCharacters(in: .whitespaces).isEmpty
        else {
            problems.append(
                .init(
                    reason: .malformedOverride, key: nil,
                    message: "--set expects key=value (e.g. --set optimization.lr=3e-4), "
                        + "got \(quoted(argument))",
                    location: location))
            return
        }
        let path = argument[..<equals].trimmingCharacters(in: .whitespaces)
        let text = String(argument[argument.index(after: equals)...])
        guard let key = schema.key(path) else {
            if schema.sections.contains(path) {
                let names = schema.keys(inSection: path).map(\.name).joined(separator: ", ")
                problems.append(
                    .init(
                        reason: .unknownKey, key: path,
                        message:
                            "'\(path)' is a section, not a key; set one of its keys with --set \(path).<key>=value "
                            + "(\(names))", location: location))
            } else {
                problems.append(unknown(path, isSection: false, location: location, fromFile: false))
            }
            return
        }
        if let (_, message) = ConfigTextLimits.problem(in: text) {
            problems.append(
                .init(
                    reason: .wrongType, key: path, message: "\(path): \(message)",
                    location: .commandLine(path + "=…")))
            return
        }
        let node: Node
        do {
            node = try Yams.compose(yaml: text) ?? Node("", .implicit, .plain)
        } catch {
            problems.append(
                .init(
                    reason: .wrongType, key: path,
                    message: "\(path) must be \(key.kind.expectation), got \(quoted(text)), "
                        + "which is not a YAML value; "
                        + "quote it for the shell as --set '\(path)=\"...\"'", location: location))
            return
        }
        set(key, from: node, location: location)
    }

    // MARK: Search grids

    /// A grid key from YAML: a mapping of this schema's keys to lists of values (or null: no search).
    private mutating func setGrid(_ grid: ConfigKey, from node: Node, location: ConfigLocation) {
        var axes: [SearchAxis] = []
        if !isNullNode(node) {
            guard let mapping = node.mapping else {
                problems.append(
                    .init(
                        reason: .wrongType, key: grid.path,
                        message:
                            "\(grid.path) must be \(grid.kind.expectation) (e.g. 'optimization.lr: [1e-4, 3e-4]'), "
                            + "got \(Self.describe(node))", location: location))
                return
            }
            for (keyNode, valueNode) in mapping {
                var entryLocation = location
                if case let .file(file, line) = location {
                    entryLocation = .file(file, line: keyNode.mark?.line ?? line)
                }
                guard let path = keyNode.scalar?.string else {
                    problems.append(
                        .init(
                            reason: .unknownKey, key: grid.path,
                            message: "\(grid.path) keys must be config keys such as optimization.lr, got "
                                + Self.describe(keyNode), location: entryLocation))
                    continue
                }
                guard !axes.contains(where: { $0.key == path }) else {
                    problems.append(
                        .init(
                            reason: .duplicateKey, key: grid.path,
                            message: "\(grid.path) lists \(path) twice; keep one", location: entryLocation))
                    continue
                }
                if let axis = searchAxis(path, valueNode, grid: grid, location: entryLocation) { axes.append(axis) }
            }
        }
        values[grid.path] = .grid(axes)
        locations[grid.path] = location
    }

    /// `--search key=a,b,c` (or `key=[a, b, c]`): that key's entry of the schema's grid key, replacing
    /// an entry for the same key from the config file.
    mutating func applySearch(_ argument: String) {
        let location = ConfigLocation.searchOption(argument)
        guard let grid = schema.keys.first(where: { $0.kind == .grid }) else {
            problems.append(
                .init(
                    reason: .unknownKey, key: nil,
                    message: "--search is not available for this task", location: location))
            return
        }
        guard let equals = argument.firstIndex(of: "="),
            !argument[..<equals].trimmingCharacters(in: .whitespaces).isEmpty
        else {
            problems.append(
                .init(
                    reason: .malformedOverride, key: nil,
                    message: "--search expects key=value,value,… (e.g. --search optimization.lr=1e-4,3e-4), "
                        + "got \(quoted(argument))", location: location))
            return
        }
        let path = argument[..<equals].trimmingCharacters(in: .whitespaces)
        let text = String(argument[argument.index(after: equals)...])
        if let (_, message) = ConfigTextLimits.problem(in: text) {
            problems.append(
                .init(
                    reason: .wrongType, key: path, message: "\(path): \(message)",
                    location: .searchOption(path + "=…")))
            return
        }
        let node: Node
        if text.trimmingCharacters(in: .whitespaces).hasPrefix("[") {
            guard let parsed = try? Yams.compose(yaml: text), parsed.sequence != nil else {
                problems.append(
                    .init(
                        reason: .wrongType, key: path,
                        message: "\(path) values must be a,b,c or a YAML list [a, b, c], got \(quoted(text))",
                        location: location))
                return
            }
            node = parsed
        } else {
            let pieces = text.split(separator: ",", omittingEmptySubsequences: false)
                .map { Node($0.trimmingCharacters(in: .whitespaces)) }
            node = Node(pieces)
        }
        guard let axis = searchAxis(path, node, grid: grid, location: location) else { return }
        var axes: [SearchAxis] = []
        if case let .grid(current)? = values[grid.path] { axes = current }
        if let i = axes.firstIndex(where: { $0.key == path }) { axes[i] = axis } else { axes.append(axis) }
        values[grid.path] = .grid(axes)
        locations[grid.path] = location
    }

    /// One entry of a grid: `path` must be a key of the schema other than a grid, `node` a non-empty
    /// list of distinct values each read by that key's rules. Nil (with the problem recorded) otherwise.
    private mutating func searchAxis(
        _ path: String, _ node: Node, grid: ConfigKey,
        location: ConfigLocation
    ) -> SearchAxis? {
        let problemCount = problems.count
        guard let key = schema.key(path) else {
            let problem = unknown(path, isSection: false, location: location, fromFile: false)
            problems.append(
                .init(
                    reason: problem.reason, key: grid.path,
                    message: "\(grid.path): " + problem.message, location: location))
            return nil
        }
        guard key.kind != .grid else {
            problems.append(
                .init(
                    reason: .wrongType, key: grid.path,
                    message: "\(grid.path) cannot list \(path) itself", location: location))
            return nil
        }
        guard let sequence = node.sequence, !sequence.isEmpty else {
            problems.append(
                .init(
                    reason: .wrongType, key: grid.path,
                    message: "\(grid.path): \(path) must be a list of the values to try (e.g. '\(path): [a, b]'), "
                        + "got \(Self.describe(node))", location: location))
            return nil
        }
        let base: String
        if case .file = location { base = fileDirectory } else { base = workingDirectory }
        var tried: [ConfigValue] = []
        for (i, item) in sequence.enumerated() {
            let result: Result<ConfigValue, ConfigValueParser.Failure>
            if let scalar = item.scalar {
                result = ConfigValueParser.parse(
                    scalar.string, quoted: scalar.style != .plain && scalar.style != .any,
                    kind: key.kind, baseDirectory: base)
            } else if case .list = key.kind, let entries = item.sequence, entries.allSatisfy({ $0.scalar != nil }) {
                result = ConfigValueParser.parseList(
                    entries.map { ($0.scalar!.string, $0.scalar!.style != .plain && $0.scalar!.style != .any) },
                    kind: key.kind, baseDirectory: base)
            } else {
                result = .failure(
                    .init(
                        reason: .wrongType,
                        message: "must be \(key.kind.expectation), got "
                            + Self.describe(item)))
            }
            switch result {
            case let .success(value) where tried.contains(value):
                problems.append(
                    .init(
                        reason: .duplicateKey, key: grid.path,
                        message: "\(grid.path): \(path) lists \(ConfigValueParser.yamlScalar(value)) twice; keep one",
                        location: location))
            case let .success(value):
                tried.append(value)
            case let .failure(failure):
                problems.append(
                    .init(
                        reason: failure.reason, key: grid.path,
                        message: "\(grid.path): \(path) value \(i + 1) \(failure.message)", location: location))
            }
        }
        return problems.count == problemCount ? SearchAxis(key: path, values: tried) : nil
    }

    // MARK: Required keys and unknown keys

    mutating func checkRequired() {
        guard !problems.contains(where: { $0.reason == .syntax || $0.reason == .notAMapping && $0.key == nil })
        else { return }
        let reported = Set(problems.compactMap(\.key))
        for key in schema.keys where values[key.path] == nil && !reported.contains(key.path) {
            let inFile = key.section.map { "'\(key.name): …' under '\($0):'" } ?? "'\(key.path): …'"
            let location: ConfigLocation = file.map { .file($0, line: nil) } ?? .commandLine(nil)
            problems.append(
                .init(
                    reason: .missingRequired, key: key.path,
                    message: "\(key.path) is required; add \(inFile) to the config file "
                        + "or pass --set \(key.path)=…", location: location))
        }
    }

    /// An unknown key or section, with "did you mean" hints: the same name in another section first,
    /// then the nearest known keys and sections by edit distance, else the list of what is known.
    private func unknown(_ path: String, isSection: Bool, location: ConfigLocation, fromFile: Bool)
        -> ConfigError.Problem
    {
        let section = path.firstIndex(of: ".").map { String(path[..<$0]) }
        let name = path.firstIndex(of: ".").map { String(path[path.index(after: $0)...]) } ?? path
        if fromFile, schema.key(path) != nil {
            let parts = path.split(separator: ".", maxSplits: 1)
            return .init(
                reason: .unknownKey, key: path,
                message: "'\(path)' must be written nested: '\(parts[0]):' then an indented '\(parts[1]): …'",
                location: location)
        }
        let tolerance = Suggestion.tolerance(for: name)
        let topLevel = schema.keys.filter { $0.section == nil }.map(\.path)
        var hints: [String]
        if isSection {
            hints = Suggestion.nearest(to: path, in: schema.sections, maxDistance: tolerance)
        } else {
            hints = schema.keys.filter { $0.name == name }.map(\.path)
            if hints.isEmpty {
                hints = Suggestion.nearest(to: path, in: schema.keys.map(\.path), maxDistance: tolerance)
            }
        }
        let what = isSection ? "section" : "key"
        var message = "unknown \(what) '\(path)'" + Suggestion.phrase(hints)
        if hints.isEmpty {
            if let section, schema.sections.contains(section) {
                let names = schema.keys(inSection: section).map(\.name).joined(separator: ", ")
                message += "; '\(section)' has \(names)"
            } else {
                message += "; known sections: " + schema.sections.joined(separator: ", ")
                if !topLevel.isEmpty { message += "; top-level keys: " + topLevel.joined(separator: ", ") }
            }
        }
        return .init(reason: isSection ? .unknownSection : .unknownKey, key: path, message: message, location: location)
    }

    // MARK: Helpers

    private func isNullNode(_ node: Node) -> Bool {
        guard let scalar = node.scalar else { return false }
        return scalar.style == .plain && ConfigValueParser.isNull(scalar.string)
    }

    /// `a mapping`, `a list`, or `'text'` for a scalar.
    static func describe(_ node: Node) -> String {
        if let scalar = node.scalar { return quoted(scalar.string) }
        return node.mapping != nil ? "a mapping" : "a list"
    }

    static func syntaxProblem(_ error: YamlError, file: String) -> ConfigError.Problem {
        var line: Int?
        var message = "YAML syntax error: "
        switch error {
        case let .scanner(context, problem, mark, _), let .parser(context, problem, mark, _),
            let .composer(context, problem, mark, _):
            line = mark.line
            message +=
                problem + (context.map { " (\($0.text) on line \($0.mark.line))" } ?? "")
                + ", column \(mark.column)"
        case let .reader(problem, _, _, _):
            message += problem
        default:
            message += "\(error)"
        }
        message += "; fix the YAML there (indent with spaces, one 'key: value' per line)"
        return .init(reason: .syntax, key: nil, message: message, location: .file(file, line: line))
    }
}
