#!/usr/bin/env bash
# procbook's benchmark suite. One command:
#
#     bench/run.sh                 # N = 1000 10000 100000
#     SCALES="1000 10000" RUNS=5 bench/run.sh
#
# For each N it generates a synthetic handbook (bench/gen_handbook.py: the example's 17 roles and
# 46 rules, 100 generated guidance pages plus the example's, N procurements) and measures, with
# hyperfine (medians over RUNS runs):
#   cold      build into an empty output folder
#   nochange  build again with nothing changed (must write no file: checked below)
#   floor     `cp -r` of the produced site: the cost of writing those bytes at all
# and peak RSS of a cold build (GNU time). With WATCH=1 (default) it also measures watch mode
# at N=WATCH_N with ../shared/tools/watch-latency.py: one guidance file edited, one CSV row added.
# Outputs go to a tmpfs (OUT_ROOT, default /dev/shm) like the peer benchmark in ../shared/bench/,
# inputs to WORK. Results: a Markdown table on stdout and in $RESULTS/summary.md.
#
# Needs: hyperfine, GNU time, python3 (apt-get install hyperfine time).
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
SCALES=${SCALES:-"1000 10000 100000"}
RUNS=${RUNS:-5}
WORK=${WORK:-/tmp/procbook-bench}
OUT_ROOT=${OUT_ROOT:-/dev/shm/procbook-bench}
RESULTS=${RESULTS:-$WORK/results}
WATCH=${WATCH:-1}
WATCH_N=${WATCH_N:-10000}
EDITS=${EDITS:-10}
DEBOUNCE=${DEBOUNCE:-10}
LATENCY=${LATENCY:-$REPO/../shared/tools/watch-latency.py}
mkdir -p "$WORK" "$OUT_ROOT" "$RESULTS"
command -v hyperfine >/dev/null || { echo "bench: hyperfine is needed (apt-get install hyperfine)" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "bench: GNU time is needed (apt-get install time)" >&2; exit 2; }

cargo build --release --quiet
BIN=$REPO/target/release/procbook
summary=$RESULTS/summary.md
{
  echo "| N | cold build | no-change rebuild | cp -r floor | cold / floor | peak RSS | pages | output |"
  echo "|---|---|---|---|---|---|---|---|"
} > "$summary"

median() {  # median of hyperfine JSON result $1, in ms
  python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["results"][0]; print("%.0f" % (r["median"]*1000))' "$1"
}

for n in $SCALES; do
  d=$WORK/n$n
  [ -f "$d/.done" ] || { python3 bench/gen_handbook.py --rows "$n" --guides 100 --out "$d" && touch "$d/.done"; }
  site=$OUT_ROOT/n$n-site
  copy=$OUT_ROOT/n$n-copy
  rm -rf "$site" "$copy"
  hyperfine --style basic --runs "$RUNS" --export-json "$RESULTS/cold-$n.json" \
    --prepare "rm -rf $site" "$BIN build $d -o $site" >/dev/null
  "$BIN" build "$d" -o "$site" >/dev/null 2>&1
  before=$(find "$site" -type f -newer "$d/.done" -printf '%p %T@\n' | sort | md5sum)
  hyperfine --style basic --runs "$RUNS" --export-json "$RESULTS/nochange-$n.json" \
    "$BIN build $d -o $site" >/dev/null
  after=$(find "$site" -type f -newer "$d/.done" -printf '%p %T@\n' | sort | md5sum)
  [ "$before" = "$after" ] && unchanged="no file written" || unchanged="FILES REWRITTEN"
  hyperfine --style basic --runs "$RUNS" --export-json "$RESULTS/floor-$n.json" \
    --prepare "rm -rf $copy" "cp -r $site $copy" >/dev/null
  rm -rf "$site"
  /usr/bin/time -f "%M" -o "$RESULTS/rss-$n.txt" "$BIN" build "$d" -o "$site" >/dev/null 2>&1
  rss=$(tail -1 "$RESULTS/rss-$n.txt")
  pages=$(find "$site" -name '*.html' | wc -l)
  bytes=$(du -sb "$site" | cut -f1)
  cold=$(median "$RESULTS/cold-$n.json"); nochange=$(median "$RESULTS/nochange-$n.json"); floor=$(median "$RESULTS/floor-$n.json")
  ratio=$(python3 -c "print('%.1f' % ($cold/$floor))")
  echo "| $n | $cold ms | $nochange ms ($unchanged) | $floor ms | ${ratio}× | $((rss/1024)) MiB | $pages | $((bytes/1048576)) MiB |" >> "$summary"
  rm -rf "$site" "$copy"
done

if [ "$WATCH" = 1 ] && [ -f "$LATENCY" ]; then
  d=$WORK/n$WATCH_N
  [ -f "$d/.done" ] || { python3 bench/gen_handbook.py --rows "$WATCH_N" --guides 100 --out "$d" && touch "$d/.done"; }
  rm -rf "$d/site"
  header=$(head -1 "$d/data/procurements.csv")
  commas=$(printf '%s' "$header" | tr -cd ',' | wc -c)
  row="EC-X{marker},Latency probe {marker}$(printf ',%.0s' $(seq 3 "$commas")),"
  {
    echo
    echo "Watch mode at N=$WATCH_N, debounce $DEBOUNCE ms (latency = file written → output on disk, includes the debounce):"
    echo
    python3 "$LATENCY" --cwd "$d" --cmd "$BIN watch . --debounce $DEBOUNCE" --ready-regex 'built' \
      --source content/library/guide-007.md --output site/guide/library/guide-007.html -k "$EDITS" 2>&1 | tail -1 | sed 's/^/- guidance page: /'
    python3 "$LATENCY" --cwd "$d" --cmd "$BIN watch . --debounce $DEBOUNCE" --ready-regex 'built' \
      --source data/procurements.csv --output site/index.html --append "$row
" -k "$EDITS" 2>&1 | tail -1 | sed 's/^/- one CSV row added (index.html updated): /'
  } >> "$summary"
  rm -rf "$d/site"
fi
cat "$summary"
