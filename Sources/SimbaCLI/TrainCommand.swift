// `simba train`: reads the config and command-line overrides, then hands the run to the task's
// job (forecasting for now). Parses and checks; trains nothing itself.

import Foundation
import SimbaCore
import SimbaDistributed
import SimbaTraining

enum TrainCommand {
    static let help = """
        Usage: simba train --config FILE.yaml [--set key=value …] [--epochs N …] [--out DIR]
                           [--search key=v1,v2,… …] [--search-parallel N]
               simba train --resume RUN_DIR|SEARCH_DIR [--epochs N …] [--search-parallel N]

        Trains a model as the config describes and writes a run folder (config.yaml, log.txt,
        summary.csv, last.safetensors, last.state.safetensors, best.safetensors, and
        test_metrics.json for forecasting or eval_metrics.json for classification). Forecasting
        scores the best checkpoint on test and val beside three baselines (repeat-last, seasonal
        naive, a per-column linear map): docs/forecasting-reports.md.

          --config FILE   YAML config with sections data, model, optimization, output (and augment
                          for classification); its `task` (forecast or classify) picks the keys;
                          paths inside are relative to the config file's folder
          --set KEY=VAL   override one config key, e.g. --set optimization.lr=3e-4 (repeatable);
                          a list as a,b,c or '[a, b, c]' (in a config file: a YAML list);
                          precedence: --set > config file > built-in default
          --out DIR       run folder (same as --set output.dir=DIR; relative to the current folder):
                          a new or empty folder; one run at a time holds it (a lock naming its pid)
          --resume DIR    continue the run in DIR exactly where its last complete epoch left it; with
                          --epochs N (or --set) train it on to N epochs: a resume may change only
                          optimization.epochs (the cosine schedule stretches from the current step),
                          optimization.patience, output.log_every and data.workers, on the command
                          line or in DIR/config.yaml; any other change is refused by name. DIR may
                          also be a search: finished trials skipped, a stopped one continued
          --allow-config-change
                          on --resume, accept other changed keys too (the run then no longer
                          continues as it began)
          --search K=V,…  train one run per combination of the values (repeatable; same as the
                          config's `search:` map; replaces its entry for K), e.g. --search
                          optimization.lr=1e-4,3e-4 --search data.seq_len=96,336; each trial in
                          its own run folder under DIR (--out, default runs/<config>-search-<time>),
                          search.csv lists them, `best` links the one with the lowest validation
                          MSE (forecasting only; search_trials: N trains N random combinations;
                          search_seeds: [S1, S2, …] trains each once per seed and picks the lowest
                          mean, with search_means.csv; search_folds: N also trains each on the
                          validation folds data.fold 0 to N-1 and ranks by the mean over them)
          --search-parallel N
                          runs at once, a run being a trial or one seed or fold of it (default: threads /
                          2, at least 1; a small run keeps about 2 threads busy); above 1 each runs
                          as a child process
        \(TrainShorthands.help)

        Ctrl-C (or SIGTERM) stops after the current step and says how to resume; a second Ctrl-C
        quits at once. A checkpoint is saved whole or not at all, whenever the process dies.

        Under `mpirun -np N`: one model trained data-parallel by N processes, each running whole
        shards (forecasting) or a slice (classification) of every batch (batch_size stays the global
        batch), with the results of one process (classification: with optimization.sync_bn, or
        BatchNorm statistics differ); rank 0 alone writes the run folder and prints.
        docs/distributed.md.

        Progress lines show samples/s of the training steps alone and the ETA of the epoch and of the
        whole run (evaluation included); each epoch's line gives training and evaluation times apart.

        Environment: SIMBA_THREADS sets the parallel loop workers (a whole number from 1 to \(Parallel.maxWorkers);
        default the machine's active cores, divided by the ranks on the machine under mpirun; any other value stops the
        command with an error naming it);
        SIMBA_CPU the kernel level (see `simba --help`).

        Config keys (forecasting):

        """

    static let command = Command(
        name: "train",
        valued: ["config", "set", "out", "resume", "search", "search-parallel"] + TrainShorthands.options.map(\.option),
        flags: ["allow-config-change"],
        help: {
            help + ConfigSchema.forecast.reference + "\nConfig keys (classification, task: classify):\n\n"
                + ConfigSchema.classify.reference + "\n"
        }, unknownOptionHint: TrainShorthands.configKeyHint, run: run)

    static func run(_ options: Options) throws {
        // Under mpirun MPI starts first, so that an error on any rank, even in the config, ends the job.
        let group = try ProcessGroup.startIfLaunched(options.environment)
        let cwd = FileManager.default.currentDirectoryPath
        let config: Config
        let resume = options.value("resume")
        if let resume {
            guard options.allValues("search").isEmpty else {
                throw UsageError(
                    "--resume continues a run or a search as its folder's config.yaml says; it cannot "
                        + "be combined with --search")
            }
            config = try resumedConfig(resume, options: options, cwd: cwd)
        } else {
            guard let file = options.value("config") else {
                throw UsageError(
                    "`simba train` needs --config FILE.yaml (or --resume RUN_DIR); see `simba train --help`")
            }
            guard !options.has("allow-config-change") else {
                throw UsageError(
                    "--allow-config-change applies to --resume RUN_DIR; a new run takes its config as given")
            }
            var overrides = options.allValues("set")
            if let out = options.value("out") { overrides.append("output.dir=\(out)") }
            let schema = try schema(configFile: file, overrides: overrides, cwd: cwd)
            overrides += try TrainShorthands.overrides(options, schema: schema.schema, task: schema.task)
            let searches = options.allValues("search")
            if !searches.isEmpty && schema.schema.key("search") == nil {
                throw UsageError("--search trains forecasters only; \(file) asks for another task")
            }
            config = try Config(
                schema: schema.schema, configFile: file, overrides: overrides, searches: searches,
                workingDirectory: cwd)
        }
        let writer = (group?.rank ?? 0) == 0
        if writer { for note in config.notes { FileHandle.standardError.write(Data("simba: note: \(note)\n".utf8)) } }
        // mpirun hands every rank a terminal of its own whatever its own output is: plain lines there.
        let log = RunLog(isTerminal: group == nil && isatty(STDOUT_FILENO) == 1, console: writer)
        let parallel = try options.int("search-parallel", in: 1...Parallel.maxWorkers)
        if SearchJob.isSearch(config) {
            if let group, group.size > 1 {
                throw UsageError(
                    "a search runs its trials itself (one at a time, or as child processes with "
                        + "--search-parallel); start it without mpirun")
            }
            _ = try SearchJob.run(
                config: config, resume: resume != nil, parallel: parallel, log: log,
                version: SimbaCommand.version)
            return
        }
        try SearchJob.checkSeedsHaveSearch(config)
        if parallel != nil {
            throw UsageError(
                "--search-parallel sets how many trials of a search run at once; this run is no search "
                    + "(give --search KEY=V1,V2 or a `search:` map in the config)")
        }
        switch config.string("task") {
        case "classify":
            try VisionJob.train(
                config: config, resume: resume != nil, log: log, version: SimbaCommand.version,
                group: group)
        default:
            _ = try ForecastJob.train(
                config: config, resume: resume != nil, log: log, version: SimbaCommand.version,
                group: group)
        }
    }

    /// The config of the run in `resume`: its config.yaml with the command line's overrides, which
    /// may set only the keys `ResumeChanges` allows (any key with --allow-config-change; a UsageError
    /// naming it otherwise). A config.yaml edited in another key since the checkpoint was written is
    /// a CheckpointError naming each key, unless allowed. Prints each accepted change as a note.
    static func resumedConfig(_ resume: String, options: Options, cwd: String) throws -> Config {
        guard options.value("config") == nil, options.value("out") == nil else {
            throw UsageError(
                "--resume continues the run in its folder with its config.yaml; it cannot be "
                    + "combined with --config or --out")
        }
        let file = resume + "/config.yaml"
        guard FileManager.default.fileExists(atPath: file) else {
            throw UsageError(
                "\(resume) is not a run folder (no config.yaml); pass the folder a `simba train` run wrote")
        }
        let schema = try schema(configFile: file, overrides: [], cwd: cwd)
        let overrides =
            options.allValues("set")
            + (try TrainShorthands.overrides(options, schema: schema.schema, task: schema.task))
        let allowed = ResumeChanges.changeable(schema.schema)
        if !options.has("allow-config-change") {
            for override in overrides {
                let key =
                    override.split(separator: "=", maxSplits: 1).first
                    .map { $0.trimmingCharacters(in: .whitespaces) } ?? override
                guard allowed.contains(key) || schema.schema.key(key) == nil else {
                    throw UsageError(
                        "\(key) cannot change on --resume: it would change what the run's remaining "
                            + "epochs compute, so the run would no longer continue as it began; a resume may "
                            + "change \(allowed.joined(separator: ", ")) (or pass --allow-config-change)")
                }
            }
        }
        let config = try Config(
            schema: schema.schema, configFile: file,
            overrides: overrides + ["output.dir=\(resume)"], workingDirectory: cwd)
        if SearchJob.isSearch(config) {
            // Each trial resumes its own run as it began.
            guard overrides.isEmpty, !options.has("allow-config-change") else {
                throw UsageError(
                    "\(resume) holds a search, which resumes as its config.yaml says: drop --set, "
                        + "the shorthands and --allow-config-change")
            }
            return config
        }
        let changes = try ResumeChanges.differences(config, weights: resume + "/last.safetensors")
        if !changes.others.isEmpty && !options.has("allow-config-change") {
            throw CheckpointError(
                path: file,
                problem: "differs from the config the run's checkpoint was "
                    + "trained with: "
                    + changes.others.prefix(8).joined(separator: ", ")
                    + (changes.others.count > 8 ? ", … and \(changes.others.count - 8) more" : "")
                    + "; restore those values, or resume with --allow-config-change to train on with them")
        }
        for change in changes.changeable + changes.others {
            FileHandle.standardError.write(Data("simba: note: resuming with \(change)\n".utf8))
        }
        return config
    }

    /// The config's `task` (forecast unless it says classify) and its schema.
    static func schema(configFile: String, overrides: [String], cwd: String) throws
        -> (task: String, schema: ConfigSchema)
    {
        let task = ConfigSchema.task(configFile: configFile, overrides: overrides, workingDirectory: cwd)
        guard let schema = ConfigSchema.forTask(task) else {
            throw UsageError("\(configFile): task \(quoted(task)) is not one of forecast, classify")
        }
        return (task, schema)
    }
}
