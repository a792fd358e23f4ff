// List-valued config keys (data.mean/std, model.embed_dims/depths/mlp_ratios): YAML sequences, the
// deprecated comma-separated string with its note, --set in both forms, errors and the config.yaml round trip.

import Foundation
import SimbaTraining
import Testing

/// A list value of numbers.
private func numbers(_ values: [Double]) -> ConfigValue { .list(values.map(ConfigValue.double)) }

/// A list value of whole numbers.
private func wholes(_ values: [Int]) -> ConfigValue { .list(values.map(ConfigValue.int)) }

@Suite("Config lists")
struct ConfigListTests {
    func vision(_ body: String, overrides: [String] = []) throws -> Config {
        try Config(
            schema: .classify, yaml: "data:\n  root: images\n" + body, file: "configs/v.yaml",
            overrides: overrides, workingDirectory: "/proj")
    }

    func problems(_ body: String, overrides: [String] = []) -> [ConfigError.Problem] {
        do {
            _ = try vision(body, overrides: overrides)
        } catch let error as ConfigError {
            return error.problems
        } catch {
            Issue.record("expected a ConfigError, got \(error)")
        }
        return []
    }

    @Test("YAML sequences, flow or block, are read without a note")
    func sequences() throws {
        let config = try vision(
            """
              mean: [0.5, 0.25, 1]
              std:
                - 0.2
                - 0.3
                - 0.4
            model:
              embed_dims: [8, 16, 24, 32]
            """)
        #expect(config.value("data.mean") == numbers([0.5, 0.25, 1]))
        #expect(config.value("data.std") == numbers([0.2, 0.3, 0.4]))
        #expect(config.value("model.embed_dims") == wholes([8, 16, 24, 32]))
        #expect(config.value("model.depths") == wholes([]))
        #expect(config.notes.isEmpty)
    }

    @Test("A comma-separated string is still read, with one deprecation note naming the file, line and key")
    func commaStrings() throws {
        let config = try vision(
            """
              mean: 0.5,0.25,1
              std: "0.2, 0.3, 0.4"
            model:
              depths: 1,2,3,4
              mlp_ratios: ""
            """)
        #expect(config.value("data.mean") == numbers([0.5, 0.25, 1]))
        #expect(config.value("data.std") == numbers([0.2, 0.3, 0.4]))
        #expect(config.value("model.depths") == wholes([1, 2, 3, 4]))
        #expect(config.value("model.mlp_ratios") == wholes([]))
        #expect(
            config.notes == [
                "configs/v.yaml line 3: data.mean written as a comma-separated string is deprecated; "
                    + "write a YAML list: mean: [0.5, 0.25, 1.0]",
                "configs/v.yaml line 4: data.std written as a comma-separated string is deprecated; "
                    + "write a YAML list: std: [0.2, 0.3, 0.4]",
                "configs/v.yaml line 6: model.depths written as a comma-separated string is deprecated; "
                    + "write a YAML list: depths: [1, 2, 3, 4]",
                "configs/v.yaml line 7: model.mlp_ratios written as a comma-separated string is deprecated; "
                    + "write a YAML list: mlp_ratios: []"
            ])
    }

    @Test("--set takes a comma-separated list without a note, or a YAML list")
    func overrides() throws {
        let config = try vision("", overrides: ["data.mean=0.1,0.2,0.3", "model.depths=[2, 2, 2, 2]"])
        #expect(config.value("data.mean") == numbers([0.1, 0.2, 0.3]))
        #expect(config.value("model.depths") == wholes([2, 2, 2, 2]))
        #expect(config.notes.isEmpty)
    }

    @Test("Wrong lengths, entries out of bounds and nested entries are errors naming the key and line")
    func errors() {
        let found = problems(
            """
              mean: [0.5, 0.4]
              std: [0.2, 0, 0.2]
            model:
              embed_dims: [8, x, 24, 32]
              depths: [[1], 2, 3, 4]
            """)
        #expect(
            found.map(\.description) == [
                "data.mean must be a list of 3 entries, each a number >= -1e+38 and <= 1e+38, got 2 entries "
                    + "(configs/v.yaml line 3)",
                "data.std entry 2 must be > 0 and <= 1e+38, got '0' (configs/v.yaml line 4)",
                "model.embed_dims entry 2 must be a whole number >= 1 and <= 4096, got 'x' (configs/v.yaml line 6)",
                "model.depths must be a list of 0 or 4 entries, each a whole number >= 1 and <= 64, got a list as an "
                    + "entry (configs/v.yaml line 7)"
            ])
        #expect(
            problems("  mean: 0.5\n").map(\.message) == [
                "data.mean must be a list of 3 entries, each a number >= -1e+38 and <= 1e+38, got 1 entry"
            ])
        let overridden = problems("", overrides: ["data.std=0.2,0.2"])
        #expect(
            overridden.map(\.description) == [
                "data.std must be a list of 3 entries, each a number > 0 and <= 1e+38, got 2 entries "
                    + "(command line: --set data.std=0.2,0.2)"
            ])
    }

    @Test("config.yaml writes lists as YAML lists and reads back to the same config, without notes")
    func roundTrip() throws {
        let config = try vision("  mean: 0.5,0.25,1\nmodel:\n  embed_dims: [8, 16, 24, 32]\n")
        let yaml = config.yaml()
        #expect(yaml.contains("  mean: [0.5, 0.25, 1.0]"))
        #expect(yaml.contains("  std: [0.229, 0.224, 0.225]"))
        #expect(yaml.contains("  embed_dims: [8, 16, 24, 32]"))
        #expect(yaml.contains("  depths: []"))
        let again = try Config(schema: .classify, yaml: yaml, file: "run/config.yaml", workingDirectory: "/")
        #expect(again == config)
        #expect(again.notes.isEmpty)
    }
}
