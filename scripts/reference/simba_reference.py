"""Independent PyTorch reference for SiMBA (Patro & Agneeswaran 2024), the models docs/design.md defines.

It computes the forward passes the Swift package must reproduce (Mamba with the sequential reference scan,
EinFFT, the MLP mixers, the vision model with token labelling, SiMBA-TS); it is not a fast or training-ready model.
State_dict names match the official `classification/simba.py` and `mamba_ssm`, so checkpoints load unchanged.
`use_scan("mambapy")` swaps in mambapy's parallel scan for the benchmark (scripts/reference/bench_reference.py); the
sequential scan stays the default, so the fixtures do not depend on it.

Glossary (Mamba):  b batch, l sequence length, d_model model width, d_inner = expand * d_model (ED),
n = d_state (N), delta = softplus(dt_proj(dt_low)) (Δ), A = -exp(A_log), Bm / Cm the input-dependent B and C,
D the skip weight, h the SSM state.

Run `python3 scripts/reference/simba_reference.py --count` to print the parameter counts of the released variants.
"""

import argparse
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


# MARK: - Mamba


def selective_scan_ref(u, delta, A, Bm, Cm, D):
    """Sequential selective scan, the semantics of mamba_ssm `selective_scan_ref` (real A, shared B/C groups).

    u, delta: (b, l, d_inner); A: (d_inner, n); Bm, Cm: (b, l, n); D: (d_inner). Returns y: (b, l, d_inner).
    h_t = exp(delta_t * A) * h_{t-1} + delta_t * Bm_t * u_t ;  y_t = <Cm_t, h_t> + D * u_t ;  h_{-1} = 0.
    """
    b, l, d_inner = u.shape
    n = A.shape[1]
    h = u.new_zeros(b, d_inner, n)                                   # (b, d_inner, n)
    ys = []
    for t in range(l):
        decay = torch.exp(delta[:, t, :, None] * A)                  # (b, d_inner, n)
        drive = delta[:, t, :, None] * Bm[:, t, None, :] * u[:, t, :, None]  # (b, d_inner, n)
        h = decay * h + drive
        ys.append(torch.einsum("bdn,bn->bd", h, Cm[:, t]))           # (b, d_inner)
    y = torch.stack(ys, dim=1)                                       # (b, l, d_inner)
    return y + u * D


def selective_scan_mambapy(u, delta, A, Bm, Cm, D):
    """The same scan as `selective_scan_ref`, through mambapy's parallel (Blelloch) scan `pscan`.

    Same arguments and result. `pscan(decay, drive)` takes (b, l, d_inner, n) tensors and zero-pads l to the next
    power of two itself (padding after the end leaves the first l states unchanged). It holds all b*l*d_inner*n
    states at once: fewer, larger tensor ops than the sequential loop, at the cost of memory. Only the benchmark
    (scripts/reference/bench_reference.py) uses it, so mambapy is imported here rather than at the top.
    """
    from mambapy.pscan import pscan
    decay = torch.exp(delta[..., None] * A)                          # (b, l, d_inner, n)
    drive = delta[..., None] * Bm[:, :, None, :] * u[..., None]      # (b, l, d_inner, n)
    h = pscan(decay, drive)                                          # (b, l, d_inner, n)
    y = (h @ Cm[..., None]).squeeze(-1)                              # (b, l, d_inner)
    return y + u * D


SCANS = {"reference": selective_scan_ref, "mambapy": selective_scan_mambapy}
selective_scan = selective_scan_ref  # the scan every Mamba calls; fixtures keep the sequential reference


def use_scan(name):
    """Makes every Mamba block (existing and new) use SCANS[name]: 'reference' (default) or 'mambapy'."""
    global selective_scan
    selective_scan = SCANS[name]


class Mamba(nn.Module):
    """Mamba block (mamba_ssm `Mamba`, reference path): in_proj -> causal depthwise conv + SiLU -> selective
    scan -> gate with SiLU(z) -> out_proj. Initialised as Mamba does (docs/design.md, Mamba)."""

    def __init__(self, d_model, d_state=64, d_conv=4, expand=2,
                 dt_min=0.001, dt_max=0.1, dt_init_floor=1e-4):
        super().__init__()
        self.d_model = d_model
        self.d_state = d_state
        self.d_conv = d_conv
        self.d_inner = expand * d_model
        self.dt_rank = math.ceil(d_model / 16)

        self.in_proj = nn.Linear(d_model, 2 * self.d_inner, bias=False)
        self.conv1d = nn.Conv1d(self.d_inner, self.d_inner, d_conv, groups=self.d_inner,
                                padding=d_conv - 1, bias=True)
        self.x_proj = nn.Linear(self.d_inner, self.dt_rank + 2 * d_state, bias=False)
        self.dt_proj = nn.Linear(self.dt_rank, self.d_inner, bias=True)
        self.A_log = nn.Parameter(torch.log(torch.arange(1, d_state + 1, dtype=torch.float32))
                                  .repeat(self.d_inner, 1))          # (d_inner, n)
        self.D = nn.Parameter(torch.ones(self.d_inner))
        self.out_proj = nn.Linear(self.d_inner, d_model, bias=False)

        with torch.no_grad():
            std = self.dt_rank ** -0.5
            self.dt_proj.weight.uniform_(-std, std)
            dt = torch.exp(torch.rand(self.d_inner) * (math.log(dt_max) - math.log(dt_min))
                           + math.log(dt_min)).clamp(min=dt_init_floor)
            self.dt_proj.bias.copy_(dt + torch.log(-torch.expm1(-dt)))  # inverse softplus

    def forward(self, u):
        l = u.shape[1]
        xz = self.in_proj(u)                                         # (b, l, 2*d_inner)
        x, z = xz[..., :self.d_inner], xz[..., self.d_inner:]        # (b, l, d_inner) each
        x = self.conv1d(x.transpose(1, 2))[..., :l].transpose(1, 2)  # causal: (b, l, d_inner)
        x = F.silu(x)
        dt_low, Bm, Cm = self.x_proj(x).split([self.dt_rank, self.d_state, self.d_state], dim=-1)
        delta = F.softplus(self.dt_proj(dt_low))                     # (b, l, d_inner)
        A = -torch.exp(self.A_log)                                   # (d_inner, n)
        y = selective_scan(x, delta, A, Bm, Cm, self.D)              # (b, l, d_inner)
        return self.out_proj(y * F.silu(z))                          # (b, l, d_model)


class MambaLayer(nn.Module):
    """Token mixer of every SiMBA block: LayerNorm (eps 1e-5) then Mamba. No residual inside."""

    def __init__(self, dim, d_state=64):
        super().__init__()
        self.norm = nn.LayerNorm(dim, eps=1e-5)
        self.mamba = Mamba(dim, d_state=d_state)

    def forward(self, x):
        return self.mamba(self.norm(x))


# MARK: - Channel mixers (all take (x, H, W) so a block can call any of them)


class EinFFT(nn.Module):
    """EinFFT: ortho fft2 over (tokens, 4 blocks), per-block complex 2-layer MLP (ReLU), softshrink(0.01),
    real part of the ortho ifft2. x: (B, N, C) -> (B, N, C). docs/design.md, EinFFT."""

    num_blocks = 4
    sparsity_threshold = 0.01

    def __init__(self, dim):
        super().__init__()
        assert dim % self.num_blocks == 0, "EinFFT needs dim divisible by 4"
        bs = dim // self.num_blocks
        self.complex_weight_1 = nn.Parameter(torch.randn(2, self.num_blocks, bs, bs) * 0.02)
        self.complex_weight_2 = nn.Parameter(torch.randn(2, self.num_blocks, bs, bs) * 0.02)
        self.complex_bias_1 = nn.Parameter(torch.randn(2, self.num_blocks, bs) * 0.02)
        self.complex_bias_2 = nn.Parameter(torch.randn(2, self.num_blocks, bs) * 0.02)

    @staticmethod
    def _blockwise(x, w):
        return torch.einsum("...bd,bdk->...bk", x, w)               # row vector times bs x bs, per block

    def forward(self, x, H=None, W=None):
        B, N, C = x.shape
        X = torch.fft.fft2(x.reshape(B, N, self.num_blocks, C // self.num_blocks),
                           dim=(1, 2), norm="ortho")                 # complex (B, N, 4, bs)
        w1, w2, b1, b2 = self.complex_weight_1, self.complex_weight_2, self.complex_bias_1, self.complex_bias_2
        r1 = F.relu(self._blockwise(X.real, w1[0]) - self._blockwise(X.imag, w1[1]) + b1[0])
        i1 = F.relu(self._blockwise(X.real, w1[1]) + self._blockwise(X.imag, w1[0]) + b1[1])
        r2 = self._blockwise(r1, w2[0]) - self._blockwise(i1, w2[1]) + b2[0]
        i2 = self._blockwise(r1, w2[1]) + self._blockwise(i1, w2[0]) + b2[1]
        r2 = F.softshrink(r2, self.sparsity_threshold)
        i2 = F.softshrink(i2, self.sparsity_threshold)
        y = torch.fft.ifft2(torch.complex(r2, i2), dim=(1, 2), norm="ortho").real  # (B, N, 4, bs)
        return y.reshape(B, N, C)


class FFN(nn.Module):
    """fc1 -> GELU (erf) -> fc2. Used by the class block and by SiMBA-TS."""

    def __init__(self, dim, hidden):
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden)
        self.act = nn.GELU()
        self.fc2 = nn.Linear(hidden, dim)

    def forward(self, x, H=None, W=None):
        return self.fc2(self.act(self.fc1(x)))


class DWConv(nn.Module):
    """Depthwise 3x3 conv (stride 1, pad 1, bias) on tokens laid out row-major on an H x W grid."""

    def __init__(self, dim):
        super().__init__()
        self.dwconv = nn.Conv2d(dim, dim, 3, 1, 1, bias=True, groups=dim)

    def forward(self, x, H, W):
        B, N, C = x.shape
        x = x.transpose(1, 2).reshape(B, C, H, W)                    # (B, C, H, W)
        return self.dwconv(x).flatten(2).transpose(1, 2)             # (B, N, C)


class PVT2FFN(nn.Module):
    """fc1 -> depthwise 3x3 conv on the (H, W) grid -> GELU (erf) -> fc2."""

    def __init__(self, dim, hidden):
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden)
        self.dwconv = DWConv(hidden)
        self.act = nn.GELU()
        self.fc2 = nn.Linear(hidden, dim)

    def forward(self, x, H, W):
        return self.fc2(self.act(self.dwconv(self.fc1(x), H, W)))


def make_channel_mixer(kind, dim, mlp_ratio, spatial):
    """'einfft' -> EinFFT; 'mlp' -> PVT2FFN when tokens lie on an image grid (spatial), else FFN."""
    if kind == "einfft":
        return EinFFT(dim)
    if kind == "mlp":
        return PVT2FFN(dim, int(dim * mlp_ratio)) if spatial else FFN(dim, int(dim * mlp_ratio))
    raise ValueError(f"unknown channel mixer {kind!r} (expected 'einfft' or 'mlp')")


# MARK: - Blocks


class DropPath(nn.Module):
    """Stochastic depth per sample (identity in eval or at rate 0)."""

    def __init__(self, p=0.0):
        super().__init__()
        self.p = p

    def forward(self, x):
        if self.p == 0.0 or not self.training:
            return x
        keep = x.new_empty(x.shape[0], *([1] * (x.dim() - 1))).bernoulli_(1 - self.p)
        return x * keep / (1 - self.p)


class Block(nn.Module):
    """x = x + drop(attn(x)); x = x + drop(mlp(norm2(x))). attn = MambaLayer, norm2 eps 1e-6.
    `drop` is DropPath in the vision model and Dropout in SiMBA-TS."""

    def __init__(self, dim, mlp, d_state=64, drop=None):
        super().__init__()
        self.norm2 = nn.LayerNorm(dim, eps=1e-6)
        self.attn = MambaLayer(dim, d_state=d_state)
        self.mlp = mlp
        self.drop_path = drop if drop is not None else nn.Identity()

    def forward(self, x, H=None, W=None):
        x = x + self.drop_path(self.attn(x))
        x = x + self.drop_path(self.mlp(self.norm2(x), H, W))
        return x


class ClassBlock(nn.Module):
    """Updates only the class token x[:, :1]: c = c + attn(c) (Mamba over a length-1 sequence),
    c = c + mlp(norm2(c)); the patch tokens x[:, 1:] pass through unchanged. No drop path."""

    def __init__(self, dim, mlp, d_state=64):
        super().__init__()
        self.norm2 = nn.LayerNorm(dim, eps=1e-6)
        self.attn = MambaLayer(dim, d_state=d_state)
        self.mlp = mlp

    def forward(self, x, H=None, W=None):
        cls = x[:, :1]                                               # (B, 1, C)
        cls = cls + self.attn(cls)
        cls = cls + self.mlp(self.norm2(cls), H, W)
        return torch.cat([cls, x[:, 1:]], dim=1)


class Stem(nn.Module):
    """patch_embed1: 3 conv-BN-ReLU (7x7 s2, 3x3, 3x3, no bias) -> proj 3x3 s2 (bias) -> tokens -> LayerNorm 1e-5."""

    def __init__(self, in_chans, hidden, out_dim):
        super().__init__()
        self.conv = nn.Sequential(
            nn.Conv2d(in_chans, hidden, 7, 2, 3, bias=False), nn.BatchNorm2d(hidden), nn.ReLU(),
            nn.Conv2d(hidden, hidden, 3, 1, 1, bias=False), nn.BatchNorm2d(hidden), nn.ReLU(),
            nn.Conv2d(hidden, hidden, 3, 1, 1, bias=False), nn.BatchNorm2d(hidden), nn.ReLU(),
        )
        self.proj = nn.Conv2d(hidden, out_dim, 3, 2, 1, bias=True)
        self.norm = nn.LayerNorm(out_dim, eps=1e-5)

    def forward(self, img):
        x = self.proj(self.conv(img))                                # (B, C, H, W)
        _, _, H, W = x.shape
        return self.norm(x.flatten(2).transpose(1, 2)), H, W        # (B, H*W, C) row-major


class DownSamples(nn.Module):
    """patch_embed2..4: proj 3x3 s2 p1 (bias) on the (C, H, W) grid -> tokens -> LayerNorm 1e-5."""

    def __init__(self, in_dim, out_dim):
        super().__init__()
        self.proj = nn.Conv2d(in_dim, out_dim, 3, 2, 1, bias=True)
        self.norm = nn.LayerNorm(out_dim, eps=1e-5)

    def forward(self, grid):
        x = self.proj(grid)                                          # (B, C, H, W)
        _, _, H, W = x.shape
        return self.norm(x.flatten(2).transpose(1, 2)), H, W


# MARK: - Vision model


VARIANTS = {
    "simba_s": dict(stem_hidden_dim=32, embed_dims=(64, 128, 320, 448), depths=(3, 4, 6, 3), mlp_ratios=(8, 8, 4, 4)),
    "simba_b": dict(stem_hidden_dim=64, embed_dims=(64, 128, 320, 512), depths=(3, 4, 12, 3), mlp_ratios=(8, 8, 4, 4)),
    "simba_l": dict(stem_hidden_dim=64, embed_dims=(96, 192, 384, 512), depths=(3, 6, 18, 3), mlp_ratios=(8, 8, 4, 4)),
}


def init_weights_official(m):
    """SiMBA `_init_weights`: Linear N(0, 0.02^2), bias 0; LayerNorm 1/0; Conv2d N(0, 2/fan_out), bias 0.
    (timm trunc_normal_ with std .02 truncates at +-2, i.e. +-100 std: effectively untruncated.)"""
    if isinstance(m, nn.Linear):
        nn.init.trunc_normal_(m.weight, std=0.02)
        if m.bias is not None:
            nn.init.zeros_(m.bias)
    elif isinstance(m, nn.LayerNorm):
        nn.init.ones_(m.weight)
        nn.init.zeros_(m.bias)
    elif isinstance(m, nn.Conv2d):
        fan_out = m.kernel_size[0] * m.kernel_size[1] * m.out_channels // m.groups
        m.weight.data.normal_(0, math.sqrt(2.0 / fan_out))
        if m.bias is not None:
            m.bias.data.zero_()


class SiMBA(nn.Module):
    """SiMBA vision model (docs/design.md, Vision model). forward(img) returns the logits of eval and training:
    head(cls) + 0.5 * max_tokens aux_head(token) with token labelling, else head(cls)."""

    def __init__(self, in_chans=3, num_classes=1000, stem_hidden_dim=32, embed_dims=(64, 128, 320, 448),
                 depths=(3, 4, 6, 3), mlp_ratios=(8, 8, 4, 4), channel_mixer="einfft", token_label=True,
                 drop_path_rate=0.0, d_state=64):
        super().__init__()
        self.num_stages = 4
        self.token_label = token_label
        rates = [r.item() for r in torch.linspace(0, drop_path_rate, sum(depths))]
        cur = 0
        for i in range(self.num_stages):
            embed = (Stem(in_chans, stem_hidden_dim, embed_dims[0]) if i == 0
                     else DownSamples(embed_dims[i - 1], embed_dims[i]))
            blocks = nn.ModuleList([
                Block(embed_dims[i], make_channel_mixer(channel_mixer, embed_dims[i], mlp_ratios[i], spatial=True),
                      d_state=d_state, drop=DropPath(rates[cur + j]) if rates[cur + j] > 0 else None)
                for j in range(depths[i])])
            cur += depths[i]
            setattr(self, f"patch_embed{i + 1}", embed)
            setattr(self, f"block{i + 1}", blocks)
            setattr(self, f"norm{i + 1}", nn.LayerNorm(embed_dims[i], eps=1e-6))
        dim = embed_dims[-1]
        self.post_network = nn.ModuleList([
            ClassBlock(dim, make_channel_mixer(channel_mixer, dim, mlp_ratios[-1], spatial=False), d_state=d_state)])
        self.head = nn.Linear(dim, num_classes)
        if token_label:
            self.aux_head = nn.Linear(dim, num_classes)
        self.apply(init_weights_official)

    def forward_tokens(self, img, acts=None):
        """All tokens after norm4: (B, 1 + H4*W4, C3), class token first."""
        B = img.shape[0]
        x = img
        for i in range(self.num_stages):
            x, H, W = getattr(self, f"patch_embed{i + 1}")(x)        # (B, H*W, C_i)
            if i == 0 and acts is not None:
                acts["act.stem"] = x
            for blk in getattr(self, f"block{i + 1}"):
                x = blk(x, H, W)
            if i != self.num_stages - 1:
                x = getattr(self, f"norm{i + 1}")(x)
                x = x.reshape(B, H, W, -1).permute(0, 3, 1, 2)       # (B, C_i, H, W)
        if acts is not None:
            acts["act.stage4"] = x
        x = torch.cat([x.mean(dim=1, keepdim=True), x], dim=1)       # class token = mean, prepended
        for blk in self.post_network:
            x = blk(x, H, W)
        return self.norm4(x)

    def forward(self, img, acts=None):
        x = self.forward_tokens(img, acts)
        logits = self.head(x[:, 0])                                  # (B, classes)
        if self.token_label:
            logits = logits + 0.5 * self.aux_head(x[:, 1:]).max(dim=1).values
        return logits


def simba(variant, **kwargs):
    return SiMBA(**VARIANTS[variant], **kwargs)


# MARK: - SiMBA-TS


class SiMBATS(nn.Module):
    """SiMBA-TS forecaster (docs/design.md, SiMBA-TS). x: (B, L, M) -> (B, H, M).

    linear_skip (variate tokens only) adds `skip`, a Linear L -> H applied to each variate's normalised window
    (before the embedding's dropout), to the head's output before de-normalisation."""

    def __init__(self, seq_len, pred_len, n_vars, d_model=16, e_layers=2, token_axis="variate",
                 channel_mixer="einfft", mlp_ratio=4, d_state=64, dropout=0.0, revin=True, linear_skip=False):
        super().__init__()
        if token_axis not in ("variate", "time"):
            raise ValueError(f"unknown token_axis {token_axis!r} (expected 'variate' or 'time')")
        if linear_skip and token_axis != "variate":
            raise ValueError(f"linear_skip needs token_axis 'variate' (got {token_axis!r})")
        self.token_axis = token_axis
        self.revin = revin
        self.embed = nn.Linear(seq_len if token_axis == "variate" else n_vars, d_model)
        self.dropout = nn.Dropout(dropout)
        self.blocks = nn.ModuleList([
            Block(d_model, make_channel_mixer(channel_mixer, d_model, mlp_ratio, spatial=False),
                  d_state=d_state, drop=nn.Dropout(dropout))
            for _ in range(e_layers)])
        self.norm = nn.LayerNorm(d_model, eps=1e-6)
        if token_axis == "variate":
            self.head = nn.Linear(d_model, pred_len)
        else:
            self.time_proj = nn.Linear(seq_len, pred_len)
            self.head = nn.Linear(d_model, n_vars)
        self.skip = nn.Linear(seq_len, pred_len) if linear_skip else None

    def forward(self, x):
        if self.revin:
            mu = x.mean(dim=1, keepdim=True).detach()                 # (B, 1, M)
            sigma = torch.sqrt(x.var(dim=1, keepdim=True, unbiased=False) + 1e-5).detach()
            x = (x - mu) / sigma
        if self.token_axis == "variate":
            tokens = self.embed(x.transpose(1, 2))                   # (B, M, d_model)
        else:
            tokens = self.embed(x)                                   # (B, L, d_model)
        tokens = self.dropout(tokens)
        for blk in self.blocks:
            tokens = blk(tokens)
        tokens = self.norm(tokens)
        if self.token_axis == "variate":
            out = self.head(tokens)                                  # (B, M, H)
            if self.skip is not None:
                out = out + self.skip(x.transpose(1, 2))             # normalised window, (B, M, L) -> (B, M, H)
            out = out.transpose(1, 2)                                # (B, H, M)
        else:
            out = self.time_proj(tokens.transpose(1, 2)).transpose(1, 2)  # (B, H, d_model)
            out = self.head(out)                                     # (B, H, M)
        if self.revin:
            out = out * sigma + mu
        return out


# MARK: - Command line


def count_parameters(model):
    return sum(p.numel() for p in model.parameters())


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", action="store_true", help="print parameter counts of the released variants")
    args = parser.parse_args()
    if not args.count:
        parser.print_help()
        return
    torch.manual_seed(0)
    for variant, mixer, expected in [("simba_s", "einfft", 15_309_104), ("simba_s", "mlp", 26_591_088),
                                     ("simba_b", "einfft", 22_819_984), ("simba_l", "einfft", 36_641_264)]:
        n = count_parameters(simba(variant, channel_mixer=mixer, num_classes=1000))
        status = "ok" if n == expected else f"MISMATCH (expected {expected:,})"
        print(f"{variant:8s} {mixer:6s} {n:>12,}  {status}")


if __name__ == "__main__":
    main()
