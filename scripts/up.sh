#!/usr/bin/env bash
# Sets up and runs Floe on this machine: builds the `floe` command, makes sure PostgreSQL is
# installed and running (for the indexer), and runs `floe up` — the local chain with the floe
# package, four storage nodes, the indexer with its REST API, and the keeper that advances
# epochs and issues challenges. Flags are passed to `floe up` (see `floe up --help`).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/setup.sh

need_cargo
ensure_postgres
echo "== building floe (release; the first build takes several minutes)"
cargo build --release --locked -p floe
cat <<EOT
== starting; state lives in ${FLOE_HOME:-.floe} (delete it to start from genesis)
   in another terminal:  target/release/floe account new
                         target/release/floe store FILE
                         target/release/floe read BLOB_ID --out COPY
EOT
exec target/release/floe up "$@"
