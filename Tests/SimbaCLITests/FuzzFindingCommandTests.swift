// Inputs the fuzz targets in Fuzz/ found to trap a reader, met as a user meets them: through
// `simba train`. It checks the exit status and that no checkpoint is written, not the wording.

import Foundation
import SimbaCLI
import SimbaTestSupport
import Testing

@Suite("Fuzzing findings through the command line")
struct FuzzFindingCommandTests {
    @Test("simba train on a CSV that is only a header without a final newline exits 1, writes no checkpoint")
    func trainOnHeaderOnlyCSV() {
        let folder = TemporaryFolder("simba-fuzz-finding")
        folder.write("date,a", to: "series.csv")
        folder.write(ForecastFiles.config(epochs: 1), to: "config.yaml")
        #expect(simba(["train", "--config", folder.file("config.yaml"), "--out", folder.file("run")]).result == 1)
        expectNoCheckpoint(folder)
    }
}
