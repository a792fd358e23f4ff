// `simba train` for forecasting, from a resolved config to a finished run folder: reads the data,
// builds the model and trainer, prints what it is about to do, trains, and scores the test split.

import Foundation
import SimbaCore
import SimbaData
import SimbaModel

/// What a finished forecasting run reports.
public struct ForecastRunResult: Sendable {
    public let runFolder: String
    public let bestEpoch: Int
    /// Test metrics of the best checkpoint on the standardised scale.
    public let test: ForecastMetricValues
}

/// MSE, MAE, RMSE, MAPE, MSPE of one evaluation.
public struct ForecastMetricValues: Codable, Sendable, Equatable {
    public var mse, mae, rmse, mape, mspe: Double

    init(_ accumulator: ForecastMetricAccumulator) {
        mse = accumulator.mse
        mae = accumulator.mae
        rmse = accumulator.rmse
        mape = accumulator.mape
        mspe = accumulator.mspe
    }
}

public enum ForecastJob {
    /// The data options a config asks for.
    public static func dataOptions(_ config: Config) -> ForecastOptions {
        config.settings(ForecastSettings.keys, base: ForecastSettings()).data
    }

    /// The trainer settings a config asks for, for data with `variates` input columns.
    public static func settings(_ config: Config, variates: Int) throws -> ForecastSettings {
        var settings = config.settings(ForecastSettings.keys, base: ForecastSettings())
        settings.model.seqLen = settings.data.seqLen
        settings.model.predLen = settings.data.predLen
        settings.model.variates = variates
        var problems = settings.model.problems()
        if settings.minLR > settings.lr {
            problems.append("optimization.min_lr \(settings.minLR) is above optimization.lr \(settings.lr); "
                            + "the schedule decays from lr down to min_lr")
        }
        guard problems.isEmpty else {
            throw ConfigCombinationError(description: problems.map { "\($0) (\(config.configFile ?? "config"))" }
                .joined(separator: "\n"))
        }
        return settings
    }

    /// Trains (or, with `resume`, continues) the run `config` describes, writing into
    /// `output.dir`, which it holds locked until it returns (see `RunFolder`). Everything is
    /// checked before the first file is written. Ctrl-C or SIGTERM stop it after the current step
    /// with `Interrupted`, the folder left at its last complete epoch.
    public static func train(config: Config, resume: Bool, log: RunLog, version: String) throws -> ForecastRunResult {
        try train(config: config, resume: resume, log: log, version: version, control: RunControl())
    }

    /// `train`, stopping once `stoppingAfter` epochs are done as an interrupted run would (for tests of resume).
    static func train(config: Config, resume: Bool, log: RunLog, version: String, stoppingAfter: Int?) throws -> ForecastRunResult {
        try train(config: config, resume: resume, log: log, version: version,
                  control: RunControl(stoppingAfter: stoppingAfter))
    }

    /// `train`, cut short or disturbed as `control` says (for tests of stops and crashes).
    static func train(config: Config, resume: Bool, log: RunLog, version: String,
                      control: RunControl) throws -> ForecastRunResult {
        let data = try ForecastData(path: config.path("data.path"), options: dataOptions(config))
        let settings = try settings(config, variates: data.inputColumns)
        let memory = try MemoryBudget.check(settings.model, batch: settings.batchSize, training: true,
                                            batchSetting: "optimization.batch_size",
                                            sizeSettings: "data.seq_len, data.pred_len, the data's columns and model.*")
        let outputDir = config.string("output.dir")
        let run = try RunFolder.open(path: outputDir, resume: resume)
        defer { run.close() }
        run.beforeSaveStep = control.beforeSaveStep
        try log.open(run.logFile)
        let metadata = [
            "format": "pt", "simba_version": version, "task": "forecast", "config": config.yaml(),
            "model": String(decoding: try JSONEncoder.sorted.encode(settings.model), as: UTF8.self),
            "scaler": data.scaler.jsonString(),
        ]
        let trainer = try ForecastTrainer(settings: settings, data: data, run: run, log: log, metadata: metadata, resume: resume)
        trainer.stopRequest = control.stopRequest
        // A resume rewrites it too, recording the keys it changed (`ResumeChanges`).
        try run.write(config.yaml(), to: run.configFile)

        log.line("simba \(version) train: forecasting\(trainer.progress.resumeNote(resumed: resume))")
        log.line(config.describe())
        log.line("data: \(data.path): \(data.timestamps.count) rows, columns \(data.columnNames.joined(separator: ",")), features \(data.options.features.rawValue), target \(data.options.target)")
        log.line("windows: train \(data.windowCount(.train)), val \(data.windowCount(.val)), test \(data.windowCount(.test)) (seq_len \(data.seqLen), pred_len \(data.predLen))")
        log.line("model: SiMBA-TS, \(trainer.model.store.parameterCount) parameters, \(trainer.model.tokens) tokens of width \(settings.model.dModel)")
        log.line("threads: BLAS \(BLAS.threads) (\(BLAS.coreName) kernels), parallel loops \(Parallel.workers)")
        log.line(trainer.batchSplit.description)
        log.line("memory: about \(MemoryEstimate.describe(bytes: memory.bytes)) estimated for a training step")
        log.line("run folder: \(run.path)")

        _ = try trainer.train(stoppingAfter: control.stoppingAfter)
        var standardised = ForecastMetricAccumulator()
        try trainer.predictor.forEachBatch(.test) { _, count, predictions, targets in
            standardised.add(prediction: predictions, truth: targets, count: count * settings.model.predLen * data.outputColumns)
        }
        let test = ForecastMetricValues(standardised)
        let bestEpoch = trainer.progress.bestEpoch ?? 0
        let json = try JSONEncoder.pretty.encode(ForecastEvaluation.jsonValues([
            "best_epoch": Double(bestEpoch), "test_mse": test.mse, "test_mae": test.mae,
            "test_rmse": test.rmse, "test_mape": test.mape, "test_mspe": test.mspe]))
        try AtomicFile.write(json, to: run.path + "/test_metrics.json")
        log.line(String(format: "test (best epoch %d, standardised): mse %.4f  mae %.4f  rmse %.4f  mape %.4f  mspe %.4f",
                        bestEpoch, test.mse, test.mae, test.rmse, test.mape, test.mspe))
        return ForecastRunResult(runFolder: run.path, bestEpoch: bestEpoch, test: test)
    }
}
