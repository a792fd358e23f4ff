// Config: defaults, file values, precedence, path resolution, every error message (file, line, key),
// did-you-mean hints and the config.yaml round trip, all against the forecast schema.

import Foundation
import SimbaModel
import SimbaTraining
import Testing

/// Resolves `schema` (the forecast one unless given) from text, as if read from `file` inside `/proj`.
func load(
    _ yaml: String?, schema: ConfigSchema = .forecast, file: String? = "configs/etth1.yaml",
    overrides: [String] = []
) throws -> Config {
    try Config(schema: schema, yaml: yaml, file: file, overrides: overrides, workingDirectory: "/proj")
}

/// The problems `load` reports, or an issue when it succeeds.
func problems(
    _ yaml: String?, schema: ConfigSchema = .forecast, file: String? = "configs/etth1.yaml",
    overrides: [String] = [], sourceLocation: SourceLocation = #_sourceLocation
) -> [ConfigError.Problem] {
    do {
        _ = try load(yaml, schema: schema, file: file, overrides: overrides)
        Issue.record("expected a ConfigError", sourceLocation: sourceLocation)
    } catch let error as ConfigError {
        return error.problems
    } catch {
        Issue.record("expected a ConfigError, got \(error)", sourceLocation: sourceLocation)
    }
    return []
}

/// Expects exactly one problem, of `reason`, whose text holds every fragment; returns it.
@discardableResult
private func single(
    _ problems: [ConfigError.Problem], _ reason: ConfigError.Reason, contains fragments: [String],
    sourceLocation: SourceLocation = #_sourceLocation
) -> ConfigError.Problem? {
    #expect(problems.count == 1, "\(problems.map(\.description))", sourceLocation: sourceLocation)
    guard let problem = problems.first else { return nil }
    #expect(problem.reason == reason, "\(problem)", sourceLocation: sourceLocation)
    for fragment in fragments {
        #expect(
            problem.description.contains(fragment), "'\(fragment)' not in: \(problem)", sourceLocation: sourceLocation)
    }
    return problem
}

private let minimal = """
    data:
      path: ../data/ETTh1.csv
    """

/// A config as a user writes it: comments, every section, a quoted string, scientific notation.
private let realistic = """
    # SiMBA-TS on ETTh1, horizon 192
    task: forecast

    data:
      path: ../data/ETTh1.csv   # relative to this file
      features: M
      target: "OT"
      seq_len: 96
      pred_len: 192
      borders: ett_hour

    model:
      d_model: 256
      e_layers: 3
      d_state: 16
      channel_mixer: einfft
      token_axis: variate
      revin: yes
      dropout: 0.2

    optimization:
      optimizer: adamw
      lr: 5e-4
      min_lr: 1.0e-6
      weight_decay: 0.05
      batch_size: 64
      epochs: 20
      schedule: cosine
      warmup_epochs: 0.5
      grad_clip: 1
      patience: 5
      seed: 7

    output:
      dir: runs/etth1_192
      log_every: 100
    """

private func temporaryFolder() throws -> String {
    let path = NSTemporaryDirectory() + "simba-config-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

@Suite struct ConfigResolutionTests {
    @Test func defaultsOnly() throws {
        let config = try load(nil, file: nil, overrides: ["data.path=data/ETTh1.csv"])
        #expect(config.string("task") == "forecast")
        #expect(config.string("data.features") == "M")
        #expect(config.string("data.target") == "OT")
        #expect(config.int("data.seq_len") == 96)
        #expect(config.int("data.pred_len") == 96)
        #expect(config.string("data.borders") == "auto")
        #expect(config.int("model.d_model") == 128)
        #expect(config.int("model.e_layers") == 2)
        #expect(config.int("model.d_state") == 16)
        #expect(config.string("model.channel_mixer") == "einfft")
        #expect(config.int("model.mlp_ratio") == 4)
        #expect(config.choice("model.token_axis", as: TokenAxis.self) == .variate)
        #expect(config.bool("model.revin"))
        #expect(config.float("model.dropout") == 0.1)
        #expect(config.string("optimization.optimizer") == "adamw")
        #expect(config.double("optimization.lr") == 1e-3)
        #expect(config.double("optimization.min_lr") == 0)
        #expect(config.double("optimization.weight_decay") == 0.05)
        #expect(config.int("optimization.batch_size") == 32)
        #expect(config.int("optimization.epochs") == 10)
        #expect(config.string("optimization.schedule") == "cosine")
        #expect(config.double("optimization.warmup_epochs") == 0)
        #expect(config.double("optimization.grad_clip") == 0)
        #expect(config.int("optimization.patience") == 3)
        #expect(config.int("optimization.seed") == 2024)
        #expect(config.string("output.dir") == "runs/default")
        #expect(config.int("output.log_every") == 50)
        #expect(config.location(of: "optimization.lr") == .builtIn)
        #expect(config.configFile == nil)
    }

    @Test func fileValuesAndOutputDirNamedAfterTheFile() throws {
        let config = try load(realistic)
        #expect(config.path("data.path") == "/proj/data/ETTh1.csv")
        #expect(config.int("data.pred_len") == 192)
        #expect(config.string("data.borders") == "ett_hour")
        #expect(config.int("model.d_model") == 256)
        #expect(config.bool("model.revin"))
        #expect(config.double("model.dropout") == 0.2)
        #expect(config.double("optimization.lr") == 5e-4)
        #expect(config.double("optimization.min_lr") == 1e-6)
        #expect(config.double("optimization.warmup_epochs") == 0.5)
        #expect(config.double("optimization.grad_clip") == 1)
        #expect(config.int("optimization.seed") == 7)
        #expect(config.string("output.dir") == "runs/etth1_192")
        #expect(config.int("model.mlp_ratio") == 4, "keys the file leaves out keep their default")
        #expect(config.location(of: "model.d_model") == .file("configs/etth1.yaml", line: 13))

        #expect(try load(minimal).string("output.dir") == "runs/etth1")
    }

    @Test func overrideBeatsFileBeatsDefault() throws {
        let yaml = minimal + "\noptimization:\n  lr: 0.01\n  batch_size: 64\n"
        let config = try load(yaml, overrides: ["optimization.lr=3e-4", "model.token_axis=time", "model.revin=false"])
        #expect(config.double("optimization.lr") == 3e-4)
        #expect(config.location(of: "optimization.lr") == .commandLine("optimization.lr=3e-4"))
        #expect(config.int("optimization.batch_size") == 64)
        #expect(config.location(of: "optimization.batch_size") == .file("configs/etth1.yaml", line: 5))
        #expect(config.int("optimization.epochs") == 10)
        #expect(config.location(of: "optimization.epochs") == .builtIn)
        #expect(config.choice("model.token_axis", as: TokenAxis.self) == .time)
        #expect(!config.bool("model.revin"))
        #expect(
            try load(yaml, overrides: ["optimization.lr=1", "optimization.lr=2"]).double("optimization.lr") == 2,
            "the last --set of a key wins")
    }

    @Test func relativePathsFollowWhereTheValueCameFrom() throws {
        #expect(try load(minimal).path("data.path") == "/proj/data/ETTh1.csv", "file: against configs/")
        #expect(
            try load(minimal, overrides: ["data.path=data/other.csv"]).path("data.path") == "/proj/data/other.csv",
            "command line: against the working directory")
        #expect(try load("data: {path: /abs/./x/../ETTm1.csv}").path("data.path") == "/abs/ETTm1.csv")
        let home = NSString(string: "~").expandingTildeInPath
        #expect(try load("data:\n  path: ~/ETTh2.csv\n").path("data.path") == home + "/ETTh2.csv")
        #expect(try load(minimal, file: "/elsewhere/exp/etth1.yaml").path("data.path") == "/elsewhere/data/ETTh1.csv")
        #expect(
            try load(minimal, overrides: ["output.dir=out/x"]).string("output.dir") == "out/x",
            "output.dir is kept as given: relative to the current directory when the run starts")
    }

    @Test func fullConfigFileFromDisk() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try FileManager.default.createDirectory(atPath: folder + "/configs", withIntermediateDirectories: true)
        try realistic.write(toFile: folder + "/configs/etth1_192.yaml", atomically: true, encoding: .utf8)
        let config = try Config(schema: .forecast, configFile: "configs/etth1_192.yaml", workingDirectory: folder)
        let canonicalFolder = URL(fileURLWithPath: folder).standardizedFileURL.path
        #expect(config.path("data.path") == canonicalFolder + "/data/ETTh1.csv")
        #expect(config.configFile == "configs/etth1_192.yaml")
        #expect(config.int("optimization.batch_size") == 64)

        let error = #expect(throws: ConfigError.self) {
            try Config(schema: .forecast, configFile: "configs/missing.yaml", workingDirectory: folder)
        }
        single(error?.problems ?? [], .unreadableFile, contains: ["configs/missing.yaml", "not found", "--config"])
    }

    @Test func yamlRoundTripFromAnotherFolder() throws {
        let config = try load(
            realistic, overrides: ["data.target=yes", "optimization.lr=1e-5", "output.dir=runs/with space"])
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try config.yaml().write(toFile: folder + "/config.yaml", atomically: true, encoding: .utf8)
        let again = try Config(
            schema: .forecast, configFile: folder + "/config.yaml", workingDirectory: "/somewhere/else")
        #expect(again == config, "\(config.yaml())")
        for key in ConfigSchema.forecast.keys {
            #expect(again.value(key.path) == config.value(key.path), "\(key.path)")
        }
        #expect(again.string("data.target") == "yes", "a string YAML would read as a boolean is quoted")
        #expect(config.yaml().contains("lr: 1.0e-05"), "floats keep a dot so YAML 1.1 readers see a float")
        #expect(config.yaml().contains("  path: /proj/data/ETTh1.csv"), "paths written absolute")
        #expect(config.yaml().hasPrefix("# Resolved"))
        let sectionOrder = config.yaml().split(separator: "\n").filter { !$0.hasPrefix(" ") && !$0.hasPrefix("#") }
            .map { String($0.prefix { $0 != ":" }) }
        #expect(
            sectionOrder == [
                "task", "data", "model", "optimization", "output", "search", "search_trials",
                "search_seed", "search_seeds", "search_folds"
            ])
    }

    @Test func describeAlignsAndSaysWhereValuesCameFrom() throws {
        let config = try load(minimal, overrides: ["optimization.lr=3e-4"])
        let lines = config.describe().split(separator: "\n").map(String.init)
        #expect(lines.count == ConfigSchema.forecast.keys.count)
        let columns = Set(lines.map { $0.distance(from: $0.startIndex, to: $0.firstIndex(of: "=")!) })
        #expect(columns.count == 1, "the '=' signs line up")
        let lr = try #require(lines.first { $0.hasPrefix("optimization.lr ") })
        #expect(lr.contains("= 0.0003") && lr.hasSuffix("(command line: --set optimization.lr=3e-4)"))
        let path = try #require(lines.first { $0.hasPrefix("data.path ") })
        #expect(path.contains("/proj/data/ETTh1.csv") && path.hasSuffix("(configs/etth1.yaml line 2)"))
        let width = ConfigSchema.forecast.keys.map(\.path.count).max()!
        #expect(lines.contains("model.d_model".padding(toLength: width, withPad: " ", startingAt: 0) + " = 128"))
    }
}

@Suite struct ConfigErrorTests {
    @Test func yamlSyntaxErrorNamesFileAndLine() {
        let yaml = minimal + "\nmodel:\n  d_model: 64\n   e_layers: 2\n"
        single(problems(yaml), .syntax, contains: ["YAML syntax error", "configs/etth1.yaml line 5"])
    }

    @Test func misspeltKeySuggestsTheNearest() {
        let problem = single(
            problems(minimal + "\noptimization:\n  lrr: 0.1\n"), .unknownKey,
            contains: [
                "unknown key 'optimization.lrr'", "did you mean 'optimization.lr'?",
                "configs/etth1.yaml line 4"
            ])
        #expect(problem?.key == "optimization.lrr")
        single(
            problems(minimal + "\noptimization:\n  batchsize: 8\n"), .unknownKey,
            contains: ["did you mean 'optimization.batch_size'?"])
        single(
            problems(minimal, overrides: ["model.dmodel=64"]), .unknownKey,
            contains: ["did you mean 'model.d_model'?", "command line: --set model.dmodel=64"])
    }

    @Test func keyInTheWrongSectionSuggestsTheRightOne() {
        single(
            problems(minimal + "\nmodel:\n  lr: 0.1\n"), .unknownKey,
            contains: ["unknown key 'model.lr'", "did you mean 'optimization.lr'?", "configs/etth1.yaml line 4"])
        single(
            problems(minimal, overrides: ["data.batch_size=8"]), .unknownKey,
            contains: ["did you mean 'optimization.batch_size'?", "command line"])
        single(problems(minimal + "\nlr: 0.1\n"), .unknownKey, contains: ["did you mean 'optimization.lr'?", "line 3"])
    }

    @Test func unknownSectionSuggestsOrListsSections() {
        single(
            problems(minimal + "\noptimisation:\n  lr: 0.1\n"), .unknownSection,
            contains: ["unknown section 'optimisation'", "did you mean 'optimization'?", "configs/etth1.yaml line 3"])
        single(
            problems(minimal + "\ntrainer:\n  gpus: 1\n"), .unknownSection,
            contains: ["unknown section 'trainer'", "known sections: data, model, optimization, output", "line 3"])
        single(
            problems(minimal + "\nmodel:\n  foo: 1\n"), .unknownKey,
            contains: ["'model' has d_model, e_layers", "line 4"])
        single(
            problems(minimal + "\noptimization.lr: 0.1\n"), .unknownKey,
            contains: ["must be written nested: 'optimization:' then an indented 'lr: …'", "line 3"])
    }

    @Test func wrongTypeRangeAndChoice() {
        let batch = minimal + "\noptimization:\n  epochs: 3\n  batch_size: 32.5\n"
        let problem = single(
            problems(batch), .wrongType,
            contains: [
                "optimization.batch_size must be a whole number >= 1 and <= 65536, got '32.5' (configs/etth1.yaml "
                    + "line 5)"
            ])
        #expect(problem?.key == "optimization.batch_size")
        single(
            problems(minimal + "\noptimization:\n  lr: -1\n"), .outOfRange,
            contains: ["optimization.lr must be > 0 and <= 1e+38, got '-1'", "configs/etth1.yaml line 4"])
        single(
            problems(minimal + "\nmodel:\n  dropout: 1\n"), .outOfRange,
            contains: ["model.dropout must be >= 0 and < 1, got '1'", "line 4"])
        single(problems(minimal + "\nmodel:\n  e_layers: -1\n"), .outOfRange, contains: ["model.e_layers must be >= 0"])
        single(
            problems(minimal + "\nmodel:\n  channel_mixer: einfftt\n"), .notAChoice,
            contains: [
                "model.channel_mixer must be one of einfft, mlp, got 'einfftt'; did you mean 'einfft'?",
                "configs/etth1.yaml line 4"
            ])
        single(
            problems(minimal + "\nmodel:\n  revin: maybe\n"), .wrongType,
            contains: ["model.revin must be true or false", "line 4"])
        single(
            problems(minimal + "\noptimization:\n  lr: \"0.1\"\n"), .wrongType,
            contains: ["optimization.lr must be a number > 0 and <= 1e+38, got '0.1'"])
        single(problems(minimal + "\noptimization:\n  lr: [1, 2]\n"), .wrongType, contains: ["got a list", "line 4"])
        single(
            problems(minimal + "\noptimization:\n  lr:\n"), .wrongType,
            contains: ["optimization.lr must be a number > 0 and <= 1e+38, got no value", "line 4"])
        single(
            problems(minimal, overrides: ["optimization.epochs=ten"]), .wrongType,
            contains: [
                "optimization.epochs must be a whole number >= 1 and <= 100000, got 'ten'",
                "command line: --set optimization.epochs=ten"
            ])
        single(
            problems(minimal, overrides: ["data.features=X"]), .notAChoice,
            contains: ["one of M, S, MS", "command line"])
    }

    @Test func sectionThatIsNotAMapping() {
        single(
            problems(minimal + "\nmodel: big\n"), .notAMapping,
            contains: ["'model' is a section", "d_model", "got 'big'", "configs/etth1.yaml line 3"])
        single(
            problems("- data\n- model\n"), .notAMapping,
            contains: ["must be a mapping of sections", "got a list", "line 1"])
        single(
            problems(minimal, overrides: ["model=3"]), .unknownKey,
            contains: ["'model' is a section, not a key", "--set model.<key>=value"])
    }

    @Test func requiredKeyMissing() {
        single(
            problems("model:\n  d_model: 64\n"), .missingRequired,
            contains: ["data.path is required", "'path: …' under 'data:'", "--set data.path=…", "(configs/etth1.yaml)"])
        single(problems(nil, file: nil), .missingRequired, contains: ["data.path is required", "(command line)"])
        single(problems("data:\n"), .missingRequired, contains: ["data.path is required"])
    }

    @Test func setWithoutEquals() {
        single(
            problems(minimal, overrides: ["optimization.lr"]), .malformedOverride,
            contains: ["--set expects key=value", "got 'optimization.lr'", "command line: --set optimization.lr"])
        single(problems(minimal, overrides: ["=3"]), .malformedOverride, contains: ["--set expects key=value"])
    }

    @Test func duplicateKey() {
        single(
            problems(minimal + "\nmodel:\n  d_model: 64\n  d_model: 32\n"), .duplicateKey,
            contains: ["model.d_model is set twice (first on line 4)", "configs/etth1.yaml line 5"])
    }

    @Test func everyProblemOfAFileIsReportedOnePerLine() {
        let yaml = """
            data:
              seq_len: 0
            modle:
              d_model: 64
            optimization:
              lr: fast
              batch_size: 32.5
            """
        let found = problems(yaml, overrides: ["optimization.epochs"])
        #expect(
            found.map(\.reason) == [
                .outOfRange, .unknownSection, .wrongType, .wrongType, .malformedOverride,
                .missingRequired
            ])
        #expect(
            found.compactMap { if case let .file(_, line?) = $0.location { return line } else { return nil } }
                == [2, 3, 6, 7])
        let error = #expect(throws: ConfigError.self) { try load(yaml, overrides: ["optimization.epochs"]) }
        #expect(error?.description.split(separator: "\n").count == found.count)
    }
}

@Suite struct ConfigSchemaTests {
    @Test func forecastSchemaLayout() {
        let schema = ConfigSchema.forecast
        #expect(schema.sections == ["data", "model", "optimization", "output"])
        #expect(schema.keys.count == 56)
        #expect(schema.key("optimization.lr")?.kind.expectation == "a number > 0 and <= 1e+38")
        #expect(schema.key("data.date_columns")?.kind.expectation == "a list of 0 to 6 entries, each a string")
        #expect(schema.key("model.dropout")?.kind.expectation == "a number >= 0 and < 1")
        #expect(
            schema.key("optimization.seed")?.kind.expectation == "a whole number >= 0 and <= 9007199254740992")
        #expect(schema.key("nope") == nil)
        #expect(schema.reference.split(separator: "\n").count == 56)
        #expect(schema.reference.contains("default runs/<config name>"))
    }

    @Test func transpositionsAreOneEditAndIntDefaultsOfFloatKeysAreFloats() throws {
        let schema = ConfigSchema([
            ConfigKey("alpha", .int(), default: 1, "a"),
            ConfigKey("group.rate", .float(), default: 1, "r")
        ])
        let error = #expect(throws: ConfigError.self) {
            try Config(schema: schema, yaml: "alpah: 2\ngroup:\n  raet: 3\n", file: "x.yaml")
        }
        #expect(
            error?.problems.map(\.message) == [
                "unknown key 'alpah'; did you mean 'alpha'?",
                "unknown key 'group.raet'; did you mean 'group.rate'?"
            ])
        #expect(try Config(schema: schema, yaml: nil, file: nil).double("group.rate") == 1)
    }
}
