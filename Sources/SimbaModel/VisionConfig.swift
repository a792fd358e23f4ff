// The sizes and switches that define a SiMBA image classifier, the published variants
// (simba_s/b/l) and their validation. It builds nothing; `VisionModel` does.

/// Which channel mixer the blocks use (docs/design.md, EinFFT and MLP channel mixers).
public enum ChannelMixerKind: String, Codable, Sendable, CaseIterable {
    case einfft
    case mlp
}

/// A SiMBA vision model's architecture. Field names follow the official code where it has them.
public struct VisionConfig: Codable, Equatable, Sendable {
    public var stemHiddenDim: Int
    public var embedDims: [Int]
    public var depths: [Int]
    public var mlpRatios: [Int]
    public var dState = 64
    /// Width of Mamba's causal depthwise convolution (`d_conv`).
    public var dConv = 4
    /// Mamba's d_inner = expand · the stage width.
    public var expand = 2
    public var channelMixer: ChannelMixerKind = .einfft
    /// Token labelling head (`aux_head`): logits = head(cls) + 0.5·max over tokens of aux_head.
    public var tokenLabel = true
    public var numClasses = 1000
    public var imageSize = 224
    public var inChannels = 3
    /// DropPath rates rise linearly from 0 to this over the blocks, in block order.
    public var dropPathRate: Float = 0

    public init(stemHiddenDim: Int, embedDims: [Int], depths: [Int], mlpRatios: [Int]) {
        self.stemHiddenDim = stemHiddenDim
        self.embedDims = embedDims
        self.depths = depths
        self.mlpRatios = mlpRatios
    }

    /// The published variants (docs/design.md, Vision model).
    public static func variant(_ name: String) -> VisionConfig? {
        switch name {
        case "simba_s":
            return VisionConfig(
                stemHiddenDim: 32, embedDims: [64, 128, 320, 448], depths: [3, 4, 6, 3], mlpRatios: [8, 8, 4, 4])
        case "simba_b":
            return VisionConfig(
                stemHiddenDim: 64, embedDims: [64, 128, 320, 512], depths: [3, 4, 12, 3], mlpRatios: [8, 8, 4, 4])
        case "simba_l":
            return VisionConfig(
                stemHiddenDim: 64, embedDims: [96, 192, 384, 512], depths: [3, 6, 18, 3], mlpRatios: [8, 8, 4, 4])
        default: return nil
        }
    }

    public static let variantNames = ["simba_s", "simba_b", "simba_l"]

    /// The largest sizes accepted, inclusive (the config schema declares its keys with them). They keep
    /// every per-image size far inside `Int` (the largest, stage 1's tokens × d_inner × d_state, is below
    /// 2^46), so only the batch can make a size overflow, and `MemoryEstimate` refuses that first.
    public static let maxImageSize = 4096
    /// stem_hidden_dim and each embed_dims entry.
    public static let maxWidth = 4096
    public static let maxDepth = 64
    public static let maxMLPRatio = 64
    public static let maxDState = 1024
    public static let maxDConv = 64
    public static let maxExpand = 8
    public static let maxClasses = 100_000
    public static let maxInChannels = 4

    /// Problems with this configuration, each naming the field and its bounds; empty when it is usable.
    public func problems() -> [String] {
        var problems: [String] = []
        if embedDims.count != 4 || depths.count != 4 || mlpRatios.count != 4 {
            problems.append("embed_dims, depths and mlp_ratios need 4 entries each (one per stage)")
        }
        if !(32...Self.maxImageSize).contains(imageSize) || imageSize % 32 != 0 {
            problems.append(
                "img_size \(imageSize) must be a multiple of 32 from 32 to \(Self.maxImageSize) "
                    + "(the stem and three downsamplings halve it 5 times)")
        }
        if let problem = outOfBounds("embed_dims", entries: embedDims, 1...Self.maxWidth) {
            problems.append(problem)
        } else if channelMixer == .einfft, let bad = embedDims.first(where: { $0 % 4 != 0 }) {
            problems.append("embed_dims entry \(bad) must be divisible by 4 for the EinFFT mixer (4 blocks)")
        }
        problems += [
            outOfBounds("depths", entries: depths, 1...Self.maxDepth),
            outOfBounds("mlp_ratios", entries: mlpRatios, 1...Self.maxMLPRatio),
            outOfBounds("stem_hidden_dim", stemHiddenDim, 1...Self.maxWidth),
            outOfBounds("num_classes", numClasses, 1...Self.maxClasses),
            outOfBounds("in_channels", inChannels, 1...Self.maxInChannels),
            outOfBounds("d_state", dState, 1...Self.maxDState),
            outOfBounds("d_conv", dConv, 1...Self.maxDConv),
            outOfBounds("expand", expand, 1...Self.maxExpand)
        ].compactMap { $0 }
        if !(0..<1).contains(dropPathRate) { problems.append("drop_path_rate must be in [0, 1)") }
        return problems
    }
}

extension VisionConfig {
    /// The sizes every Mamba of the model takes.
    public var mamba: MambaSizes { MambaSizes(dState: dState, dConv: dConv, expand: expand) }

    /// Decodes what `encode(to:)` writes. `dConv` and `expand`, absent from checkpoints written before
    /// they could be set, read as 4 and 2, the only values those checkpoints could hold.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            stemHiddenDim: try c.decode(Int.self, forKey: .stemHiddenDim),
            embedDims: try c.decode([Int].self, forKey: .embedDims),
            depths: try c.decode([Int].self, forKey: .depths),
            mlpRatios: try c.decode([Int].self, forKey: .mlpRatios))
        dState = try c.decode(Int.self, forKey: .dState)
        dConv = try c.decodeIfPresent(Int.self, forKey: .dConv) ?? dConv
        expand = try c.decodeIfPresent(Int.self, forKey: .expand) ?? expand
        channelMixer = try c.decode(ChannelMixerKind.self, forKey: .channelMixer)
        tokenLabel = try c.decode(Bool.self, forKey: .tokenLabel)
        numClasses = try c.decode(Int.self, forKey: .numClasses)
        imageSize = try c.decode(Int.self, forKey: .imageSize)
        inChannels = try c.decode(Int.self, forKey: .inChannels)
        dropPathRate = try c.decode(Float.self, forKey: .dropPathRate)
    }
}
