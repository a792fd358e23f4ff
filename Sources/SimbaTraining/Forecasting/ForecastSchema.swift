// The keys of `simba train` for forecasting (SiMBA-TS on ETT-style CSVs), with Time-Series-Library
// defaults, each with where it lands in `ForecastSettings`. Only the declaration: `ForecastJob` reads.

import SimbaData
import SimbaModel

extension ForecastSettings {
    /// `simba train` for forecasting. Defaults follow Time-Series-Library's long-horizon setup
    /// (L = H = 96, batch 32, early stopping with patience 3) and `mamba_ssm` (d_conv 4, expand 2).
    public static let keys: [ConfigSetting<ForecastSettings>] = [
        ConfigSetting("task", .choice(["forecast", "classify"]), default: "forecast", "what to train"),

        ConfigSetting(
            "data.path", .path, default: .required,
            "CSV file; relative to the config file's folder (from --set: to the current directory)"),
        ConfigSetting(
            "data.features", .choice(of: ForecastFeatures.self), default: "M",
            "M: all -> all, S: target -> target, MS: all -> target", at: \.data.features),
        ConfigSetting("data.target", .string, default: "OT", "target column (moved last)", at: \.data.target),
        ConfigSetting(
            "data.seq_len", .int(min: 1, max: TimeSeriesConfig.maxLength), default: 96,
            "look-back window L", at: \.data.seqLen),
        ConfigSetting(
            "data.pred_len", .int(min: 1, max: TimeSeriesConfig.maxLength), default: 96,
            "forecast horizon H", at: \.data.predLen),
        ConfigSetting(
            "data.borders", .choice(of: SplitBorders.self), default: "auto",
            "train/val/test split: ETT months by file name (auto), or 70/10/20 (ratio)", at: \.data.borders),
        ConfigSetting(
            "data.fold", .int(min: 0, max: ForecastOptions.maxFold), default: 0,
            "validation fold: 0 = the borders' split; k moves validation k of its lengths earlier, train "
                + "ending where it begins (test stays)", at: \.data.fold),
        ConfigSetting(
            "data.date_column", .string, default: "",
            "date column; empty: `date`, else the first column whose first cell is a date",
            at: \.data.reading.dateColumn),
        ConfigSetting(
            "data.date_columns", .list(.string, counts: Array(0...6)), default: .value(.list([])),
            "columns joined with a space into the date, e.g. [Date, Time] or [year, month, day, hour]",
            at: \.data.reading.dateColumns),
        ConfigSetting(
            "data.date_format", .string, default: "",
            "strftime-style date form, e.g. \"%d/%m/%Y %H:%M:%S\"; empty: ISO 8601; "
                + "supports %Y %y %m %d %H %M %S %b %j %f %z %% and literal text", at: \.data.reading.dateFormat),
        ConfigSetting(
            "data.delimiter", .choice(of: CSVDelimiter.self), default: "auto",
            "field delimiter; auto: the most frequent of , ; tab in the header line",
            at: \.data.reading.delimiter),
        ConfigSetting(
            "data.decimal", .choice(of: DecimalMark.self), default: ".",
            "decimal mark of the numbers (\",\" needs a ; or tab delimiter)", at: \.data.reading.decimal),
        ConfigSetting(
            "data.columns", .list(.string, counts: Array(0...CSVReadOptions.maxListedColumns)),
            default: .value(.list([])), "value columns to read (file order); []: all but date and id",
            at: \.data.reading.columns),
        ConfigSetting(
            "data.drop", .list(.string, counts: Array(0...CSVReadOptions.maxListedColumns)),
            default: .value(.list([])), "columns not to read (e.g. categorical ones)",
            at: \.data.reading.drop),
        ConfigSetting(
            "data.missing", .choice(of: MissingPolicy.self), default: "error",
            "missing cells and gaps in the time grid: error, ffill (leading cells take the first "
                + "value), interpolate (linear in rows), drop (the row; gaps are then an error)",
            at: \.data.reading.missing),
        ConfigSetting(
            "data.na_values", .list(.string, counts: Array(0...CSVReadOptions.maxListedColumns)),
            default: .value(.list(["NA", "NaN", "?", ""].map(ConfigValue.string))),
            "cell texts that mean missing (exact match; \"\" is an empty cell)", at: \.data.reading.naValues),
        ConfigSetting(
            "data.id_column", .string, default: "",
            "series id column of a long file (unique_id,ds,y); empty: one series",
            at: \.data.reading.idColumn),
        ConfigSetting(
            "data.series", .string, default: "",
            "the id of the series to read; empty: all series as one data set, each split on its own rows",
            at: \.data.reading.series),
        ConfigSetting(
            "data.sort", .bool, default: false,
            "sort rows by date (stable) instead of refusing a file out of time order", at: \.data.grid.sort),
        ConfigSetting(
            "data.freq", .string, default: "",
            "the rows' step (15min, 1h, D, B, W, MS, M, Q, Y, ...); empty: inferred from the dates"),
        ConfigSetting(
            "data.resample", .string, default: "",
            "aggregate rows into bins of this step first (e.g. 1h, D, MS); empty: no resampling"),
        ConfigSetting(
            "data.aggregate", .choice(of: Aggregation.self), default: "mean",
            "how data.resample combines the rows of a bin", at: \.data.grid.aggregate),

        ConfigSetting(
            "model.d_model", .int(min: 4, max: TimeSeriesConfig.maxDModel), default: 128,
            "token width (a multiple of 4 for EinFFT)", at: \.model.dModel),
        ConfigSetting(
            "model.e_layers", .int(min: 0, max: TimeSeriesConfig.maxLayers), default: 2, "SiMBA blocks",
            at: \.model.eLayers),
        ConfigSetting(
            "model.d_state", .int(min: 1, max: TimeSeriesConfig.maxDState), default: 16,
            "Mamba state size N", at: \.model.dState),
        ConfigSetting(
            "model.d_conv", .int(min: 1, max: TimeSeriesConfig.maxDConv), default: 4,
            "width of Mamba's causal convolution", at: \.model.dConv),
        ConfigSetting(
            "model.expand", .int(min: 1, max: TimeSeriesConfig.maxExpand), default: 2,
            "Mamba's inner width / d_model", at: \.model.expand),
        ConfigSetting(
            "model.channel_mixer", .choice(of: ChannelMixerKind.self), default: "einfft", "channel mixer",
            at: \.model.channelMixer),
        ConfigSetting(
            "model.mlp_ratio", .int(min: 1, max: TimeSeriesConfig.maxMLPRatio), default: 4,
            "MLP hidden width / d_model (mlp mixer)", at: \.model.mlpRatio),
        ConfigSetting(
            "model.token_axis", .choice(of: TokenAxis.self), default: "variate",
            "one token per variate or per time step", at: \.model.tokenAxis),
        ConfigSetting(
            "model.revin", .bool, default: true, "normalise each window (RevIN, no affine)",
            at: \.model.revin),
        ConfigSetting(
            "model.dropout", .float(min: 0, max: 1, maxInclusive: false), default: 0.1, "dropout rate",
            at: \.model.dropout),
        ConfigSetting(
            "model.head_dropout", .float(min: 0, max: 1, maxInclusive: false), default: 0,
            "dropout on the tokens entering the head; 0 = none", at: \.model.headDropout),
        ConfigSetting(
            "model.channel_independent", .bool, default: false,
            "run each variate token through the blocks alone, as PatchTST does (variate tokens only)",
            at: \.model.channelIndependent),
        ConfigSetting(
            "model.linear_skip", .bool, default: false,
            "add a Linear(seq_len → pred_len) of each variate's normalised window to the forecast (variate tokens)",
            at: \.model.linearSkip),
        ConfigSetting(
            "model.linear_skip_fit", .bool, default: false,
            "start the linear skip from its least-squares fit on the training windows", at: \.linearSkipFit),

        ConfigSetting(
            "optimization.optimizer", .choice(of: OptimizerKind.self), default: "adamw", "optimizer",
            at: \.optimizer),
        ConfigSetting(
            "optimization.lr", .float(min: 0, max: ConfigSchema.maxFactor, minInclusive: false),
            default: 1e-3, "peak learning rate", at: \.lr),
        ConfigSetting(
            "optimization.min_lr", .float(min: 0, max: ConfigSchema.maxFactor), default: 0,
            "final learning rate of the cosine schedule", at: \.minLR),
        ConfigSetting(
            "optimization.weight_decay", .float(min: 0, max: 10), default: 0.05,
            "weight decay: decoupled (adamw) or L2 added to the gradient (adam)", at: \.weightDecay),
        ConfigSetting(
            "optimization.batch_size", .int(min: 1, max: ConfigSchema.maxBatch), default: 32,
            "windows per step", at: \.batchSize),
        ConfigSetting(
            "optimization.epochs", .int(min: 1, max: ConfigSchema.maxEpochs), default: 10, "maximum epochs",
            at: \.epochs),
        ConfigSetting(
            "optimization.schedule", .choice(of: LearningRateSchedule.Kind.self), default: "cosine",
            "learning-rate schedule after warm-up", at: \.schedule),
        ConfigSetting(
            "optimization.warmup_epochs", .float(min: 0, max: Double(ConfigSchema.maxEpochs)), default: 0,
            "linear warm-up length in epochs", at: \.warmupEpochs),
        ConfigSetting(
            "optimization.grad_clip", .float(min: 0, max: 1e6), default: 0,
            "max global gradient norm; 0 = off", at: \.gradClip),
        ConfigSetting(
            "optimization.bucket_mb", .float(min: 0, max: GradientBuckets.maxMiB), default: 0,
            "under mpirun, MiB of gradients per bucket summed during the backward; 0 = one sum after it "
                + "(SiMBA-TS's few MB gain nothing from buckets: docs/distributed.md)",
            at: \.bucketMB),
        ConfigSetting(
            "optimization.patience", .int(min: 0, max: ConfigSchema.maxEpochs), default: 3,
            "epochs without validation MSE improvement before stopping; 0 = no early stopping",
            at: \.patience),
        ConfigSetting(
            "optimization.seed", .int(min: 0, max: ConfigSchema.maxSeed), default: 2024,
            "seed of initialisation, shuffling and dropout", at: \.seed),

        ConfigSetting(
            "output.dir", .string, default: .template("runs/{config}"),
            "run folder, relative to the current directory (not the config file)"),
        ConfigSetting(
            "output.log_every", .int(min: 1, max: 1_000_000), default: 50, "steps between progress lines",
            at: \.logEvery)
    ]
}

extension CSVDelimiter: ConfigChoice {}
extension DecimalMark: ConfigChoice {}
extension MissingPolicy: ConfigChoice {}

extension ConfigSchema {
    /// `simba train` for forecasting: the keys of `ForecastSettings.keys` and of its search.
    public static let forecast = ConfigSchema(ForecastSettings.keys + ForecastSettings.searchKeys)
}
