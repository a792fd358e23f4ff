"""Converts a PyTorch checkpoint (.pth / .pth.tar) into a safetensors weights file that simba loads with --weights.

It writes float32 contiguous tensors under their exact state_dict names, with the DataParallel `module.` prefix
removed; it does not rename, reshape or check tensors against a model (simba does that when it loads the file).
"""

import argparse
import os
import re
import sys

import torch
from safetensors.torch import save_file

# Containers the official SiMBA / DeiT / timm training code saves; `model` wins, then `state_dict`.
DEFAULT_KEYS = ("model", "state_dict")
PREFIX = "module."
COUNTER = "num_batches_tracked"


class ConversionError(Exception):
    """A checkpoint this script cannot turn into simba weights; the message says what to do."""


def load_checkpoint(path, trust_pickle):
    """torch.load with weights_only (no code runs while unpickling). The training scripts also pickle their
    argparse Namespace under 'args', so that class is allowed; anything else needs --trust-pickle."""
    if not os.path.isfile(path):
        raise ConversionError(f"{path}: no such file")
    torch.serialization.add_safe_globals([argparse.Namespace])
    try:
        return torch.load(path, map_location="cpu", weights_only=not trust_pickle)
    except Exception as error:
        first_line = re.sub(r"\x1b\[[0-9;]*m", "", str(error)).strip().splitlines()[:1]
        reason = f"{type(error).__name__}: {first_line[0] if first_line else 'no detail'}"
        if trust_pickle:
            raise ConversionError(f"{path}: torch.load failed ({reason}); check that it is a PyTorch checkpoint "
                                  f"and that the code it pickles is importable") from error
        raise ConversionError(f"{path}: cannot be read without running pickled code ({reason}).\n"
                              f"If you trust the file, run again with --trust-pickle.") from error


def is_state_dict(obj):
    return isinstance(obj, dict) and len(obj) > 0 and all(isinstance(v, torch.Tensor) for v in obj.values())


def select_state_dict(checkpoint, path, key):
    """The state_dict inside `checkpoint`: checkpoint[key] if given, else 'model', else 'state_dict',
    else the checkpoint itself when it is a bare state_dict."""
    if not isinstance(checkpoint, dict):
        raise ConversionError(f"{path}: holds a {type(checkpoint).__name__}, not a state_dict or a dict of them; "
                              f"save model.state_dict() instead of the model object")
    candidates = [k for k, v in checkpoint.items() if is_state_dict(v)]
    if key is not None:
        if key not in checkpoint:
            raise ConversionError(f"{path}: no key {key!r}; its keys are {sorted(map(str, checkpoint))}")
        if not is_state_dict(checkpoint[key]):
            raise ConversionError(f"{path}: {key!r} is not a state_dict (a dict of tensors); "
                                  f"state_dicts in this file: {candidates or 'none'}")
        return key, checkpoint[key]
    for k in DEFAULT_KEYS:
        if k in checkpoint and is_state_dict(checkpoint[k]):
            return k, checkpoint[k]
    if is_state_dict(checkpoint):
        return None, checkpoint
    raise ConversionError(f"{path}: no 'model' or 'state_dict' entry and not a bare state_dict; "
                          f"state_dicts in this file: {candidates or 'none'}; choose one with --key")


def convert(state_dict, drop_counters):
    """Returns ({name: tensor}, notes). Floating tensors become float32 contiguous copies;
    num_batches_tracked stays int64 (simba ignores it) unless drop_counters."""
    tensors, notes, rejected, converted = {}, [], [], {}
    for name, value in state_dict.items():
        clean = name[len(PREFIX):] if name.startswith(PREFIX) else name
        if clean in tensors:
            raise ConversionError(f"both {clean!r} and {PREFIX + clean!r} are in the state_dict; "
                                  f"choose the right one with --key or clean the checkpoint")
        if clean.rsplit(".", 1)[-1] == COUNTER:
            if not drop_counters:
                tensors[clean] = value.detach().to(torch.int64).contiguous().clone()
            continue
        if not value.is_floating_point():
            rejected.append(f"{name} ({value.dtype}, shape {list(value.shape)})")
            continue
        if value.dtype != torch.float32:
            converted[str(value.dtype)] = converted.get(str(value.dtype), 0) + 1
        tensors[clean] = value.detach().to(device="cpu", dtype=torch.float32).contiguous().clone()
    if rejected:
        raise ConversionError("simba weights are float32; these tensors are not floating point and not "
                              f"BatchNorm {COUNTER} counters:\n  " + "\n  ".join(rejected)
                              + "\nRemove them from the state_dict (they are not SiMBA weights) and convert again.")
    for dtype, count in sorted(converted.items()):
        notes.append(f"{count} {dtype} tensors converted to float32")
    return tensors, notes


def default_output(path):
    for suffix in (".pth.tar", ".pth", ".pt", ".tar", ".bin"):
        if path.endswith(suffix):
            return path[: -len(suffix)] + ".safetensors"
    return path + ".safetensors"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checkpoint", help="the .pth / .pth.tar file")
    parser.add_argument("output", nargs="?", help="the .safetensors file to write (default: the checkpoint's "
                                                  "name with .safetensors)")
    parser.add_argument("--key", help="the checkpoint entry holding the state_dict (default: 'model', then "
                                      "'state_dict', else the file itself); e.g. state_dict_ema for EMA weights")
    parser.add_argument("--drop-num-batches-tracked", action="store_true",
                        help=f"leave out the BatchNorm {COUNTER} counters (kept by default; simba ignores them)")
    parser.add_argument("--trust-pickle", action="store_true",
                        help="load with weights_only=False; runs code stored in the file, so only for files you trust")
    args = parser.parse_args(argv)
    output = args.output or default_output(args.checkpoint)
    try:
        checkpoint = load_checkpoint(args.checkpoint, args.trust_pickle)
        key, state_dict = select_state_dict(checkpoint, args.checkpoint, args.key)
        tensors, notes = convert(state_dict, args.drop_num_batches_tracked)
    except ConversionError as error:
        print(f"convert_pth: {error}", file=sys.stderr)
        return 1
    save_file(tensors, output, metadata={"format": "pt"})
    floats = sum(t.numel() for t in tensors.values() if t.dtype == torch.float32)
    counters = sum(1 for n in tensors if n.endswith(COUNTER))
    stripped = sum(1 for n in state_dict if n.startswith(PREFIX))
    source = f"[{key!r}]" if key else "(bare state_dict)"
    print(f"{args.checkpoint} {source} -> {output}: {len(tensors)} tensors, {floats:,} float32 values"
          + (f", {counters} {COUNTER} kept as int64" if counters else "")
          + (f", '{PREFIX}' stripped from {stripped} names" if stripped else ""))
    for note in notes:
        print(f"  {note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
