// The trials of a search: every combination of a config's `search` grid, or `search_trials` random
// draws of them, each numbered and named, trained once or once per seed of `search_seeds`, with the
// keys a search may not vary refused. Trains nothing.

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

/// One run of a search: a trial trained once, or with one seed of `search_seeds`.
public struct TrialRun: Equatable, Sendable {
    /// 1-based position in the search's runs: trial after trial, each trial's seeds in the listed
    /// order. Without seeds it is the trial's number.
    public let number: Int
    public let trial: SearchTrial
    /// The seed's 1-based position in `search_seeds` and its value; nil without seeds.
    public let seedIndex: Int?
    public let seed: Int?
    /// The run's folder under the search's: the trial's folder, or `<trial folder>/seed-2024` with seeds.
    public let folderName: String
}

/// The trials a config's search asks for.
///
/// The grid is walked like nested loops in the order the keys were written, the first key the
/// outermost; trial numbers follow that order. With `search_trials` N below the number of
/// combinations, N distinct combinations are drawn with `search_seed` and numbered in draw order.
/// With `search_seeds`, each trial is trained once per seed (its `optimization.seed`), each run in a
/// folder of its own under the trial's.
public struct SearchPlan: Sendable {
    /// The most trials one search trains (a grid larger than this needs `search_trials`), and the most
    /// runs (trials times seeds).
    public static let maxTrials = 10_000
    /// The most seeds `search_seeds` may list: far more than a mean and a spread need, so a longer list is a mistake.
    public static let maxSeeds = 100

    /// Keys a search may not vary, and why.
    static let fixedKeys: [String: String] = {
        let scored =
            "changes what is forecast or how it is scored, so validation MSEs would not compare; "
            + "run one search per value"
        let search = "is a setting of the search itself"
        let output = "changes no result; every trial has its own folder under the search's"
        return [
            "task": "picks what is trained; a search trains forecasters", "search_trials": search,
            "search_seed": search, "search_seeds": search, "output.dir": output, "output.log_every": output,
            "data.path": scored, "data.features": scored, "data.target": scored, "data.pred_len": scored,
            "data.borders": scored, "data.fold": scored
        ]
    }()

    public let axes: [SearchAxis]
    public let trials: [SearchTrial]
    /// `search_seeds`: each trial's seeds, in the order listed; empty for one run per trial.
    public let seeds: [Int]
    /// Every run: one per trial, or one per trial and seed.
    public let runs: [TrialRun]
    /// Combinations in the grid (trials is all of them, or the draws).
    public let combinations: Int
    /// Said at the start of the search when `search_trials` asked for as many trials as the grid has or more.
    public let note: String?

    /// The plan of `config`'s search; throws a `ConfigError` naming the key for a key a search may not
    /// vary, a key that acts on no trial, a grid too large to train whole, a seed listed twice, or
    /// `optimization.seed` searched beside `search_seeds`.
    public init(config: Config) throws {
        guard case let .grid(axes) = config.value("search") else { preconditionFailure("'search' is a grid key") }
        guard case let .list(seedValues) = config.value("search_seeds") else {
            preconditionFailure("'search_seeds' is a list key")
        }
        let seeds = seedValues.map { value -> Int in
            guard case let .int(seed) = value else { preconditionFailure("'search_seeds' lists whole numbers") }
            return seed
        }
        let location = config.location(of: "search")
        var problems = Self.seedProblems(seeds, axes: axes, location: config.location(of: "search_seeds"))
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
        } else if seeds.count > 1 {
            let trialCount = asked == 0 ? combinations : min(asked, combinations)
            if trialCount * seeds.count > Self.maxTrials {
                problems.append(
                    .init(
                        reason: .outOfRange, key: "search_seeds",
                        message: "search has \(trialCount) trials of \(seeds.count) seeds each, "
                            + "\(trialCount * seeds.count) runs, more than the \(Self.maxTrials) a search trains; "
                            + "draw fewer trials with search_trials or list fewer seeds",
                        location: config.location(of: "search_seeds")))
            }
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
        runs =
            seeds.isEmpty
            ? trials.map {
                TrialRun(number: $0.number, trial: $0, seedIndex: nil, seed: nil, folderName: $0.folderName)
            }
            : trials.flatMap { trial in
                seeds.enumerated().map { index, seed in
                    TrialRun(
                        number: (trial.number - 1) * seeds.count + index + 1, trial: trial, seedIndex: index + 1,
                        seed: seed, folderName: trial.folderName + "/seed-\(seed)")
                }
            }
        self.axes = axes
        self.combinations = combinations
        self.seeds = seeds
    }

    /// The problems of `search_seeds`: a seed listed twice, or `optimization.seed` searched beside it.
    private static func seedProblems(_ seeds: [Int], axes: [SearchAxis], location: ConfigLocation)
        -> [ConfigError.Problem]
    {
        var problems: [ConfigError.Problem] = []
        var listed: Set<Int> = [], twice: Set<Int> = []
        for seed in seeds where !listed.insert(seed).inserted && twice.insert(seed).inserted {
            problems.append(
                .init(
                    reason: .duplicateKey, key: "search_seeds",
                    message: "search_seeds lists \(seed) twice; keep one", location: location))
        }
        if !seeds.isEmpty && axes.contains(where: { $0.key == "optimization.seed" }) {
            problems.append(
                .init(
                    reason: .wrongType, key: "search_seeds",
                    message: "search_seeds sets each run's optimization.seed, which the search also varies; "
                        + "use one or the other (search_seeds to rank trials by their mean over the seeds)",
                    location: location))
        }
        return problems
    }

    /// The runs of `trial`: the one run, or one per seed in the listed order.
    public func runs(of trial: SearchTrial) -> ArraySlice<TrialRun> {
        let count = max(seeds.count, 1)
        return runs[(trial.number - 1) * count..<trial.number * count]
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
