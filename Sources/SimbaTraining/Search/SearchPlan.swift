// The trials of a search: every combination of a config's `search` grid, or `search_trials` random
// draws of them, each numbered and named, with the keys a search may not vary refused. Trains nothing.

import SimbaCore
import SimbaModel

/// One trial of a search: its number (1-based) and the value it gives each searched key.
public struct SearchTrial: Equatable, Sendable {
    public let number: Int
    /// One value per axis of the search, in the axes' order.
    public let values: [ConfigValue]
    /// `trial-003-lr=0.0003,seq_len=336`: the folder the trial runs in, under the search's.
    public let folderName: String
}

/// The trials a config's search asks for.
///
/// The grid is walked like nested loops in the order the keys were written, the first key the
/// outermost; trial numbers follow that order. With `search_trials` N below the number of
/// combinations, N distinct combinations are drawn with `search_seed` and numbered in draw order.
public struct SearchPlan: Sendable {
    /// The most trials one search trains (a grid larger than this needs `search_trials`).
    public static let maxTrials = 10_000

    /// Keys a search may not vary, and why.
    static let fixedKeys: [String: String] = {
        let scored =
            "changes what is forecast or how it is scored, so validation MSEs would not compare; "
            + "run one search per value"
        let search = "is a setting of the search itself"
        let output = "changes no result; every trial has its own folder under the search's"
        return [
            "task": "picks what is trained; a search trains forecasters", "search_trials": search,
            "search_seed": search, "output.dir": output, "output.log_every": output, "data.path": scored,
            "data.features": scored, "data.target": scored, "data.pred_len": scored, "data.borders": scored
        ]
    }()

    public let axes: [SearchAxis]
    public let trials: [SearchTrial]
    /// Combinations in the grid (trials is all of them, or the draws).
    public let combinations: Int
    /// Said at the start of the search when `search_trials` asked for as many trials as the grid has or more.
    public let note: String?

    /// The plan of `config`'s search; throws a `ConfigError` naming the key for a key a search may not
    /// vary, a key that acts on no trial, or a grid too large to train whole.
    public init(config: Config) throws {
        guard case let .grid(axes) = config.value("search") else { preconditionFailure("'search' is a grid key") }
        let location = config.location(of: "search")
        var problems: [ConfigError.Problem] = []
        for axis in axes {
            if let reason = Self.fixedKeys[axis.key] {
                problems.append(
                    .init(
                        reason: .wrongType, key: "search",
                        message: "search: \(axis.key) cannot be searched: it \(reason)",
                        location: location))
            }
        }
        if axes.contains(where: { $0.key == "model.mlp_ratio" }) {
            let mixers = axes.first { $0.key == "model.channel_mixer" }?.values ?? [config.value("model.channel_mixer")]
            if !mixers.contains(.string(ChannelMixerKind.mlp.rawValue)) {
                problems.append(
                    .init(
                        reason: .wrongType, key: "search",
                        message:
                            "search: model.mlp_ratio acts only with model.channel_mixer: mlp, which no trial uses; "
                            + "search model.channel_mixer too or drop model.mlp_ratio", location: location))
            }
        }
        var combinations = 1
        for axis in axes {
            let (product, overflow) = combinations.multipliedReportingOverflow(by: axis.values.count)
            combinations = overflow ? Int.max : product
        }
        let asked = config.int("search_trials")
        if asked == 0 && combinations > Self.maxTrials {
            problems.append(
                .init(
                    reason: .outOfRange, key: "search",
                    message: "search has \(Self.count(combinations)) combinations, more than the \(Self.maxTrials) "
                        + "a search trains; set search_trials to draw some of them", location: location))
        }
        guard problems.isEmpty else { throw ConfigError(problems: problems) }

        let indices: [Int]
        if asked == 0 || asked >= combinations {
            indices = Array(0..<combinations)
            note =
                asked == 0
                ? nil
                : "search_trials \(asked) is not below the \(combinations) combinations: training every one"
        } else {
            var generator = RandomGenerator(seed: UInt64(config.int("search_seed")))
            var drawn: [Int] = [], seen: Set<Int> = []
            while drawn.count < asked {
                let index = Int(generator.next() % UInt64(combinations))
                if seen.insert(index).inserted { drawn.append(index) }
            }
            indices = drawn
            note = nil
        }
        let labels = axes.map { axis -> String in
            let name = axis.key.split(separator: ".").last.map(String.init) ?? axis.key
            let shared = axes.filter { $0.key.split(separator: ".").last.map(String.init) == name }.count > 1
            return shared ? axis.key : name
        }
        let width = max(3, String(indices.count).count)
        trials = indices.enumerated().map { position, index in
            var rest = index
            var values = [ConfigValue](repeating: .int(0), count: axes.count)
            for a in axes.indices.reversed() {
                values[a] = axes[a].values[rest % axes[a].values.count]
                rest /= axes[a].values.count
            }
            let number = String(position + 1)
            let settings = zip(labels, values).map { "\($0)=\(Self.text($1))" }.joined(separator: ",")
            let name =
                "trial-" + String(repeating: "0", count: width - number.count) + number + "-"
                + String(Self.safe(settings).prefix(120))
            return SearchTrial(number: position + 1, values: values, folderName: name)
        }
        self.axes = axes
        self.combinations = combinations
    }

    /// `lr=0.0003, seq_len=336`: a trial's settings for progress lines.
    public func describe(_ trial: SearchTrial) -> String {
        zip(axes, trial.values).map { "\($0.key)=\(Self.text($1))" }.joined(separator: ", ")
    }

    /// A short text of a value for names and progress (`0.0003`, `1e-05`, `336`, `mlp`).
    static func text(_ value: ConfigValue) -> String {
        switch value {
        case let .double(double): return String(format: "%g", double)
        case let .int(int): return String(int)
        case let .bool(bool): return bool ? "true" : "false"
        case let .string(string): return string
        case let .list(values): return values.map(text).joined(separator: "-")
        case .grid: return "grid"
        }
    }

    /// `text` with anything but letters, digits and `._=,+-` replaced by `_`, fit for a folder name.
    static func safe(_ text: String) -> String {
        String(text.map { $0.isASCII && ($0.isLetter || $0.isNumber || "._=,+-".contains($0)) ? $0 : "_" })
    }

    /// The count, or "more than 9e18" for Int.max (an overflowed product).
    static func count(_ n: Int) -> String {
        n == Int.max ? "more than 9e18" : String(n)
    }
}
