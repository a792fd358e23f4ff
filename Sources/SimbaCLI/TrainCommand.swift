// `simba train`: reads the config and command-line overrides, then hands the run to the task's
// job (forecasting for now). Parses and checks; trains nothing itself.

import Foundation
import SimbaCore
import SimbaDistributed
import SimbaTraining

enum TrainCommand {
    static let help = """
        Usage: simba train --config FILE.yaml [--set key=value …] [--out DIR]
               simba train --resume RUN_DIR

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
          --resume DIR    continue the run in DIR exactly where its last complete epoch left it

        Ctrl-C (or SIGTERM) stops after the current step and says how to resume; a second Ctrl-C
        quits at once. A checkpoint is saved whole or not at all, whenever the process dies.

        Under `mpirun -np N`: one model trained data-parallel by N processes, each running whole
        shards (forecasting) or a slice (classification) of every batch (batch_size stays the global
        batch), with the results of one process (classification: with optimization.sync_bn, or
        BatchNorm statistics differ); rank 0 alone writes the run folder and prints.
        docs/distributed.md.

        Config keys (forecasting):

        """

    static let command = Command(name: "train", valued: ["config", "set", "out", "resume"], flags: [], help: {
        help + ConfigSchema.forecast.reference + "\nConfig keys (classification, task: classify):\n\n"
            + ConfigSchema.classify.reference + "\n"
    }, run: run)

    static func run(_ options: Options) throws {
        // Under mpirun MPI starts first, so that an error on any rank, even in the config, ends the job.
        let group = try ProcessGroup.startIfLaunched(options.environment)
        let cwd = FileManager.default.currentDirectoryPath
        let config: Config
        let resume = options.value("resume")
        if let resume {
            guard options.value("config") == nil, options.allValues("set").isEmpty, options.value("out") == nil else {
                throw UsageError("--resume continues a run exactly as its config.yaml says; it cannot be combined with --config, --set or --out")
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
            config = try Config(schema: schema(configFile: file, overrides: overrides, cwd: cwd), configFile: file,
                                overrides: overrides, workingDirectory: cwd)
        }
        let writer = (group?.rank ?? 0) == 0
        if writer { for note in config.notes { FileHandle.standardError.write(Data("simba: note: \(note)\n".utf8)) } }
        // mpirun hands every rank a terminal of its own whatever its own output is: plain lines there.
        let log = RunLog(isTerminal: group == nil && isatty(STDOUT_FILENO) == 1, console: writer)
        switch config.string("task") {
        case "classify":
            try VisionJob.train(config: config, resume: resume != nil, log: log, version: SimbaCommand.version,
                                group: group)
        default:
            _ = try ForecastJob.train(config: config, resume: resume != nil, log: log, version: SimbaCommand.version,
                                      group: group)
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
