// The keys of a forecasting search: the grid of keys and values to try, and random draws from it.
// Only the declaration: `SearchPlan` reads them, `SearchJob` runs the trials.

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
            "seed of the random draws of search_trials")
    ]
}
