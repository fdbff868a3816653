#!/usr/bin/env bash
# The 50 MB file of the bad-CSV corpus (369,710 rows with quotes, commas, line breaks inside
# values and non-ASCII text), loaded, checked and built as a handbook: every row must come
# through, in bounded time and memory. Prints wall time and peak RSS of `check` and `build`.
#
#     scripts/large-csv.sh              # makes the file with ../shared/tools/bad-csv/make_bad_csv.py if needed
#     LARGE_CSV=/path/to/large-50mb.csv scripts/large-csv.sh
#     BIN=/path/to/procbook scripts/large-csv.sh      # a given binary instead of a release build
#
# Needs GNU time (apt-get install time) and python3.
set -euo pipefail
cd "$(dirname "$0")/.."
WORK=${WORK:-/tmp/procbook-large-csv}
LARGE_CSV=${LARGE_CSV:-}
if [ -z "$LARGE_CSV" ]; then
  for f in ../shared/tools/bad-csv/large-50mb.csv /opt/site-checkers/bad-csv/large-50mb.csv; do
    [ -f "$f" ] && { LARGE_CSV=$f; break; }
  done
fi
if [ -z "$LARGE_CSV" ]; then
  mkdir -p "$WORK/corpus"
  python3 ../shared/tools/bad-csv/make_bad_csv.py --out "$WORK/corpus"
  LARGE_CSV=$WORK/corpus/large-50mb.csv
fi
if [ -z "${BIN:-}" ]; then
  cargo build --release --quiet
  BIN=$PWD/target/release/procbook
fi
book=$WORK/book
rm -rf "$book" && mkdir -p "$book/data" "$book/content"
cp "$LARGE_CSV" "$book/data/procurements.csv"
cat > "$book/book.toml" <<'TOML'
[book]
title = "The 50 MB corpus file"

[procurements.fields.id]
column = "id"
required = true

[procurements.fields.title]
column = "title"
required = true

[procurements.fields.category]
column = "category"

[procurements.fields.summary]
column = "summary"
type = "markdown"
TOML
cat > "$book/data/roles.toml" <<'TOML'
[[phase]]
id = "buying"
name = "Buying"

[[level]]
id = "lead"
name = "Lead"

[[role]]
id = "buyer"
name = "Buyer"
summary = "Runs the purchase."

[[rule]]
id = "buyer-always"
role = "buyer"
level = "lead"
why = "Someone runs every purchase."
source = "procbook's large-file test"
TOML
rows=$(python3 -c 'import csv,sys; r=csv.reader(open(sys.argv[1], newline="", encoding="utf-8")); next(r); print(sum(1 for _ in r))' "$LARGE_CSV")
echo "large CSV: $(du -h "$LARGE_CSV" | cut -f1), $rows data rows (Python's csv module)"
for cmd in check build; do
  /usr/bin/time -f "%e %M" -o "$WORK/$cmd.time" "$BIN" "$cmd" "$book" >"$WORK/$cmd.out" 2>&1 || {
    echo "$cmd failed:"; tail -20 "$WORK/$cmd.out"; exit 1; }
  read -r secs kb < "$WORK/$cmd.time"
  echo "$cmd: ${secs} s, peak RSS $((kb / 1024)) MiB"
done
pages=$(find "$book/site/projects" -name '*.html' | wc -l)
in_json=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["projects"]))' "$book/site/projects.json")
echo "pages: $pages, projects.json: $in_json"
[ "$pages" = "$rows" ] && [ "$in_json" = "$rows" ] || { echo "ROWS LOST: $rows in the CSV"; exit 1; }
echo "ok: every row came through"
