#!/usr/bin/env bash
# procbook beside Hugo and Eleventy on the same work, in one run, with the shared harness:
# ../shared/bench/gen_workload.py writes the CSV and guidance (and each peer's site), procbook gets
# bench/peer/book.toml and roles.toml (the peers' role rules), and ../shared/bench/measure_build.py
# times every cold build the same way (output on tmpfs, GNU time for peak RSS). At N up to
# HYPERFINE_MAX (10,000) hyperfine also times procbook's and Hugo's builds, without the harness's
# polling delay (see below).
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
  # The shared harness waits for each build with Python's Popen.wait(timeout), which polls,
  # sleeping up to 50 ms between polls: every figure it gives is late by up to 50 ms, a tenth of
  # procbook's at 10,000 rows. hyperfine times procbook's and Hugo's builds exactly, in the
  # same run (HYPERFINE_MAX: the largest N to do this for).
  rm -f "$WORK"/hyperfine-*-n"$n".json
  if command -v hyperfine >/dev/null && [ "$n" -le "${HYPERFINE_MAX:-10000}" ]; then
    hf=(hyperfine -N --style basic --runs "$RUNS" --warmup 1)
    (cd "$d" && "${hf[@]}" --export-json "$WORK/hyperfine-procbook-n$n.json" \
      --prepare "rm -rf $OUT_ROOT/procbook-n$n" "$BIN build . -o $OUT_ROOT/procbook-n$n") >/dev/null
    if [ -n "$HUGO" ] && [[ " $PEERS " == *" hugo "* ]]; then
      (cd "$d/hugo" && HUGO_CACHEDIR=$d/hugo-cache "${hf[@]}" --export-json "$WORK/hyperfine-hugo-n$n.json" \
        --prepare "rm -rf $OUT_ROOT/hugo-n$n public resources .hugo_build.lock $d/hugo-cache" \
        "$HUGO --destination $OUT_ROOT/hugo-n$n") >/dev/null
    fi
  fi
  rm -rf "$OUT_ROOT"/*-n"$n"
done

python3 - "$RESULTS" "$WORK" $SCALES <<'PY'
import json, os, sys
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
work, scales = sys.argv[2], [int(n) for n in sys.argv[3:]]
timed = {}
for n in scales:
    for peer in ("procbook", "hugo"):
        path = os.path.join(work, f"hyperfine-{peer}-n{n}.json")
        if os.path.exists(path):
            r = json.load(open(path))["results"][0]
            timed[(n, peer)] = (r["median"], min(r["times"]), max(r["times"]), len(r["times"]))
if timed:
    print()
    print("The same builds timed by hyperfine (`-N`), in the same run:")
    print()
    print("| N | tool | median | min – max | runs | procbook faster by |")
    print("|---|---|---|---|---|---|")
    for (n, peer), (median, lo, hi, runs) in sorted(timed.items(), key=lambda t: (t[0][0], t[0][1] != "procbook")):
        pb = timed.get((n, "procbook"))
        ratio = "" if peer == "procbook" or not pb else f"{median / pb[0]:.1f}×"
        print(f"| {n:,} | {peer} | {median * 1000:.0f} ms | {lo * 1000:.0f} – {hi * 1000:.0f} ms | {runs} | {ratio} |")
PY
