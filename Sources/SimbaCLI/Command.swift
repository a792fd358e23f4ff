// What one `simba` command declares: its name, options, positional words and help, and the handler
// that runs on the parsed options. SimbaCommand parses and answers --help for every command alike.

/// One `simba` command. Its options are `--name value` (`valued`) and `--name` (`flags`);
/// `--help` and `-h` are implied. `words` are the positional words it accepts (at most one of
/// them in a call, e.g. `simba bench kernels`); any other positional word is a usage error, unless
/// the command `takesInputs`: then every positional argument is an input (a path), kept in order.
struct Command {
    let name: String
    let valued: [String]
    let flags: [String]
    var words: [String] = []
    var takesInputs = false
    /// The text `simba NAME --help` and `simba help NAME` print, ending in a newline.
    let help: () -> String
    /// A hint for an unknown option (without its dashes), such as the config key it may mean;
    /// nil falls back to the closest option by spelling.
    var unknownOptionHint: (String) -> String? = { _ in nil }
    /// Runs the command on options already checked against the declaration.
    let run: (Options) throws -> Void
}
