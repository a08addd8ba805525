#!/usr/bin/env bash
# Sets up and runs every check of the project on a fresh Debian machine: installs Node,
# Chromium and PostgreSQL from Debian's packages if they are missing (the Rust toolchain must be there),
# then formatting, lints and all tests.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/setup.sh

need_cargo
# A one-off full build gains nothing from incremental caches; they would double the disk it needs.
export CARGO_INCREMENTAL=0
need_node
need_chromium
# Tests create their own PostgreSQL databases and drop them.
ensure_postgres

# The Walrus reference encoder, pinned by the committed lockfile, is the oracle of the codec tests.
echo "== npm ci (walrus-wasm oracle)"
(cd encoder/tests/oracle && npm ci --no-audit --no-fund --loglevel=error)
# Mysten's Seal client, pinned the same way, is the oracle of the encryption tests.
echo "== npm ci (@mysten/seal oracle)"
(cd crypto/tests/seal_js && npm ci --no-audit --no-fund --loglevel=error)

echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings
echo "== cargo test"
cargo test --workspace --locked
# AVX2-only CPUs run other kernels than an AVX-512 machine: cap them and test that path too.
echo "== cargo test -p floe-encoder, kernels capped at AVX2 (FLOE_ENCODER_KERNELS=avx2)"
FLOE_ENCODER_KERNELS=avx2 cargo test -p floe-encoder --locked
echo "== codec kernels this CPU ran (tests of the others reported a skip)"
cargo run -q --locked -p floe-encoder -- kernels
echo "== all checks passed"
