#!/usr/bin/env bash
# Watch mode beside Hugo, Eleventy and mdBook, in one run, with the shared harness
# (../shared/bench/watch_latency.py): the peer workload is generated once (bench/peer/common.sh,
# as in bench/compare_peers.sh), then each watcher is started in turn and, for each, EDITS edits
# of the same guidance page (07-evaluation-of-ai-offers) and of the same CSV row (the middle
# one) are timed until that page's output HTML holds the edit. mdBook (when installed under
# PEERS_DIR) reads no CSV and is measured on at most MDBOOK_ROWS (1,000) rows: see below.
#
#     bench/compare_watch.sh                  # 10,000 rows, 10 edits of each kind
#     ROWS=1000 EDITS=3 bench/compare_watch.sh
#     PEERS=hugo KINDS=guide BUILD=0 bench/compare_watch.sh
#
# The harness changes the line "Edit marker: ..." of the edited file. The generator puts that
# line in every guidance page; for the CSV, this script adds it as a first paragraph to the
# description of the middle row (all three tools render the description on that row's page).
# The CSV is one file hard-linked into the Hugo and Eleventy sites, and each tool's edit goes
# through its own path, so its watcher sees it.
#
# Figures: "page" is the time from the end of the write until the output HTML holds the new
# marker (polled every 5 ms); "settled" until the tool's own "build finished" log line (the last
# one if the tool rebuilds more than once); "initial build" from the start of the command to its
# first such line. Outputs go to a tmpfs (OUT_ROOT). Results: $RESULTS/watch.jsonl (the harness's
# records), $RESULTS/watch-logs.txt (the watchers' own output), $RESULTS/table.md (also printed).
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
. bench/peer/common.sh
ROWS=${ROWS:-10000}
EDITS=${EDITS:-10}
PEERS=${PEERS:-"procbook hugo eleventy mdbook"}
MDBOOK_ROWS=${MDBOOK_ROWS:-1000}
KINDS=${KINDS:-"guide row"}
TIMEOUT=${TIMEOUT:-300}
WORK=${WORK:-/tmp/procbook-watch}
OUT_ROOT=${OUT_ROOT:-/dev/shm/procbook-watch}
RESULTS=${RESULTS:-$WORK/results}
EDIT_SLUG=${EDIT_SLUG:-07-evaluation-of-ai-offers}
ROW_ID=${ROW_ID:-$(printf 'P%06d' $(((ROWS + 1) / 2)))}
HUGO_PORT=${HUGO_PORT:-13131}
mkdir -p "$WORK" "$OUT_ROOT" "$RESULTS"
: > "$RESULTS/watch.jsonl"
: > "$RESULTS/watch-logs.txt"
if [ "${BUILD:-1}" = 1 ]; then cargo build --release --quiet; fi
BIN=$REPO/target/release/procbook
PB_VERSION=$(git describe --always --dirty)

d=$WORK/n$ROWS
peer_workload "$ROWS" "$d"
# The marker line in ROW_ID's description, written in place so the hard links stay one file; a
# marker left by an interrupted run is put back to "none" (in the CSV and in the edited pages).
python3 - "$d" "$ROW_ID" "$EDIT_SLUG" <<'PY'
import csv, io, os, re, sys
d, row_id, slug = sys.argv[1:]
for rel in ["content", "hugo/content/guidance", "eleventy/guidance"]:
    page = os.path.join(d, rel, slug + ".md")
    text = open(page, encoding="utf-8").read()
    if "Edit marker: none" not in text:
        with open(page, "w", encoding="utf-8") as f:
            f.write(re.sub(r"Edit marker: \S+", "Edit marker: none", text))
path = os.path.join(d, "data", "procurements.csv")
text = open(path, encoding="utf-8", newline="").read()
if "Edit marker: " in text:
    new = re.sub(r"Edit marker: \S+", "Edit marker: none", text)
else:
    rows = list(csv.reader(io.StringIO(text, newline="")))
    hits = [r for r in rows[1:] if r[0] == row_id]
    if len(hits) != 1:
        sys.exit("compare_watch: no row %s in %s" % (row_id, path))
    hits[0][-1] = "Edit marker: none\n\n" + hits[0][-1]
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\n").writerows(rows)
    new = out.getvalue()
if new != text:
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write(new)
PY
export HUGO_CACHEDIR=$d/hugo-cache
row_lower=$(printf '%s' "$ROW_ID" | tr '[:upper:]' '[:lower:]')

load_start=$(cut -d' ' -f1-3 /proc/loadavg)
{
  echo "procbook $PB_VERSION"
  [ -n "$HUGO" ] && echo "hugo $(hugo_version)"
  [ -f "$ELEVENTY" ] && echo "eleventy $(eleventy_version) (node $(node --version))"
  [ -x "$MDBOOK" ] && echo "mdbook $(mdbook_version)"
  echo "rows $ROWS, edits $EDITS, edited page $EDIT_SLUG, edited row $ROW_ID"
  echo "cpus $(nproc), kernel $(uname -r)"
  echo "date $(date -u +%FT%TZ), load average at start $load_start"
} > "$RESULTS/versions.txt"
cat "$RESULTS/versions.txt"

# measure TOOL VERSION LABEL KIND -- CMD...: one watcher, EDITS edits of one KIND (guide or row).
measure() {
  local tool=$1 version=$2 label=$3 kind=$4; shift 5
  local cwd src out done_rx rows=$ROWS o=$OUT_ROOT/$tool extra=()
  rm -rf "$o"
  case $tool in
    procbook) cwd=$d
      if [ "$kind" = guide ]; then src=content/$EDIT_SLUG.md; out=$o/guide/$EDIT_SLUG.html
      else src=data/procurements.csv; out=$o/projects/$row_lower.html; fi
      done_rx='built [0-9]+ files into|rebuilt in [0-9]+ ms' ;;
    hugo) cwd=$d/hugo; rm -rf "$cwd/public" "$cwd/resources" "$cwd/.hugo_build.lock" "$HUGO_CACHEDIR"
      if [ "$kind" = guide ]; then src=content/guidance/$EDIT_SLUG.md; out=$o/guidance/$EDIT_SLUG/index.html
      else src=assets/procurements.csv; out=$o/projects/$row_lower/index.html; fi
      done_rx='(Total|Built) in [0-9.]+ ?[mµ]?s' ;;
    eleventy) cwd=$d/eleventy; rm -rf "$cwd/_site" "$cwd/.cache"
      if [ "$kind" = guide ]; then src=guidance/$EDIT_SLUG.md; out=$o/guidance/$EDIT_SLUG/index.html
      else src=_data/procurements.csv; out=$o/projects/$ROW_ID/index.html; fi
      done_rx='Wrote [0-9]+ files?' ;;
    mdbook) cwd=$md/mdbook; rows=$mrows; rm -rf "$cwd/book"
      src=src/guidance/$EDIT_SLUG.md; out=$o/guidance/$EDIT_SLUG.html
      done_rx='HTML book written'
      # `mdbook watch` does no first build: the harness builds first, then waits for the ready line
      extra=(--prebuild "$MDBOOK build --dest-dir $o" --ready-regex 'Watching for changes|Listening for changes') ;;
  esac
  echo "== $tool $label, $kind edits"
  # the harness exits 4 when a watcher failed; its record says why, and the run goes on
  python3 "$SHARED/watch_latency.py" --peer "$tool" --version "$version" --rows "$rows" \
    --label="$label|$kind" --cwd "$cwd" --src "$src" --out "$out" --edits "$EDITS" \
    --timeout "$TIMEOUT" --done-regex "$done_rx" --results "$RESULTS/watch.jsonl" \
    --log "$RESULTS/watch-logs.txt" "${extra[@]}" -- "$@" || true
  rm -rf "$o"
}

# not_run TOOL VERSION LABEL KIND ROWS WHY: a line in the table for what was not measured.
not_run() {
  python3 -c 'import json, sys; t, v, l, k, n, why = sys.argv[1:]; print(json.dumps({"peer": t,
    "version": v, "rows": int(n), "label": l + "|" + k, "skipped": why}))' "$@" >> "$RESULTS/watch.jsonl"
}

for tool in $PEERS; do
  for kind in $KINDS; do
    case $tool in
      procbook)
        measure procbook "$PB_VERSION" "watch --debounce 10" "$kind" -- \
          "$BIN" watch . --debounce 10 -o "$OUT_ROOT/procbook"
        measure procbook "$PB_VERSION" "watch" "$kind" -- "$BIN" watch . -o "$OUT_ROOT/procbook" ;;
      hugo)
        if [ -z "$HUGO" ]; then not_run hugo - "hugo --watch" "$kind" "$ROWS" "not installed"; continue; fi
        v=$(hugo_version)
        measure hugo "$v" "hugo --watch" "$kind" -- \
          "$HUGO" --watch --destination "$OUT_ROOT/hugo"
        measure hugo "$v" "hugo server" "$kind" -- \
          "$HUGO" server --bind 127.0.0.1 --port "$HUGO_PORT" --destination "$OUT_ROOT/hugo" ;;
      eleventy)
        if [ ! -f "$ELEVENTY" ]; then not_run eleventy - "--watch" "$kind" "$ROWS" "not installed"; continue; fi
        v=$(eleventy_version)
        measure eleventy "$v" "--watch" "$kind" -- \
          node "$ELEVENTY" --watch --quiet --output="$OUT_ROOT/eleventy"
        measure eleventy "$v" "--watch --incremental" "$kind" -- \
          node "$ELEVENTY" --watch --incremental --quiet --output="$OUT_ROOT/eleventy" ;;
      mdbook)
        # mdBook's build time grows with the square of the page count (../shared/bench/PEERS.md:
        # 3.3 s at 1,000 rows, over 300 s at 10,000), and every watch rebuild is a full build, so
        # it is measured on a workload of at most MDBOOK_ROWS rows, labelled with its size.
        mrows=$((ROWS < MDBOOK_ROWS ? ROWS : MDBOOK_ROWS))
        if [ ! -x "$MDBOOK" ]; then not_run mdbook - "watch" "$kind" "$mrows" "not installed"; continue; fi
        v=$(mdbook_version)
        if [ "$kind" = row ]; then
          not_run mdbook "$v" "watch" row "$mrows" "no CSV: the generator writes one Markdown file per row"
          continue
        fi
        md=$WORK/mdbook-n$mrows
        grep -qs "Edit marker: none" "$md/mdbook/src/guidance/$EDIT_SLUG.md" || rm -f "$md/.done"
        if [ ! -f "$md/.done" ]; then
          python3 "$SHARED/gen_workload.py" --rows "$mrows" --guides 50 --seed 1 --peers mdbook --out "$md"
          touch "$md/.done"
        fi
        measure mdbook "$v" "watch" "$kind" -- "$MDBOOK" watch --dest-dir "$OUT_ROOT/mdbook"
        measure mdbook "$v" "watch --watcher native" "$kind" -- \
          "$MDBOOK" watch --watcher native --dest-dir "$OUT_ROOT/mdbook" ;;
    esac
  done
done
load_end=$(cut -d' ' -f1-3 /proc/loadavg)
echo "load average at the end $load_end" >> "$RESULTS/versions.txt"

python3 - "$RESULTS/watch.jsonl" "$ROWS" "$EDITS" "$load_start" "$load_end" > "$RESULTS/table.md" <<'PY'
import json, sys
path, rows, edits, load_start, load_end = sys.argv[1:]
names = {"procbook": "procbook", "hugo": "Hugo", "eleventy": "Eleventy", "mdbook": "mdBook"}
commands = {"procbook": "procbook ", "hugo": "", "eleventy": "eleventy ", "mdbook": "mdbook "}
kinds = {"guide": "guidance page", "row": "CSV row"}
# The harness's initial_build_s ends after its 1.5 s wait for no further "finished" log line.
QUIET = 1.5
print("%s rows, %s edits of each kind; load average (1, 5, 15 min) %s at the start, %s at the end;"
      % (f"{int(rows):,}", edits, load_start, load_end))
print("the load column is the 1-minute load when that watcher was started.")
print()
print("| tool | command | edit | median page latency | median settled | initial build | edits seen | load |")
print("|---|---|---|---|---|---|---|---|")
for line in open(path):
    r = json.loads(line)
    label, _, kind = r["label"].rpartition("|")
    tool = "%s %s" % (names.get(r["peer"], r["peer"]), r["version"].lstrip("v"))
    if r["rows"] != int(rows):
        tool += " (**%s rows**)" % f"{r['rows']:,}"
    cmd = "`%s%s`" % (commands.get(r["peer"], ""), label)
    if r.get("skipped"):
        print(f"| {tool} | {cmd} | {kinds.get(kind, kind)} | not measured: {r['skipped']} | | | | |")
        continue
    init = r.get("initial_build_s")
    if r["peer"] == "mdbook":
        init = "– (built before)"   # `mdbook watch` does no first build; the harness did it
    elif init is not None:
        init = "%.1f s" % (init - QUIET)
    else:
        init = "–"
    seen = "%d/%s" % (len(r.get("latency_ms", [])), edits)
    if "median_latency_ms" in r:
        page = f"{r['median_latency_ms']:,.0f} ms"
        settled = f"{r['median_settled_ms']:,.0f} ms"
    else:
        page, settled = "failed: " + r.get("error", "?"), "–"
    if r.get("rebuilds_without_edits"):
        settled += " (rebuilt %d× without edits)" % r["rebuilds_without_edits"]
    load = "%.1f" % r["load1_before"]
    print(f"| {tool} | {cmd} | {kinds.get(kind, kind)} | {page} | {settled} | {init} | {seen} | {load} |")
print()
print("Page latency: from the end of the write until the output HTML holds the edit (debounce and "
      "event batching included). Settled: until the tool's own \"build finished\" log line. "
      "Initial build: from starting the command until its first such line.")
PY
cat "$RESULTS/table.md"
