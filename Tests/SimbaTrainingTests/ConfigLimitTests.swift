// The bounds of config values and text: every numeric key bounded on both sides with its default
// inside, huge values refused naming the key and bound, and YAML too large or too deep refused unparsed.

import Foundation
import SimbaModel
import Testing

@testable import SimbaTraining

@Suite struct ConfigLimitTests {
    static let schemas: [(String, ConfigSchema)] = [("classify", .classify), ("forecast", .forecast)]

    @Test("Every numeric key (and list entry) has a lower and an upper bound, and its default lies within them")
    func everyNumericKeyIsBounded() {
        for (name, schema) in Self.schemas {
            for key in schema.keys {
                var kind = key.kind
                if case let .list(element, _) = kind { kind = element }
                switch kind {
                case let .int(min, max):
                    #expect(min != nil && max != nil, "\(name) \(key.path) is unbounded: \(key.kind.expectation)")
                case let .float(min, max, _, _):
                    #expect(min != nil && max != nil, "\(name) \(key.path) is unbounded: \(key.kind.expectation)")
                default:
                    continue
                }
                if case let .value(value) = key.defaultValue {
                    #expect(
                        ConfigValueParser.check(value, kind: key.kind) == nil,
                        "\(name) \(key.path) default outside its bounds")
                }
                #expect(
                    schema.reference.contains(key.kind.expectation),
                    "--help does not show the bounds of \(key.path)")
            }
        }
    }

    /// The values that made `simba train` segfault, each refused naming the key and its bound.
    @Test(arguments: [
        ("optimization.batch_size=1000000000", "<= 65536"), ("model.d_model=1000000", "<= 8192"),
        ("model.d_state=100000000", "<= 1024"), ("model.mlp_ratio=100000000", "<= 64"),
        ("model.e_layers=1000000", "<= 64"), ("data.seq_len=1000000000000", "<= 65536"),
        ("optimization.seed=-1", ">= 0")
    ])
    func hugeForecastValuesAreRefused(override: String, bound: String) {
        let found = problems("data:\n  path: x.csv\n", schema: .forecast, file: "deep.yaml", overrides: [override])
        let key = String(override.prefix { $0 != "=" })
        #expect(found.count == 1 && found[0].reason == .outOfRange && found[0].key == key, "\(found)")
        #expect(found.first?.description.contains(bound) == true, "\(found)")
    }

    @Test(arguments: [
        "optimization.batch_size=70000", "data.img_size=8192", "model.num_classes=1000000",
        "model.d_state=2000", "model.stem_hidden_dim=5000", "data.workers=100000"
    ])
    func hugeClassifyValuesAreRefused(override: String) {
        let found = problems("data:\n  root: images\n", schema: .classify, file: "deep.yaml", overrides: [override])
        #expect(found.count == 1 && found[0].reason == .outOfRange, "\(found)")
    }

    @Test("A 5,000-deep flow list is refused before parsing, with its file and line")
    func deepFlowList() {
        let yaml =
            "data:\n  path: x.csv\nmodel:\n  d_model: " + String(repeating: "[", count: 5000)
            + String(repeating: "]", count: 5000) + "\n"
        let found = problems(yaml, schema: .forecast, file: "deep.yaml")
        #expect(found.count == 1 && found[0].reason == .syntax, "\(found)")
        #expect(found.first?.description.contains("nests more than 64 levels") == true)
        #expect(found.first?.location == .file("deep.yaml", line: 4))
    }

    @Test("Deep block mappings and sequences are refused: 5,000 levels, and 100 (under 1 MiB)")
    func deepBlocks() {
        for depth in [100, 5000] {
            let mapping = (0..<depth).map { String(repeating: " ", count: $0) + "a:" }.joined(separator: "\n")
            let sequence = (0..<depth).map { String(repeating: " ", count: 2 * $0) + "-" }.joined(separator: "\n")
            let inline = String(repeating: "- ", count: depth) + "x"
            for yaml in [mapping, sequence, inline] {
                let found = problems(yaml, schema: .forecast, file: "deep.yaml")
                #expect(found.count == 1 && found[0].reason == .syntax, "\(depth): \(found.map(\.description))")
            }
        }
    }

    @Test("An unclosed bracket in a plain scalar or a '|' inside one hides no nesting after it")
    func nothingHidesNesting() {
        let deepItems = String(repeating: "- ", count: 5000) + "x\n"
        #expect(ConfigTextLimits.problem(in: "a: x[\n" + deepItems) != nil)
        #expect(ConfigTextLimits.problem(in: "a: b |\n  " + String(repeating: "[", count: 100) + "\n") != nil)
        #expect(ConfigTextLimits.problem(in: "a: 'x\n" + deepItems) != nil)
        let mapping = (0..<100).map { String(repeating: " ", count: $0) + "a:" }.joined(separator: "\n")
        #expect(ConfigTextLimits.problem(in: "k: x{\n" + mapping) != nil)
    }

    @Test("A file over 1 MiB is refused whole; brackets in quotes, comments and block scalars do not count")
    func sizeAndWhatDoesNotNest() throws {
        let huge = "data:\n  path: x.csv\n" + String(repeating: "# padding\n", count: 120_000)
        let found = problems(huge, schema: .forecast, file: "deep.yaml")
        #expect(found.count == 1 && found[0].description.contains("1 MiB"), "\(found)")
        let brackets = String(repeating: "[", count: 200)
        let harmless = """
            # \(brackets)
            data:
              path: "x\(brackets).csv"
              target: '\(brackets)'
            output:
              dir: runs/x # \(brackets)

            """
        let config = try Config(schema: .forecast, yaml: harmless, file: "ok.yaml", workingDirectory: "/proj")
        #expect(config.string("data.target") == brackets)
        #expect(ConfigTextLimits.problem(in: "a: |\n  \(brackets)\nb: 1\n") == nil)
        #expect(ConfigTextLimits.problem(in: "a: [[1, 2], {b: [3]}]\n") == nil)
    }

    @Test("--set with a deeply nested value is refused without parsing; long values are quoted cut to 80 characters")
    func deepOverrideAndClippedQuotes() {
        let deep = String(repeating: "[", count: 5000)
        let found = problems(
            "data:\n  path: x.csv\n", schema: .forecast, file: "deep.yaml",
            overrides: ["model.d_model=" + deep])
        #expect(found.count == 1 && found[0].key == "model.d_model", "\(found)")
        #expect((found.first?.description.count ?? .max) < 400, "\(found)")
        let long = String(repeating: "9", count: 500)
        let wrong = problems(
            "data:\n  path: x.csv\n", schema: .forecast, file: "deep.yaml",
            overrides: ["model.d_model=x" + long])
        #expect(wrong.count == 1 && (wrong.first?.description.count ?? .max) < 400, "\(wrong)")
    }

    @Test("A model config from checkpoint metadata names every field out of bounds")
    func modelConfigBounds() {
        var series = TimeSeriesConfig(seqLen: 1_000_000_000_000, predLen: 24, variates: 7)
        series.dModel = 1_000_000_000
        series.dState = 100_000_000
        let text = series.problems().joined(separator: "; ")
        for fragment in ["seq_len 1000000000000", "d_model 1000000000", "d_state 100000000"] {
            #expect(text.contains(fragment), "\(text)")
        }
        var vision = VisionConfig.variant("simba_s")!
        vision.embedDims = [64, 128, 320, 1_000_000_000]
        vision.imageSize = 1 << 40
        vision.numClasses = 1 << 30
        #expect(vision.problems().count == 3, "\(vision.problems())")
        #expect(VisionConfig.variant("simba_l")!.problems().isEmpty)
    }
}
