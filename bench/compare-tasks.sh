#!/usr/bin/env bash
# Joint vs single-task training: SNIPS (intent + slots on the same sentences) and TREC + WNUT-17 (one
# dataset per task), each variant with the same budget. Prints a table of test scores.
# Usage: bench/compare-tasks.sh [runs-dir]     (about 25 minutes on 2 cores)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
runs="${1:-runs/compare}"
mkdir -p "$runs"
for c in snips-joint-1ep snips-intent-1ep snips-slots-1ep trec-wnut-2ep trec-only-2ep wnut-only-2ep; do
  if [ ! -f "$runs/$c/test_metrics.json" ]; then
    rm -rf "${runs:?}/$c"
    echo "== $c" >&2
    start=$(date +%s)
    ./mtl train --config "bench/configs/$c.yaml" --output "$runs/$c" > "$runs/$c.log" 2>&1
    echo "$(( $(date +%s) - start ))" > "$runs/$c.seconds"
  fi
done
python3 - "$runs" <<'PY'
import json, sys, os
runs = sys.argv[1]
def score(run, ds, task, metric):
    p = os.path.join(runs, run, "test_metrics.json")
    m = json.load(open(p))[ds][task]
    return 100 * (m["accuracy"] if metric == "accuracy" else m["overall"]["f1"] if "overall" in m else m["f1"])
def secs(run):
    return int(open(os.path.join(runs, run + ".seconds")).read())
rows = [
    ("SNIPS intent accuracy", "snips-joint-1ep", "snips-intent-1ep", "snips", "intent", "accuracy"),
    ("SNIPS slot F1", "snips-joint-1ep", "snips-slots-1ep", "snips", "slots", "f1"),
    ("TREC coarse accuracy", "trec-wnut-2ep", "trec-only-2ep", "trec", "question", "accuracy"),
    ("WNUT-17 entity F1", "trec-wnut-2ep", "wnut-only-2ep", "wnut17", "entities", "f1"),
]
print("| task (test) | shared encoder | task alone | difference | time shared / alone |")
print("|---|---|---|---|---|")
for name, joint, single, ds, task, metric in rows:
    a, b = score(joint, ds, task, metric), score(single, ds, task, metric)
    print(f"| {name} | {a:.2f} | {b:.2f} | {a - b:+.2f} | {secs(joint)} s / {secs(single)} s |")
PY
