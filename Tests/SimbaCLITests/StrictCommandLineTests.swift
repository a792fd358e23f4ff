// Every `simba` command through SimbaCommand.run with stray words, single-dash options, -h/--help and
// `simba help CMD`: statuses, messages and hints. Nothing here trains or evaluates anything.

import Foundation
import SimbaTestSupport
import Testing

@testable import SimbaCLI

/// One command with a single-dash spelling of one of its options and the option it means.
struct DashCase: CustomTestStringConvertible, Sendable {
    let arguments: [String]
    let meant: String
    var testDescription: String { arguments.joined(separator: " ") }

    static let all = [
        DashCase(arguments: ["train", "-c", "x.yaml"], meant: "--config"),
        DashCase(arguments: ["forecast", "--checkpoint", "run", "-b", "32"], meant: "--batch-size"),
        DashCase(arguments: ["eval", "--checkpoint", "R", "-b", "32", "--data", "D"], meant: "--batch-size"),
        DashCase(arguments: ["eval", "-batch-size", "32"], meant: "--batch-size"),
        DashCase(arguments: ["eval", "-json=out.json"], meant: "--json"),
        DashCase(arguments: ["prepare", "fashion-mnist", "-o", "out"], meant: "--out"),
        DashCase(arguments: ["info", "-m", "simba_s"], meant: "--model"),
        DashCase(arguments: ["bench", "kernels", "-r", "3"], meant: "--repeats")
    ]
}

@Suite("Strict command line: every command refuses what it does not declare")
struct StrictCommandLineTests {
    static let commands = ["train", "forecast", "eval", "prepare", "info", "bench"]

    @Test("A stray positional word is a usage error naming it, and nothing runs", arguments: commands)
    func strayWord(_ command: String) {
        let run = simba([command, "stray-word"])
        #expect(run.result == 2)
        #expect(run.errors.contains("'stray-word'"), "\(run.errors)")
        #expect(run.errors.contains("`simba \(command) --help`"), "\(run.errors)")
        #expect(!run.output.contains("OpenBLAS kernels:"), "simba \(command) ran")
    }

    @Test("A stray word after valid options is refused too (simba train --config x.yaml extra)")
    func strayWordAfterOptions() {
        let run = simba(["train", "--config", "x.yaml", "extra"])
        #expect(run.result == 2)
        #expect(run.errors.contains("unexpected argument 'extra' for `simba train`"), "\(run.errors)")
    }

    @Test("A word after a flag says the flag takes no value; an option name without dashes gets them suggested")
    func wordHints() {
        let flag = simba(["forecast", "--checkpoint", "run", "--inverse", "yes"])
        #expect(flag.result == 2 && flag.errors.contains("--inverse takes no value"), "\(flag.errors)")
        let bare = simba(["eval", "batch-size", "32"])
        #expect(bare.result == 2 && bare.errors.contains("did you mean --batch-size?"), "\(bare.errors)")
    }

    @Test("A single-dash option is a usage error suggesting the -- option it means", arguments: DashCase.all)
    func singleDash(_ dash: DashCase) {
        let run = simba(dash.arguments)
        #expect(run.result == 2)
        #expect(run.errors.contains("two dashes"), "\(run.errors)")
        #expect(run.errors.contains("did you mean \(dash.meant)?"), "\(run.errors)")
    }

    @Test("A single-dash option matching nothing is refused without a hint", arguments: commands)
    func unknownSingleDash(_ command: String) {
        let run = simba([command, "-q"])
        #expect(run.result == 2)
        #expect(run.errors.contains("has no option '-q'") && !run.errors.contains("did you mean"), "\(run.errors)")
    }

    @Test("-h and --help print the command's own help and run nothing", arguments: commands)
    func help(_ command: String) {
        for flag in ["-h", "--help"] {
            let run = simba([command, flag])
            #expect(run.result == 0, "simba \(command) \(flag): \(run.errors)")
            #expect(run.output.contains("Usage: simba \(command) "), "\(flag): \(run.output.prefix(200))")
            #expect(!run.output.contains("OpenBLAS kernels:"), "simba \(command) \(flag) ran the command")
        }
    }

    @Test("-h wins over a missing required option (simba train -h used to ask for --config)")
    func helpBeforeRequired() {
        let run = simba(["train", "-h"])
        #expect(run.result == 0)
        #expect(run.output.contains("Config keys (forecasting)"), "\(run.output.prefix(200))")
        #expect(!run.errors.contains("needs --config"), "\(run.errors)")
    }

    @Test("simba help CMD prints that command's help", arguments: commands)
    func helpCommand(_ command: String) {
        let run = simba(["help", command])
        #expect(run.result == 0)
        #expect(run.output.contains("Usage: simba \(command) "), "\(run.output.prefix(200))")
        #expect(!run.output.contains("Commands:"), "simba help \(command) printed the top-level help")
    }

    @Test("simba help, --help and -h alone print the list of commands")
    func topLevelHelp() {
        for arguments in [["help"], ["--help"], ["-h"], []] {
            let run = simba(arguments)
            #expect(run.result == 0 && run.output.contains("Commands:"), "simba \(arguments)")
        }
    }

    @Test("simba help with an unknown command or two words is a usage error")
    func helpMisused() {
        let unknown = simba(["help", "trian"])
        #expect(unknown.result == 2)
        #expect(unknown.errors.contains("unknown command 'trian'"), "\(unknown.errors)")
        #expect(unknown.errors.contains("did you mean 'train'?"), "\(unknown.errors)")
        #expect(simba(["help", "nosuch"]).result == 2)
        #expect(simba(["help", "train", "eval"]).result == 2)
        #expect(simba(["--version", "extra"]).result == 2)
    }

    @Test("Commands with positional words take one of theirs, once, with a hint for a near miss")
    func declaredWords() {
        let second = simba(["bench", "kernels", "model"])
        #expect(second.result == 2 && second.errors.contains("'kernels' was given already"), "\(second.errors)")
        let nearMiss = simba(["bench", "kernel"])
        #expect(nearMiss.result == 2 && nearMiss.errors.contains("did you mean 'kernels'?"), "\(nearMiss.errors)")
        let prepare = simba(["prepare", "fashion-mnist", "real-world", "--out", "x"])
        #expect(prepare.result == 2 && prepare.errors.contains("'real-world'"), "\(prepare.errors)")
        let none = simba(["prepare", "--out", "x"])
        #expect(none.result == 2 && none.errors.contains("fashion-mnist or real-world"), "\(none.errors)")
        // Checked before any case runs: the valid first case would otherwise take seconds.
        let unknownCase = simba(["bench", "model", "--case", "sgemm", "--case", "train-einfft-6"])
        #expect(unknownCase.result == 2, "\(unknownCase.errors)")
        #expect(unknownCase.errors.contains("unknown benchmark case 'train-einfft-6'"), "\(unknownCase.errors)")
    }

    @Test("Options that change a --model are refused without one (info) or with a --checkpoint (eval)")
    func modelOptionsWithoutModel() {
        let info = simba(["info", "--num-classes", "10"])
        #expect(info.result == 2 && info.errors.contains("give --model"), "\(info.errors)")
        #expect(!info.output.contains("OpenBLAS kernels:"))
        let eval = simba(["eval", "--checkpoint", "run", "--data", "D", "--no-token-label"])
        #expect(eval.result == 2 && eval.errors.contains("drop --no-token-label"), "\(eval.errors)")
    }

    @Test("A long stray word is quoted cut to 80 characters")
    func longWordQuoted() {
        let word = String(repeating: "w", count: 5000)
        let run = simba(["info", word])
        #expect(run.result == 2)
        #expect(run.errors.contains("'" + String(repeating: "w", count: 80) + "…'"))
        #expect(run.errors.count < 400, "\(run.errors.count) characters")
    }

    @Test("Whole-number options are bounded: huge values are usage errors that state the range")
    func boundedNumbers() {
        let cases: [([String], String)] = [
            (["eval", "--data", "D", "--checkpoint", "c", "--batch-size", "1000000000"], "from 1 to 65,536"),
            (["eval", "--data", "D", "--checkpoint", "c", "--batch-size", "9223372036854775807"], "from 1 to 65,536"),
            (["eval", "--data", "D", "--checkpoint", "c", "--batch-size", "1e9"], "not '1e9'"),
            (["eval", "--data", "D", "--checkpoint", "c", "--workers", "100000"], "from 1 to 256"),
            (["eval", "--data", "D", "--checkpoint", "c", "--img-size", "1000000"], "from 1 to 4,096"),
            (
                ["eval", "--data", "D", "--model", "simba_s", "--weights", "w", "--num-classes", "99999999999"],
                "from 1 to 100,000"
            ),
            (["forecast", "--checkpoint", "c", "--batch-size", "0"], "from 1 to 65,536"),
            (["info", "--model", "simba_s", "--num-classes", "1000000000"], "from 1 to 100,000"),
            (["bench", "kernels", "--repeats", "100000000"], "from 1 to 1,000")
        ]
        for (arguments, range) in cases {
            let run = simba(arguments)
            #expect(run.result == 2, "\(arguments)")
            #expect(run.errors.contains(range), "\(arguments): \(run.errors)")
        }
    }
}
