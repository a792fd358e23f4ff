// The trials of a search: every combination of a config's `search` grid, or `search_trials` random
// draws of them, each numbered and named, trained once or once per seed of `search_seeds` and fold of
// `search_folds`, with the keys a search may not vary refused. Trains nothing.

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

/// One run of a search: a trial trained once, or with one seed of `search_seeds` on one fold of
/// `search_folds`.
public struct TrialRun: Equatable, Sendable {
    /// 1-based position in the search's runs: trial after trial, each trial's seeds in the listed
    /// order, each seed's folds from 0. Without seeds or folds it is the trial's number.
    public let number: Int
    public let trial: SearchTrial
    /// The seed's 1-based position in `search_seeds` and its value; nil without seeds.
    public let seedIndex: Int?
    public let seed: Int?
    /// The run's `data.fold`; nil without folds (`search_folds` 1).
    public let fold: Int?
    /// The run's folder under the search's: the trial's folder, then `/seed-2024` with seeds, then
    /// `/fold-1` with folds.
    public let folderName: String

    /// Whether the run is on the borders' own split (fold 0, or a search without folds): the runs
    /// whose test scores compare, and the one `best` may link.
    public var isStandardSplit: Bool { (fold ?? 0) == 0 }
}

/// The trials a config's search asks for.
///
/// The grid is walked like nested loops in the order the keys were written, the first key the
/// outermost; trial numbers follow that order. With `search_trials` N below the number of
/// combinations, N distinct combinations are drawn with `search_seed` and numbered in draw order.
/// With `search_seeds`, each trial is trained once per seed (its `optimization.seed`), and with
/// `search_folds` N once per fold 0…N−1 (its `data.fold`), each run in a folder of its own under the
/// trial's.
public struct SearchPlan: Sendable {
    /// The most trials one search trains (a grid larger than this needs `search_trials`), and the most
    /// runs (trials times seeds times folds).
    public static let maxTrials = 10_000
    /// The most seeds `search_seeds` may list: far more than a mean and a spread need, so a longer list is a mistake.
    public static let maxSeeds = 100
    /// The most folds `search_folds` may ask for: each moves validation one length back, and few
    /// series hold more than a handful before the train split is too short.
    public static let maxFolds = 20

    /// Keys a search may not vary, and why.
    static let fixedKeys: [String: String] = {
        let scored =
            "changes what is forecast or how it is scored, so validation MSEs would not compare; "
            + "run one search per value"
        let search = "is a setting of the search itself"
        let output = "changes no result; every trial has its own folder under the search's"
        return [
            "task": "picks what is trained; a search trains forecasters", "search_trials": search,
            "search_seed": search, "search_seeds": search, "search_folds": search, "output.dir": output,
            "output.log_every": output,
            "data.path": scored, "data.features": scored, "data.target": scored, "data.pred_len": scored,
            "data.borders": scored, "data.fold": scored
        ]
    }()

    public let axes: [SearchAxis]
    public let trials: [SearchTrial]
    /// `search_seeds`: each trial's seeds, in the order listed; empty for one run per trial.
    public let seeds: [Int]
    /// `search_folds`: the folds 0…folds−1 each trial (and seed) is trained on; 1 for the borders' split alone.
    public let folds: Int
    /// Every run: one per trial, seed and fold.
    public let runs: [TrialRun]
    /// Combinations in the grid (trials is all of them, or the draws).
    public let combinations: Int
    /// Said at the start of the search when `search_trials` asked for as many trials as the grid has or more.
    public let note: String?

    /// The plan of `config`'s search; throws a `ConfigError` naming the key for a key a search may not
    /// vary, a key that acts on no trial, a grid too large to train whole, a seed listed twice,
    /// `optimization.seed` searched beside `search_seeds`, or `data.fold` set beside `search_folds`.
    public init(config: Config) throws {
        guard case let .grid(axes) = config.value("search") else { preconditionFailure("'search' is a grid key") }
        guard case let .list(seedValues) = config.value("search_seeds") else {
            preconditionFailure("'search_seeds' is a list key")
        }
        let seeds = seedValues.map { value -> Int in
            guard case let .int(seed) = value else { preconditionFailure("'search_seeds' lists whole numbers") }
            return seed
        }
        let folds = config.int("search_folds")
        let location = config.location(of: "search")
        var problems = Self.seedProblems(seeds, axes: axes, location: config.location(of: "search_seeds"))
        if folds > 1 && config.int("data.fold") != 0 {
            problems.append(
                .init(
                    reason: .wrongType, key: "data.fold",
                    message:
                        "data.fold \(config.int("data.fold")) is set, and search_folds \(folds) gives each run its "
                        + "data.fold (0 to \(folds - 1)); drop data.fold", location: config.location(of: "data.fold")))
        }
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
        } else if max(seeds.count, 1) * folds > 1 {
            let trialCount = asked == 0 ? combinations : min(asked, combinations)
            let perTrial = max(seeds.count, 1) * folds
            if trialCount * perTrial > Self.maxTrials {
                let each = [seeds.count > 1 ? "\(seeds.count) seeds" : nil, folds > 1 ? "\(folds) folds" : nil]
                problems.append(
                    .init(
                        reason: .outOfRange, key: seeds.count > 1 ? "search_seeds" : "search_folds",
                        message: "search has \(trialCount) trials of "
                            + each.compactMap { $0 }.joined(separator: " × ") + " each, "
                            + "\(trialCount * perTrial) runs, more than the \(Self.maxTrials) a search trains; "
                            + "draw fewer trials with search_trials, or list fewer seeds or folds",
                        location: config.location(of: seeds.count > 1 ? "search_seeds" : "search_folds")))
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
        let seedChoices: [(index: Int, seed: Int)?] = seeds.isEmpty ? [nil] : seeds.enumerated().map { ($0 + 1, $1) }
        let foldChoices: [Int?] = folds > 1 ? Array(0..<folds) : [nil]
        let perTrial = seedChoices.count * foldChoices.count
        runs = trials.flatMap { trial in
            seedChoices.enumerated().flatMap { s, seed in
                foldChoices.enumerated().map { f, fold in
                    TrialRun(
                        number: (trial.number - 1) * perTrial + s * foldChoices.count + f + 1, trial: trial,
                        seedIndex: seed?.index, seed: seed?.seed, fold: fold,
                        folderName: trial.folderName + (seed.map { "/seed-\($0.seed)" } ?? "")
                            + (fold.map { "/fold-\($0)" } ?? ""))
                }
            }
        }
        self.axes = axes
        self.combinations = combinations
        self.seeds = seeds
        self.folds = folds
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

    /// Runs per trial: one per seed (or one without seeds) times one per fold.
    public var runsPerTrial: Int { max(seeds.count, 1) * folds }

    /// Whether each trial has several runs (seeds or folds), ranked by their mean.
    public var isReplicated: Bool { runsPerTrial > 1 }

    /// The runs of `trial` in run order: the one run, or one per seed and fold (folds innermost).
    public func runs(of trial: SearchTrial) -> ArraySlice<TrialRun> {
        runs[(trial.number - 1) * runsPerTrial..<trial.number * runsPerTrial]
    }

    /// "3 seeds", "2 folds" or "3 seeds × 2 folds": what a trial's mean is over.
    public var replicates: String {
        [seeds.isEmpty ? nil : "\(seeds.count) seed\(seeds.count == 1 ? "" : "s")", folds > 1 ? "\(folds) folds" : nil]
            .compactMap { $0 }.joined(separator: " × ")
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
