// The keys of `simba train` for forecasting (SiMBA-TS on ETT-style CSVs), with Time-Series-Library
// defaults. Only the declaration: the training loop reads the values.

import SimbaModel

extension ConfigSchema {
    /// `simba train` for forecasting. Defaults follow Time-Series-Library's long-horizon setup
    /// (L = H = 96, batch 32, early stopping with patience 3).
    public static let forecast = ConfigSchema([
        ConfigKey("task", .choice(["forecast", "classify"]), default: "forecast", "what to train"),

        ConfigKey("data.path", .path, default: .required,
                  "CSV file; relative to the config file's folder (from --set: to the current directory)"),
        ConfigKey("data.features", .choice(["M", "S", "MS"]), default: "M",
                  "M: all -> all, S: target -> target, MS: all -> target"),
        ConfigKey("data.target", .string, default: "OT", "target column (moved last)"),
        ConfigKey("data.seq_len", .int(min: 1, max: TimeSeriesConfig.maxLength), default: 96, "look-back window L"),
        ConfigKey("data.pred_len", .int(min: 1, max: TimeSeriesConfig.maxLength), default: 96, "forecast horizon H"),
        ConfigKey("data.borders", .choice(["auto", "ett_hour", "ett_minute", "ratio"]), default: "auto",
                  "train/val/test split: ETT months by file name (auto), or 70/10/20 (ratio)"),

        ConfigKey("model.d_model", .int(min: 4, max: TimeSeriesConfig.maxDModel), default: 128,
                  "token width (a multiple of 4 for EinFFT)"),
        ConfigKey("model.e_layers", .int(min: 0, max: TimeSeriesConfig.maxLayers), default: 2, "SiMBA blocks"),
        ConfigKey("model.d_state", .int(min: 1, max: TimeSeriesConfig.maxDState), default: 16, "Mamba state size N"),
        ConfigKey("model.channel_mixer", .choice(["einfft", "mlp"]), default: "einfft", "channel mixer"),
        ConfigKey("model.mlp_ratio", .int(min: 1, max: TimeSeriesConfig.maxMLPRatio), default: 4,
                  "MLP hidden width / d_model (mlp mixer)"),
        ConfigKey("model.token_axis", .choice(["variate", "time"]), default: "variate",
                  "one token per variate or per time step"),
        ConfigKey("model.revin", .bool, default: true, "normalise each window (RevIN, no affine)"),
        ConfigKey("model.dropout", .float(min: 0, max: 1, maxInclusive: false), default: 0.1, "dropout rate"),

        ConfigKey("optimization.optimizer", .choice(["adam", "adamw"]), default: "adamw", "optimizer"),
        ConfigKey("optimization.lr", .float(min: 0, max: ConfigSchema.maxFactor, minInclusive: false), default: 1e-3,
                  "peak learning rate"),
        ConfigKey("optimization.min_lr", .float(min: 0, max: ConfigSchema.maxFactor), default: 0,
                  "final learning rate of the cosine schedule"),
        ConfigKey("optimization.weight_decay", .float(min: 0, max: 10), default: 0.05,
                  "weight decay: decoupled (adamw) or L2 added to the gradient (adam)"),
        ConfigKey("optimization.batch_size", .int(min: 1, max: ConfigSchema.maxBatch), default: 32, "windows per step"),
        ConfigKey("optimization.epochs", .int(min: 1, max: ConfigSchema.maxEpochs), default: 10, "maximum epochs"),
        ConfigKey("optimization.schedule", .choice(["constant", "cosine", "halve_each_epoch"]), default: "cosine",
                  "learning-rate schedule after warm-up"),
        ConfigKey("optimization.warmup_epochs", .float(min: 0, max: Double(ConfigSchema.maxEpochs)), default: 0,
                  "linear warm-up length in epochs"),
        ConfigKey("optimization.grad_clip", .float(min: 0, max: 1e6), default: 0, "max global gradient norm; 0 = off"),
        ConfigKey("optimization.patience", .int(min: 0, max: ConfigSchema.maxEpochs), default: 3,
                  "epochs without validation MSE improvement before stopping; 0 = no early stopping"),
        ConfigKey("optimization.seed", .int(min: 0, max: ConfigSchema.maxSeed), default: 2024,
                  "seed of initialisation, shuffling and dropout"),

        ConfigKey("output.dir", .string, default: .template("runs/{config}"),
                  "run folder, relative to the current directory (not the config file)"),
        ConfigKey("output.log_every", .int(min: 1, max: 1_000_000), default: 50, "steps between progress lines"),
    ])
}
