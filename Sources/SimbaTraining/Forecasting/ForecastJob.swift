// `simba train` for forecasting, from a resolved config to a finished run folder: reads the data,
// builds the model and trainer, prints what it is about to do, trains, and scores the test split.

import Foundation
import SimbaCore
import SimbaData
import SimbaDistributed
import SimbaModel

/// What a finished forecasting run reports.
public struct ForecastRunResult: Sendable {
    public let runFolder: String
    public let bestEpoch: Int
    /// Test metrics of the best checkpoint on the standardised scale.
    public let test: ForecastMetricValues
}

/// MSE, MAE, RMSE, MAPE, MSPE of one evaluation.
public struct ForecastMetricValues: Codable, Sendable, Equatable, BitwiseCopyable {
    public var mse, mae, rmse, mape, mspe: Double

    /// Every metric 0, to be overwritten by rank 0's.
    static let zero = ForecastMetricValues(mse: 0, mae: 0, rmse: 0, mape: 0, mspe: 0)

    init(mse: Double, mae: Double, rmse: Double, mape: Double, mspe: Double) {
        (self.mse, self.mae, self.rmse, self.mape, self.mspe) = (mse, mae, rmse, mape, mspe)
    }

    init(_ accumulator: ForecastMetricAccumulator) {
        mse = accumulator.mse
        mae = accumulator.mae
        rmse = accumulator.rmse
        mape = accumulator.mape
        mspe = accumulator.mspe
    }
}

public enum ForecastJob {
    /// The data options a config asks for. Throws a `ConfigError` for a `data.freq` or
    /// `data.resample` that is not a frequency (or not one rows can be resampled to), and for both set.
    public static func dataOptions(_ config: Config) throws -> ForecastOptions {
        var options = config.settings(ForecastSettings.keys, base: ForecastSettings()).data
        func frequency(_ key: String, resampling: Bool) throws -> Frequency? {
            let text = config.string(key)
            guard !text.trimmingCharacters(in: .whitespaces).isEmpty else { return nil }
            var problem: String?
            if let frequency = Frequency(parsing: text) {
                guard resampling, !frequency.isResamplingStep else { return frequency }
                problem =
                    "is \(frequency), which rows cannot be resampled to; use a fixed step (e.g. 1h, D) or "
                    + "calendar months anchored at their start or end (MS, M, QS, Q, YS, Y)"
            }
            throw ConfigError(problems: [
                .init(
                    reason: .wrongType, key: key,
                    message:
                        "\(key) \(problem ?? "must be a frequency, got \(quoted(text)); write \(Frequency.accepted)")",
                    location: config.location(of: key))
            ])
        }
        options.grid.frequency = try frequency("data.freq", resampling: false)
        options.grid.resample = try frequency("data.resample", resampling: true)
        if options.grid.frequency != nil && options.grid.resample != nil {
            throw ConfigError(problems: [
                .init(
                    reason: .wrongType, key: "data.freq",
                    message: "data.freq and data.resample are both set; the step after resampling is data.resample's, "
                        + "so remove data.freq", location: config.location(of: "data.freq"))
            ])
        }
        switch config.string("data.missing") {
        case "ffill": options.grid.fill = .ffill
        case "interpolate": options.grid.fill = .interpolate
        default: options.grid.fill = .error
        }
        return options
    }

    /// The trainer settings a config asks for, for data with `variates` input columns.
    public static func settings(_ config: Config, variates: Int) throws -> ForecastSettings {
        var settings = config.settings(ForecastSettings.keys, base: ForecastSettings())
        settings.model.seqLen = settings.data.seqLen
        settings.model.predLen = settings.data.predLen
        settings.model.variates = variates
        var problems = settings.model.problems()
        if settings.linearSkipFit && !settings.model.linearSkip {
            problems.append("model.linear_skip_fit starts the linear skip from a fit: set model.linear_skip: true too")
        }
        if settings.minLR > settings.lr {
            problems.append(
                "optimization.min_lr \(settings.minLR) is above optimization.lr \(settings.lr); "
                    + "the schedule decays from lr down to min_lr")
        }
        guard problems.isEmpty else {
            throw ConfigCombinationError(
                description: problems.map { "\($0) (\(config.configFile ?? "config"))" }
                    .joined(separator: "\n"))
        }
        return settings
    }

    /// Trains (or, with `resume`, continues) the run `config` describes, writing into
    /// `output.dir`, which it holds locked until it returns (see `RunFolder`). Everything is
    /// checked before the first file is written. Ctrl-C or SIGTERM stop it after the current step
    /// with `Interrupted`, the folder left at its last complete epoch. With `group`, this process is
    /// one rank of an `mpirun` job training one model: rank 0 alone opens and writes the folder and
    /// logs; every rank returns the same result.
    public static func train(
        config: Config, resume: Bool, log: RunLog, version: String,
        group: ProcessGroup? = nil
    ) throws -> ForecastRunResult {
        try train(config: config, resume: resume, log: log, version: version, control: RunControl(), group: group)
    }

    /// `train`, stopping once `stoppingAfter` epochs are done as an interrupted run would (for tests of resume).
    static func train(config: Config, resume: Bool, log: RunLog, version: String, stoppingAfter: Int?) throws
        -> ForecastRunResult
    {
        try train(
            config: config, resume: resume, log: log, version: version,
            control: RunControl(stoppingAfter: stoppingAfter))
    }

    /// `train`, cut short or disturbed as `control` says (for tests of stops and crashes).
    static func train(
        config: Config, resume: Bool, log: RunLog, version: String,
        control: RunControl, group: ProcessGroup? = nil
    ) throws -> ForecastRunResult {
        let data = try ForecastData(path: config.path("data.path"), options: dataOptions(config))
        let settings = try settings(config, variates: data.inputColumns)
        let memory = try MemoryBudget.check(
            settings.model, batch: settings.batchSize, training: true,
            batchSetting: "optimization.batch_size",
            sizeSettings: "data.seq_len, data.pred_len, the data's columns and model.*")
        if let group {
            try ForecastTrainer.checkShards(batchSize: settings.batchSize, group: group)
            try GradientBuckets.check(
                bucketMB: settings.bucketMB, table: TimeSeriesModel.parameterTable(config: settings.model))
        }
        let outputDir = config.string("output.dir")
        let writer = (group?.rank ?? 0) == 0
        let run = writer ? try RunFolder.open(path: outputDir, resume: resume) : nil
        defer { run?.close() }
        run?.beforeSaveStep = control.beforeSaveStep
        if let run { try log.open(run.logFile) }
        let metadata = [
            "format": "pt", "simba_version": version, "task": "forecast", "config": config.yaml(),
            "model": String(decoding: try JSONEncoder.sorted.encode(settings.model), as: UTF8.self),
            "scaler": data.scaler.jsonString()
        ]
        let trainer = try ForecastTrainer(
            settings: settings, data: data, run: run, folder: run?.path ?? outputDir,
            log: log, metadata: metadata, resume: resume, group: group)
        trainer.stopRequest = control.stopRequest
        // A resume rewrites it too, recording the keys it changed (`ResumeChanges`); rank 0 alone writes.
        if let run { try run.write(config.yaml(), to: run.configFile) }

        log.line("simba \(version) train: forecasting\(trainer.progress.resumeNote(resumed: resume))")
        log.line(config.describe())
        log.line(
            "data: \(data.path): \(data.timestamps.count) rows, columns \(data.columnNames.joined(separator: ",")), "
                + "features \(data.options.features.rawValue), target \(data.options.target)"
        )
        for line in data.gridReport.lines { log.line(line) }
        for note in data.notes { log.line("data: \(note)") }
        log.line(
            "windows: train \(data.windowCount(.train)), val \(data.windowCount(.val)), test "
                + "\(data.windowCount(.test)) (seq_len \(data.seqLen), pred_len \(data.predLen))"
                + (data.options.fold > 0 ? "; validation fold \(data.options.fold) (data.fold)" : "")
        )
        log.line(
            "model: SiMBA-TS, \(trainer.model.store.parameterCount) parameters, \(trainer.model.tokens) tokens of "
                + "width \(settings.model.dModel)"
        )
        log.line("threads: BLAS \(BLAS.threads) (\(BLAS.coreName) kernels), parallel loops \(Parallel.workers)")
        log.line(trainer.batchSplit.description)
        if let group {
            log.line(
                "processes: \(group.size) (mpirun), each running \(trainer.batchSplit.owned.count) or so of the "
                    + "\(trainer.batchSplit.shardCount) shards of every batch; rank 0 on \(group.host) writes the "
                    + "run folder")
        }
        log.line("memory: about \(MemoryEstimate.describe(bytes: memory.bytes)) estimated for a training step")
        log.line("run folder: \(run?.path ?? outputDir)")

        _ = try trainer.train(stoppingAfter: control.stoppingAfter)
        let bestEpoch = trainer.progress.bestEpoch ?? 0
        guard let run else {
            var test = ForecastMetricValues.zero
            group?.broadcast(&test)
            return ForecastRunResult(runFolder: outputDir, bestEpoch: bestEpoch, test: test)
        }
        // Rank 0 alone, over every shard: the best checkpoint on test, then on validation, each beside the
        // baselines.
        trainer.batchSplit.owned = 0..<trainer.batchSplit.shardCount
        let baselines = ForecastBaselines(data: data)
        log.line(baselines.fitDescription)
        let testReport = ForecastComparison(
            model: try trainer.predictor.scoreSheet(.test), baselines: baselines,
            data: data, split: .test)
        let valReport = ForecastComparison(
            model: try trainer.predictor.scoreSheet(.val), baselines: baselines,
            data: data, split: .val)
        var test = ForecastMetricValues(testReport.model.pooledStandardised)
        group?.broadcast(&test)
        // The flat test_* keys (the model's pooled standardised metrics) stay for existing readers.
        let json = try ReportJSON.object([
            "best_epoch": .count(bestEpoch), "test_mse": .number(test.mse), "test_mae": .number(test.mae),
            "test_rmse": .number(test.rmse), "test_mape": .number(test.mape), "test_mspe": .number(test.mspe),
            "test": testReport.json, "val": valReport.json
        ]).encoded()
        try AtomicFile.write(json, to: run.path + "/test_metrics.json")
        log.line(
            String(
                format: "test (best epoch %d, standardised, pooled over columns): mse %.4f  mae %.4f  "
                    + "rmse %.4f  mape %.4f  mspe %.4f", bestEpoch, test.mse, test.mae, test.rmse, test.mape,
                test.mspe))
        for line in testReport.tableLines + testReport.perColumnLines(file: run.path + "/test_metrics.json") {
            log.line(line)
        }
        log.line(valReport.ratioLine)
        return ForecastRunResult(runFolder: run.path, bestEpoch: bestEpoch, test: test)
    }
}
