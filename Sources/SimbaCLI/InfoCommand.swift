// `simba info`: the kernel level, BLAS kernel set and threads in use and, with --model, a model's
// per-layer parameter table and total. Prints only; builds no optimizer and touches no files.

import Foundation
import SimbaCore
import SimbaModel

enum InfoCommand {
    static let help = """
        Usage: simba info [--model simba_s|simba_b|simba_l] [--channel-mixer einfft|mlp]
                          [--num-classes N] [--no-token-label]

        Prints the level of simba's kernels (baseline, avx2 or avx512: the best this CPU runs, with
        the CPU flags that decide it, or the one SIMBA_CPU sets), the OpenBLAS kernel set and the
        threads simba runs with (SIMBA_THREADS). With --model, also prints one row per layer
        (PyTorch state_dict names, tensor shapes, parameter count) and the total, for 1000 classes
        at 224×224 with the token-labelling head unless told otherwise
        (--num-classes at most \(grouped(maxClasses))).

        """

    static let command = Command(
        name: "info", valued: ["model", "channel-mixer", "num-classes"],
        flags: ["no-token-label"], help: { help }, run: run)

    /// The most classes --num-classes accepts.
    static let maxClasses = 100_000

    static func run(_ options: Options) throws {
        if options.value("model") == nil, let option = modelOption(options) {
            throw UsageError("--\(option) changes the model --model names; give --model simba_s|simba_b|simba_l too")
        }
        let model = try options.value("model").map { name in (name, try modelConfig(name, options)) }
        print("simba \(SimbaCommand.version)")
        let forced = options.environment["SIMBA_CPU"].map { !$0.isEmpty } ?? false
        print(kernelLine(try CPULevel.selected(options.environment), forced: forced))
        print("OpenBLAS kernels: \(BLAS.coreName) (\(BLASKernelSelection.origin))")
        print("OpenBLAS config:  \(BLAS.configuration)")
        print("BLAS threads: \(BLAS.threads), parallel loop workers: \(Parallel.workers)")
        guard let (name, config) = model else { return }
        guard config.problems().isEmpty else { throw UsageError(config.problems().joined(separator: "; ")) }
        let built = VisionModel(config: config, maxBatch: 1)
        print()
        print(layerTable(built.store))
        print(
            "\(name) (\(config.channelMixer.rawValue), token label \(config.tokenLabel ? "on" : "off"), "
                + "\(config.numClasses) classes, \(config.imageSize)×\(config.imageSize)): "
                + "\(grouped(built.store.parameterCount)) parameters"
        )
    }

    /// "Kernels: LEVEL (why)": set by SIMBA_CPU (`forced`), with the levels this CPU runs; else the best
    /// this CPU runs, with the level's flags it has and the flags it lacks for the next level. `supported`
    /// and `missingFlags` describe the CPU (this one unless a test gives another).
    static func kernelLine(
        _ level: CPULevel, forced: Bool, supported: [CPULevel] = CPULevel.supported,
        missingFlags: (CPULevel) -> [String] = CPULevel.missingFlags(for:)
    ) -> String {
        if forced {
            return "Kernels: \(level.rawValue) (set by SIMBA_CPU; this CPU runs "
                + "\(supported.map(\.rawValue).joined(separator: ", ")))"
        }
        let missing = missingFlags(level)
        let has = level.requiredFlags.filter { !missing.contains($0) }
        let next = CPULevel.allCases.first { $0 > level }
        let lacks = missing + (next.map(missingFlags) ?? []).filter { !missing.contains($0) }
        let why = [
            "best this CPU runs", has.isEmpty ? nil : "CPU has " + has.joined(separator: " "),
            lacks.isEmpty ? nil : "lacks " + lacks.joined(separator: " ")
        ]
        return "Kernels: \(level.rawValue) (\(why.compactMap { $0 }.joined(separator: "; ")))"
    }

    /// The first option given that changes a --model variant (--channel-mixer, --num-classes,
    /// --no-token-label), or nil.
    static func modelOption(_ options: Options) -> String? {
        if options.value("channel-mixer") != nil { return "channel-mixer" }
        if options.value("num-classes") != nil { return "num-classes" }
        return options.has("no-token-label") ? "no-token-label" : nil
    }

    /// The variant `name` with the command line's changes.
    static func modelConfig(_ name: String, _ options: Options) throws -> VisionConfig {
        guard var config = VisionConfig.variant(name) else {
            throw UsageError(
                "unknown model '\(name)'\(suggestion(for: name, among: VisionConfig.variantNames)); choose one of "
                    + "\(VisionConfig.variantNames.joined(separator: ", "))"
            )
        }
        if let mixer = options.value("channel-mixer") {
            guard let kind = ChannelMixerKind(rawValue: mixer) else {
                throw UsageError("--channel-mixer must be einfft or mlp, not '\(mixer)'")
            }
            config.channelMixer = kind
        }
        if let classes = try options.int("num-classes", in: 1...maxClasses) { config.numClasses = classes }
        config.tokenLabel = !options.has("no-token-label")
        return config
    }

    /// One row per layer (tensor names without their last component): its tensors' shapes and its
    /// parameter count. Buffers (BatchNorm running statistics) are listed but not counted.
    static func layerTable(_ store: ParameterStore) -> String {
        var rows: [(layer: String, shapes: [String], parameters: Int)] = []
        for entry in store.entries {
            let parts = entry.name.split(separator: ".")
            let layer = parts.dropLast().joined(separator: ".")
            let shape = "\(parts.last!)\(entry.shape)" + (entry.kind == .buffer ? " (buffer)" : "")
            let parameters = entry.kind == .parameter ? entry.count : 0
            if rows.last?.layer == layer {
                rows[rows.count - 1].shapes.append(shape)
                rows[rows.count - 1].parameters += parameters
            } else {
                rows.append((layer, [shape], parameters))
            }
        }
        let width = max(5, rows.map(\.layer.count).max() ?? 0)
        var lines = [
            "layer".padding(toLength: width, withPad: " ", startingAt: 0) + "  " + "parameters".leftPadded(12)
                + "  tensors"
        ]
        for row in rows {
            lines.append(
                row.layer.padding(toLength: width, withPad: " ", startingAt: 0) + "  "
                    + grouped(row.parameters).leftPadded(12) + "  " + row.shapes.joined(separator: ", "))
        }
        return lines.joined(separator: "\n")
    }
}

/// 15309104 → "15,309,104".
func grouped(_ n: Int) -> String {
    let digits = Array(String(n))
    var result = ""
    for (i, digit) in digits.enumerated() {
        if i > 0 && (digits.count - i) % 3 == 0 { result.append(",") }
        result.append(digit)
    }
    return result
}

extension String {
    func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
