// `simba train` with `model.linear_skip`, then `simba forecast` from its checkpoint: the skip is kept
// with the weights. The model is tested in SimbaTrainingTests, the refusal with time tokens in
// VariateOnlyOptionsCommandTests.

import Foundation
import SimbaCLI
import SimbaTestSupport
import Testing

@Suite("simba train --set model.linear_skip")
struct LinearSkipCommandTests {
    @Test("A run with the linear skip keeps it in its checkpoint: simba forecast scores as the run did")
    func forecastFromCheckpoint() throws {
        let folder = ForecastFiles.project(epochs: 1)
        let train = simba([
            "train", "--config", folder.file("config.yaml"), "--out", folder.file("run"),
            "--set", "model.linear_skip=true"
        ])
        #expect(train.result == 0, "\(train.errors)")
        let forecast = simba(["forecast", "--checkpoint", folder.file("run"), "--out", folder.file("forecast")])
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
