// The keys of `simba train` for image classification (SiMBA on ImageNet-style folders), with the
// official ImageNet recipe's defaults. Only the declaration: the vision job reads the values.

import SimbaModel

extension ConfigSchema {
    /// `simba train` for classification. Defaults follow the official SiMBA/timm recipe (AdamW,
    /// lr 1e-3 per 512 images, cosine to 1e-5 after 5 warmup epochs from 1e-6, weight decay 0.05,
    /// label smoothing 0.1, drop path 0.1); small data sets override them in their configs.
    public static let classify = ConfigSchema([
        ConfigKey("task", .choice(["forecast", "classify"]), default: "classify", "what to train"),

        ConfigKey("data.root", .path, default: .required,
                  "image folder with train/ and val/ class folders; relative to the config file's folder"),
        ConfigKey("data.train_split", .string, default: "train", "training split folder (train or training)"),
        ConfigKey("data.val_split", .string, default: "val", "evaluation split folder (val, valid or validation)"),
        ConfigKey("data.class_map", .path, default: "",
                  "file with one class name per line, fixing the class order; relative to the config file's folder; empty = sorted folder names"),
        ConfigKey("data.img_size", .int(min: 32, max: VisionConfig.maxImageSize), default: 224, "input size (a multiple of 32)"),
        ConfigKey("data.crop_pct", .float(min: 0, max: 1, minInclusive: false), default: 0.96,
                  "eval: resize the shorter side to img_size/crop_pct, then center-crop"),
        ConfigKey("data.interpolation", .choice(["bicubic", "bilinear"]), default: "bicubic", "resize filter"),
        ConfigKey("data.mean", .string, default: "0.485,0.456,0.406", "per-channel mean (R,G,B) after /255"),
        ConfigKey("data.std", .string, default: "0.229,0.224,0.225", "per-channel std (R,G,B) after /255"),
        ConfigKey("data.workers", .int(min: 1, max: 256), default: 1, "threads decoding and augmenting ahead of the model"),
        ConfigKey("data.strict", .bool, default: false, "stop at an unreadable image instead of skipping it"),

        ConfigKey("augment.scale_min", .float(min: 0, max: 1, minInclusive: false), default: 0.08,
                  "random resized crop: smallest area fraction"),
        ConfigKey("augment.hflip", .float(min: 0, max: 1), default: 0.5, "horizontal flip probability"),
        ConfigKey("augment.color_jitter", .float(min: 0, max: 1), default: 0, "brightness/contrast/saturation jitter; 0 = off"),
        ConfigKey("augment.random_erasing", .float(min: 0, max: 1), default: 0, "random erasing probability"),
        ConfigKey("augment.mixup", .float(min: 0, max: 100), default: 0, "mixup alpha; 0 = off"),
        ConfigKey("augment.cutmix", .float(min: 0, max: 100), default: 0, "cutmix alpha; 0 = off"),
        ConfigKey("augment.label_smoothing", .float(min: 0, max: 1, maxInclusive: false), default: 0.1,
                  "label smoothing of the training targets"),

        ConfigKey("model.variant", .choice(["simba_s", "simba_b", "simba_l"]), default: "simba_s",
                  "published sizes; the keys below override them"),
        ConfigKey("model.stem_hidden_dim", .int(min: 0, max: VisionConfig.maxWidth), default: 0, "stem width; 0 = the variant's"),
        ConfigKey("model.embed_dims", .string, default: "", "4 stage widths, e.g. 32,64,96,128; empty = the variant's"),
        ConfigKey("model.depths", .string, default: "", "4 stage depths, e.g. 2,2,2,2; empty = the variant's"),
        ConfigKey("model.mlp_ratios", .string, default: "", "4 MLP ratios; empty = the variant's"),
        ConfigKey("model.d_state", .int(min: 1, max: VisionConfig.maxDState), default: 64, "Mamba state size N"),
        ConfigKey("model.channel_mixer", .choice(["einfft", "mlp"]), default: "einfft", "channel mixer"),
        ConfigKey("model.token_label", .bool, default: true, "token-labelling head (aux_head)"),
        ConfigKey("model.drop_path", .float(min: 0, max: 1, maxInclusive: false), default: 0.1, "final DropPath rate"),
        ConfigKey("model.num_classes", .int(min: 0, max: VisionConfig.maxClasses), default: 0, "classes; 0 = the number of class folders"),

        ConfigKey("optimization.optimizer", .choice(["adam", "adamw"]), default: "adamw", "optimizer"),
        ConfigKey("optimization.lr", .float(min: 0, max: 10, minInclusive: false), default: 1e-3,
                  "peak learning rate at a batch of lr_base_batch, scaled linearly with the batch"),
        ConfigKey("optimization.lr_base_batch", .int(min: 1, max: ConfigSchema.maxBatch), default: 512, "batch size lr refers to"),
        ConfigKey("optimization.min_lr", .float(min: 0, max: 10), default: 1e-5, "final learning rate of the cosine schedule"),
        ConfigKey("optimization.warmup_lr", .float(min: 0, max: 10), default: 1e-6, "learning rate the warmup starts from"),
        ConfigKey("optimization.warmup_epochs", .float(min: 0, max: Double(ConfigSchema.maxEpochs)), default: 5, "linear warmup length in epochs"),
        ConfigKey("optimization.weight_decay", .float(min: 0, max: 10), default: 0.05,
                  "weight decay (not on biases and 1-D parameters): decoupled (adamw) or L2 (adam)"),
        ConfigKey("optimization.batch_size", .int(min: 1, max: ConfigSchema.maxBatch), default: 64, "images per step"),
        ConfigKey("optimization.epochs", .int(min: 1, max: ConfigSchema.maxEpochs), default: 300, "epochs"),
        ConfigKey("optimization.schedule", .choice(["constant", "cosine", "halve_each_epoch"]), default: "cosine",
                  "learning-rate schedule after warm-up"),
        ConfigKey("optimization.grad_clip", .float(min: 0, max: 1e6), default: 0, "max global gradient norm; 0 = off"),
        ConfigKey("optimization.seed", .int(min: 0, max: ConfigSchema.maxSeed), default: 42, "seed of initialisation, order, augmentation, DropPath"),

        ConfigKey("output.dir", .string, default: .template("runs/{config}"),
                  "run folder, relative to the current directory (not the config file)"),
        ConfigKey("output.log_every", .int(min: 1, max: 1_000_000), default: 50, "steps between progress lines"),
    ])
}
