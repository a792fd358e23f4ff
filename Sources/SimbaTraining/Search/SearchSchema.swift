// The keys of a forecasting search: the grid of keys and values to try, random draws from it, and the
// seeds and validation folds each trial is trained with. Only the declaration: `SearchPlan` reads them,
// `SearchJob` runs them.

extension ForecastSettings {
    /// The search keys of `simba train` for forecasting. They land nowhere in the settings: a trial's
    /// config holds an empty `search`, so it trains once.
    public static let searchKeys: [ConfigSetting<ForecastSettings>] = [
        ConfigSetting(
            "search", .grid, default: .value(.grid([])),
            "keys and values to try, e.g. {optimization.lr: [1e-4, 3e-4]}; {} = one run, no search"),
        ConfigSetting(
            "search_trials", .int(min: 0, max: SearchPlan.maxTrials), default: 0,
            "random combinations of the search to train; 0 = every combination"),
        ConfigSetting(
            "search_seed", .int(min: 0, max: ConfigSchema.maxSeed), default: 0,
            "seed of the random draws of search_trials"),
        ConfigSetting(
            "search_seeds", .list(.int(min: 0, max: ConfigSchema.maxSeed), counts: Array(0...SearchPlan.maxSeeds)),
            default: .list([Int]()),
            "train each trial once per seed (optimization.seed) and rank by the mean val MSE; [] = one run"),
        ConfigSetting(
            "search_folds", .int(min: 1, max: SearchPlan.maxFolds), default: 1,
            "train each trial (and seed) on data.fold 0 to N-1 and rank by the mean val MSE; 1 = one split")
    ]
}
