// SiMBA's `_init_weights`, applied to every module of a model: the rule that replaces the
// layers' own initialisation. It chooses initializers; the store draws the numbers.

import SimbaCore

/// nn.Linear weights N(0, 0.02²) (timm's trunc_normal at ±2, which never truncates at this std)
/// and biases 0 — Mamba's Linear layers included, so `dt_proj.bias` starts at 0 — and nn.Conv2d
/// weights N(0, 2/fan_out) with biases 0. LayerNorm is already 1/0; BatchNorm, Mamba's conv1d,
/// `A_log`, `D` and the EinFFT tensors keep their own init (nil).
func officialInit(_ entry: TensorEntry) -> Initializer? {
    switch entry.role {
    case .linearWeight: return .normal(std: 0.02)
    case .linearBias, .conv2dBias: return .zeros
    case .conv2dWeight(let fanOut): return .normal(std: (2 / Float(fanOut)).squareRoot())
    case .plain: return nil
    }
}
