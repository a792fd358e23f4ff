// The sizes and switches of SiMBA-TS (spec section 5): window lengths, variates, token axis,
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

    /// Problems with this configuration, each naming the field; empty when it is usable.
    public func problems() -> [String] {
        var problems: [String] = []
        if seqLen <= 0 { problems.append("seq_len must be positive") }
        if predLen <= 0 { problems.append("pred_len must be positive") }
        if variates <= 0 { problems.append("the data needs at least one variate") }
        if dModel <= 0 { problems.append("d_model must be positive") }
        if channelMixer == .einfft && dModel % 4 != 0 { problems.append("d_model \(dModel) must be divisible by 4 for the EinFFT mixer") }
        if eLayers < 0 { problems.append("e_layers must be 0 or more") }
        if dState <= 0 { problems.append("d_state must be positive") }
        if mlpRatio <= 0 { problems.append("mlp_ratio must be positive") }
        if !(0..<1).contains(dropout) { problems.append("dropout must be in [0, 1)") }
        return problems
    }
}
