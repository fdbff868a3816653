#!/usr/bin/env bash
# Builds the fuzz targets and runs each for SECONDS (default 600), one after another, on one core.
#
#   fuzz/run.sh [SECONDS]              all six targets
#   TARGETS="slug csv_ingest" fuzz/run.sh 60
#   FUZZ_ARGS="-len_control=0" fuzz/run.sh   more libFuzzer flags (here: long inputs from the start)
#
# Seeds (fuzz/seeds/<target>/) are copied into the working corpus (fuzz/corpus/<target>/) first;
# each target's libFuzzer output goes to fuzz/logs/<target>/; crashes, hangs and memory
# blow-ups are saved in fuzz/artifacts/<target>/. Prints runs, corpus size and new crashes per
# target, and exits 1 if any target found one (2 if the build failed).
# Needs the nightly toolchain and cargo-fuzz (`cargo install cargo-fuzz --locked`).
set -uo pipefail
cd "$(dirname "$0")"

seconds=${1:-600}
targets=${TARGETS:-csv_ingest front_matter rules_file condition_eval markdown_links slug}

# Input size limits: large enough for the files a handbook has, small enough to run fast.
declare -A max_len=(
    [csv_ingest]=16384 [front_matter]=8192 [rules_file]=16384
    [condition_eval]=4096 [markdown_links]=8192 [slug]=1024
)
declare -A dict=(
    [csv_ingest]=dicts/csv.dict [front_matter]=dicts/toml.dict
    [rules_file]=dicts/toml.dict [markdown_links]=dicts/markdown.dict
)

echo "== building the fuzz targets"
cargo +nightly fuzz build || exit 2
bin_dir=target/x86_64-unknown-linux-gnu/release

mkdir -p logs
summary=()
failed=0
for t in $targets; do
    mkdir -p "corpus/$t" "artifacts/$t" "logs/$t"
    cp -n "seeds/$t"/* "corpus/$t/" 2>/dev/null || true
    found_before=$(find "artifacts/$t" -type f -regex '.*/\(crash\|timeout\|oom\|leak\)-.*' | wc -l)
    args=(
        -jobs=1 -workers=1
        -max_total_time="$seconds"
        -max_len="${max_len[$t]}"
        -timeout=10
        -rss_limit_mb=2048
        -print_final_stats=1
        -artifact_prefix="$PWD/artifacts/$t/"
    )
    # shellcheck disable=SC2206 # split on purpose: several flags
    args+=(${FUZZ_ARGS:-})
    if [[ -n "${dict[$t]:-}" ]]; then
        args+=(-dict="$PWD/${dict[$t]}")
    fi
    echo "== $t: ${seconds}s ${FUZZ_ARGS:-} (log: fuzz/logs/$t/fuzz-0.log)"
    rm -f "logs/$t"/fuzz-*.log
    # With -jobs, libFuzzer writes the job's output to fuzz-0.log in the current folder.
    (cd "logs/$t" && "../../$bin_dir/$t" "${args[@]}" "../../corpus/$t") > "logs/$t/driver.log" 2>&1
    log="logs/$t/fuzz-0.log"
    runs=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$log" 2>/dev/null | tail -1 | grep -o '[0-9]*$')
    corpus=$(find "corpus/$t" -type f | wc -l)
    found_after=$(find "artifacts/$t" -type f -regex '.*/\(crash\|timeout\|oom\|leak\)-.*' | wc -l)
    new=$((found_after - found_before))
    if ((new > 0)); then
        failed=1
    fi
    line=$(printf '%-16s %8ss %12s runs %7s corpus files %4s new crashes' \
        "$t" "$seconds" "${runs:-?}" "$corpus" "$new")
    echo "$line"
    summary+=("$line")
done

echo "== summary"
printf '%s\n' "${summary[@]}"
if ((failed)); then
    echo "crashes, hangs or memory blow-ups were saved in fuzz/artifacts/; see fuzz/README.md"
fi
exit "$failed"
