// The command line: dispatches `simba <command>` to its handler, prints help and version, and
// turns every thrown error into one message on stderr and a status. It never exits itself.

import Foundation
import SimbaCore
import SimbaDistributed
import SimbaTraining

public enum SimbaCommand {
    public static let version = "0.1.0"

    static let usage = """
        simba \(version): SiMBA (Simplified Mamba-based architecture) on the CPU.

        Usage: simba <command> [options]

        Commands:
          train     Train a model from a YAML config (`simba train --config configs/etth1-96.yaml`)
          forecast  Evaluate a forecasting checkpoint and forecast the future of a CSV
          eval      Score an image classifier on an image folder (top-1/top-5, timm style)
          predict   Top-k classes of unlabelled images (files, folders, lists) as CSV or JSON lines
          prepare   Build image folders (Fashion-MNIST from Debian, a mixed-format JPEG check folder)
          info      Print the kernel levels in use and, with --model, a model's layers and parameter count
          bench     Run benchmarks (`simba bench kernels`)

        Options:
          -h, --help     Show help (also `simba <command> --help` and `simba help <command>`)
          --version      Print the version

        Environment:
          SIMBA_THREADS  parallel loop workers, a whole number from 1 to \(Parallel.maxWorkers) (default: the
                         machine's active cores, divided among the processes mpirun started on it;
                         unset or empty means the default)
          SIMBA_CPU      kernel level, baseline, avx2 or avx512 (default: the best this CPU runs; a level
                         the CPU lacks is refused); `simba info` prints the level in use and why

        """

    /// Every command, in the order of the usage text.
    static let commands = [
        TrainCommand.command, ForecastCommand.command, EvalCommand.command,
        PredictCommand.command, PrepareCommand.command, InfoCommand.command, BenchCommand.command
    ]

    /// Runs one command; returns the process exit status. `environment` is checked before a command
    /// runs (SIMBA_THREADS must be a whole number from 1 to Parallel.maxWorkers, or unset; SIMBA_CPU a
    /// kernel level this CPU runs, or unset).
    public static func run(
        _ arguments: [String],
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> Int32 {
        do {
            guard let name = arguments.first else {
                print(usage, terminator: "")
                return 0
            }
            let rest = Array(arguments.dropFirst())
            switch name {
            case "-h", "--help", "help": try printHelp(rest)
            case "--version", "version":
                guard rest.isEmpty else {
                    throw UsageError("`simba \(name)` takes no arguments, got \(quoted(rest[0]))")
                }
                print("simba \(version)")
            default:
                let command = try self.command(name)
                let options = try Options(rest, for: command, environment: environment)
                if options.has("help") {
                    print(command.help(), terminator: "")
                } else {
                    _ = try Parallel.configuredWorkers(environment)
                    _ = try Parallel.localProcesses(environment)
                    _ = try CPULevel.selected(environment)
                    try command.run(options)
                }
            }
            return 0
        } catch let error as UsageError {
            report(error.message, environment)
            return 2
        } catch let stop as Interrupted {
            if !stop.reported { report("\(stop)", environment) }
            return stop.status
        } catch {
            report("\(error)", environment)
            return 1
        }
    }

    /// Seconds a process of an `mpirun` job other than rank 0 waits before it prints its error. When
    /// every rank fails alike (a mistake in the options or the config), rank 0 prints first and its
    /// end stops the job, so the message appears once, not once per rank; an error of this rank
    /// alone is printed after the wait, and then ends the job.
    static let otherRanksWait = 3.0

    /// Writes `message` to stderr as `simba: [rank …: ]message`, after `otherRanksWait` on a rank
    /// other than 0 of a job (started or not).
    static func report(_ message: String, _ environment: [String: String]) {
        if (ProcessGroup.world?.rank ?? ProcessGroup.launchedRank(environment) ?? 0) > 0 {
            Thread.sleep(forTimeInterval: otherRanksWait)
        }
        FileHandle.standardError.write(Data("simba: \(rankPrefix)\(message)\n".utf8))
    }

    /// "rank 1 of 2 on node7: " in a process of an `mpirun` job, else "": which process an error
    /// message comes from.
    static var rankPrefix: String { ProcessGroup.world.map { "\($0.description): " } ?? "" }

    /// The command called `name`; an unknown name is a UsageError with the closest one.
    static func command(_ name: String) throws -> Command {
        guard let command = commands.first(where: { $0.name == name }) else {
            throw UsageError(
                "unknown command \(quoted(name))\(suggestion(for: name, among: commands.map(\.name)))"
                    + "\nRun `simba --help` for the list of commands.")
        }
        return command
    }

    /// `simba help [COMMAND]`: the usage text, or that command's help.
    static func printHelp(_ words: [String]) throws {
        switch words.count {
        case 0: print(usage, terminator: "")
        case 1: print(try command(words[0]).help(), terminator: "")
        default:
            throw UsageError(
                "`simba help` takes at most one command name, got \(words.count) words; "
                    + "e.g. `simba help train`")
        }
    }
}

/// A mistake in the command line; the message says what to do.
public struct UsageError: Error, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// " (did you mean 'x'?)" for the closest candidate within edit distance 2 (a third of the word for
/// long words) that keeps at least one of its own characters, else "".
func suggestion(for word: String, among candidates: [String], prefix: String = "") -> String {
    let scored = candidates.map { ($0, editDistance(word, $0)) }.min { $0.1 < $1.1 }
    guard let (best, distance) = scored, distance <= max(2, word.count / 3), distance < best.count else { return "" }
    return " (did you mean '\(prefix)\(best)'?)"
}

/// Levenshtein distance.
func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a), b = Array(b)
    if a.isEmpty { return b.count }
    var previous = Array(0...b.count)
    for i in 1...a.count {
        var current = [i] + Array(repeating: 0, count: b.count)
        for j in 1...max(b.count, 1) where !b.isEmpty {
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
        }
        previous = current
    }
    return previous[b.count]
}
