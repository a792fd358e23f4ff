// `simba train` with a `search`: checks every trial's config, then trains the trials (or each trial's
// seeds and folds) one after another in this process or several at once as child processes, recording
// each run and linking the best by validation.

import Foundation
import SimbaCore
import SimbaData

/// What a finished search reports.
public struct SearchOutcome: Sendable {
    public let folder: String
    /// The chosen trial (lowest validation MSE, or mean validation MSE over its seeds and folds).
    public let best: SearchTrial
    /// The scores of the run `best` links: the trial's, or its first seed's on fold 0.
    public let scores: TrialScores
}

public enum SearchJob {
    /// Whether `config` (a forecasting config) asks for a search: a non-empty `search`.
    public static func isSearch(_ config: Config) -> Bool {
        guard config.schema.key("search") != nil, case let .grid(axes) = config.value("search") else { return false }
        return !axes.isEmpty
    }

    /// Throws a `ConfigError` naming `search_seeds` (or `search_folds`) when `config` lists seeds (or
    /// more than one fold) but asks for no search, since a single run would not use them.
    public static func checkSeedsHaveSearch(_ config: Config) throws {
        guard config.schema.key("search_seeds") != nil, !isSearch(config) else { return }
        let unused: (key: String, message: String)
        if config.value("search_seeds") != .list([]) {
            unused = (
                "search_seeds",
                "search_seeds trains each trial of a search once per seed, and this config has no search; to "
                    + "train one setting with each seed, search one key with one value (e.g. --search "
                    + "optimization.lr=3e-4), or drop search_seeds"
            )
        } else if config.int("search_folds") > 1 {
            unused = (
                "search_folds",
                "search_folds trains each trial of a search once per validation fold, and this config has no "
                    + "search; to score one setting on every fold, search one key with one value (e.g. --search "
                    + "optimization.lr=3e-4), or train one fold with data.fold"
            )
        } else {
            return
        }
        throw ConfigError(problems: [
            .init(
                reason: .wrongType, key: unused.key, message: unused.message, location: config.location(of: unused.key))
        ])
    }

    /// Trains every trial of `config`'s search (with `resume`, those of the search in `output.dir`
    /// without a record), each in its own run folder under the search's, and links the one with
    /// the lowest validation MSE as `best`. With `search_seeds` (and `search_folds`), each trial is
    /// trained once per seed (and per fold), ranked by the mean validation MSE of its runs once all have
    /// finished (a trial with a failed run is never chosen), and `best` links its first seed's run on
    /// fold 0. Every trial's config is checked before the first file is written. `parallel` forces how
    /// many runs go at once (`SearchParallelism` decides otherwise). A run that fails is recorded as
    /// failed and the search goes on; a stop (Ctrl-C, SIGTERM) ends it with `Interrupted`, to be
    /// continued with `simba train --resume FOLDER`.
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
                ] + (plan.seeds.isEmpty ? [] : [("search_seeds", .list([]))])
                    + (plan.folds > 1 ? [("search_folds", .int(1))] : []))
        }
        try check(trialConfigs, plan: plan)
        let runConfigs = plan.runs.map { run in
            let trialConfig = trialConfigs[run.trial.number - 1]
            guard plan.isReplicated else { return trialConfig }
            return trialConfig.replacing(
                (run.seed.map { [("optimization.seed", ConfigValue.int($0))] } ?? [])
                    + (run.fold.map { [("data.fold", ConfigValue.int($0))] } ?? [])
                    + [("output.dir", .string(path + "/" + run.folderName))])
        }

        let folder = try SearchFolder.open(path: path, resume: resume)
        defer { folder.close() }
        if !resume { try AtomicFile.write(Data(config.yaml().utf8), to: folder.configFile) }
        try log.open(folder.logFile)
        var records: [Int: TrialRecord] = [:]
        for run in plan.runs {
            if let record = try folder.record(of: run) { records[run.number] = record }
        }
        let pending = plan.runs.filter { records[$0.number] == nil }
        let cores = Parallel.workers
        let atOnce = min(max(pending.count, 1), SearchParallelism.trials(forced: forced, cores: cores))
        let threads = SearchParallelism.threads(trials: atOnce, cores: cores)

        let kind =
            plan.trials.count == plan.combinations
            ? "every combination"
            : "\(plan.trials.count) drawn with search_seed \(config.int("search_seed"))"
        let seedText =
            plan.seeds.isEmpty
            ? []
            : ["\(plan.seeds.count) seeds (search_seeds " + plan.seeds.map(String.init).joined(separator: ", ") + ")"]
        let foldText =
            plan.folds > 1 ? ["\(plan.folds) validation folds (search_folds, data.fold 0 to \(plan.folds - 1))"] : []
        let seeds =
            plan.isReplicated
            ? ", each with " + (seedText + foldText).joined(separator: " × ") + ": \(plan.runs.count) runs" : ""
        log.line(
            "simba \(version) search: \(plan.trials.count) trials of \(plan.combinations) combinations (\(kind))"
                + seeds + (resume ? ", resumed with \(records.count) finished" : ""))
        for axis in plan.axes {
            log.line("  \(axis.key): " + axis.values.map(SearchPlan.text).joined(separator: ", "))
        }
        if let note = plan.note { log.line("note: \(note)") }
        let unit = plan.isReplicated ? "run" : "trial"
        log.line(
            atOnce > 1
                ? "parallel: \(atOnce) \(unit)s at once as child processes, SIMBA_THREADS=\(threads) each "
                    + "(\(threadCount(cores)))"
                : "parallel: one \(unit) at a time in this process (\(threadCount(cores)); a \(unit) keeps about "
                    + "\(SearchParallelism.threadsPerTrial) busy)")
        log.line("search folder: \(path)")

        var run = SearchRun(plan: plan, folder: folder, log: log, records: records)
        if atOnce > 1 {
            try run.runProcesses(pending, atOnce: atOnce, threads: threads)
        } else {
            for trialRun in pending {
                if let signal = control.stopRequest() { throw run.stopped(by: signal) }
                run.announce(trialRun)
                let start = DispatchTime.now().uptimeNanoseconds
                var record: TrialRecord
                do {
                    _ = try ForecastJob.train(
                        config: runConfigs[trialRun.number - 1], resume: folder.hasBegun(trialRun),
                        log: RunLog(isTerminal: log.isTerminal, console: log.console),
                        version: version, control: control)
                    record = TrialRecord(
                        scores: try TrialScores.read(runFolder: folder.runPath(trialRun)), seconds: 0)
                } catch let stop as Interrupted {
                    throw run.stopped(by: stop.signal)
                } catch {
                    record = TrialRecord(failure: "\(error)", seconds: 0)
                }
                record.seconds = Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9
                try run.finish(trialRun, record)
            }
        }
        try run.writeTable()
        if let note = SearchMeans.foldScaleNote(plan: plan, records: run.records) { log.line("note: \(note)") }
        guard let bestNumber = run.bestTrial, let bestRun = plan.runs(of: plan.trials[bestNumber - 1]).first,
            let scores = run.records[bestRun.number]?.scores
        else {
            throw TrainingError(
                "no trial of the search finished with scores"
                    + (plan.isReplicated ? " for every run" : "") + "; see the failures in "
                    + "\(folder.tableFile) and the trials' log.txt")
        }
        let best = bestRun.trial
        if !plan.isReplicated {
            log.line(
                String(
                    format: "best: trial %d (%@), best epoch %d, val mse %.4f mae %.4f, test mse %.4f mae %.4f",
                    bestNumber, plan.describe(best), scores.bestEpoch, scores.valMSE, scores.valMAE,
                    scores.testMSE, scores.testMAE))
            log.line(
                "chosen by validation MSE: \(folder.bestLink) -> \(best.folderName) "
                    + "(`simba forecast --checkpoint \(folder.bestLink)`); every trial in \(folder.tableFile)")
        } else {
            log.line("best: trial \(bestNumber) (\(plan.describe(best))), " + run.meanText(of: bestNumber))
            log.line(
                String(
                    format: "its %@ run: best epoch %d, val mse %.4f mae %.4f, test mse %.4f mae %.4f",
                    run.runName(bestRun), scores.bestEpoch, scores.valMSE, scores.valMAE, scores.testMSE,
                    scores.testMAE))
            log.line(
                "chosen by mean validation MSE: \(folder.bestLink) -> \(bestRun.folderName) "
                    + "(`simba forecast --checkpoint \(folder.bestLink)`); every run in \(folder.tableFile), "
                    + "every trial's mean and standard deviation in \(folder.meansFile)")
        }
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

    /// "1 thread" or "2 threads".
    static func threadCount(_ n: Int) -> String { n == 1 ? "1 thread" : "\(n) threads" }

    /// Checks each trial's config as its run would before training: the keys' combination, the
    /// data's windows and the memory of a training step; with `search_folds`, on its last fold too
    /// (the shortest train split). Data are read once per distinct data options.
    static func check(_ trialConfigs: [Config], plan: SearchPlan) throws {
        var data: [(ForecastOptions, ForecastData)] = []
        let folds = plan.folds > 1 ? [0, plan.folds - 1] : [0]
        for (trial, trialConfig) in zip(plan.trials, trialConfigs) {
            for fold in folds {
                let config = fold == 0 ? trialConfig : trialConfig.replacing([("data.fold", .int(fold))])
                try check(config, trial: trial, plan: plan, data: &data)
            }
        }
    }

    /// `check` for one trial's config (`data` holds what was read so far).
    private static func check(
        _ config: Config, trial: SearchTrial, plan: SearchPlan, data: inout [(ForecastOptions, ForecastData)]
    ) throws {
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

/// A search trial whose config cannot train; nothing was written.
public struct SearchError: Error, CustomStringConvertible {
    public let description: String
}

/// The bookkeeping of a running search: records (by run number), search.csv, search_means.csv, the
/// `best` link and the progress lines.
struct SearchRun {
    let plan: SearchPlan
    let folder: SearchFolder
    let log: RunLog
    var records: [Int: TrialRecord]

    /// "trial 3/6: optimization.lr=0.0003, data.seq_len=336 (FOLDER)", with seeds and folds
    /// "trial 3/6 seed 2/3 fold 2/2: optimization.lr=0.0003, data.seq_len=336, optimization.seed=1,
    /// data.fold=1 (FOLDER)".
    func announce(_ run: TrialRun, note: String = "") {
        let seed = run.seed.map { ", optimization.seed=\($0)" } ?? ""
        let fold = run.fold.map { ", data.fold=\($0)" } ?? ""
        log.line("\(head(run)): \(plan.describe(run.trial))\(seed)\(fold)\(note) (\(folder.runPath(run)))")
    }

    /// "trial 3/6", with seeds "trial 3/6 seed 2/3", with folds "… fold 1/2" (fold k is k + 1 of N).
    func head(_ run: TrialRun) -> String {
        "trial \(run.trial.number)/\(plan.trials.count)"
            + (run.seedIndex.map { " seed \($0)/\(plan.seeds.count)" } ?? "")
            + (run.fold.map { " fold \($0 + 1)/\(plan.folds)" } ?? "")
    }

    /// "seed 2024", "fold 0" or "seed 2024 fold 0": which of its trial's runs `run` is.
    func runName(_ run: TrialRun) -> String {
        [run.seed.map { "seed \($0)" }, run.fold.map { "fold \($0)" }].compactMap { $0 }.joined(separator: " ")
    }

    /// The chosen trial so far: the lowest validation MSE (with seeds or folds, the lowest mean over them) among
    /// the trials whose runs have all finished with scores.
    var bestTrial: Int? { SearchMeans.best(SearchMeans.outcomes(plan: plan, records: records)) }

    /// Records a run's outcome, rewrites the tables, relinks `best` and says how the run did (with
    /// seeds or folds, and the trial's mean once its last run is done).
    mutating func finish(_ run: TrialRun, _ record: TrialRecord) throws {
        try folder.save(record, of: run)
        records[run.number] = record
        try writeTable()
        let head = head(run)
        let best = bestTrial
        if let scores = record.scores {
            log.line(
                String(
                    format: "%@ done in %@: best epoch %d, val mse %.4f mae %.4f, test mse %.4f mae %.4f",
                    head, formatDuration(record.seconds), scores.bestEpoch, scores.valMSE, scores.valMAE,
                    scores.testMSE, scores.testMAE)
                    + (plan.isReplicated ? "" : "; best so far: trial \(best ?? run.trial.number)"))
        } else {
            log.line("\(head) failed after \(formatDuration(record.seconds)): \(record.failure ?? "")")
        }
        guard plan.isReplicated, plan.runs(of: run.trial).allSatisfy({ records[$0.number] != nil }) else { return }
        let bestText = best.map { "best so far: trial \($0) (\(meanText(of: $0, short: true)))" } ?? "no best yet"
        log.line("trial \(run.trial.number)/\(plan.trials.count) \(meanText(of: run.trial.number)); \(bestText)")
    }

    /// "mean of 3 seeds: val mse 0.3640 (sd 0.0012) mae …, test mse … mae …" (with folds "mean of 3 seeds ×
    /// 2 folds: …", test over fold 0), or with `short` "mean val mse 0.3640"; "failed: 1 of its 3 runs
    /// failed" for a trial with a failed run.
    func meanText(of trial: Int, short: Bool = false) -> String {
        switch SearchMeans.outcomes(plan: plan, records: records)[trial] {
        case let .done(valMSE, valMAE, testMSE, testMAE)?:
            if short { return String(format: "mean val mse %.4f", valMSE.mean) }
            let parts = zip(["val mse", "mae", "test mse", "mae"], [valMSE, valMAE, testMSE, testMAE]).map {
                String(format: "%@ %.4f (sd %.4f)", $0, $1.mean, $1.deviation)
            }
            return "mean of \(plan.replicates): " + parts[0...1].joined(separator: " ") + ", "
                + parts[2...3].joined(separator: " ") + (plan.folds > 1 ? " (fold 0)" : "")
        case let .failed(scored)?:
            let unit = plan.folds > 1 ? "runs" : "seeds"
            return "failed: \(plan.runsPerTrial - scored) of its \(plan.runsPerTrial) \(unit) failed"
        case nil:
            return "not finished"
        }
    }

    /// search.csv (and search_means.csv with seeds), atomically, and the `best` link, from the records so far.
    func writeTable() throws {
        try AtomicFile.write(Data(SearchTable.csv(plan: plan, records: records).utf8), to: folder.tableFile)
        if plan.isReplicated {
            let outcomes = SearchMeans.outcomes(plan: plan, records: records)
            try AtomicFile.write(Data(SearchMeans.csv(plan: plan, outcomes: outcomes).utf8), to: folder.meansFile)
        }
        if let best = bestTrial, let run = plan.runs(of: plan.trials[best - 1]).first { try folder.linkBest(run) }
    }

    /// Logs where the search stopped and returns the error that ends the command.
    func stopped(by signal: Int32) -> Interrupted {
        let counted =
            plan.isReplicated
            ? "\(records.count) of \(plan.runs.count) runs (trials times "
                + [plan.seeds.isEmpty ? nil : "seeds", plan.folds > 1 ? "folds" : nil].compactMap { $0 }
                .joined(separator: " times ") + ") finished"
            : "\(records.count) of \(plan.trials.count) trials finished"
        let message =
            "search stopped by \(Interruption.name(signal)) with \(counted); continue with "
            + "`simba train --resume \(folder.path)` (finished \(plan.isReplicated ? "runs" : "trials") are "
            + "skipped, a stopped one continues from its last complete epoch)"
        log.line(message)
        return Interrupted(signal: signal, description: message, reported: true)
    }
}
