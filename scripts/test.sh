#!/usr/bin/env bash
# Sets up and runs every check of the project on a fresh Debian machine of the documented kind
# (Rust toolchain, Node 20 + npm, PostgreSQL installed): formatting, lints, all tests.
set -euo pipefail
cd "$(dirname "$0")/.."

need() {
  command -v "$1" >/dev/null 2>&1 || { echo "error: '$1' is not installed; $2" >&2; exit 1; }
}
need cargo "install the Rust toolchain (rustup, edition 2024 needs Rust ≥ 1.89)"
need node "install Node.js 20 or newer (apt-get install nodejs npm)"
need npm "install npm (apt-get install npm)"

# The Walrus reference encoder, pinned by the committed lockfile, is the oracle of the codec tests.
echo "== npm ci (walrus-wasm oracle)"
(cd encoder/tests/oracle && npm ci --no-audit --no-fund --loglevel=error)

# PostgreSQL: start the local cluster if it is installed but stopped (tests create their own
# databases and drop them).
if command -v pg_ctlcluster >/dev/null 2>&1 && ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
  echo "== starting PostgreSQL"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n 1)" main start || true
fi

echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings
echo "== cargo test"
cargo test --workspace --locked
echo "== all checks passed"
