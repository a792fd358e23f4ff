// `simba train` with a `search`: checks every trial's config, then trains the trials one after another
// in this process or several at once as child processes, recording each and linking the best by validation.

import Foundation
import SimbaCore
import SimbaData

/// What a finished search reports.
public struct SearchOutcome: Sendable {
    public let folder: String
    /// The chosen trial (lowest validation MSE) and its record.
    public let best: SearchTrial
    public let scores: TrialScores
}

public enum SearchJob {
    /// Whether `config` (a forecasting config) asks for a search: a non-empty `search`.
    public static func isSearch(_ config: Config) -> Bool {
        guard config.schema.key("search") != nil, case let .grid(axes) = config.value("search") else { return false }
        return !axes.isEmpty
    }

    /// Trains every trial of `config`'s search (with `resume`, those of the search in `output.dir`
    /// without a record), each in its own run folder under the search's, and links the one with
    /// the lowest validation MSE as `best`. Every trial's config is checked before the first file is
    /// written. `parallel` forces how many trials run at once (`SearchParallelism` decides otherwise).
    /// A trial that fails is recorded as failed and the search goes on; a stop (Ctrl-C, SIGTERM)
    /// ends it with `Interrupted`, to be continued with `simba train --resume FOLDER`.
    public static func run(
        config: Config, resume: Bool, parallel: Int?, log: RunLog,
        version: String
    ) throws -> SearchOutcome {
        try run(config: config, resume: resume, parallel: parallel, log: log, version: version, control: RunControl())
    }

    /// `run`, with in-process trials cut short as `control` says (for tests of stops).
    static func run(
        config: Config, resume: Bool, parallel forced: Int?, log: RunLog, version: String,
        control: RunControl
    ) throws -> SearchOutcome {
        let plan = try SearchPlan(config: config)
        let path = resume ? config.string("output.dir") : newFolder(config)
        let trialConfigs = plan.trials.map { trial in
            config.replacing(
                zip(plan.axes, trial.values).map { ($0.key, $1) } + [
                    ("output.dir", .string(path + "/" + trial.folderName)), ("search", .grid([])),
                    ("search_trials", .int(0))
                ])
        }
        try check(trialConfigs, plan: plan)

        let folder = try SearchFolder.open(path: path, resume: resume)
        defer { folder.close() }
        if !resume { try AtomicFile.write(Data(config.yaml().utf8), to: folder.configFile) }
        try log.open(folder.logFile)
        var records: [Int: TrialRecord] = [:]
        for trial in plan.trials {
            if let record = try folder.record(of: trial) { records[trial.number] = record }
        }
        let pending = plan.trials.filter { records[$0.number] == nil }
        let cores = Parallel.workers
        let atOnce = min(max(pending.count, 1), SearchParallelism.trials(forced: forced, cores: cores))
        let threads = SearchParallelism.threads(trials: atOnce, cores: cores)

        let kind =
            plan.trials.count == plan.combinations
            ? "every combination"
            : "\(plan.trials.count) drawn with search_seed \(config.int("search_seed"))"
        log.line(
            "simba \(version) search: \(plan.trials.count) trials of \(plan.combinations) combinations (\(kind))"
                + (resume ? ", resumed with \(records.count) finished" : ""))
        for axis in plan.axes {
            log.line("  \(axis.key): " + axis.values.map(SearchPlan.text).joined(separator: ", "))
        }
        if let note = plan.note { log.line("note: \(note)") }
        log.line(
            atOnce > 1
                ? "parallel: \(atOnce) trials at once as child processes, SIMBA_THREADS=\(threads) each (\(cores) "
                    + "threads)"
                : "parallel: one trial at a time in this process (\(cores) threads; a trial keeps about "
                    + "\(SearchParallelism.threadsPerTrial) busy)")
        log.line("search folder: \(path)")

        var run = SearchRun(plan: plan, folder: folder, log: log, records: records)
        if atOnce > 1 {
            try run.runProcesses(pending, atOnce: atOnce, threads: threads)
        } else {
            for trial in pending {
                if let signal = control.stopRequest() { throw run.stopped(by: signal) }
                run.announce(trial)
                let start = DispatchTime.now().uptimeNanoseconds
                var record: TrialRecord
                do {
                    _ = try ForecastJob.train(
                        config: trialConfigs[trial.number - 1], resume: folder.trialHasRun(trial),
                        log: RunLog(isTerminal: log.isTerminal, console: log.console),
                        version: version, control: control)
                    record = TrialRecord(scores: try TrialScores.read(runFolder: folder.trialPath(trial)), seconds: 0)
                } catch let stop as Interrupted {
                    throw run.stopped(by: stop.signal)
                } catch {
                    record = TrialRecord(failure: "\(error)", seconds: 0)
                }
                record.seconds = Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9
                try run.finish(trial, record)
            }
        }
        try run.writeTable()
        guard let bestNumber = SearchTable.best(run.records), let scores = run.records[bestNumber]?.scores else {
            throw TrainingError(
                "no trial of the search finished with scores; see the failures in "
                    + "\(folder.tableFile) and the trials' log.txt")
        }
        let best = plan.trials[bestNumber - 1]
        log.line(
            String(
                format: "best: trial %d (%@), best epoch %d, val mse %.4f mae %.4f, test mse %.4f mae %.4f",
                bestNumber, plan.describe(best), scores.bestEpoch, scores.valMSE, scores.valMAE,
                scores.testMSE, scores.testMAE))
        log.line(
            "chosen by validation MSE: \(folder.bestLink) -> \(best.folderName) "
                + "(`simba forecast --checkpoint \(folder.bestLink)`); every trial in \(folder.tableFile)")
        return SearchOutcome(folder: path, best: best, scores: scores)
    }

    /// The folder of a new search: `output.dir` as given, or for the built-in default
    /// `runs/<config>-search-<UTC date and time>`.
    static func newFolder(_ config: Config) -> String {
        let dir = config.string("output.dir")
        guard config.location(of: "output.dir") == .builtIn else { return dir }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd-HHmmss"
        return dir + "-search-" + formatter.string(from: Date())
    }

    /// Checks each trial's config as its run would before training: the keys' combination, the
    /// data's windows and the memory of a training step. Data are read once per distinct data options.
    static func check(_ configs: [Config], plan: SearchPlan) throws {
        var data: [(ForecastOptions, ForecastData)] = []
        for (trial, config) in zip(plan.trials, configs) {
            do {
                let options = try ForecastJob.dataOptions(config)
                let series: ForecastData
                if let loaded = data.first(where: { $0.0 == options }) {
                    series = loaded.1
                } else {
                    series = try ForecastData(path: config.path("data.path"), options: options)
                    data.append((options, series))
                }
                let settings = try ForecastJob.settings(config, variates: series.inputColumns)
                _ = try MemoryBudget.check(
                    settings.model, batch: settings.batchSize, training: true,
                    batchSetting: "optimization.batch_size",
                    sizeSettings: "data.seq_len, data.pred_len, the data's columns and model.*")
                guard series.windowCount(.train) >= settings.batchSize else {
                    throw TrainingError(
                        "the training split has \(series.windowCount(.train)) windows, fewer than "
                            + "optimization.batch_size \(settings.batchSize): lower the batch size")
                }
            } catch {
                throw SearchError(
                    description: "search trial \(trial.number)/\(plan.trials.count) "
                        + "(\(plan.describe(trial))): \(error)")
            }
        }
    }
}

/// A search trial whose config cannot train; nothing was written.
public struct SearchError: Error, CustomStringConvertible {
    public let description: String
}

/// The bookkeeping of a running search: records, search.csv, the `best` link and the progress lines.
struct SearchRun {
    let plan: SearchPlan
    let folder: SearchFolder
    let log: RunLog
    var records: [Int: TrialRecord]

    /// "trial 3/6: optimization.lr=0.0003, data.seq_len=336 (FOLDER)".
    func announce(_ trial: SearchTrial, note: String = "") {
        log.line(
            "trial \(trial.number)/\(plan.trials.count): \(plan.describe(trial))\(note) "
                + "(\(folder.trialPath(trial)))")
    }

    /// Records a trial's outcome, rewrites search.csv, relinks `best` and says how the trial did.
    mutating func finish(_ trial: SearchTrial, _ record: TrialRecord) throws {
        try folder.save(record, of: trial)
        records[trial.number] = record
        try writeTable()
        let head = "trial \(trial.number)/\(plan.trials.count)"
        guard let scores = record.scores else {
            log.line("\(head) failed after \(formatDuration(record.seconds)): \(record.failure ?? "")")
            return
        }
        let best = SearchTable.best(records) ?? trial.number
        log.line(
            String(
                format: "%@ done in %@: best epoch %d, val mse %.4f mae %.4f, test mse %.4f mae %.4f; "
                    + "best so far: trial %d", head, formatDuration(record.seconds), scores.bestEpoch,
                scores.valMSE, scores.valMAE, scores.testMSE, scores.testMAE, best))
    }

    /// search.csv (atomically) and the `best` link, from the records so far.
    func writeTable() throws {
        try AtomicFile.write(Data(SearchTable.csv(plan: plan, records: records).utf8), to: folder.tableFile)
        if let best = SearchTable.best(records) { try folder.linkBest(plan.trials[best - 1]) }
    }

    /// Logs where the search stopped and returns the error that ends the command.
    func stopped(by signal: Int32) -> Interrupted {
        let message =
            "search stopped by \(Interruption.name(signal)) with \(records.count) of \(plan.trials.count) "
            + "trials finished; continue with `simba train --resume \(folder.path)` (finished trials are "
            + "skipped, a stopped one continues from its last complete epoch)"
        log.line(message)
        return Interrupted(signal: signal, description: message, reported: true)
    }
}
