// `simba forecast`: parses its options and hands the checkpoint to ForecastEvaluation. Checks the
// command line; computes nothing itself.

import Foundation
import SimbaData
import SimbaTraining

enum ForecastCommand {
    static let help = """
        Usage: simba forecast --checkpoint RUN_DIR|FILE.safetensors [--data FILE.csv] [--split test|val|train]
                              [--inverse] [--future] [--out DIR] [--batch-size N]

        Scores a forecasting checkpoint on every window of a split (MSE, MAE, RMSE, MAPE, MSPE pooled
        over the columns on the standardised scale, as published tables use; --inverse adds original
        units), beside three baselines on the same windows (repeat-last, seasonal naive, a per-column
        linear map fitted on the train split) and per column, and writes metrics.json,
        predictions.safetensors, predictions.csv (truth and forecast in original units, one line per
        window, step and column) and a plot of the split's last window per target column.
        MAPE and MSPE skip truths of 0 and count them. docs/forecasting-reports.md has the details.

          --checkpoint   a run folder (its best.safetensors is used) or a weights file
          --data         CSV to read (default: the training config's data.path); it is standardised
                         with the checkpoint's scaler, never refitted
          --split        which split to score (default test)
          --inverse      also print pooled metrics in the data's original units and add them to
                         predictions.safetensors
          --future       forecast the pred_len steps after the file's last row from its last seq_len
                         rows: future.csv (original units; dates continue the step, by the calendar for
                         business days, months, quarters and years) and plots
          --out          output folder (default RUN_DIR/forecast, or ./forecast for a weights file)
          --batch-size   windows per forward pass (default 64, at most \(grouped(EvalCommand.maxBatchSize)))

        """

    static let command = Command(
        name: "forecast", valued: ["checkpoint", "data", "split", "out", "batch-size"],
        flags: ["inverse", "future"], help: { help }, run: run)

    static func run(_ options: Options) throws {
        guard let checkpointPath = options.value("checkpoint") else {
            throw UsageError(
                "`simba forecast` needs --checkpoint RUN_DIR (a folder `simba train` wrote) or a .safetensors file")
        }
        let splitName = options.value("split") ?? "test"
        guard let split = ForecastSplit(rawValue: splitName) else {
            throw UsageError("--split must be train, val or test, not '\(splitName)'")
        }
        let batch = try options.int("batch-size", in: 1...EvalCommand.maxBatchSize) ?? 64
        var isFolder: ObjCBool = false
        let folder =
            FileManager.default.fileExists(atPath: checkpointPath, isDirectory: &isFolder) && isFolder.boolValue
        var evaluation = ForecastEvaluationOptions(
            outputDir: options.value("out") ?? (folder ? checkpointPath + "/forecast" : "forecast"))
        evaluation.dataPath = options.value("data")
        evaluation.split = split
        evaluation.inverse = options.has("inverse")
        evaluation.future = options.has("future")
        evaluation.batchSize = batch
        let checkpoint = try ForecastCheckpoint(
            path: checkpointPath, maxBatch: batch, workingDirectory: FileManager.default.currentDirectoryPath)
        try ForecastEvaluation.run(checkpoint: checkpoint, options: evaluation, log: RunLog())
    }
}
