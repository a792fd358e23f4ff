// `simba train`: reads the config and command-line overrides, then hands the run to the task's
// job (forecasting for now). Parses and checks; trains nothing itself.

import Foundation
import SimbaCore
import SimbaTraining

enum TrainCommand {
    static let help = """
        Usage: simba train --config FILE.yaml [--set key=value …] [--out DIR]
                           [--search key=v1,v2,… …] [--search-parallel N]
               simba train --resume RUN_DIR|SEARCH_DIR [--search-parallel N]

        Trains a model as the config describes and writes a run folder (config.yaml, log.txt,
        summary.csv, last.safetensors, last.state.safetensors, best.safetensors, and
        test_metrics.json for forecasting or eval_metrics.json for classification).

          --config FILE   YAML config with sections data, model, optimization, output (and augment
                          for classification); its `task` (forecast or classify) picks the keys;
                          paths inside are relative to the config file's folder
          --set KEY=VAL   override one config key, e.g. --set optimization.lr=3e-4 (repeatable);
                          a list as a,b,c or '[a, b, c]' (in a config file: a YAML list);
                          precedence: --set > config file > built-in default
          --out DIR       run folder (same as --set output.dir=DIR; relative to the current folder):
                          a new or empty folder; one run at a time holds it (a lock naming its pid)
          --resume DIR    continue the run in DIR exactly where its last complete epoch left it,
                          or the search in DIR: finished trials skipped, a stopped one continued
          --search K=V,…  train one run per combination of the values (repeatable; same as the
                          config's `search:` map; replaces its entry for K), e.g. --search
                          optimization.lr=1e-4,3e-4 --search data.seq_len=96,336; each trial in
                          its own run folder under DIR (--out, default runs/<config>-search-<time>),
                          search.csv lists them, `best` links the one with the lowest validation
                          MSE (forecasting only; search_trials: N trains N random combinations)
          --search-parallel N
                          trials at once (default: threads / 2, at least 1; a small trial keeps
                          about 2 threads busy); above 1 each runs as a child process

        Ctrl-C (or SIGTERM) stops after the current step and says how to resume; a second Ctrl-C
        quits at once. A checkpoint is saved whole or not at all, whenever the process dies.

        Config keys (forecasting):

        """

    static let command = Command(name: "train", valued: ["config", "set", "out", "resume", "search",
                                                         "search-parallel"], flags: [], help: {
        help + ConfigSchema.forecast.reference + "\nConfig keys (classification, task: classify):\n\n"
            + ConfigSchema.classify.reference + "\n"
    }, run: run)

    static func run(_ options: Options) throws {
        let cwd = FileManager.default.currentDirectoryPath
        let config: Config
        let resume = options.value("resume")
        if let resume {
            guard options.value("config") == nil, options.allValues("set").isEmpty, options.value("out") == nil,
                  options.allValues("search").isEmpty else {
                throw UsageError("--resume continues a run exactly as its config.yaml says; it cannot be combined "
                                 + "with --config, --set, --search or --out")
            }
            let file = resume + "/config.yaml"
            guard FileManager.default.fileExists(atPath: file) else {
                throw UsageError("\(resume) is not a run folder (no config.yaml); pass the folder a `simba train` run wrote")
            }
            config = try Config(schema: schema(configFile: file, overrides: [], cwd: cwd), configFile: file,
                                overrides: ["output.dir=\(resume)"], workingDirectory: cwd)
        } else {
            guard let file = options.value("config") else {
                throw UsageError("`simba train` needs --config FILE.yaml (or --resume RUN_DIR); see `simba train --help`")
            }
            var overrides = options.allValues("set")
            if let out = options.value("out") { overrides.append("output.dir=\(out)") }
            let schema = try schema(configFile: file, overrides: overrides, cwd: cwd)
            let searches = options.allValues("search")
            if !searches.isEmpty && schema.key("search") == nil {
                throw UsageError("--search trains forecasters only; \(file) asks for another task")
            }
            config = try Config(schema: schema, configFile: file, overrides: overrides, searches: searches,
                                workingDirectory: cwd)
        }
        for note in config.notes { FileHandle.standardError.write(Data("simba: note: \(note)\n".utf8)) }
        let parallel = try options.int("search-parallel", in: 1...Parallel.maxWorkers)
        let log = RunLog()
        if SearchJob.isSearch(config) {
            _ = try SearchJob.run(config: config, resume: resume != nil, parallel: parallel, log: log,
                                  version: SimbaCommand.version)
            return
        }
        if parallel != nil {
            throw UsageError("--search-parallel sets how many trials of a search run at once; this run is no search "
                             + "(give --search KEY=V1,V2 or a `search:` map in the config)")
        }
        switch config.string("task") {
        case "classify": _ = try VisionJob.train(config: config, resume: resume != nil, log: log, version: SimbaCommand.version)
        default: _ = try ForecastJob.train(config: config, resume: resume != nil, log: log, version: SimbaCommand.version)
        }
    }

    /// The schema of the config's `task` (forecast unless it says classify).
    static func schema(configFile: String, overrides: [String], cwd: String) throws -> ConfigSchema {
        let task = ConfigSchema.task(configFile: configFile, overrides: overrides, workingDirectory: cwd)
        guard let schema = ConfigSchema.forTask(task) else {
            throw UsageError("\(configFile): task \(quoted(task)) is not one of forecast, classify")
        }
        return schema
    }
}
