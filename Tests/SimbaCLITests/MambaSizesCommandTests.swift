// `model.d_conv` and `model.expand` through `simba train`, `simba forecast` and `simba eval`: a tiny
// model trains with other values and its checkpoint loads; older checkpoints read as 4 and 2; bounds.

import Foundation
import SimbaCLI
import SimbaSafetensors
import SimbaTestSupport
import Testing

/// The shape of tensor `name` in the safetensors file at `path`.
private func shape(_ name: String, in path: String) throws -> [Int]? {
    try SafetensorsFile(path: path).header.tensors[name]?.shape
}

@Suite("Mamba's d_conv and expand as config keys", .serialized)
struct MambaSizesCommandTests {
    @Test("A forecaster with d_conv 3 and expand 1 trains, and its checkpoint forecasts")
    func forecastRoundTrip() throws {
        let folder = TemporaryFolder("simba-cli-mamba-sizes")
        folder.write(ForecastFiles.csv(), to: "series.csv")
        let yaml = ForecastFiles.config(epochs: 1)
            .replacingOccurrences(of: "  d_state: 4\n", with: "  d_state: 4\n  d_conv: 3\n  expand: 1\n")
        folder.write(yaml, to: "config.yaml")
        let train = simba(["train", "--config", folder.file("config.yaml"), "--out", folder.file("run")])
        #expect(train.result == 0, "\(train.errors)")
        #expect(try shape("blocks.0.attn.mamba.conv1d.weight", in: folder.file("run/best.safetensors")) == [8, 1, 3])
        let written = try String(contentsOfFile: folder.file("run/config.yaml"), encoding: .utf8)
        #expect(written.contains("d_conv: 3") && written.contains("expand: 1"))
        let forecast = simba(["forecast", "--checkpoint", folder.file("run"), "--out", folder.file("out")])
        #expect(forecast.result == 0, "\(forecast.errors)")
        #expect(folder.exists("out/metrics.json"))
        let resumed = simba(["train", "--resume", folder.file("run")])
        #expect(resumed.result == 0, "\(resumed.errors)")
    }

    @Test("A checkpoint whose metadata predates d_conv and expand loads as 4 and 2")
    func olderCheckpoint() throws {
        let folder = TemporaryFolder("simba-cli-mamba-sizes-old")
        folder.write(ForecastFiles.csv(), to: "series.csv")
        folder.write(ForecastFiles.config(epochs: 1), to: "config.yaml")
        #expect(simba(["train", "--config", folder.file("config.yaml"), "--out", folder.file("run")]).result == 0)
        #expect(try shape("blocks.0.attn.mamba.conv1d.weight", in: folder.file("run/best.safetensors")) == [16, 1, 4])
        try SafetensorsEditing.editMetadata(folder.file("run/best.safetensors")) { metadata in
            let model = try #require(metadata["model"])
            var object = try #require(try JSONSerialization.jsonObject(with: Data(model.utf8)) as? [String: Any])
            #expect(object.removeValue(forKey: "dConv") as? Int == 4)
            #expect(object.removeValue(forKey: "expand") as? Int == 2)
            metadata["model"] = String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
            let config = try #require(metadata["config"])
            metadata["config"] =
                config.split(separator: "\n")
                .filter { !$0.hasPrefix("  d_conv:") && !$0.hasPrefix("  expand:") }.joined(separator: "\n") + "\n"
            #expect(metadata["config"] != config)
        }
        let forecast = simba(["forecast", "--checkpoint", folder.file("run"), "--out", folder.file("out")])
        #expect(forecast.result == 0, "\(forecast.errors)")
    }

    @Test("A classifier with d_conv 3 and expand 1 trains, and its checkpoint evaluates")
    func visionRoundTrip() throws {
        let folder = TemporaryFolder("simba-cli-mamba-sizes-vision")
        try VisionFiles.makeFolder(folder.file("images"))
        folder.write(VisionFiles.config(epochs: 1), to: "config.yaml")
        let train = simba([
            "train", "--config", folder.file("config.yaml"), "--out", folder.file("run"),
            "--set", "model.d_conv=3", "--set", "model.expand=1"
        ])
        #expect(train.result == 0, "\(train.errors)")
        #expect(try shape("block1.0.attn.mamba.conv1d.weight", in: folder.file("run/best.safetensors")) == [4, 1, 3])
        let eval = simba(["eval", "--checkpoint", folder.file("run"), "--data", folder.file("images")])
        #expect(eval.result == 0, "\(eval.errors)")
    }

    @Test(
        "d_conv and expand out of bounds stop `simba train` with the key and its bounds",
        arguments: [
            ("model.d_conv=0", "model.d_conv must be >= 1 and <= 64, got '0'"),
            ("model.expand=9", "model.expand must be >= 1 and <= 8, got '9'"),
            ("model.expand=1.5", "model.expand must be a whole number >= 1 and <= 8, got '1.5'")
        ])
    func bounds(_ setting: String, _ message: String) {
        let folder = TemporaryFolder("simba-cli-mamba-sizes-bounds")
        folder.write(ForecastFiles.csv(), to: "series.csv")
        folder.write(ForecastFiles.config(epochs: 1), to: "config.yaml")
        let run = simba([
            "train", "--config", folder.file("config.yaml"), "--out", folder.file("run"),
            "--set", setting
        ])
        #expect(run.result == 1)
        #expect(run.errors.contains(message), "\(run.errors)")
        #expect(!folder.exists("run"))
    }
}
