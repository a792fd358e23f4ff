// The sizes a SiMBA block's Mamba takes from the model config (state size, conv width, expansion),
// handed down through Block and MambaLayer as one value. It builds nothing; `Mamba` does.

/// `d_state`, `d_conv` and `expand` of `mamba_ssm`'s `Mamba` (defaults 16, 4, 2 there; SiMBA's
/// vision models use d_state 64).
public struct MambaSizes: Equatable, Sendable {
    /// State size N.
    public var dState: Int
    /// Width of the causal depthwise convolution.
    public var dConv: Int
    /// d_inner = expand · d_model.
    public var expand: Int

    public init(dState: Int, dConv: Int = 4, expand: Int = 2) {
        self.dState = dState
        self.dConv = dConv
        self.expand = expand
    }
}
