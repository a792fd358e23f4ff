// The sizes and switches that define a SiMBA image classifier, the published variants
// (simba_s/b/l) and their validation. It builds nothing; `VisionModel` does.

/// Which channel mixer the blocks use (spec sections 2 and 3).
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

    /// The published variants (spec section 4 table).
    public static func variant(_ name: String) -> VisionConfig? {
        switch name {
        case "simba_s": return VisionConfig(stemHiddenDim: 32, embedDims: [64, 128, 320, 448], depths: [3, 4, 6, 3], mlpRatios: [8, 8, 4, 4])
        case "simba_b": return VisionConfig(stemHiddenDim: 64, embedDims: [64, 128, 320, 512], depths: [3, 4, 12, 3], mlpRatios: [8, 8, 4, 4])
        case "simba_l": return VisionConfig(stemHiddenDim: 64, embedDims: [96, 192, 384, 512], depths: [3, 6, 18, 3], mlpRatios: [8, 8, 4, 4])
        default: return nil
        }
    }

    public static let variantNames = ["simba_s", "simba_b", "simba_l"]

    /// Problems with this configuration, each naming the field; empty when it is usable.
    public func problems() -> [String] {
        var problems: [String] = []
        if embedDims.count != 4 || depths.count != 4 || mlpRatios.count != 4 {
            problems.append("embed_dims, depths and mlp_ratios need 4 entries each (one per stage)")
        }
        if imageSize <= 0 || imageSize % 32 != 0 {
            problems.append("img_size \(imageSize) must be a positive multiple of 32 (the stem and three downsamplings halve it 5 times)")
        }
        if channelMixer == .einfft, let bad = embedDims.first(where: { $0 % 4 != 0 }) {
            problems.append("embed_dims entry \(bad) must be divisible by 4 for the EinFFT mixer (4 blocks)")
        }
        if embedDims.contains(where: { $0 <= 0 }) || depths.contains(where: { $0 <= 0 }) || mlpRatios.contains(where: { $0 <= 0 }) {
            problems.append("embed_dims, depths and mlp_ratios must be positive")
        }
        if stemHiddenDim <= 0 { problems.append("stem_hidden_dim must be positive") }
        if numClasses <= 0 { problems.append("num_classes must be positive") }
        if !(0..<1).contains(dropPathRate) { problems.append("drop_path_rate must be in [0, 1)") }
        if dState <= 0 { problems.append("d_state must be positive") }
        return problems
    }
}
