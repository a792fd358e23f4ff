// What the search tests share: a tiny forecasting project, `simba train` on it, a search stopped by
// Ctrl-C at a chosen point, and the rows of search.csv and search_means.csv. No checks of their own.

import Foundation
import SimbaCLI
import SimbaTestSupport

@testable import SimbaTraining

/// A folder with `series.csv` (200 hourly rows) and `config.yaml` (L 16, H 8, d_model 8, 1 epoch
/// unless `epochs` says otherwise, `extra` lines appended).
func searchProject(epochs: Int = 1, extra: String = "") -> TemporaryFolder {
    ForecastFiles.project(label: "simba-cli-search", epochs: epochs, extra: extra)
}

/// `simba train --config config.yaml --out <out>` with `extra` arguments, in this process; status and
/// output. Trials run one at a time (`--search-parallel 1` unless `extra` sets it): on a machine with
/// four or more cores a search would otherwise start them as child processes of this executable, and
/// the test runner is not simba.
func trainSearch(_ folder: TemporaryFolder, out: String = "search", _ extra: [String]) -> CapturedOutput<Int32> {
    simba(
        ["train", "--config", folder.file("config.yaml"), "--out", folder.file(out)] + extra
            + oneAtATime(unless: extra))
}

/// `simba train --resume <folder>/search` with `extra` arguments, in this process, trials one at a
/// time as in `trainSearch`; status and output.
func resumeSearch(_ folder: TemporaryFolder, _ extra: [String] = []) -> CapturedOutput<Int32> {
    simba(["train", "--resume", folder.file("search")] + extra + oneAtATime(unless: extra))
}

/// `--search-parallel 1`, unless `arguments` already give `--search-parallel`.
private func oneAtATime(unless arguments: [String]) -> [String] {
    arguments.contains("--search-parallel") ? [] : ["--search-parallel", "1"]
}

/// Runs `config`'s search in this process, one trial at a time, asking for Ctrl-C as soon as `file`
/// exists; the stop the search ended with, nil when it ended otherwise.
func searchStopped(_ config: Config, once file: String) -> Interrupted? {
    let control = RunControl(stopRequest: { FileManager.default.fileExists(atPath: file) ? SIGINT : nil })
    do {
        _ = try SearchJob.run(
            config: config, resume: false, parallel: 1, log: RunLog(console: false), version: "test",
            control: control)
        return nil
    } catch {
        return error as? Interrupted
    }
}

/// The search of `arguments` trained in this process (one run at a time), then again in a new folder
/// with two runs at once as child processes (`SIMBA_THREADS=2`): search.csv's rows of each without
/// the `seconds` column (run times differ), and the child search's status (nil: killed after two
/// minutes), standard output and standard error.
func searchInProcessAndAsChildren(_ folder: TemporaryFolder, _ arguments: [String]) throws -> (
    inProcess: [[String]], children: [[String]], status: Int32?, output: String, errors: String
) {
    let first = trainSearch(folder, arguments)
    guard first.result == 0 else { return ([], [], first.result, first.output, first.errors) }
    let inProcess = try searchTableRows(folder.file("search/search.csv")).map { Array($0.dropLast()) }
    try FileManager.default.removeItem(atPath: folder.file("search"))
    let child = try SimbaProcess(
        ["train", "--config", folder.file("config.yaml"), "--out", folder.file("search")] + arguments
            + ["--search-parallel", "2"],
        environment: ["SIMBA_THREADS": "2"])
    let status = child.exitStatus()
    let children = status == 0 ? try searchTableRows(folder.file("search/search.csv")).map { Array($0.dropLast()) } : []
    return (inProcess, children, status, child.stdout, child.stderr)
}

/// The rows of search.csv or search_means.csv, each split at commas outside quotes.
func searchTableRows(_ path: String) throws -> [[String]] {
    try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map { line in
        var cells: [String] = [], cell = "", quoted = false
        for character in line {
            if character == "\"" {
                quoted.toggle()
            } else if character == "," && !quoted {
                cells.append(cell)
                cell = ""
            } else {
                cell.append(character)
            }
        }
        return cells + [cell]
    }
}
