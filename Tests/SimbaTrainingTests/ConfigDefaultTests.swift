// Each config key's default against the default of the typed setting it lands on (the trainer
// settings, the model configs, the data options and transforms), so the two cannot drift apart.

import SimbaData
import SimbaModel
import Testing

@testable import SimbaTraining

@Suite("Config defaults agree with the settings and models they land on")
struct ConfigDefaultTests {
    @Test("Every forecasting key's default is what ForecastSettings, TimeSeriesConfig and ForecastOptions hold")
    func forecastDefaultsAgree() {
        #expect(ConfigSetting.disagreements(ForecastSettings.keys, base: ForecastSettings()) == [])
    }

    @Test("Every classification key's default is what VisionSettings and simba_s's VisionConfig hold")
    func visionDefaultsAgree() {
        #expect(ConfigSetting.disagreements(VisionSettings.keys, base: VisionSettings()) == [])
    }

    @Test("A model default that differs from its key's default is reported by key")
    func driftIsReported() {
        var drifted = VisionSettings()
        drifted.model.dropPathRate = 0.1
        drifted.model.dState = 16
        #expect(ConfigSetting.disagreements(VisionSettings.keys, base: drifted) == ["model.d_state", "model.drop_path"])
        var series = ForecastSettings()
        series.model.expand = 4
        series.data.features = .univariate
        #expect(ConfigSetting.disagreements(ForecastSettings.keys, base: series) == ["data.features", "model.expand"])
    }

    @Test("The model and transform defaults behind the settings are the types' own")
    func modelDefaultsAreTheTypesOwn() {
        let model = TimeSeriesConfig(seqLen: 96, predLen: 96, variates: 1)
        #expect(ForecastSettings().model == model)
        #expect(ForecastSettings().data == ForecastOptions(seqLen: 96, predLen: 96))
        var simbaS = VisionConfig.variant("simba_s")!
        #expect(VisionSettings().model == simbaS)
        simbaS.numClasses = 7
        #expect(VisionSettings().model != simbaS)
        let eval = VisionSettings().eval, timm = EvalTransform(size: 224)
        #expect(eval.cropPct == timm.cropPct && eval.interpolation == timm.interpolation)
        #expect(eval.normalization.mean == timm.normalization.mean && eval.normalization.std == timm.normalization.std)
        let train = VisionSettings().train, standard = TrainTransform(size: 224)
        #expect(train.flipProbability == standard.flipProbability && train.crop.scale == standard.crop.scale)
    }

    @Test("A config that sets nothing lands exactly the settings' defaults")
    func emptyConfigLandsDefaults() throws {
        let forecast = try Config(
            schema: .forecast, yaml: "data:\n  path: x.csv\n", file: "f.yaml",
            workingDirectory: "/p")
        let landed = forecast.settings(ForecastSettings.keys, base: ForecastSettings())
        #expect(landed.model == ForecastSettings().model && landed.data == ForecastSettings().data)
        #expect(landed.lr == 1e-3 && landed.seed == 2024 && landed.schedule == .cosine)
        let vision = try Config(
            schema: .classify, yaml: "data:\n  root: images\n", file: "v.yaml",
            workingDirectory: "/p")
        let settings = vision.settings(VisionSettings.keys, base: VisionSettings())
        #expect(settings.model == VisionSettings().model && settings.mean == VisionSettings().mean)
        #expect(settings.peakLR == 1e-3 * 64 / 512)
    }
}
