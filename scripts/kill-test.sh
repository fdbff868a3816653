#!/usr/bin/env bash
# Kills `procbook build` with SIGKILL at random moments and checks that the output folder is
# always a complete site: byte for byte the previous one or the new one, never a mix, never
# missing; and that the temporary folders killed builds leave do not pile up.
#
#     scripts/kill-test.sh [N]          # N kills, default 100
#     ROWS=2000 GUIDES=50 WORK=/tmp/procbook-kill-test PROCBOOK=target/release/procbook scripts/kill-test.sh 20
#
# It generates a handbook of ROWS procurements (bench/gen_handbook.py), builds it once, then N
# times: edits an input so the next build changes the site (a procurement's title, or a line
# added to a guidance page, in turn), builds the new inputs cleanly into a separate folder for
# the expected site, starts a build over the site, kills it after a random delay between 0 and
# the time a rebuild takes, and compares a hash of every file of the site with the two
# expected ones. Outcomes are counted; any other state is a failure (exit 1). Every CALIBRATE
# (5) kills, and at the end, one build runs to completion: it times a rebuild again (the
# machine's load changes) and must leave no temporary folder beside the site.
#
# Without PROCBOOK it builds the release binary first. Needs python3 and sha256sum.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
N=${1:-100}
ROWS=${ROWS:-2000}
GUIDES=${GUIDES:-50}
WORK=${WORK:-/tmp/procbook-kill-test}
if [ -z "${PROCBOOK:-}" ]; then
  cargo build --release --quiet
  PROCBOOK=$REPO/target/release/procbook
fi
BOOK=$WORK/book
OUT=$WORK/out
SITE=$OUT/site
REF=$WORK/reference/site

# A hash of every file of a folder (paths and bytes), or "missing".
site_hash() {
  if [ -d "$1" ]; then
    (cd "$1" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum) | sha256sum | cut -d' ' -f1
  else
    echo missing
  fi
}

# Temporary folders beside the site (.site.tmp-PID, .site.old-PID).
leftovers() {
  find "$OUT" -mindepth 1 -maxdepth 1 -name '.site.*' | wc -l
}

# Edit number $1: odd ones retitle a procurement, even ones add a line to a guidance page.
edit() {
  if (( $1 % 2 )); then
    python3 - "$BOOK/data/procurements.csv" "$1" <<'EOF'
import csv, sys
path, i = sys.argv[1], int(sys.argv[2])
with open(path, newline="", encoding="utf-8") as f:
    rows = list(csv.reader(f))
title = rows[0].index("Project name")
row = rows[1 + (i * 7919) % (len(rows) - 1)]
row[title] = f"Renamed by kill test edit {i}"
with open(path, "w", newline="", encoding="utf-8") as f:
    csv.writer(f).writerows(rows)
EOF
  else
    local page
    page=$(printf '%s/content/library/guide-%03d.md' "$BOOK" $(( ($1 / 2) % GUIDES + 1 )))
    printf '\nA line added by kill test edit %d.\n' "$1" >> "$page"
  fi
}

now_ms() { date +%s%3N; }

echo "kill-test: $N kills, $ROWS procurements, binary $PROCBOOK, in $WORK"
rm -rf "$WORK"
mkdir -p "$OUT" "$(dirname "$REF")"
python3 bench/gen_handbook.py --rows "$ROWS" --guides "$GUIDES" --out "$BOOK" >/dev/null
"$PROCBOOK" build "$BOOK" -o "$SITE" >/dev/null
latest=$(site_hash "$SITE") # the site of the current inputs
previous=$latest            # what the site folder holds
files=$(find "$SITE" -type f | wc -l)

# Every CALIBRATE kills, one edit is built to completion over the site: its time sets the
# delays (the machine's load changes), and it must remove every temporary folder left so far.
CALIBRATE=${CALIBRATE:-5}
declare -A outcome=()
most_left=0 calibrations=0 left_by_complete=0
calibrate() {
  local before t0
  before=$(leftovers)
  (( before > most_left )) && most_left=$before
  edit "$1"
  t0=$(now_ms)
  "$PROCBOOK" build "$BOOK" -o "$SITE" >/dev/null
  typical=$(( $(now_ms) - t0 ))
  rm -rf "$REF"
  "$PROCBOOK" build "$BOOK" -o "$REF" >/dev/null
  latest=$(site_hash "$REF")
  previous=$(site_hash "$SITE")
  if [ "$previous" != "$latest" ]; then
    echo "kill-test: a complete build over the site differs from a clean build" >&2
    exit 1
  fi
  left_by_complete=$(( left_by_complete + $(leftovers) ))
  calibrations=$(( calibrations + 1 ))
}
calibrate 0
echo "kill-test: a rebuild takes ${typical} ms and writes a site of $files files"

start=$(now_ms)
for i in $(seq 1 "$N"); do
  (( i > 1 && i % CALIBRATE == 1 )) && calibrate "$(( N + i ))"
  edit "$i"
  rm -rf "$REF"
  "$PROCBOOK" build "$BOOK" -o "$REF" >/dev/null
  expected=$(site_hash "$REF")
  if [ "$expected" = "$latest" ]; then
    echo "kill-test: edit $i did not change the site" >&2
    exit 2
  fi
  delay=$(awk -v t="$typical" -v s="$RANDOM$i" 'BEGIN { srand(s); printf "%.3f", rand() * t / 1000 }')
  "$PROCBOOK" build "$BOOK" -o "$SITE" >/dev/null 2>&1 &
  pid=$!
  sleep "$delay"
  kill -KILL "$pid" 2>/dev/null || true
  rc=0
  { wait "$pid"; } 2>/dev/null || rc=$?
  got=$(site_hash "$SITE")
  case $rc in
    0) how="finished before the kill" ;;
    137) how="killed" ;;
    *) how="FAILED: exited with status $rc" ;;
  esac
  if [[ $how == FAILED* ]]; then
    result=$how
  elif [ "$got" = "$previous" ]; then
    result="$how, previous site"
  elif [ "$got" = "$expected" ]; then
    result="$how, new site"
    previous=$expected
  elif [ "$got" = missing ]; then
    result="FAILED: $how, site folder missing"
  else
    result="FAILED: $how, site is neither the previous nor the new one"
  fi
  latest=$expected
  outcome[$result]=$(( ${outcome[$result]:-0} + 1 ))
  left=$(leftovers)
  (( left > most_left )) && most_left=$left
  case $result in FAILED*) echo "kill-test: kill $i after ${delay}s: $result" >&2 ;; esac
done
elapsed=$(( $(now_ms) - start ))

# A build that runs to completion removes what the killed ones left.
before_final=$(leftovers)
"$PROCBOOK" build "$BOOK" -o "$SITE" >/dev/null
final_left=$(leftovers)
rm -rf "$REF"
"$PROCBOOK" build "$BOOK" -o "$REF" >/dev/null
final_ok=$([ "$(site_hash "$SITE")" = "$(site_hash "$REF")" ] && echo yes || echo no)

echo
echo "kill-test: $N kills in $(( elapsed / 1000 )).$(( elapsed % 1000 / 100 )) s (delays 0-${typical} ms)"
for k in "${!outcome[@]}"; do printf '  %4d  %s\n' "${outcome[$k]}" "$k"; done | sort -k2
echo "  temporary folders beside the site: at most $most_left at a time; after the $calibrations complete builds in between: $left_by_complete; $before_final before the final build, $final_left after it"
echo "  final complete build equals a clean build: $final_ok"
failed=0
for k in "${!outcome[@]}"; do case $k in FAILED*) failed=1 ;; esac; done
if (( failed )) || (( final_left + left_by_complete > 0 )) || [ "$final_ok" != yes ]; then
  echo "kill-test: FAILED"
  exit 1
fi
echo "kill-test: ok"
