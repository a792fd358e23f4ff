#!/usr/bin/env bash
# Data-parallel scaling on this machine: an ETTh1 training run (configs/etth1-96.yaml, EPOCHS epochs)
# as 1 process × 2 threads against 2 processes × 1 thread under mpirun, over shared memory and over
# TCP, alternated ROUNDS times. Prints, per setup, the median of the epochs' training seconds (the
# epoch lines' "train Xs", summed) and, under mpirun, the gradient allreduce's ms per step and share.
# Usage: scripts/tools/bench_mpi.sh [SIMBA] [ROUNDS] [EPOCHS]   (make bench-mpi)
set -euo pipefail
simba=${1:-.build/release/simba}
rounds=${2:-3}
epochs=${3:-3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
args=(train --config configs/etth1-96.yaml --set "optimization.epochs=$epochs" --set optimization.patience=100)

run() {  # label, then the command's words; prints "label train_seconds allreduce_ms share%"
    local label=$1; shift
    rm -rf "$work/run"
    "$@" "${args[@]}" --out "$work/run" > "$work/log" 2>&1 || { cat "$work/log" >&2; exit 1; }
    local train reduce
    train=$(grep -o 'train [0-9.]*s  eval' "$work/log" | awk '{ s += $2 + 0 } END { printf "%.2f", s }')
    reduce=$({ grep -o '[0-9.]* ms per step in the gradient allreduce.*, [0-9.]*%' "$work/log" || true; } \
        | awk '{ ms += $1; share += $NF + 0; n++ } END { if (n) printf "%.3f %.1f", ms / n, share / n; else print "- -" }')
    echo "$label $train $reduce"
}

results=$work/results
for _ in $(seq "$rounds"); do
    run "1x2" env SIMBA_THREADS=2 "$simba" >> "$results"
    run "2x1-shm" mpirun -np 2 --oversubscribe --mca btl self,vader -x SIMBA_THREADS=1 "$simba" >> "$results"
    run "2x1-tcp" mpirun -np 2 --oversubscribe --mca btl self,tcp -x SIMBA_THREADS=1 "$simba" >> "$results"
done
python3 - "$results" "$epochs" <<'PY'
import collections, statistics, sys
rows = collections.defaultdict(list)
for line in open(sys.argv[1]):
    label, train, ms, share = line.split()
    rows[label].append((float(train), ms, share))
print(f"ETTh1, {sys.argv[2]} epochs, medians of {len(rows['1x2'])} alternated rounds")
print(f"{'setup':10s} {'train s':>8s} {'allreduce ms/step':>18s} {'share':>7s}")
for label in ["1x2", "2x1-shm", "2x1-tcp"]:
    runs = sorted(rows[label])
    train, ms, share = runs[len(runs) // 2]
    print(f"{label:10s} {train:8.2f} {ms:>18s} {share + ('%' if share != '-' else ''):>7s}")
PY
