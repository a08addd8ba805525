#!/usr/bin/env bash
# Sets up and runs Floe on this machine: builds the `floe` command, makes sure PostgreSQL is
# installed and running (for the indexer), and runs `floe up` — the local chain with the floe
# package, four storage nodes, the indexer with its REST API, and the keeper that advances
# epochs and issues challenges. Flags are passed to `floe up` (see `floe up --help`).
#
# The network's state lives in `.floe` under the directory you run this from (or $FLOE_HOME).
# FLOE_BIN=PATH runs that `floe` binary instead of building one (the tests do).
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
. "$repo/scripts/lib/setup.sh"

ensure_postgres
if [ -z "${FLOE_BIN:-}" ]; then
  need_cargo
  echo "== building floe (release; the first build takes several minutes)"
  (cd "$repo" && cargo build --release --locked -p floe)
  FLOE_BIN="$repo/target/release/floe"
fi
bin_dir="$(cd "$(dirname "$FLOE_BIN")" && pwd)"
cat <<EOT
== starting; state lives in ${FLOE_HOME:-$PWD/.floe} (delete it to start from genesis)
   in another terminal, once it prints \`ready\`:
     cd "$PWD"
     export PATH="$bin_dir:\$PATH"
     floe account new
     floe store FILE
     floe read BLOB_ID --out COPY
EOT
exec "$FLOE_BIN" up "$@"
