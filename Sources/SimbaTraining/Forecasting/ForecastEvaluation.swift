// `simba forecast`: loads a forecasting checkpoint, scores it and the baselines on a split of a CSV,
// writes the metrics, predictions and plots, and forecasts past the file's end.

import Foundation
import SimbaCore
import SimbaData
import SimbaModel
import SimbaSafetensors

/// A trained SiMBA-TS with what it needs to read new data: its config, scaler and weights.
public struct ForecastCheckpoint {
    public let path: String
    public let config: Config
    /// The model and its replicas for batches of up to `maxBatch` windows.
    public let batchSplit: ForecastBatchSplit
    public var model: TimeSeriesModel { batchSplit.model }
    public let scaler: ForecastScaler

    /// Reads `path` (a .safetensors file, or a run folder: its best.safetensors). Its tensors are
    /// checked against the model its metadata describes before that model is built.
    public init(path given: String, maxBatch: Int, workingDirectory: String) throws {
        var isFolder: ObjCBool = false
        let exists = FileManager.default.fileExists(atPath: given, isDirectory: &isFolder)
        let path = isFolder.boolValue ? given + "/best.safetensors" : given
        guard exists, FileManager.default.fileExists(atPath: path) else {
            throw CheckpointError(
                path: path,
                problem: "no such checkpoint; pass a run folder written by `simba train` or its best.safetensors")
        }
        let file: SafetensorsFile
        do {
            file = try SafetensorsFile(path: path)
        } catch let error as SafetensorsError {
            throw CheckpointError(
                path: path,
                problem:
                    "\(error.problem): the file is damaged (truncated or overwritten) or not a safetensors file; "
                    + "pass another checkpoint (e.g. the run's last.safetensors) or train again"
            )
        }
        guard file.metadata["task"] == "forecast", let modelJSON = file.metadata["model"],
            let scalerJSON = file.metadata["scaler"],
            let configYAML = file.metadata["config"]
        else {
            throw CheckpointError(
                path: path,
                problem:
                    "not a simba forecasting checkpoint (its metadata lacks task/model/scaler/config); pass one "
                    + "written by `simba train` with a forecasting config"
            )
        }
        let modelConfig: TimeSeriesConfig
        do {
            modelConfig = try JSONDecoder().decode(TimeSeriesConfig.self, from: Data(modelJSON.utf8))
        } catch {
            throw CheckpointError(
                path: path, problem: "its model metadata is damaged (\(error)); the file was not written by this simba")
        }
        guard modelConfig.problems().isEmpty else {
            throw CheckpointError(
                path: path, problem: "its model metadata is invalid: \(modelConfig.problems().joined(separator: "; "))")
        }
        self.path = path
        config = try Config(
            schema: .forecast, yaml: configYAML, file: path + " (config metadata)", workingDirectory: workingDirectory)
        scaler = try ForecastScaler(json: scalerJSON)
        try MemoryBudget.check(modelConfig, batch: maxBatch)
        try file.header.checkFits(TimeSeriesModel.parameterTable(config: modelConfig))
        batchSplit = ForecastBatchSplit(config: modelConfig, maxBatch: maxBatch)
        try batchSplit.model.store.loadStateDict(from: file, ignoring: { _ in false })
        batchSplit.training = false
    }
}

public struct ForecastEvaluationOptions {
    public var dataPath: String?
    public var split: ForecastSplit = .test
    public var inverse = false
    public var future = false
    public var outputDir: String
    public var batchSize = 64

    public init(outputDir: String) {
        self.outputDir = outputDir
    }
}

public enum ForecastEvaluation {
    /// Scores the checkpoint and the baselines and writes metrics.json, predictions.safetensors,
    /// predictions.csv and one plot per target column; with `future`, also future.csv and future
    /// plots. Every forecast is computed and checked (finite, NonFiniteOutputError otherwise)
    /// before the first file is written.
    public static func run(checkpoint: ForecastCheckpoint, options: ForecastEvaluationOptions, log: RunLog) throws {
        let config = checkpoint.config
        let dataPath = options.dataPath ?? config.path("data.path")
        let data = try ForecastData(path: dataPath, options: ForecastJob.dataOptions(config), scaler: checkpoint.scaler)
        guard data.inputColumns == checkpoint.model.config.variates else {
            throw CheckpointError(
                path: checkpoint.path,
                problem:
                    "the model reads \(checkpoint.model.config.variates) columns but \(dataPath) gives "
                    + "\(data.inputColumns)"
            )
        }
        let predictor = ForecastPredictor(batchSplit: checkpoint.batchSplit, data: data)
        let (h, k) = (data.predLen, data.outputColumns)
        let windows = data.windowCount(options.split)
        log.line(
            "simba forecast: \(checkpoint.path) on \(dataPath), split \(options.split.rawValue) "
                + "(\(windows) windows, pred_len \(h), columns \(data.outputColumnNames.joined(separator: ",")))")
        for line in data.gridReport.lines { log.line(line) }
        for note in data.notes { log.line("data: \(note)") }
        // Forecasts and truths, standardised and in original units: four arrays of windows × H × K.
        try MemoryBudget.require(
            bytes: 16 * Double(windows) * Double(h) * Double(k),
            for: "the forecasts of \(windows) windows × \(h) steps × \(k) columns",
            advice: "score a shorter file (--data) or fewer columns")
        var predictions = [Float](repeating: 0, count: windows * h * k), truths = predictions
        try predictor.forEachBatch(options.split) { first, count, p, t in
            try Interruption.check("forecast evaluation")
            let offset = first * h * k
            for i in 0..<count * h * k {
                predictions[offset + i] = p[i]
                truths[offset + i] = t[i]
            }
        }
        var original = (predictions, truths)
        checkpoint.scaler.inverseTransform(&original.0, columns: data.outputColumnRange)
        let scaler = checkpoint.scaler, firstColumn = data.outputColumnRange.lowerBound
        for i in original.1.indices {
            let c = firstColumn + i % k
            original.1[i] = Float(
                ForecastScoreSheet.originalUnits(
                    Double(truths[i]), mean: scaler.means[c],
                    std: scaler.stds[c]))
        }
        try checkFinite(original.0, windowSize: h * k, "\(options.split.rawValue) windows in original units")
        let future = options.future ? try forecastFuture(checkpoint: checkpoint, data: data) : nil

        var sheet = ForecastScoreSheet(scaler: checkpoint.scaler, columnRange: data.outputColumnRange)
        predictions.withUnsafeBufferPointer { p in
            truths.withUnsafeBufferPointer { t in
                sheet.add(prediction: p.baseAddress!, truth: t.baseAddress!, rows: windows * h)
            }
        }
        let baselines = ForecastBaselines(data: data)
        log.line(baselines.fitDescription)
        let comparison = ForecastComparison(model: sheet, baselines: baselines, data: data, split: options.split)
        log.line(line("standardised, pooled over columns", sheet.pooledStandardised))
        var tensors: [(String, [Float])] = [("prediction", predictions), ("truth", truths)]
        if options.inverse {
            log.line(line("original units, pooled over columns", sheet.pooledOriginal))
            tensors += [("prediction_original", original.0), ("truth_original", original.1)]
        }
        let metricsFile = options.outputDir + "/metrics.json"
        for line in comparison.tableLines + comparison.perColumnLines(file: metricsFile) { log.line(line) }
        let json = try comparison.json.encoded()
        try FileManager.default.createDirectory(atPath: options.outputDir, withIntermediateDirectories: true)
        try AtomicFile.write(json, to: metricsFile)
        try writePredictions(
            tensors, shape: [windows, h, k], columns: data.outputColumnNames,
            to: options.outputDir + "/predictions.safetensors")
        let table = PredictionTable(data: data, split: options.split, forecast: original.0, truth: original.1)
        let started = DispatchTime.now().uptimeNanoseconds
        let bytes = try table.write(to: options.outputDir + "/predictions.csv")
        log.line(
            String(
                format: "predictions.csv: %d lines, %.1f MB in %.1f s", table.lineCount, Double(bytes) / 1e6,
                Double(DispatchTime.now().uptimeNanoseconds - started) * 1e-9))
        try plotLastWindow(
            data: data, split: options.split, predictions: original.0, scaler: checkpoint.scaler,
            outputDir: options.outputDir, log: log)
        if let future {
            try writeFuture(future, data: data, outputDir: options.outputDir, log: log)
        }
        log.line("wrote \(options.outputDir)/metrics.json, predictions.safetensors, predictions.csv and plots")
    }

    /// Throws a NonFiniteOutputError naming the windows of `values` ((windows, windowSize)) that
    /// hold a NaN or infinity.
    static func checkFinite(_ values: [Float], windowSize: Int, _ what: String) throws {
        var bad = NonFiniteWindows()
        values.withUnsafeBufferPointer {
            bad.scan($0.baseAddress!, first: 0, count: values.count / windowSize, perWindow: windowSize)
        }
        try bad.check(what, total: values.count / windowSize)
    }

    static func line(_ scale: String, _ a: ForecastMetricAccumulator) -> String {
        String(
            format: "%@: mse %.4f  mae %.4f  rmse %.4f  mape %.4f  mspe %.4f", scale, a.mse, a.mae, a.rmse, a.mape,
            a.mspe)
    }

    static func writePredictions(_ tensors: [(String, [Float])], shape: [Int], columns: [String], to path: String)
        throws
    {
        var data = Data()
        func encode(_ index: Int, _ pointers: [(name: String, shape: [Int], values: UnsafePointer<Float>)]) {
            if index == tensors.count {
                data = SafetensorsFile.encode(
                    pointers,
                    metadata: [
                        "columns": columns.joined(separator: ","),
                        "layout": "(window, step, column), window order of the split"
                    ])
                return
            }
            tensors[index].1.withUnsafeBufferPointer { buffer in
                encode(index + 1, pointers + [(name: tensors[index].0, shape: shape, values: buffer.baseAddress!)])
            }
        }
        encode(0, [])
        try AtomicFile.write(data, to: path)
    }

    /// One PNG per target column for the split's last window: its input (history), the truth and
    /// the forecast, in original units.
    static func plotLastWindow(
        data: ForecastData, split: ForecastSplit, predictions: [Float], scaler: ForecastScaler,
        outputDir: String, log: RunLog
    ) throws {
        let (l, h, k) = (data.seqLen, data.predLen, data.outputColumns)
        let window = data.windowCount(split) - 1
        let start = data.firstRow(split, window)
        var history = Array(data.values[(start * data.inputColumns)..<((start + l + h) * data.inputColumns)])
        scaler.inverseTransform(&history, columns: nil)
        let times = data.timestamps[start..<(start + l + h)].map(Double.init)
        for (j, column) in data.outputColumnNames.enumerated() {
            let c = data.outputColumnRange.lowerBound + j
            let past = (0..<l).map { Double(history[$0 * data.inputColumns + c]) }
            let truth = (l..<(l + h)).map { Double(history[$0 * data.inputColumns + c]) }
            let forecast = (0..<h).map { Double(predictions[(window * h + $0) * k + j]) }
            let chart = LineChart(
                title: "\(column): last \(split.rawValue) window (input \(l), horizon \(h))",
                series: [
                    ChartSeries(label: "history", x: Array(times[0..<l]), y: past, color: RGB.tab10[0]),
                    ChartSeries(label: "truth", x: Array(times[l...]), y: truth, color: RGB.tab10[2]),
                    ChartSeries(
                        label: "forecast", x: Array(times[l...]), y: forecast, color: RGB.tab10[1], dashed: true)
                ],
                xAxis: .time, marker: ChartMarker(x: times[l], label: "forecast start"))
            try chart.write(to: outputDir + "/\(split.rawValue)_\(fileName(column)).png")
        }
    }

    /// The pred_len steps after the file's last row, forecast from its last seq_len rows: their
    /// timestamps and (H, K) values in original units, refused with a NonFiniteOutputError when one
    /// is not finite.
    static func forecastFuture(
        checkpoint: ForecastCheckpoint,
        data: ForecastData
    ) throws -> (times: [Int64], forecast: [Float]) {
        let model = checkpoint.model
        let (h, m, k) = (data.predLen, data.inputColumns, data.outputColumns)
        let window = try data.lastWindow()
        let output = window.withUnsafeBufferPointer { model.forward($0.baseAddress!, batch: 1) }
        var forecast = [Float](repeating: 0, count: h * k)
        for t in 0..<h { for j in 0..<k { forecast[t * k + j] = output[t * m + (m - k) + j] } }
        checkpoint.scaler.inverseTransform(&forecast, columns: data.outputColumnRange)
        try checkFinite(forecast, windowSize: h * k, "future windows (after the file's last row)")
        return (try data.futureTimestamps(count: h), forecast)
    }

    /// Writes what `forecastFuture` returned as future.csv and future_<column>.png.
    static func writeFuture(
        _ future: (times: [Int64], forecast: [Float]), data: ForecastData, outputDir: String,
        log: RunLog
    ) throws {
        let (l, h, m, k) = (data.seqLen, data.predLen, data.inputColumns, data.outputColumns)
        let (times, forecast) = future
        var csv = "date," + data.outputColumnNames.joined(separator: ",") + "\n"
        for t in 0..<h {
            csv +=
                TimeSeriesTable.formatTimestamp(times[t]) + ","
                + (0..<k).map { String(forecast[t * k + $0]) }.joined(separator: ",") + "\n"
        }
        try AtomicFile.write(Data(csv.utf8), to: outputDir + "/future.csv")
        var history = try data.lastWindow()
        data.scaler.inverseTransform(&history, columns: nil)
        let pastTimes = data.lastWindowTimestamps.map(Double.init)
        for (j, column) in data.outputColumnNames.enumerated() {
            let c = data.outputColumnRange.lowerBound + j
            let chart = LineChart(
                title:
                    "\(column): forecast of the \(h) steps after "
                    + "\(TimeSeriesTable.formatTimestamp(data.timestamps.last!))",
                series: [
                    ChartSeries(
                        label: "history", x: pastTimes, y: (0..<l).map { Double(history[$0 * m + c]) },
                        color: RGB.tab10[0]),
                    ChartSeries(
                        label: "forecast", x: times.map(Double.init), y: (0..<h).map { Double(forecast[$0 * k + j]) },
                        color: RGB.tab10[1], dashed: true)
                ],
                xAxis: .time, marker: ChartMarker(x: Double(times[0]), label: "future"))
            try chart.write(to: outputDir + "/future_\(fileName(column)).png")
        }
        log.line(
            "future: \(h) steps from \(TimeSeriesTable.formatTimestamp(times[0])) to "
                + "\(TimeSeriesTable.formatTimestamp(times[h - 1])) in \(outputDir)/future.csv"
        )
    }

    /// A column name made safe for a file name.
    static func fileName(_ column: String) -> String {
        String(column.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" ? $0 : "_" })
    }
}
