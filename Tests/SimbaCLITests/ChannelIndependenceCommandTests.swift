// `simba train` with `model.channel_independent` and time tokens: one error naming both keys,
// before the run folder is made. The model's behaviour is tested in SimbaTrainingTests.

import Foundation
import SimbaCLI
import SimbaTestSupport
import Testing

@Suite("simba train --set model.channel_independent")
struct ChannelIndependenceCommandTests {
    @Test("simba train refuses channel independence with time tokens, naming both keys")
    func refusedWithTimeTokens() {
        let folder = TemporaryFolder()
        folder.write(ForecastFiles.csv(), to: "series.csv")
        folder.write(ForecastFiles.config(epochs: 1), to: "config.yaml")
        let result = captureOutput {
            SimbaCommand.run([
                "train", "--config", folder.file("config.yaml"), "--out", folder.file("run"),
                "--set", "model.token_axis=time", "--set", "model.channel_independent=true"
            ])
        }
        #expect(result.result == 1)
        #expect(result.errors.contains("model.channel_independent needs model.token_axis: variate"))
        #expect(!folder.exists("run"))
    }
}
