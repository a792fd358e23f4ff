// `simba train` with an option that needs variate tokens (`model.channel_independent`,
// `model.linear_skip`) and time tokens: one error naming both keys, before the run folder is made. The
// options' behaviour is tested in SimbaTrainingTests.

import Foundation
import SimbaCLI
import SimbaTestSupport
import Testing

@Suite("simba train: options of variate tokens with time tokens")
struct VariateOnlyOptionsCommandTests {
    @Test(
        "simba train refuses a variate-token option with time tokens, naming both keys",
        arguments: ["model.channel_independent", "model.linear_skip"])
    func refusedWithTimeTokens(key: String) {
        let folder = ForecastFiles.project(epochs: 1)
        let result = simba([
            "train", "--config", folder.file("config.yaml"), "--out", folder.file("run"),
            "--set", "model.token_axis=time", "--set", "\(key)=true"
        ])
        #expect(result.result == 1)
        #expect(result.errors.contains("\(key) needs model.token_axis: variate"), "\(result.errors)")
        #expect(!folder.exists("run"))
    }
}
