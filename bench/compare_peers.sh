#!/usr/bin/env bash
# procbook beside Hugo and Eleventy on the same work, in one run, with the shared harness:
# ../shared/bench/gen_workload.py writes the CSV and guidance (and each peer's site), procbook gets
# bench/peer/book.toml and roles.toml (the peers' role rules), and ../shared/bench/measure_build.py
# times every cold build the same way (output on tmpfs, GNU time for peak RSS).
#
#     bench/compare_peers.sh                     # N = 1000 10000
#     SCALES="1000 10000 100000" RUNS=3 PEERS="hugo" bench/compare_peers.sh
#
# Peers are installed as in ../shared/bench/PEERS.md (INSTALL=1 bash ../shared/bench/run_peers.sh
# does it); a missing peer is skipped.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
. bench/peer/common.sh
SCALES=${SCALES:-"1000 10000"}
RUNS=${RUNS:-3}
PEERS=${PEERS:-"hugo eleventy"}
WORK=${WORK:-/tmp/procbook-peers}
OUT_ROOT=${OUT_ROOT:-/dev/shm/procbook-peers}
RESULTS=${RESULTS:-$WORK/results.jsonl}
mkdir -p "$WORK" "$OUT_ROOT"
: > "$RESULTS"
cargo build --release --quiet
BIN=$REPO/target/release/procbook

for n in $SCALES; do
  d=$WORK/n$n
  peer_workload "$n" "$d"
  common=(--rows "$n" --guides 50 --runs "$RUNS" --timeout 300 --results "$RESULTS")
  python3 "$SHARED/measure_build.py" --peer procbook --version "$(git rev-parse --short HEAD)" --cwd "$d" \
    --outdir "$OUT_ROOT/procbook-n$n" "${common[@]}" -- "$BIN" build . -o "$OUT_ROOT/procbook-n$n"
  for peer in $PEERS; do
    case $peer in
      hugo) [ -n "$HUGO" ] || continue
        HUGO_CACHEDIR=$d/hugo-cache python3 "$SHARED/measure_build.py" --peer hugo --version "$(hugo_version)" \
          --cwd "$d/hugo" --outdir "$OUT_ROOT/hugo-n$n" --clean "public,resources,.hugo_build.lock,../hugo-cache" \
          "${common[@]}" -- "$HUGO" --destination "$OUT_ROOT/hugo-n$n" || true ;;
      eleventy) [ -f "$ELEVENTY" ] || continue
        python3 "$SHARED/measure_build.py" --peer eleventy --version "$(eleventy_version)" \
          --cwd "$d/eleventy" --outdir "$OUT_ROOT/eleventy-n$n" --clean _site,.cache \
          "${common[@]}" -- node "$ELEVENTY" --quiet --output="$OUT_ROOT/eleventy-n$n" || true ;;
    esac
  done
  rm -rf "$OUT_ROOT"/*-n"$n"
done

python3 - "$RESULTS" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
print("| N | tool | median wall | CPU (user+sys) | peak RSS | HTML pages | procbook speed-up |")
print("|---|---|---|---|---|---|---|")
by_n = {}
for r in rows:
    by_n.setdefault(r["rows"], {})[r["peer"]] = r
for n in sorted(by_n):
    pb = by_n[n].get("procbook", {}).get("median_wall_s")
    for peer, r in by_n[n].items():
        if r.get("skipped"):
            print(f"| {n:,} | {peer} | skipped: {r['skipped']} | | | | |")
            continue
        ratio = "" if peer == "procbook" or not pb else f"{r['median_wall_s'] / pb:.1f}×"
        print(f"| {n:,} | {peer} {r['version']} | {r['median_wall_s']:.2f} s | {r['median_cpu_s']:.2f} s | "
              f"{r['median_rss_kb'] / 1024:.0f} MiB | {r['pages']:,} | {ratio} |")
PY
