// The sizes and switches of SiMBA-TS (docs/design.md, SiMBA-TS): window lengths, variates, token axis,
// channel mixer. It builds nothing; `TimeSeriesModel` does.

/// Which axis becomes the token sequence.
public enum TokenAxis: String, Codable, Sendable, CaseIterable {
    /// One token per variate, embedding its whole look-back window (iTransformer-style).
    case variate
    /// One token per time step, embedding all variates at that step.
    case time
}

public struct TimeSeriesConfig: Codable, Equatable, Sendable {
    /// Look-back window L.
    public var seqLen: Int
    /// Forecast horizon H.
    public var predLen: Int
    /// Variates M in the input and output.
    public var variates: Int
    public var dModel = 128
    public var eLayers = 2
    public var dState = 16
    /// Width of Mamba's causal depthwise convolution (`d_conv`).
    public var dConv = 4
    /// Mamba's d_inner = expand · d_model.
    public var expand = 2
    public var channelMixer: ChannelMixerKind = .einfft
    /// FFN hidden width = dModel·mlpRatio (MLP mixer only).
    public var mlpRatio = 4
    public var tokenAxis: TokenAxis = .variate
    /// Instance normalisation of each window (RevIN without affine parameters).
    public var revin = true
    public var dropout: Float = 0.1
    /// Dropout on the normalised tokens entering the head; 0 (the default) draws no mask, so a run
    /// without it is the model it was before the option existed.
    public var headDropout: Float = 0
    /// Runs every variate token through the blocks as a sequence of its own (channel independence,
    /// as in PatchTST), so no variate's forecast reads another's window; variate tokens only. The
    /// weights are those of the mixing model: only which tokens the blocks see together changes.
    /// False (the default) is the model it was before the option existed.
    public var channelIndependent = false
    /// Adds `skip`, a Linear(L → H) of each variate's normalised window, to the head's forecast (the
    /// linear path of RLinear, LSTNet's highway); variate tokens only. False (the default) is the
    /// model it was before the option existed.
    public var linearSkip = false

    public init(seqLen: Int, predLen: Int, variates: Int) {
        self.seqLen = seqLen
        self.predLen = predLen
        self.variates = variates
    }

    /// The largest sizes accepted, inclusive (the config schema declares its keys with them). They keep
    /// every per-window size far inside `Int` (the largest, tokens × d_inner × d_state, is below 2^43),
    /// so only the batch can make a size overflow, and `MemoryEstimate` refuses that first.
    /// seq_len and pred_len.
    public static let maxLength = 65_536
    public static let maxVariates = 65_536
    public static let maxDModel = 8192
    public static let maxLayers = 64
    public static let maxDState = 1024
    public static let maxMLPRatio = 64
    public static let maxDConv = 64
    public static let maxExpand = 8

    /// Problems with this configuration, each naming the field and its bounds; empty when it is usable.
    public func problems() -> [String] {
        var problems = [
            outOfBounds("seq_len", seqLen, 1...Self.maxLength), outOfBounds("pred_len", predLen, 1...Self.maxLength),
            outOfBounds("e_layers", eLayers, 0...Self.maxLayers), outOfBounds("d_state", dState, 1...Self.maxDState),
            outOfBounds("mlp_ratio", mlpRatio, 1...Self.maxMLPRatio),
            outOfBounds("d_conv", dConv, 1...Self.maxDConv), outOfBounds("expand", expand, 1...Self.maxExpand)
        ].compactMap { $0 }
        if variates <= 0 { problems.append("the data needs at least one variate") }
        if variates > Self.maxVariates {
            problems.append("variates \(variates) must be at most \(Self.maxVariates) (columns of the data)")
        }
        if let problem = outOfBounds("d_model", dModel, 4...Self.maxDModel) {
            problems.append(problem)
        } else if channelMixer == .einfft && dModel % 4 != 0 {
            problems.append("d_model \(dModel) must be divisible by 4 for the EinFFT mixer")
        }
        if !(0..<1).contains(dropout) { problems.append("dropout must be in [0, 1)") }
        if !(0..<1).contains(headDropout) { problems.append("head_dropout must be in [0, 1)") }
        if channelIndependent && tokenAxis != .variate {
            problems.append(
                "model.channel_independent needs model.token_axis: variate (a time token holds every variate)")
        }
        if linearSkip && tokenAxis != .variate {
            problems.append("model.linear_skip needs model.token_axis: variate (it maps each variate's window)")
        }
        return problems
    }
}

extension TimeSeriesConfig {
    /// The sizes every Mamba of the model takes.
    public var mamba: MambaSizes { MambaSizes(dState: dState, dConv: dConv, expand: expand) }

    /// Tokens per window: M (variate axis) or L (time axis).
    public var tokens: Int { tokenAxis == .variate ? variates : seqLen }

    /// The sequences the blocks run for `windows` windows and their length: one sequence of `tokens`
    /// per window, or with `channelIndependent` one of length 1 per token. Either way the same
    /// windows · tokens rows.
    public func blockSequences(windows: Int) -> (count: Int, length: Int) {
        channelIndependent ? (windows * tokens, 1) : (windows, tokens)
    }

    /// Decodes what `encode(to:)` writes. `dConv`, `expand`, `headDropout`, `channelIndependent` and
    /// `linearSkip`, absent from checkpoints written before they could be set, read as 4, 2, 0, false
    /// and false, the only values those checkpoints could hold.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            seqLen: try c.decode(Int.self, forKey: .seqLen), predLen: try c.decode(Int.self, forKey: .predLen),
            variates: try c.decode(Int.self, forKey: .variates))
        dModel = try c.decode(Int.self, forKey: .dModel)
        eLayers = try c.decode(Int.self, forKey: .eLayers)
        dState = try c.decode(Int.self, forKey: .dState)
        dConv = try c.decodeIfPresent(Int.self, forKey: .dConv) ?? dConv
        expand = try c.decodeIfPresent(Int.self, forKey: .expand) ?? expand
        channelMixer = try c.decode(ChannelMixerKind.self, forKey: .channelMixer)
        mlpRatio = try c.decode(Int.self, forKey: .mlpRatio)
        tokenAxis = try c.decode(TokenAxis.self, forKey: .tokenAxis)
        revin = try c.decode(Bool.self, forKey: .revin)
        dropout = try c.decode(Float.self, forKey: .dropout)
        headDropout = try c.decodeIfPresent(Float.self, forKey: .headDropout) ?? headDropout
        channelIndependent = try c.decodeIfPresent(Bool.self, forKey: .channelIndependent) ?? channelIndependent
        linearSkip = try c.decodeIfPresent(Bool.self, forKey: .linearSkip) ?? linearSkip
    }
}
