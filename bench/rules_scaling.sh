#!/usr/bin/env bash
# How build time and memory grow with the number of rules: the handbook workload at N rows with
# every rule of the example written 1, 2, 4 and 8 times (bench/gen_handbook.py --rule-copies).
#
#     bench/rules_scaling.sh                 # N=10000, COPIES="1 2 4 8", RUNS=3
#
# Prints a Markdown table: rules, cold build (hyperfine median), `check` (median), peak RSS.
# Needs hyperfine and GNU time, as bench/run.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-10000}
COPIES=${COPIES:-"1 2 4 8"}
RUNS=${RUNS:-3}
WORK=${WORK:-/tmp/procbook-rules}
OUT_ROOT=${OUT_ROOT:-/dev/shm/procbook-rules}
mkdir -p "$WORK" "$OUT_ROOT"
cargo build --release --quiet
BIN=$PWD/target/release/procbook
median() { python3 -c 'import json,sys; print("%.0f" % (json.load(open(sys.argv[1]))["results"][0]["median"]*1000))' "$1"; }
echo "| rules | cold build | check | peak RSS |"
echo "|---|---|---|---|"
for k in $COPIES; do
  d=$WORK/n$N-x$k
  [ -f "$d/.done" ] || { python3 bench/gen_handbook.py --rows "$N" --guides 100 --rule-copies "$k" --out "$d" && touch "$d/.done"; }
  site=$OUT_ROOT/site-x$k
  hyperfine --style none --runs "$RUNS" --export-json "$WORK/cold-x$k.json" \
    --prepare "rm -rf $site" "$BIN build $d -o $site" >/dev/null
  hyperfine --style none --runs "$RUNS" --export-json "$WORK/check-x$k.json" "$BIN check $d" -i >/dev/null
  rm -rf "$site"
  /usr/bin/time -f "%M" -o "$WORK/rss-x$k.txt" "$BIN" build "$d" -o "$site" >/dev/null 2>&1
  rules=$(grep -c '^\[\[rule\]\]' "$d/data/roles.toml")
  echo "| $rules | $(median "$WORK/cold-x$k.json") ms | $(median "$WORK/check-x$k.json") ms | $(( $(tail -1 "$WORK/rss-x$k.txt") / 1024 )) MiB |"
  rm -rf "$site"
done
