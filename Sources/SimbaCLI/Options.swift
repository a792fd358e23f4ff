// Hand-written option parsing: `--name value`, `--name=value` and `--flag`, checked against the
// options a command declares. Unknown options are errors with a "did you mean" hint.

/// The parsed options of one command. A valued option given twice keeps every value (`values`);
/// `value` returns the last, so the last one given wins.
struct Options {
    private var values: [String: [String]] = [:]
    private var flags: Set<String> = []
    private(set) var positional: [String] = []

    /// Parses `arguments` for a command that takes `valued` options (with a value) and `flags`.
    init(_ arguments: [String], command: String, valued: [String], flags allowedFlags: [String]) throws {
        var i = 0
        while i < arguments.count {
            let argument = arguments[i]
            i += 1
            guard argument.hasPrefix("--") else {
                positional.append(argument)
                continue
            }
            var name = String(argument.dropFirst(2))
            var inlineValue: String?
            if let equals = name.firstIndex(of: "=") {
                inlineValue = String(name[name.index(after: equals)...])
                name = String(name[..<equals])
            }
            if allowedFlags.contains(name) {
                guard inlineValue == nil else { throw UsageError("option --\(name) of `simba \(command)` takes no value") }
                flags.insert(name)
            } else if valued.contains(name) {
                if let inlineValue {
                    values[name, default: []].append(inlineValue)
                } else {
                    guard i < arguments.count else { throw UsageError("option --\(name) of `simba \(command)` needs a value") }
                    values[name, default: []].append(arguments[i])
                    i += 1
                }
            } else {
                throw UsageError(
                    "unknown option --\(name) for `simba \(command)`"
                        + suggestion(for: name, among: valued + allowedFlags, prefix: "--")
                        + "\nRun `simba \(command) --help` for its options.")
            }
        }
    }

    func value(_ name: String) -> String? { values[name]?.last }
    func allValues(_ name: String) -> [String] { values[name] ?? [] }
    func has(_ flag: String) -> Bool { flags.contains(flag) }
}
