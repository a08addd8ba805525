#!/usr/bin/env bash
# Sets up and runs Floe on this machine. Today that is the local chain (floe-devnet, speaking
# Sui's gRPC API, with the floe package published and a SUI/WAL faucet) plus the floe-encoder
# command; storage nodes (floe-node) and the indexer (floe-indexer) run beside it by hand for now,
# until `floe up` starts them all.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v cargo >/dev/null 2>&1 || {
  echo "error: 'cargo' is not installed; install the Rust toolchain (Rust ≥ 1.89)" >&2
  exit 1
}
data_dir="${FLOE_DATA_DIR:-.floe}"
echo "== building release binaries (first build takes a few minutes)"
cargo build --release --locked -p floe-devnet -p floe-encoder
mkdir -p "$data_dir"
cat <<EOT
== Floe is starting; state lives in $data_dir (delete it to start from genesis)
   encode a file:   target/release/floe-encoder blob-id --shards 1000 FILE
   stop:            Ctrl-C (a restart continues where it stopped)
EOT
exec target/release/floe-devnet --data-dir "$data_dir/devnet" "$@"
