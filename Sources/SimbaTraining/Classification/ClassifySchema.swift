// The keys of `simba train` for image classification (SiMBA on ImageNet-style folders), with the
// official ImageNet recipe's defaults, each with where it lands in `VisionSettings`. Only the declaration.

import SimbaData
import SimbaModel

extension VisionSettings {
    /// `simba train` for classification. Defaults follow the official SiMBA/timm recipe (AdamW,
    /// lr 1e-3 per 512 images, cosine to 1e-5 after 5 warmup epochs from 1e-6, weight decay 0.05,
    /// label smoothing 0.1); drop path is off as in timm and SiMBA's model (the recipe's 0.1 is set
    /// in a config). Small data sets override them in their configs. The model keys land in key order,
    /// so the sizes given refine the variant's.
    public static let keys: [ConfigSetting<VisionSettings>] = [
        ConfigSetting("task", .choice(["forecast", "classify"]), default: "classify", "what to train"),

        ConfigSetting(
            "data.root", .path, default: .required,
            "image folder with train/ and val/ class folders; relative to the config file's folder"),
        ConfigSetting("data.train_split", .string, default: "train", "training split folder (train or training)"),
        ConfigSetting("data.val_split", .string, default: "val", "evaluation split folder (val, valid or validation)"),
        ConfigSetting(
            "data.class_map", .path, default: "",
            "file with one class name per line, fixing the class order; relative to the config file's "
                + "folder; empty = sorted folder names"),
        ConfigSetting(
            "data.img_size", .int(min: 32, max: VisionConfig.maxImageSize), default: 224,
            "input size (a multiple of 32)", at: \.model.imageSize),
        ConfigSetting(
            "data.crop_pct", .float(min: 0, max: 1, minInclusive: false), default: 0.96,
            "eval: resize the shorter side to img_size/crop_pct, then center-crop", at: \.cropPct),
        ConfigSetting(
            "data.interpolation", .choice(of: Interpolation.self), default: "bicubic", "resize filter",
            at: \.interpolation),
        ConfigSetting(
            "data.mean",
            .list(.float(min: -ConfigSchema.maxFactor, max: ConfigSchema.maxFactor), counts: [3]),
            default: .list([0.485, 0.456, 0.406]), "per-channel mean [R, G, B] after /255", at: \.mean),
        ConfigSetting(
            "data.std", .list(.float(min: 0, max: ConfigSchema.maxFactor, minInclusive: false), counts: [3]),
            default: .list([0.229, 0.224, 0.225]), "per-channel std [R, G, B] after /255", at: \.std),
        ConfigSetting(
            "data.workers", .int(min: 1, max: 256), default: 1,
            "threads decoding and augmenting ahead of the model", at: \.workers),
        ConfigSetting(
            "data.strict", .bool, default: false, "stop at an unreadable image instead of skipping it",
            at: \.strict),

        ConfigSetting(
            "augment.scale_min", .float(min: 0, max: 1, minInclusive: false), default: 0.08,
            "random resized crop: smallest area fraction", at: \.scaleMin),
        ConfigSetting(
            "augment.hflip", .float(min: 0, max: 1), default: 0.5, "horizontal flip probability",
            at: \.hflip),
        ConfigSetting(
            "augment.color_jitter", .float(min: 0, max: 1), default: 0,
            "brightness/contrast/saturation jitter; 0 = off", at: \.colorJitter),
        ConfigSetting(
            "augment.random_erasing", .float(min: 0, max: 1), default: 0, "random erasing probability",
            at: \.randomErasing),
        ConfigSetting("augment.mixup", .float(min: 0, max: 100), default: 0, "mixup alpha; 0 = off", at: \.mixupAlpha),
        ConfigSetting(
            "augment.cutmix", .float(min: 0, max: 100), default: 0, "cutmix alpha; 0 = off",
            at: \.cutmixAlpha),
        ConfigSetting(
            "augment.label_smoothing", .float(min: 0, max: 1, maxInclusive: false), default: 0.1,
            "label smoothing of the training targets", at: \.labelSmoothing),

        ConfigSetting(
            "model.variant", .choice(VisionConfig.variantNames), default: "simba_s",
            "published sizes; the keys below override them"
        ) { settings, value in
            let variant = VisionConfig.variant(String(configValue: value))!
            settings.model.stemHiddenDim = variant.stemHiddenDim
            settings.model.embedDims = variant.embedDims
            settings.model.depths = variant.depths
            settings.model.mlpRatios = variant.mlpRatios
        },
        ConfigSetting(
            "model.stem_hidden_dim", .int(min: 0, max: VisionConfig.maxWidth), default: 0,
            "stem width; 0 = the variant's"
        ) { settings, value in
            let width = Int(configValue: value)
            if width > 0 { settings.model.stemHiddenDim = width }
        },
        ConfigSetting(
            "model.embed_dims", .list(.int(min: 1, max: VisionConfig.maxWidth), counts: [0, 4]),
            default: .list([Int]()), "4 stage widths, e.g. [32, 64, 96, 128]; [] = the variant's"
        ) {
            settings, value in
            let dims = [Int](configValue: value)
            if !dims.isEmpty { settings.model.embedDims = dims }
        },
        ConfigSetting(
            "model.depths", .list(.int(min: 1, max: VisionConfig.maxDepth), counts: [0, 4]),
            default: .list([Int]()), "4 stage depths, e.g. [2, 2, 2, 2]; [] = the variant's"
        ) {
            settings, value in
            let depths = [Int](configValue: value)
            if !depths.isEmpty { settings.model.depths = depths }
        },
        ConfigSetting(
            "model.mlp_ratios", .list(.int(min: 1, max: VisionConfig.maxMLPRatio), counts: [0, 4]),
            default: .list([Int]()), "4 MLP ratios; [] = the variant's"
        ) { settings, value in
            let ratios = [Int](configValue: value)
            if !ratios.isEmpty { settings.model.mlpRatios = ratios }
        },
        ConfigSetting(
            "model.d_state", .int(min: 1, max: VisionConfig.maxDState), default: 64, "Mamba state size N",
            at: \.model.dState),
        ConfigSetting(
            "model.d_conv", .int(min: 1, max: VisionConfig.maxDConv), default: 4,
            "width of Mamba's causal convolution", at: \.model.dConv),
        ConfigSetting(
            "model.expand", .int(min: 1, max: VisionConfig.maxExpand), default: 2,
            "Mamba's inner width / stage width", at: \.model.expand),
        ConfigSetting(
            "model.channel_mixer", .choice(of: ChannelMixerKind.self), default: "einfft", "channel mixer",
            at: \.model.channelMixer),
        ConfigSetting(
            "model.token_label", .bool, default: true, "token-labelling head (aux_head)",
            at: \.model.tokenLabel),
        ConfigSetting(
            "model.drop_path", .float(min: 0, max: 1, maxInclusive: false), default: 0,
            "final DropPath rate (SiMBA's ImageNet recipe: 0.1 for simba_s/b, 0.3 for simba_l)",
            at: \.model.dropPathRate),
        ConfigSetting(
            "model.num_classes", .int(min: 0, max: VisionConfig.maxClasses), default: 0,
            "classes; 0 = the number of class folders", at: \.classes),
        ConfigSetting(
            "model.init", .path, default: "",
            "start from these weights (a simba checkpoint or run folder, or official safetensors): what "
                + "fits loads, head.*/aux_head.* of another class count start anew; empty = none",
            at: \.initWeights),

        ConfigSetting(
            "optimization.optimizer", .choice(of: OptimizerKind.self), default: "adamw", "optimizer",
            at: \.optimizer),
        ConfigSetting(
            "optimization.lr", .float(min: 0, max: ConfigSchema.maxFactor, minInclusive: false),
            default: 1e-3, "peak learning rate at a batch of lr_base_batch, scaled linearly with the batch",
            at: \.lr),
        ConfigSetting(
            "optimization.lr_base_batch", .int(min: 1, max: ConfigSchema.maxBatch), default: 512,
            "batch size lr refers to", at: \.lrBaseBatch),
        ConfigSetting(
            "optimization.min_lr", .float(min: 0, max: ConfigSchema.maxFactor), default: 1e-5,
            "final learning rate of the cosine schedule", at: \.minLR),
        ConfigSetting(
            "optimization.warmup_lr", .float(min: 0, max: ConfigSchema.maxFactor), default: 1e-6,
            "learning rate the warmup starts from", at: \.warmupLR),
        ConfigSetting(
            "optimization.warmup_epochs", .float(min: 0, max: Double(ConfigSchema.maxEpochs)), default: 5,
            "linear warmup length in epochs", at: \.warmupEpochs),
        ConfigSetting(
            "optimization.weight_decay", .float(min: 0, max: 10), default: 0.05,
            "weight decay (not on biases and 1-D parameters): decoupled (adamw) or L2 (adam)",
            at: \.weightDecay),
        ConfigSetting(
            "optimization.batch_size", .int(min: 1, max: ConfigSchema.maxBatch), default: 64,
            "images per step", at: \.batchSize),
        ConfigSetting(
            "optimization.epochs", .int(min: 1, max: ConfigSchema.maxEpochs), default: 300, "epochs",
            at: \.epochs),
        ConfigSetting(
            "optimization.schedule", .choice(of: LearningRateSchedule.Kind.self), default: "cosine",
            "learning-rate schedule after warm-up", at: \.schedule),
        ConfigSetting(
            "optimization.grad_clip", .float(min: 0, max: 1e6), default: 0,
            "max global gradient norm; 0 = off", at: \.gradClip),
        ConfigSetting(
            "optimization.sync_bn", .bool, default: false,
            "under mpirun, BatchNorm statistics over the whole batch (all processes) instead of each "
                + "process's slice", at: \.syncBN),
        ConfigSetting(
            "optimization.bucket_mb", .float(min: 0, max: GradientBuckets.maxMiB), default: 4,
            "under mpirun, MiB of gradients per bucket summed during the backward; 0 = one sum after it "
                + "(clusters of many nodes: raise it, e.g. 25 as PyTorch DDP; docs/distributed.md)",
            at: \.bucketMB),
        ConfigSetting(
            "optimization.seed", .int(min: 0, max: ConfigSchema.maxSeed), default: 42,
            "seed of initialisation, order, augmentation, DropPath", at: \.seed),

        ConfigSetting(
            "output.dir", .string, default: .template("runs/{config}"),
            "run folder, relative to the current directory (not the config file)"),
        ConfigSetting(
            "output.log_every", .int(min: 1, max: 1_000_000), default: 50, "steps between progress lines",
            at: \.logEvery)
    ]
}

extension ConfigSchema {
    /// `simba train` for classification: the keys of `VisionSettings.keys`.
    public static let classify = ConfigSchema(VisionSettings.keys)
}
