#!/usr/bin/env bash
# Data-parallel scaling on this machine: 1 process × 2 threads against 2 processes × 1 thread under mpirun,
# over shared memory and TCP, with the gradient sum in one piece after the backward (bucket_mb 0) and in
# buckets during it, all setups alternated ROUNDS times, for two cases:
# - etth1: configs/etth1-96.yaml with its variates mixed (channel_independent false, lr 2e-4), EPOCHS
#   epochs; the epochs' training seconds ("train Xs", summed);
# - simba_s64: SiMBA-S at 64×64, batch 32, 2 epochs on a synthetic ImageNet-style folder (4 classes,
#   32 random PNGs each for training, 8 for validation, written by python3's standard library); the
#   last epoch's training images/s.
# Under mpirun also the step's collectives in ms per step and their share (the last epoch's for simba_s64,
# the mean over epochs for etth1). Prints the median of each figure per setup.
# Usage: scripts/tools/bench_mpi.sh [SIMBA] [ROUNDS] [EPOCHS] [CASES]   (make bench-mpi)
set -euo pipefail
simba=${1:-.build/release/simba}
rounds=${2:-3}
epochs=${3:-3}
cases=${4:-etth1 simba_s64}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1

# A synthetic ImageNet-style folder: root/{train,val}/<class>/*.png, random 64×64 RGB, no dependency.
make_images() {
    python3 - "$1" <<'PY'
import os, random, struct, sys, zlib
root, rng, size = sys.argv[1], random.Random(0), 64
def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
for split, count in (("train", 32), ("val", 8)):
    for c in range(4):
        folder = os.path.join(root, split, f"n{c:08d}")
        os.makedirs(folder, exist_ok=True)
        for i in range(count):
            rows = b"".join(b"\0" + rng.randbytes(size * 3) for _ in range(size))
            header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
            with open(os.path.join(folder, f"{i:03d}.png"), "wb") as f:
                f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows, 1))
                        + chunk(b"IEND", b""))
PY
}

case_args() {  # the `simba train` arguments of case $1
    case $1 in
        etth1)
            # The workload of docs/distributed.md's table: the config with its variates mixed, as it was then.
            echo "--config configs/etth1-96.yaml --set optimization.epochs=$epochs --set optimization.patience=100" \
                "--set model.channel_independent=false --set optimization.lr=0.0002" ;;
        simba_s64) echo "--config $work/simba_s64.yaml" ;;
    esac
}

case_buckets() {  # the bucket sizes (MiB) tried under mpirun for case $1
    case $1 in
        etth1) echo "0 0.25" ;;  # 1.17 MB of gradients: one sum, or 5 buckets
        simba_s64) echo "0 4 25" ;;  # 61 MB: one sum, 15 buckets, or 3 (the default)
    esac
}

# Runs case $1 as label $2 with bucket_mb $3 (none if empty) by the command in the rest;
# prints "label train allreduce_ms share%".
run() {
    local name=$1 label=$2 mb=$3; shift 3
    local extra=()
    [ -z "$mb" ] || extra=(--set "optimization.bucket_mb=$mb")
    rm -rf "$work/run"
    # shellcheck disable=SC2046
    "$@" train $(case_args "$name") "${extra[@]}" --out "$work/run" > "$work/log" 2>&1 \
        || { cat "$work/log" >&2; exit 1; }
    local train reduce
    if [ "$name" = etth1 ]; then
        train=$(grep -o 'train [0-9.]*s  eval' "$work/log" | awk '{ s += $2 + 0 } END { printf "%.2f", s }')
        reduce=$({ grep -o '[0-9.]* ms per step in the gradient allreduce.*, [0-9.]*%' "$work/log" || true; } \
            | awk '{ ms += $1; share += $NF + 0; n++ }
                   END { if (n) printf "%.3f %.1f", ms / n, share / n; else print "- -" }')
    else
        train=$(grep -o 'train [0-9.]* images/s' "$work/log" | tail -1 | awk '{ print $2 }')
        reduce=$({ grep -o '[0-9.]* ms per step in the gradient allreduce.*, [0-9.]*%' "$work/log" || true; } \
            | tail -1 | awk '{ if (NF) printf "%.1f %.1f", $1, $NF + 0; else print "- -" }')
        [ -n "$reduce" ] || reduce="- -"
    fi
    echo "$label $train $reduce"
}

for name in $cases; do
    if [ "$name" = simba_s64 ]; then
        make_images "$work/images"
        cat > "$work/simba_s64.yaml" <<YAML
task: classify
data:
  root: $work/images
  img_size: 64
  workers: 1
model:
  variant: simba_s
optimization:
  batch_size: 32
  epochs: 2
  warmup_epochs: 0
output:
  log_every: 1
YAML
    fi
    results=$work/results-$name
    labels="1x2"
    for _ in $(seq "$rounds"); do
        run "$name" 1x2 "" env SIMBA_THREADS=2 "$simba" >> "$results"
        for transport in shm tcp; do
            btl=$([ $transport = shm ] && echo self,vader || echo self,tcp)
            for mb in $(case_buckets "$name"); do
                label=2x1-$transport-b$mb
                run "$name" "$label" "$mb" mpirun -np 2 --oversubscribe --mca btl "$btl" -x SIMBA_THREADS=1 \
                    "$simba" >> "$results"
                case " $labels " in *" $label "*) ;; *) labels="$labels $label" ;; esac
            done
        done
    done
    python3 - "$results" "$name" "$epochs" "$labels" <<'PY'
import collections, statistics, sys
path, name, epochs, labels = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4].split()
rows = collections.defaultdict(list)
for line in open(path):
    label, train, ms, share = line.split()
    rows[label].append((float(train), ms, share))
median = lambda values: statistics.median(values) if values else float("nan")
if name == "etth1":
    print(f"ETTh1, {epochs} epochs, medians of {len(rows['1x2'])} alternated rounds (b = optimization.bucket_mb)")
    column = "train s"
else:
    print(f"SiMBA-S 64x64, batch 32, last of 2 epochs, medians of {len(rows['1x2'])} alternated rounds")
    column = "images/s"
print(f"{'setup':16s} {column:>9s} {'allreduce ms/step':>18s} {'share':>7s}")
for label in labels:
    runs = rows[label]
    train = median([r[0] for r in runs])
    ms = [float(r[1]) for r in runs if r[1] != "-"]
    share = [float(r[2]) for r in runs if r[2] != "-"]
    ms_text = f"{median(ms):.3f}" if ms else "-"
    share_text = f"{median(share):.1f}%" if share else "-"
    print(f"{label:16s} {train:9.2f} {ms_text:>18s} {share_text:>7s}")
PY
done
