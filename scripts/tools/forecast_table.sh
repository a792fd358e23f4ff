#!/usr/bin/env bash
# Trains SiMBA-TS on ETTh1 and ETTh2 at horizons 96/192/336/720 with the shipped configs and prints
# the test MSE/MAE table beside the paper's numbers (standardised scale), with each run's look-back and time.
# Writes its runs to runs/table/ (replaced on every call) and the table to runs/table/table.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
simba=.build/release/simba
out=runs/table
rm -rf "$out"
mkdir -p "$out"

# Paper (SiMBA, Table: look-back 96), MSE / MAE.
declare -A paper=(
  [etth1-96]="0.379 / 0.395" [etth1-192]="0.432 / 0.424" [etth1-336]="0.473 / 0.443" [etth1-720]="0.483 / 0.469"
  [etth2-96]="0.290 / 0.339" [etth2-192]="0.373 / 0.390" [etth2-336]="0.376 / 0.406" [etth2-720]="0.407 / 0.431"
)

table="| data | H | L | simba MSE / MAE | paper MSE / MAE | best epoch | train time |
|---|---|---|---|---|---|---|"
for data in etth1 etth2; do
  for horizon in 96 192 336 720; do
    name="$data-$horizon"
    start=$(date +%s)
    "$simba" train --config "configs/$name.yaml" --out "$out/$name" > "$out/$name.out"
    seconds=$(( $(date +%s) - start ))
    metric() { awk -F': *' -v key="\"$1\"" '$1 ~ key { gsub(/[ ,]/, "", $2); print $2 }' "$out/$name/test_metrics.json"; }
    mse=$(printf '%.3f' "$(metric test_mse)"); mae=$(printf '%.3f' "$(metric test_mae)"); epoch=$(printf '%.0f' "$(metric best_epoch)")
    lookback=$(awk '$1 == "seq_len:" { print $2; exit }' "$out/$name/config.yaml")
    row="| ${data^^} | $horizon | $lookback | $mse / $mae | ${paper[$name]} | $epoch | ${seconds}s |"
    echo "$row"
    table+=$'\n'"$row"
  done
done
echo "$table" > "$out/table.md"
echo
echo "$table"
