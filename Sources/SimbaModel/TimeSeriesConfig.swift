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
    public var channelMixer: ChannelMixerKind = .einfft
    /// FFN hidden width = dModel·mlpRatio (MLP mixer only).
    public var mlpRatio = 4
    public var tokenAxis: TokenAxis = .variate
    /// Instance normalisation of each window (RevIN without affine parameters).
    public var revin = true
    public var dropout: Float = 0.1

    public init(seqLen: Int, predLen: Int, variates: Int) {
        self.seqLen = seqLen
        self.predLen = predLen
        self.variates = variates
    }

    /// The largest sizes accepted, inclusive (the config schema declares its keys with them). They keep
    /// every per-window size far inside `Int` (the largest, tokens × d_inner × d_state, is below 2^41),
    /// so only the batch can make a size overflow, and `MemoryEstimate` refuses that first.
    /// seq_len and pred_len.
    public static let maxLength = 65_536
    public static let maxVariates = 65_536
    public static let maxDModel = 8192
    public static let maxLayers = 64
    public static let maxDState = 1024
    public static let maxMLPRatio = 64

    /// Problems with this configuration, each naming the field and its bounds; empty when it is usable.
    public func problems() -> [String] {
        var problems = [
            outOfBounds("seq_len", seqLen, 1...Self.maxLength), outOfBounds("pred_len", predLen, 1...Self.maxLength),
            outOfBounds("e_layers", eLayers, 0...Self.maxLayers), outOfBounds("d_state", dState, 1...Self.maxDState),
            outOfBounds("mlp_ratio", mlpRatio, 1...Self.maxMLPRatio),
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
        return problems
    }
}
