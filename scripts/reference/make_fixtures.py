"""Writes the binary test fixtures in Tests/Fixtures/*.safetensors from the PyTorch reference (simba_reference.py).

Each fixture holds perturbed weights, an input, the output, and every gradient, computed in float32 exactly as
the model runs; whole-model fixtures also hold a loss and five AdamW steps. It does not test the Swift code.
`--check` also verifies the reference's gradients (torch.autograd.gradcheck in float64) and float32 accuracy.
"""

import argparse
import json
import math
import os
import shutil
import struct
import zlib

import torch
import torch.nn.functional as F
from safetensors.torch import save_file

import simba_reference as ref

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "Tests", "Fixtures")
EVAL_IMAGES = os.path.join(FIXTURES, "eval_images")

ADAMW = dict(lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.05)
ADAMW_STEPS = 5
DECAY_RULE = ("timm filter_bias_and_bn: parameters with ndim <= 1 or a name ending in '.bias' get weight_decay 0, "
              "all others 0.05; so A_log (2-D), conv1d.weight and the EinFFT complex weights/biases (3-D/4-D) ARE "
              "decayed, D and LayerNorm/BatchNorm weights are not")


# MARK: - Perturbation


def perturb_(model):
    """Moves every parameter and BatchNorm buffer away from its init so each one changes the output,
    keeping the forward O(1)."""
    with torch.no_grad():
        for name, p in model.named_parameters():
            leaf = name.rsplit(".", 1)[-1]
            if leaf == "A_log":
                n = p.shape[1]
                p.copy_(torch.log(torch.arange(1, n + 1, dtype=torch.float32)).expand_as(p)
                        + 0.1 * torch.randn_like(p))
            elif leaf == "D":
                p.copy_(1.0 + 0.2 * torch.randn_like(p))
            elif leaf.startswith("complex_weight"):
                bs = p.shape[-1]
                p.copy_(torch.randn_like(p) / math.sqrt(2 * bs))
            elif leaf.startswith("complex_bias") or leaf == "bias":
                p.add_(0.1 * torch.randn_like(p))
            elif p.dim() == 1:                                       # LayerNorm / BatchNorm weight
                p.copy_(1.0 + 0.1 * torch.randn_like(p))
            else:
                fan_in = p[0].numel()
                p.add_(0.5 / math.sqrt(fan_in) * torch.randn_like(p))
        for name, b in model.named_buffers():
            if name.endswith("running_mean"):
                b.copy_(0.1 * torch.randn_like(b))
            elif name.endswith("running_var"):
                b.copy_(torch.exp(0.2 * torch.randn_like(b)))


# MARK: - Tensor collection


def state_tensors(model):
    """Parameters and buffers under their state_dict names, num_batches_tracked skipped."""
    return {k: v.detach().clone() for k, v in model.state_dict().items() if not k.endswith("num_batches_tracked")}


def grad_tensors(model):
    return {f"grad.{k}": p.grad.detach().clone() for k, p in model.named_parameters()}


def canonicalize_header(path):
    """Rewrites the safetensors JSON header with sorted keys: save_file orders the metadata through a Rust
    HashMap, so without this the bytes (not the tensors) change from run to run and git sees spurious diffs."""
    with open(path, "rb") as f:
        blob = f.read()
    n = int.from_bytes(blob[:8], "little")
    header = json.dumps(json.loads(blob[8:8 + n]), sort_keys=True, separators=(",", ":")).encode()
    header += b" " * (-len(header) % 8)
    with open(path, "wb") as f:
        f.write(len(header).to_bytes(8, "little") + header + blob[8 + n:])


def write(name, tensors, config, objective, notes=""):
    tensors = {k: v.detach().to(torch.float32).contiguous() for k, v in tensors.items()}
    metadata = {"config": json.dumps(config), "objective": objective}
    if notes:
        metadata["notes"] = notes
    path = os.path.join(FIXTURES, f"{name}.safetensors")
    save_file(tensors, path, metadata=metadata)
    canonicalize_header(path)
    print(f"{name:28s} {os.path.getsize(path):>8,} bytes  {len(tensors):3d} tensors  {json.dumps(config)}")


# MARK: - Module fixtures: objective (y * dy).sum()


def module_fixture(name, module, x, config, call):
    """call(module, x) -> y. Saves weights, x, y, dy, dx and grad.* for the objective (y*dy).sum()."""
    module.train()
    tensors = state_tensors(module)
    x = x.clone().requires_grad_(True)
    y = call(module, x)
    dy = torch.randn_like(y)
    module.zero_grad()
    (y * dy).sum().backward()
    tensors.update(x=x, y=y, dy=dy, dx=x.grad, **grad_tensors(module))
    write(name, tensors, config, "sum(y * dy); dx and grad.* are its gradients")
    return module


def make_mamba(name, d_model, d_state, length):
    cfg = dict(module="mamba", d_model=d_model, d_state=d_state, d_conv=4, expand=2, dt_rank=math.ceil(d_model / 16),
               batch=2, length=length)
    m = ref.Mamba(d_model, d_state=d_state)
    perturb_(m)
    x = torch.randn(cfg["batch"], length, d_model)
    return module_fixture(name, m, x, cfg, lambda m, x: m(x))


def make_einfft(n):
    cfg = dict(module="einfft", dim=16, num_blocks=4, block_size=4, sparsity_threshold=0.01, batch=2, tokens=n)
    m = ref.EinFFT(cfg["dim"])
    perturb_(m)
    x = torch.randn(cfg["batch"], n, cfg["dim"])
    return module_fixture(f"einfft_n{n}", m, x, cfg, lambda m, x: m(x))


def make_block(mixer):
    cfg = dict(module="block", dim=16, d_state=8, channel_mixer=mixer, mlp=("PVT2FFN" if mixer == "mlp" else "EinFFT"),
               mlp_ratio=2, H=3, W=4, batch=2, drop_path=0.0)
    mlp = ref.make_channel_mixer(mixer, cfg["dim"], cfg["mlp_ratio"], spatial=True)
    m = ref.Block(cfg["dim"], mlp, d_state=cfg["d_state"])
    m.apply(ref.init_weights_official)
    perturb_(m)
    x = torch.randn(cfg["batch"], cfg["H"] * cfg["W"], cfg["dim"])
    return module_fixture(f"block_{mixer}", m, x, cfg, lambda m, x: m(x, cfg["H"], cfg["W"]))


def make_classblock(mixer):
    cfg = dict(module="classblock", dim=16, d_state=8, channel_mixer=mixer, mlp=("FFN" if mixer == "mlp" else "EinFFT"),
               mlp_ratio=2, H=3, W=4, batch=2, tokens=1 + 12)
    mlp = ref.make_channel_mixer(mixer, cfg["dim"], cfg["mlp_ratio"], spatial=False)
    m = ref.ClassBlock(cfg["dim"], mlp, d_state=cfg["d_state"])
    m.apply(ref.init_weights_official)
    perturb_(m)
    x = torch.randn(cfg["batch"], cfg["tokens"], cfg["dim"])
    suffix = "" if mixer == "einfft" else "_mlp"
    return module_fixture(f"classblock{suffix}", m, x, cfg, lambda m, x: m(x, cfg["H"], cfg["W"]))


# MARK: - Whole-model fixtures: objective = loss


def adamw_groups(model):
    decay, no_decay = [], []
    for name, p in model.named_parameters():
        (no_decay if p.dim() <= 1 or name.endswith(".bias") else decay).append(p)
    return [dict(params=decay, weight_decay=ADAMW["weight_decay"]), dict(params=no_decay, weight_decay=0.0)]


def run_adamw(model, loss_fn, final_names):
    """ADAMW_STEPS steps of AdamW from the model's current weights; returns the loss before each step and
    the named parameters after the last step."""
    opt = torch.optim.AdamW(adamw_groups(model), lr=ADAMW["lr"], betas=ADAMW["betas"], eps=ADAMW["eps"])
    losses = []
    for _ in range(ADAMW_STEPS):
        opt.zero_grad()
        loss = loss_fn(model)
        loss.backward()
        opt.step()
        losses.append(loss.detach())
    params = dict(model.named_parameters())
    return torch.stack(losses), {f"adamw.final.{n}": params[n].detach().clone() for n in final_names}


def model_fixture(name, build, x, target, loss_of, config, objective, final_names, record_acts=False):
    """build() -> fresh perturbed model (same weights every call). loss_of(model, x, target, acts) -> (y, loss).
    Saves weights, x, y, loss and grad.* of the loss (no dx: nothing upstream of a whole model needs it, and
    it would double the file), BatchNorm buffers after the forward, the target,
    intermediate activations (act.*) and ADAMW_STEPS AdamW steps from the saved weights."""
    model = build()
    model.train()
    tensors = state_tensors(model)
    before = dict(tensors)
    x = x.clone().requires_grad_(True)
    acts_out = {} if record_acts else None
    y, loss = loss_of(model, x, target, acts_out)
    model.zero_grad()
    loss.backward()
    tensors.update(x=x, y=y, loss=loss.reshape(1), **grad_tensors(model))
    if acts_out:
        tensors.update(acts_out)
    for k, v in model.state_dict().items():
        if k.endswith("running_mean") or k.endswith("running_var"):
            tensors[f"after.{k}"] = v.clone()
    tensors.update(target)

    fresh = build()
    fresh.load_state_dict({**fresh.state_dict(), **before})
    fresh.train()
    losses, final = run_adamw(fresh, lambda m: loss_of(m, x.detach(), target, None)[1], final_names)
    assert abs(losses[0].item() - loss.item()) <= 1e-6 * max(1.0, abs(loss.item())), "AdamW start differs from loss"
    tensors["adamw.losses"] = losses
    tensors.update(final)
    config = dict(config, adamw=dict(ADAMW, betas=list(ADAMW["betas"]), steps=ADAMW_STEPS,
                                     adamw_final=final_names))
    write(name, tensors, config, objective, notes="AdamW weight decay rule: " + DECAY_RULE)


VISION_TINY = dict(in_chans=3, num_classes=5, stem_hidden_dim=4, embed_dims=[4, 8, 12, 16], depths=[1, 1, 1, 1],
                   mlp_ratios=[4, 4, 2, 2], d_state=4, drop_path_rate=0.0)


def make_vision(name, mixer, token_label):
    cfg = dict(module="simba_vision", **VISION_TINY, channel_mixer=mixer, token_label=token_label,
               class_block_mlp=("EinFFT" if mixer == "einfft" else "FFN"), batch=2, image_height=33, image_width=40,
               token_grids=[[9, 10], [5, 5], [3, 3], [2, 2]], batchnorm="train", label_smoothing=0.1)

    def build():
        torch.manual_seed(7)
        model = ref.SiMBA(in_chans=cfg["in_chans"], num_classes=cfg["num_classes"],
                          stem_hidden_dim=cfg["stem_hidden_dim"], embed_dims=cfg["embed_dims"],
                          depths=cfg["depths"], mlp_ratios=cfg["mlp_ratios"], channel_mixer=mixer,
                          token_label=token_label, d_state=cfg["d_state"])
        perturb_(model)
        return model

    def loss_of(model, img, target, acts):
        logits = model(img, acts)
        return logits, F.cross_entropy(logits, target["labels"].long(), label_smoothing=cfg["label_smoothing"])

    torch.manual_seed(100)
    img = torch.randn(cfg["batch"], cfg["in_chans"], cfg["image_height"], cfg["image_width"])
    labels = torch.tensor([1.0, 4.0])
    finals = ["head.weight", "block1.0.attn.mamba.A_log", "block4.0.norm2.weight", "patch_embed1.conv.0.weight"]
    if token_label:
        finals.append("aux_head.weight")
    model_fixture(name, build, img, {"labels": labels}, loss_of, cfg,
                  "loss = cross_entropy(y, labels, label_smoothing=0.1), mean over batch; y = head(cls)"
                  + (" + 0.5 * max_tokens aux_head(tokens)" if token_label else "")
                  + "; grad.* are gradients of loss; BatchNorm in training mode",
                  finals, record_acts=True)


# MARK: - Eval-path fixture: PNG files in an image folder, eval-mode logits


def png_bytes(pixels):
    """An 8-bit RGB PNG of `pixels` (H, W, 3) uint8: IHDR, one zlib IDAT with filter type 0 on every row, IEND."""
    height, width, _ = pixels.shape

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    raw = b"".join(b"\x00" + bytes(pixels[y].flatten().tolist()) for y in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


def read_png(path):
    """Decodes a PNG written by png_bytes (8-bit RGB, filter type 0) to a (H, W, 3) uint8 tensor."""
    with open(path, "rb") as f:
        blob = f.read()
    assert blob[:8] == b"\x89PNG\r\n\x1a\n", f"{path}: not a PNG"
    at, chunks = 8, {}
    while at < len(blob):
        n = struct.unpack(">I", blob[at:at + 4])[0]
        chunks.setdefault(blob[at + 4:at + 8], b"")
        chunks[blob[at + 4:at + 8]] += blob[at + 8:at + 8 + n]
        at += 12 + n
    width, height, depth, color = struct.unpack(">IIBB", chunks[b"IHDR"][:10])
    assert (depth, color) == (8, 2), f"{path}: only 8-bit RGB is read here"
    raw = zlib.decompress(chunks[b"IDAT"])
    stride = 1 + 3 * width
    assert all(raw[y * stride] == 0 for y in range(height)), f"{path}: only filter type 0 is read here"
    rows = [list(raw[y * stride + 1:(y + 1) * stride]) for y in range(height)]
    return torch.tensor(rows, dtype=torch.uint8).reshape(height, width, 3)


IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


def eval_input(images):
    """torchvision ToTensor + Normalize in float32: x = (u8 / 255 - mean) / std, (N, H, W, 3) uint8 -> NCHW."""
    x = images.permute(0, 3, 1, 2).to(torch.float32).div(255)
    mean = torch.tensor(IMAGENET_MEAN, dtype=torch.float32).view(1, 3, 1, 1)
    std = torch.tensor(IMAGENET_STD, dtype=torch.float32).view(1, 3, 1, 1)
    return (x - mean) / std


def eval_images_from(config):
    """The fixture's images read back from their PNG files, in the config's sample order."""
    root = os.path.join(EVAL_IMAGES, config["split"])
    return torch.stack([read_png(os.path.join(root, path)) for path in config["samples"]])


def build_vision_eval(cfg):
    torch.manual_seed(9)
    model = ref.SiMBA(in_chans=cfg["in_chans"], num_classes=cfg["num_classes"], stem_hidden_dim=cfg["stem_hidden_dim"],
                      embed_dims=cfg["embed_dims"], depths=cfg["depths"], mlp_ratios=cfg["mlp_ratios"],
                      channel_mixer=cfg["channel_mixer"], token_label=cfg["token_label"], d_state=cfg["d_state"])
    perturb_(model)
    return model.eval()


def make_vision_eval(name):
    """A tiny SiMBA in eval mode (BatchNorm on perturbed running statistics) on 4 PNG images of 32x32 in
    eval_images/val/<class>/, already at the input size, so the eval transform (crop_pct 1) only normalises.
    Saves the weights, the logits `y` (4, 3) in sample order (paths sorted) and the labels."""
    classes = ["class_a", "class_b", "class_c"]
    files = [("class_a", "a0.png"), ("class_a", "a1.png"), ("class_b", "b0.png"), ("class_c", "c0.png")]
    samples = sorted(f"{c}/{f}" for c, f in files)
    cfg = dict(module="simba_vision_eval", **dict(VISION_TINY, num_classes=len(classes)), channel_mixer="einfft",
               token_label=True, batch=len(samples), image_size=32, crop_pct=1.0, interpolation="bicubic",
               normalization=dict(mean=list(IMAGENET_MEAN), std=list(IMAGENET_STD)), batchnorm="eval",
               images="eval_images", split="val", classes=classes, samples=samples)

    # Smooth colour ripples (127.5 +- 100) plus +-12 levels of noise, so pixel values span 16..239.
    torch.manual_seed(300)
    size = cfg["image_size"]
    yy, xx = torch.meshgrid(torch.arange(size, dtype=torch.float32), torch.arange(size, dtype=torch.float32),
                            indexing="ij")
    split_root = os.path.join(EVAL_IMAGES, cfg["split"])
    shutil.rmtree(EVAL_IMAGES, ignore_errors=True)
    for k, path in enumerate(samples):
        phase = torch.rand(3) * 6.283
        freq = 0.1 + 0.3 * torch.rand(3)
        channels = [127.5 + 100 * torch.sin(freq[c] * (xx * (1 + c) + yy * (k + 1 - c)) / 2 + phase[c])
                    for c in range(3)]
        image = torch.stack(channels, dim=-1) + torch.randint(-12, 13, (size, size, 3)).float()
        image = image.round().clamp(0, 255).to(torch.uint8)
        os.makedirs(os.path.dirname(os.path.join(split_root, path)), exist_ok=True)
        with open(os.path.join(split_root, path), "wb") as f:
            f.write(png_bytes(image))

    images = eval_images_from(cfg)                                       # read back: the PNGs are the input
    x = eval_input(images)                                               # (4, 3, 32, 32)
    model = build_vision_eval(cfg)
    with torch.no_grad():
        y = model(x)                                                     # (4, 3)
    labels = torch.tensor([float(classes.index(p.split("/")[0])) for p in samples])
    write(name, {**state_tensors(model), "y": y, "labels": labels}, cfg,
          "none (eval only): y = eval-mode logits head(cls) + 0.5 * max_tokens aux_head(tokens) of the images "
          "in eval_images/val, sample order = config samples")


def make_ts(name, token_axis, mixer, linear_skip=False):
    cfg = dict(module="simba_ts", seq_len=16, pred_len=8, n_vars=3, d_model=16, e_layers=2, d_state=8,
               token_axis=token_axis, channel_mixer=mixer, mlp_ratio=2, mlp="FFN" if mixer == "mlp" else "EinFFT",
               dropout=0.0, revin=True, revin_eps=1e-5, batch=2)
    if linear_skip:
        cfg["linear_skip"] = True

    def build():
        torch.manual_seed(8)
        model = ref.SiMBATS(cfg["seq_len"], cfg["pred_len"], cfg["n_vars"], d_model=cfg["d_model"],
                            e_layers=cfg["e_layers"], token_axis=token_axis, channel_mixer=mixer,
                            mlp_ratio=cfg["mlp_ratio"], d_state=cfg["d_state"], dropout=0.0, revin=True,
                            linear_skip=linear_skip)
        model.apply(ref.init_weights_official)
        perturb_(model)
        return model

    def loss_of(model, x, target, acts):
        y = model(x)
        return y, F.mse_loss(y, target["target"])

    torch.manual_seed(200)
    x = 2.0 * torch.randn(cfg["batch"], cfg["seq_len"], cfg["n_vars"]) + 0.5
    target = 2.0 * torch.randn(cfg["batch"], cfg["pred_len"], cfg["n_vars"]) + 0.5
    finals = ["head.weight", "blocks.0.attn.mamba.A_log", "embed.bias", "norm.weight"]
    if token_axis == "time":
        finals.append("time_proj.weight")
    if linear_skip:
        finals.append("skip.weight")
    model_fixture(name, build, x, {"target": target}, loss_of, cfg,
                  "loss = mean squared error(y, target); grad.* are gradients of loss; "
                  "RevIN mean and std are treated as constants (detached) in the backward", finals)


# MARK: - Reference self-checks (float64)


def gradcheck_module(label, module, x, call):
    """torch.autograd.gradcheck in float64 of call(module, x) w.r.t. x and every parameter."""
    module = module.double().train()
    names = [n for n, _ in module.named_parameters()]
    params = [p.detach().clone().requires_grad_(True) for _, p in module.named_parameters()]
    x = x.double().detach().requires_grad_(True)

    def f(x, *ps):
        return call(lambda *args: torch.func.functional_call(module, dict(zip(names, ps)), args), x)

    ok = torch.autograd.gradcheck(f, (x, *params), eps=1e-6, atol=1e-6, rtol=1e-5)
    print(f"gradcheck {label:24s} {'ok' if ok else 'FAILED'} ({sum(p.numel() for p in params) + x.numel()} inputs)")


def directional_check(label, build, x, loss_of, target, perturb_input=True):
    """Central difference of the float64 loss along a random direction vs the autograd directional derivative.
    perturb_input=False leaves x fixed (SiMBA-TS with RevIN: its dx treats the statistics as constants by design,
    so it is not the derivative of the loss)."""
    model = build().double().train()
    x = x.double().detach().requires_grad_(True)
    target = {k: v.double() for k, v in target.items()}
    params = list(model.parameters())
    loss = loss_of(model, x, target, None)[1]
    grads = torch.autograd.grad(loss, [x, *params])
    dirs = [torch.randn_like(t) for t in [x, *params]]
    if not perturb_input:
        dirs[0].zero_()
    analytic = sum((g * d).sum() for g, d in zip(grads, dirs)).item()
    eps = 1e-6

    def shifted(sign):
        with torch.no_grad():
            for p, d in zip(params, dirs[1:]):
                p.add_(sign * eps * d)
            out = loss_of(model, x + sign * eps * dirs[0], target, None)[1].item()
            for p, d in zip(params, dirs[1:]):
                p.sub_(sign * eps * d)
        return out

    numeric = (shifted(1) - shifted(-1)) / (2 * eps)
    rel = abs(numeric - analytic) / max(abs(analytic), 1e-12)
    print(f"directional {label:22s} analytic {analytic:+.10e} numeric {numeric:+.10e} rel {rel:.1e} "
          f"{'ok' if rel < 1e-6 else 'FAILED'}")


def run_checks():
    torch.manual_seed(0)
    m = ref.Mamba(4, d_state=6)
    perturb_(m)
    gradcheck_module("mamba", m, torch.randn(2, 7, 4), lambda f, x: f(x))
    for n in (5, 6):
        e = ref.EinFFT(8)
        perturb_(e)
        gradcheck_module(f"einfft_n{n}", e, torch.randn(2, n, 8), lambda f, x: f(x))
    for mixer in ("einfft", "mlp"):
        b = ref.Block(8, ref.make_channel_mixer(mixer, 8, 2, spatial=True), d_state=4)
        perturb_(b)
        gradcheck_module(f"block_{mixer}", b, torch.randn(2, 6, 8), lambda f, x: f(x, 2, 3))
        c = ref.ClassBlock(8, ref.make_channel_mixer(mixer, 8, 2, spatial=False), d_state=4)
        perturb_(c)
        gradcheck_module(f"classblock_{mixer}", c, torch.randn(2, 5, 8), lambda f, x: f(x, 2, 2))

    def vision_build(mixer, tl):
        def build():
            torch.manual_seed(7)
            model = ref.SiMBA(**VISION_TINY, channel_mixer=mixer, token_label=tl)
            perturb_(model)
            return model
        return build

    def vision_loss(model, img, target, acts):
        logits = model(img, acts)
        return logits, F.cross_entropy(logits, target["labels"].long(), label_smoothing=0.1)

    torch.manual_seed(1)
    img = torch.randn(2, 3, 33, 40)
    for mixer, tl in (("einfft", True), ("einfft", False), ("mlp", True)):
        directional_check(f"vision_{mixer}{'_tl' if tl else ''}", vision_build(mixer, tl), img, vision_loss,
                          {"labels": torch.tensor([1.0, 4.0])})
    for axis, mixer, revin, skip in (("variate", "einfft", True, False), ("time", "einfft", True, False),
                                     ("variate", "mlp", True, False), ("time", "mlp", True, False),
                                     ("variate", "einfft", False, False), ("time", "mlp", False, False),
                                     ("variate", "einfft", True, True)):
        def ts_build(axis=axis, mixer=mixer, revin=revin, skip=skip):
            torch.manual_seed(8)
            model = ref.SiMBATS(16, 8, 3, d_model=16, e_layers=2, token_axis=axis, channel_mixer=mixer,
                                mlp_ratio=2, d_state=8, revin=revin, linear_skip=skip)
            model.apply(ref.init_weights_official)
            perturb_(model)
            return model
        label = f"ts_{axis}_{mixer}{'' if revin else '_norevin'}{'_skip' if skip else ''}"
        directional_check(label, ts_build, torch.randn(2, 16, 3),
                          lambda m, x, t, a: (m(x), F.mse_loss(m(x), t["target"])),
                          {"target": torch.randn(2, 8, 3)}, perturb_input=not revin)


def float32_accuracy():
    """Max |y32 - y64| / max|y64| of each fixture's stored output, to tell the Swift tests which tolerance the
    problem itself allows."""
    from safetensors import safe_open
    for fname in sorted(f for f in os.listdir(FIXTURES) if f.endswith(".safetensors")):
        with safe_open(os.path.join(FIXTURES, fname), "pt") as f:
            cfg = json.loads(f.metadata()["config"])
            t = {k: f.get_tensor(k) for k in f.keys()}
        module = cfg["module"]
        if module == "mamba":
            m = ref.Mamba(cfg["d_model"], d_state=cfg["d_state"])
            call = lambda m, x: m(x)
        elif module == "einfft":
            m = ref.EinFFT(cfg["dim"])
            call = lambda m, x: m(x)
        elif module in ("block", "classblock"):
            mlp = ref.make_channel_mixer(cfg["channel_mixer"], cfg["dim"], cfg["mlp_ratio"],
                                         spatial=(module == "block"))
            cls = ref.Block if module == "block" else ref.ClassBlock
            m = cls(cfg["dim"], mlp, d_state=cfg["d_state"])
            call = lambda m, x, c=cfg: m(x, c["H"], c["W"])
        elif module == "simba_vision_eval":
            m = build_vision_eval(cfg)
            t["x"] = eval_input(eval_images_from(cfg))
            call = lambda m, x: m(x)
        elif module == "simba_vision":
            m = ref.SiMBA(in_chans=cfg["in_chans"], num_classes=cfg["num_classes"],
                          stem_hidden_dim=cfg["stem_hidden_dim"], embed_dims=cfg["embed_dims"], depths=cfg["depths"],
                          mlp_ratios=cfg["mlp_ratios"], channel_mixer=cfg["channel_mixer"],
                          token_label=cfg["token_label"], d_state=cfg["d_state"])
            call = lambda m, x: m(x)
        else:
            m = ref.SiMBATS(cfg["seq_len"], cfg["pred_len"], cfg["n_vars"], d_model=cfg["d_model"],
                            e_layers=cfg["e_layers"], token_axis=cfg["token_axis"], channel_mixer=cfg["channel_mixer"],
                            mlp_ratio=cfg["mlp_ratio"], d_state=cfg["d_state"],
                            linear_skip=cfg.get("linear_skip", False))
            call = lambda m, x: m(x)
        m.load_state_dict({k: v for k, v in t.items() if k in m.state_dict()}, strict=False)
        m = m.double().eval() if cfg.get("batchnorm") == "eval" else m.double().train()
        with torch.no_grad():
            y64 = call(m, t["x"].double())
        err = ((t["y"].double() - y64).abs().max() / y64.abs().max()).item()
        print(f"float32 vs float64 {fname:32s} max|dy|/max|y| = {err:.1e}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="also run float64 gradient checks of the reference")
    args = parser.parse_args()
    os.makedirs(FIXTURES, exist_ok=True)
    torch.set_num_threads(1)
    torch.manual_seed(0)
    make_mamba("mamba", d_model=8, d_state=16, length=11)
    make_mamba("mamba_rank2", d_model=20, d_state=4, length=6)
    make_einfft(7)
    make_einfft(8)
    make_block("einfft")
    make_block("mlp")
    make_classblock("einfft")
    make_classblock("mlp")
    make_vision("vision_tiny_einfft_tl", "einfft", True)
    make_vision("vision_tiny_einfft", "einfft", False)
    make_vision("vision_tiny_mlp_tl", "mlp", True)
    make_ts("ts_variate", "variate", "einfft")
    make_ts("ts_time", "time", "einfft")
    make_ts("ts_variate_mlp", "variate", "mlp")
    make_ts("ts_variate_skip", "variate", "einfft", linear_skip=True)
    make_vision_eval("vision_eval")
    total = sum(os.path.getsize(os.path.join(folder, f)) for folder, _, files in os.walk(FIXTURES) for f in files)
    print(f"total {total:,} bytes")
    if args.check:
        float32_accuracy()
        run_checks()


if __name__ == "__main__":
    main()
