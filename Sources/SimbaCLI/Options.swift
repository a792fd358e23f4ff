// Hand-written option parsing: `--name value`, `--name=value`, `--flag`, `-h` and the positional
// words a command declares, checked against its declaration. Anything else is a usage error with a hint.

import SimbaCore

/// The parsed options of one command. A valued option given twice keeps every value (`values`);
/// `value` returns the last, so the last one given wins.
struct Options {
    private var values: [String: [String]] = [:]
    private var flags: Set<String> = []
    /// The positional word given (one of the command's `words`), if any.
    private(set) var word: String?
    /// The positional arguments of a command that `takesInputs`, in the order given.
    private(set) var inputs: [String] = []
    private let command: String
    /// The environment the command runs in (SimbaCommand.run's, already checked), for what it reports.
    let environment: [String: String]

    /// Parses `arguments` for `command`. Refused with a UsageError: unknown `--` options, a flag
    /// with a value, a valued option without one, any single-dash option but `-h` (with the `--`
    /// option it most likely meant), a positional word the command does not declare, and a second one.
    /// For a command that `takesInputs`, a bare `--` ends the options: what follows is inputs.
    init(_ arguments: [String], for command: Command, environment: [String: String]) throws {
        self.command = command.name
        self.environment = environment
        let allowedFlags = command.flags + ["help"]
        let known = command.valued + allowedFlags
        let context = "`simba \(command.name)`"
        let seeHelp = "\nRun `simba \(command.name) --help` for its options."
        var i = 0
        while i < arguments.count {
            let argument = arguments[i]
            i += 1
            if command.takesInputs && argument == "--" {
                inputs += arguments[i...]
                break
            }
            if argument == "-h" {
                flags.insert("help")
                continue
            }
            guard argument.hasPrefix("--") else {
                if argument.hasPrefix("-") && argument.count > 1 {
                    throw UsageError(
                        "\(context) has no option \(quoted(argument)): simba's options start with "
                            + "two dashes" + Self.dashHint(argument, among: known) + seeHelp)
                }
                if command.takesInputs {
                    inputs.append(argument)
                    continue
                }
                guard command.words.contains(argument), word == nil else {
                    throw UsageError(
                        Self.strayWordMessage(
                            argument, command: command, given: word,
                            after: i >= 2 ? arguments[i - 2] : nil) + seeHelp)
                }
                word = argument
                continue
            }
            var name = String(argument.dropFirst(2))
            var inlineValue: String?
            if let equals = name.firstIndex(of: "=") {
                inlineValue = String(name[name.index(after: equals)...])
                name = String(name[..<equals])
            }
            if allowedFlags.contains(name) {
                guard inlineValue == nil else { throw UsageError("option --\(name) of \(context) takes no value") }
                flags.insert(name)
            } else if command.valued.contains(name) {
                if let inlineValue {
                    values[name, default: []].append(inlineValue)
                } else {
                    guard i < arguments.count else { throw UsageError("option --\(name) of \(context) needs a value") }
                    values[name, default: []].append(arguments[i])
                    i += 1
                }
            } else {
                let hint = command.unknownOptionHint(name) ?? suggestion(for: name, among: known, prefix: "--")
                throw UsageError("unknown option \(quoted("--" + name)) for \(context)" + hint + seeHelp)
            }
        }
    }

    func value(_ name: String) -> String? { values[name]?.last }
    func allValues(_ name: String) -> [String] { values[name] ?? [] }
    func has(_ flag: String) -> Bool { flags.contains(flag) }

    /// The whole number given with `--name`, or nil when the option is absent; a value that is not
    /// a whole number in `range` is a UsageError saying the range.
    func int(_ name: String, in range: ClosedRange<Int>) throws -> Int? {
        guard let text = value(name) else { return nil }
        guard let n = Int(text), range.contains(n) else {
            let bounds =
                range.upperBound == Int.max
                ? "of at least \(grouped(range.lowerBound))"
                : "from \(grouped(range.lowerBound)) to \(grouped(range.upperBound))"
            throw UsageError("--\(name) of `simba \(command)` takes a whole number \(bounds), not \(quoted(text))")
        }
        return n
    }

    /// " (did you mean --batch-size?)" for a single-dash `argument` such as `-b`, `-batch-size` or
    /// `-b=32`: the option it names exactly, else the only one it begins, else the closest by spelling.
    static func dashHint(_ argument: String, among known: [String]) -> String {
        let name = String(argument.drop { $0 == "-" }.prefix { $0 != "=" })
        if known.contains(name) { return " (did you mean --\(name)?)" }
        let starting = known.filter { !name.isEmpty && $0.hasPrefix(name) }
        if starting.count == 1 { return " (did you mean --\(starting[0])?)" }
        if starting.count > 1 { return " (did you mean " + starting.map { "--" + $0 }.joined(separator: " or ") + "?)" }
        return suggestion(for: name, among: known, prefix: "--")
    }

    /// Why the positional `word` is refused: a second word, a near miss of a declared one, a word
    /// after a flag (which takes no value), an option name without its dashes, or none expected.
    static func strayWordMessage(_ word: String, command: Command, given: String?, after previous: String?) -> String {
        let context = "`simba \(command.name)`"
        if let given {
            return "unexpected argument \(quoted(word)) for \(context): it takes one of "
                + "\(command.words.joined(separator: ", ")), and \(quoted(given)) was given already"
        }
        if !command.words.isEmpty {
            return "unknown argument \(quoted(word)) for \(context)" + suggestion(for: word, among: command.words)
                + "; it takes one of \(command.words.joined(separator: ", "))"
        }
        if let previous, previous.hasPrefix("--"), command.flags.contains(String(previous.dropFirst(2))) {
            return "unexpected argument \(quoted(word)) for \(context): \(previous) takes no value"
        }
        if command.valued.contains(word) || command.flags.contains(word) {
            return "unexpected argument \(quoted(word)) for \(context) (did you mean --\(word)?)"
        }
        return "unexpected argument \(quoted(word)) for \(context): it takes no positional arguments, only options "
            + "starting with --"
    }
}
