"""PyTorch side of `make bench`: times the PyTorch reference SiMBA (scripts/reference/simba_reference.py) on one case.

    python3 scripts/reference/bench_reference.py --case CASE --scan reference|mambapy
        [--repeats N] [--warmup W] [--threads T]
    python3 scripts/reference/bench_reference.py --check-scans

Prints exactly one JSON line on stdout, progress goes to stderr:
    {"case", "impl", "unit", "value" (the median), "samples", "warmup", "threads", "torch", ...}
The cases are those of `simba bench model --case CASE` (scripts/README.md says what each one times):
    train-einfft-64, train-mlp-64, train-einfft-128   SiMBA-S training steps, batch 16            images/s
    infer-einfft-224                                  SiMBA-S eval forward, batch 8               images/s
    etth1-epoch                                       one SiMBA-TS epoch on ETTh1 (train, val, test)  seconds
    memory-einfft-224                                 peak RSS of one training step, batch 32     MB
`--scan` picks the Mamba scan: the sequential `selective_scan_ref` or mambapy's parallel `pscan`.
Every run is capped at `--memory-cap-gb` of address space (default 20): a case that needs more reports
`"value": null` with the error, the resident memory it reached and `"exceeded_cap": true` instead of pushing
the machine into the OOM killer. `--check-scans` compares the two scans (outputs and gradients) instead.
"""

import argparse
import csv
import json
import os
import resource
import signal
import statistics
import subprocess
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import simba_reference as ref  # noqa: E402  (found through the path set just above)

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
ETTH1_CSV = os.path.join(ROOT, "data", "ETT", "ETTh1.csv")
IMPL = {"reference": "pytorch-reference-scan", "mambapy": "pytorch-mambapy"}
SEED = 0

# SiMBA-S (token labelling on, 1000 classes, no drop path) on fixed N(0, 1) images.
VISION = {
    "train-einfft-64": dict(mixer="einfft", side=64, batch=16, train=True),
    "train-mlp-64": dict(mixer="mlp", side=64, batch=16, train=True),
    "train-einfft-128": dict(mixer="einfft", side=128, batch=16, train=True),
    "infer-einfft-224": dict(mixer="einfft", side=224, batch=8, train=False),
}
MEMORY = {"memory-einfft-224": dict(mixer="einfft", side=224, batch=32, train=True)}
CASES = [*VISION, "etth1-epoch", *MEMORY]
VISION_LR = 1e-3
WEIGHT_DECAY = 0.05
LABEL_SMOOTHING = 0.1

# SiMBA-TS on ETTh1 as configs/etth1-96.yaml set it up before channel independence (features M: the 7
# columns after `date`).
ETTH1_MODEL = dict(seq_len=96, pred_len=96, n_vars=7, d_model=128, e_layers=2, d_state=16,
                   channel_mixer="einfft", token_axis="variate", revin=True, dropout=0.1)
ETTH1_LR = 2e-4
ETTH1_BATCH = 32
HOURS_PER_MONTH = 30 * 24

# How an allocation refused by RLIMIT_AS shows in the memory child's error message.
ALLOCATION_FAILURES = ("can't allocate memory", "not enough memory", "bad_alloc", "MemoryError", "out of memory")


def log(message):
    print(message, file=sys.stderr, flush=True)


def rss_mb(field="VmRSS"):
    """Resident memory of this process in MB (10^6 bytes): now (VmRSS) or at its peak (VmHWM)."""
    with open("/proc/self/status") as status:
        kb = next(int(line.split()[1]) for line in status if line.startswith(field + ":"))
    return kb * 1024 / 1e6


def is_allocation_failure(error):
    return isinstance(error, MemoryError) or any(text in str(error) for text in ALLOCATION_FAILURES)


def error_text(error):
    return f"{type(error).__name__}: {str(error).strip()[:300]}"


def run_capped(bench, unit, cap_gb):
    """bench() with this process's address space capped at cap_gb; an allocation the cap refuses becomes a
    result with value null, the error and the peak RSS reached, instead of a crash (or the machine swapping)."""
    cap_bytes = int(cap_gb * 1e9)
    resource.setrlimit(resource.RLIMIT_AS, (cap_bytes, cap_bytes))
    try:
        return bench()
    except (RuntimeError, MemoryError) as error:
        if not is_allocation_failure(error):
            raise
        peak_mb = rss_mb("VmHWM")
        log(f"failed after a peak RSS of {peak_mb:.0f} MB: {error}")
        return dict(unit=unit, value=None, samples=[], cap_mb=cap_bytes / 1e6, peak_rss_mb=peak_mb,
                    exceeded_cap=True, error=f"{error_text(error)} (address-space cap {cap_gb:g} GB)")


# MARK: - Optimiser and timing


def adamw(model, lr):
    """AdamW (betas 0.9/0.999, eps 1e-8) with timm's filter_bias_and_bn, as simba and the fixtures use it:
    parameters with ndim <= 1 or a name ending in '.bias' are not decayed."""
    decay, no_decay = [], []
    for name, p in model.named_parameters():
        (no_decay if p.dim() <= 1 or name.endswith(".bias") else decay).append(p)
    groups = [dict(params=decay, weight_decay=WEIGHT_DECAY), dict(params=no_decay, weight_decay=0.0)]
    return torch.optim.AdamW(groups, lr=lr, betas=(0.9, 0.999), eps=1e-8)


def time_calls(fn, warmup, repeats, label):
    """Seconds taken by each of `repeats` calls of fn that follow `warmup` untimed calls."""
    seconds = []
    for i in range(warmup + repeats):
        start = time.perf_counter()
        fn()
        elapsed = time.perf_counter() - start
        kind = "warmup" if i < warmup else "timed"
        log(f"{label}: {kind} {i + 1}/{warmup + repeats} took {elapsed:.2f} s (RSS {rss_mb():.0f} MB)")
        if i >= warmup:
            seconds.append(elapsed)
    return seconds


# MARK: - Vision cases


def build_vision(mixer):
    torch.manual_seed(SEED)
    return ref.simba("simba_s", channel_mixer=mixer, num_classes=1000, token_label=True, drop_path_rate=0.0)


def vision_batch(side, batch):
    """Fixed seeded N(0, 1) images and uniform labels."""
    generator = torch.Generator().manual_seed(SEED)
    images = torch.randn(batch, 3, side, side, generator=generator)  # (B, 3, side, side)
    labels = torch.randint(0, 1000, (batch,), generator=generator)   # (B,)
    return images, labels


def train_step(model, optimizer, images, labels):
    """Zero grads, forward, label-smoothed cross entropy, backward, AdamW step."""
    optimizer.zero_grad()
    logits = model(images)  # (B, 1000) = head(cls) + 0.5 * max over tokens of aux_head(token)
    loss = F.cross_entropy(logits, labels, label_smoothing=LABEL_SMOOTHING)
    loss.backward()
    optimizer.step()


def infer(model, images):
    with torch.inference_mode():
        model(images)  # (B, 1000)


def vision_step(config):
    """The model in train or eval mode and a no-argument function running one step of the case."""
    model = build_vision(config["mixer"])
    images, labels = vision_batch(config["side"], config["batch"])
    if not config["train"]:
        model.eval()
        return model, lambda: infer(model, images)
    model.train()
    optimizer = adamw(model, VISION_LR)
    return model, lambda: train_step(model, optimizer, images, labels)


def bench_vision(case, warmup, repeats):
    batch = VISION[case]["batch"]
    _, step = vision_step(VISION[case])
    seconds = time_calls(step, warmup, repeats, case)
    return dict(unit="images/s", value=batch / statistics.median(seconds),
                samples=[batch / s for s in seconds], step_seconds=seconds)


# MARK: - ETTh1 epoch


def read_ett(path):
    """Every column but `date` of an ETT CSV: float64 (rows, 7)."""
    with open(path, newline="") as file:
        reader = csv.reader(file)
        header = next(reader)
        if header[0] != "date":
            raise ValueError(f"{path}: expected `date` as the first column, found {header[0]!r}")
        return np.array([[float(v) for v in row[1:]] for row in reader], dtype=np.float64)


def ett_hour_borders(seq_len):
    """Time-Series-Library Dataset_ETT_hour rows [start, end) per split: 12 months train, 4 val, 4 test;
    val and test start seq_len rows early so their first target follows the previous split."""
    month = HOURS_PER_MONTH
    return {"train": (0, 12 * month), "val": (12 * month - seq_len, 16 * month),
            "test": (16 * month - seq_len, 20 * month)}


def windows(rows, seq_len, pred_len):
    """Every window of the split: x = rows[i:i+seq_len], y = rows[i+seq_len:i+seq_len+pred_len]."""
    series = torch.from_numpy(rows)                                  # (T, M)
    span = seq_len + pred_len
    spans = series.unfold(0, span, 1).transpose(1, 2).contiguous()   # (n = T - span + 1, span, M)
    return spans[:, :seq_len], spans[:, seq_len:]                    # (n, seq_len, M), (n, pred_len, M)


def etth1_data():
    """Windows of each split, standardised with the mean and population std of the train rows."""
    rows = read_ett(ETTH1_CSV)                                       # (17420, 7)
    seq_len, pred_len = ETTH1_MODEL["seq_len"], ETTH1_MODEL["pred_len"]
    borders = ett_hour_borders(seq_len)
    train_start, train_end = borders["train"]
    mean = rows[train_start:train_end].mean(axis=0)                  # (7,)
    std = rows[train_start:train_end].std(axis=0)                    # (7,), ddof 0 like sklearn StandardScaler
    scaled = ((rows - mean) / std).astype(np.float32)
    return {split: windows(scaled[start:end], seq_len, pred_len) for split, (start, end) in borders.items()}


def split_mse(model, x, y):
    """MSE over all windows of a split (every element, all 7 columns), batches of ETTH1_BATCH, last one partial."""
    total = 0.0
    for k in range(0, len(x), ETTH1_BATCH):
        total += F.mse_loss(model(x[k:k + ETTH1_BATCH]), y[k:k + ETTH1_BATCH], reduction="sum").item()
    return total / y.numel()


def etth1_epoch(model, optimizer, data, generator):
    """A shuffled training pass (last partial batch dropped), then val and test MSE in eval mode."""
    x, y = data["train"]
    order = torch.randperm(len(x), generator=generator)
    model.train()
    for k in range(len(x) // ETTH1_BATCH):
        batch = order[k * ETTH1_BATCH:(k + 1) * ETTH1_BATCH]
        optimizer.zero_grad()
        loss = F.mse_loss(model(x[batch]), y[batch])                  # forecast (32, 96, 7)
        loss.backward()
        optimizer.step()
    model.eval()
    with torch.no_grad():
        log(f"etth1-epoch: val MSE {split_mse(model, *data['val']):.4f}, "
            f"test MSE {split_mse(model, *data['test']):.4f}")


def bench_etth1(warmup, repeats):
    data = etth1_data()
    log("etth1-epoch: windows " + ", ".join(f"{split} {len(x)}" for split, (x, _) in data.items()))
    torch.manual_seed(SEED)
    model = ref.SiMBATS(**ETTH1_MODEL)
    optimizer = adamw(model, ETTH1_LR)
    generator = torch.Generator().manual_seed(SEED)
    seconds = time_calls(lambda: etth1_epoch(model, optimizer, data, generator), warmup, repeats, "etth1-epoch")
    return dict(unit="seconds", value=statistics.median(seconds), samples=seconds)


# MARK: - Peak memory of one training step (in a child process)


def log_block_progress(model):
    """Logs the end of each block's forward with the elapsed time and resident memory."""
    start = time.perf_counter()
    for name, module in model.named_modules():
        if isinstance(module, (ref.Block, ref.ClassBlock)):
            module.register_forward_hook(lambda _m, _i, _o, name=name: log(
                f"  forward {name} done at {time.perf_counter() - start:.1f} s, RSS {rss_mb():.0f} MB"))


def memory_child(case):
    """One training step of the case, in the process bench_memory started under its cap. Prints
    {"step_seconds"}, or {"error", "exceeded_cap"} when the cap refuses an allocation, as one JSON line."""
    model, step = vision_step(MEMORY[case])
    log_block_progress(model)
    log(f"  step started, RSS {rss_mb():.0f} MB")
    start = time.perf_counter()
    try:
        step()
    except (RuntimeError, MemoryError) as error:
        if not is_allocation_failure(error):
            raise
        print(json.dumps({"error": error_text(error), "exceeded_cap": True}), flush=True)
        return
    print(json.dumps({"step_seconds": time.perf_counter() - start}), flush=True)


def bench_memory(case, scan, threads, cap_gb):
    """Peak RSS in MB of a fresh child process running one training step under an address-space cap.

    If the child fails, value is null with the error; `exceeded_cap` says whether the failure was an allocation
    refused by the cap (or a kill by signal, as the OOM killer or an allocation failing in native code ends one).
    """
    cap_bytes = int(cap_gb * 1e9)
    command = [sys.executable, os.path.abspath(__file__), "--case", case, "--scan", scan,
               "--threads", str(threads), "--memory-child"]
    log(f"{case}: one training step in a child process, address space capped at {cap_gb:g} GB")
    child = subprocess.run(command, stdout=subprocess.PIPE, text=True,
                           preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_AS, (cap_bytes, cap_bytes)))
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024 / 1e6  # ru_maxrss is in KiB
    lines = child.stdout.strip().splitlines()
    report = json.loads(lines[-1]) if lines else {}
    if child.returncode < 0:
        report.setdefault("error", f"child killed by {signal.Signals(-child.returncode).name}")
    elif child.returncode > 0:
        report.setdefault("error", f"child exited with status {child.returncode}")
    result = dict(unit="MB", cap_mb=cap_bytes / 1e6, peak_rss_mb=peak_mb)
    if "error" in report:
        log(f"{case}: failed after a peak RSS of {peak_mb:.0f} MB: {report['error']}")
        return dict(result, value=None, samples=[], exceeded_cap=report.get("exceeded_cap", child.returncode < 0),
                    error=f"{report['error']} (address-space cap {cap_gb:g} GB)")
    return dict(result, value=peak_mb, samples=[peak_mb], step_seconds=report["step_seconds"])


# MARK: - Scan agreement


def scan_differences(l, generator):
    """Max |reference - mambapy| of y and of each input's gradient of sum(y * dy), for one random case."""
    b, d_inner, n = 2, 6, 4
    inputs = dict(
        u=torch.randn(b, l, d_inner, generator=generator),
        delta=F.softplus(torch.randn(b, l, d_inner, generator=generator)),  # > 0, as Mamba's delta
        A=-torch.exp(torch.randn(d_inner, n, generator=generator)),         # < 0, as -exp(A_log)
        Bm=torch.randn(b, l, n, generator=generator),
        Cm=torch.randn(b, l, n, generator=generator),
        D=torch.randn(d_inner, generator=generator))
    dy = torch.randn(b, l, d_inner, generator=generator)                    # (b, l, d_inner)
    results = {}
    for scan in ("reference", "mambapy"):
        leaves = {name: value.clone().requires_grad_() for name, value in inputs.items()}
        y = ref.SCANS[scan](**leaves)                                       # (b, l, d_inner)
        (y * dy).sum().backward()
        results[scan] = {"y": y.detach(), **{f"d{name}": leaf.grad for name, leaf in leaves.items()}}
    return {key: (results["reference"][key], results["mambapy"][key]) for key in results["reference"]}


def model_differences(generator):
    """Max |reference - mambapy| of the logits and parameter gradients of a tiny SiMBA (fixture sizes)."""
    images = torch.randn(2, 3, 33, 40, generator=generator)                 # (B, 3, H, W): 9x10 stage-1 tokens
    labels = torch.tensor([1, 3])
    results = {}
    for scan in ("reference", "mambapy"):
        ref.use_scan(scan)
        torch.manual_seed(SEED)
        model = ref.SiMBA(num_classes=5, stem_hidden_dim=4, embed_dims=(4, 8, 12, 16), depths=(1, 1, 1, 1),
                          mlp_ratios=(4, 4, 2, 2), d_state=4)
        with torch.no_grad():  # away from the init's tiny Linear weights, so the scan shapes the logits
            for p in model.parameters():
                p.add_(0.3 * torch.randn_like(p))
        logits = model(images)                                              # (2, 5)
        F.cross_entropy(logits, labels, label_smoothing=LABEL_SMOOTHING).backward()
        results[scan] = {"logits": logits.detach(), **{f"grad.{name}": p.grad for name, p in model.named_parameters()}}
    ref.use_scan("reference")
    return {key: (results["reference"][key], results["mambapy"][key]) for key in results["reference"]}


def check_scans():
    """Prints the largest differences between the two scans; returns 1 if any element is out of tolerance.

    Tolerance |mambapy - reference| <= 1e-5 + 1e-4 |reference| per element: both run in float32 and only
    the order of the additions differs, so differences are a few float32 ulps; a wrong state is off by O(1).
    """
    generator = torch.Generator().manual_seed(SEED)
    cases = {f"scan l={l}": scan_differences(l, generator) for l in (1, 8, 13, 100)}  # 13 and 100 are padded
    cases["tiny SiMBA"] = model_differences(generator)
    failed = False
    for case, pairs in cases.items():
        worst_key, (a, b) = max(pairs.items(), key=lambda item: (item[1][0] - item[1][1]).abs().max().item())
        worst, scale = (a - b).abs().max().item(), a.abs().max().item()
        bad = [key for key, (a, b) in pairs.items() if ((b - a).abs() > 1e-5 + 1e-4 * a.abs()).any()]
        failed = failed or bool(bad)
        status = "ok" if not bad else f"OUT OF TOLERANCE in {len(bad)}: " + ", ".join(bad[:3])
        print(f"{case:12s} max abs diff {worst:.2e} (in {worst_key}, whose max |value| is {scale:.2e}) "
              f"over {len(pairs)} tensors  {status}")
    return 1 if failed else 0


# MARK: - Command line


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case", choices=CASES)
    parser.add_argument("--scan", choices=list(IMPL), help="Mamba scan: sequential reference or mambapy pscan")
    parser.add_argument("--repeats", type=int, help="timed steps or epochs (default 3)")
    parser.add_argument("--warmup", type=int, help="untimed steps or epochs first (default 1)")
    parser.add_argument("--threads", type=int, default=os.cpu_count(), help="torch threads (default: all CPUs)")
    parser.add_argument("--memory-cap-gb", type=float, default=20.0,
                        help="address-space cap in GB of this process, or of the memory case's child (default 20)")
    parser.add_argument("--check-scans", action="store_true", help="compare the two scans and exit")
    parser.add_argument("--memory-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if not args.check_scans and (args.case is None or args.scan is None):
        parser.error("give --case and --scan (or --check-scans)")
    if args.case in MEMORY and (args.repeats is not None or args.warmup is not None):
        parser.error(f"{args.case} measures exactly one step: drop --repeats and --warmup")
    return args


def main():
    args = parse_args()
    torch.set_num_threads(args.threads)
    if args.check_scans:
        sys.exit(check_scans())
    ref.use_scan(args.scan)
    if args.memory_child:
        memory_child(args.case)
        return
    warmup = 1 if args.warmup is None else args.warmup
    repeats = 3 if args.repeats is None else args.repeats
    if args.case in VISION:
        result = run_capped(lambda: bench_vision(args.case, warmup, repeats), "images/s", args.memory_cap_gb)
    elif args.case == "etth1-epoch":
        result = run_capped(lambda: bench_etth1(warmup, repeats), "seconds", args.memory_cap_gb)
    else:
        result = bench_memory(args.case, args.scan, args.threads, args.memory_cap_gb)
        warmup = 0
    record = dict(case=args.case, impl=IMPL[args.scan], unit=result.pop("unit"), value=result.pop("value"),
                  samples=result.pop("samples"), warmup=warmup, threads=args.threads, torch=torch.__version__,
                  **result)
    print(json.dumps(record), flush=True)


if __name__ == "__main__":
    main()
