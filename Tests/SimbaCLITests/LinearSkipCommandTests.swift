// `simba train` with `model.linear_skip` and time tokens: one error naming both keys, before the run
// folder is made; a run with the skip forecasts from its checkpoint. The model is tested in
// SimbaTrainingTests.

import Foundation
import SimbaCLI
import SimbaTestSupport
import Testing

@Suite("simba train --set model.linear_skip")
struct LinearSkipCommandTests {
    @Test("simba train refuses the linear skip with time tokens, naming both keys")
    func refusedWithTimeTokens() {
        let folder = TemporaryFolder()
        folder.write(ForecastFiles.csv(), to: "series.csv")
        folder.write(ForecastFiles.config(epochs: 1), to: "config.yaml")
        let result = captureOutput {
            SimbaCommand.run([
                "train", "--config", folder.file("config.yaml"), "--out", folder.file("run"),
                "--set", "model.token_axis=time", "--set", "model.linear_skip=true"
            ])
        }
        #expect(result.result == 1)
        #expect(result.errors.contains("model.linear_skip needs model.token_axis: variate"), "\(result.errors)")
        #expect(!folder.exists("run"))
    }

    @Test("A run with the linear skip keeps it in its checkpoint: simba forecast scores as the run did")
    func forecastFromCheckpoint() throws {
        let folder = TemporaryFolder()
        folder.write(ForecastFiles.csv(), to: "series.csv")
        folder.write(ForecastFiles.config(epochs: 1), to: "config.yaml")
        let train = captureOutput {
            SimbaCommand.run([
                "train", "--config", folder.file("config.yaml"), "--out", folder.file("run"),
                "--set", "model.linear_skip=true"
            ])
        }
        #expect(train.result == 0, "\(train.errors)")
        let forecast = captureOutput {
            SimbaCommand.run(["forecast", "--checkpoint", folder.file("run"), "--out", folder.file("forecast")])
        }
        #expect(forecast.result == 0, "\(forecast.errors)")
        func mse(_ file: String, _ path: [String]) throws -> Double? {
            var node = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: folder.file(file))))
            for key in path { node = (node as? [String: Any])?[key] as Any }
            return node as? Double
        }
        let trained = try #require(try mse("run/test_metrics.json", ["test_mse"]))
        let scored = try #require(try mse("forecast/metrics.json", ["standardised", "mse"]))
        #expect(abs(scored - trained) <= 1e-6 * trained, "forecast \(scored), run \(trained)")
    }
}
