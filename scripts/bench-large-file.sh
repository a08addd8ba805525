#!/usr/bin/env bash
# Stores and reads back a large file through a real local network (`floe up`, 4 nodes,
# 1000 shards, no indexer) and prints each command's wall time and peak RSS (VmHWM, via
# /usr/bin/time -v), then checks the copy is byte-identical. Not part of CI: a 2 GiB run takes
# about two minutes and ~15 GB of disk (the nodes' slivers, the store's spill, the copy).
#
#   scripts/bench-large-file.sh [SIZE_MIB]     # default 2048
set -euo pipefail
size_mib=${1:-2048}
floe=${FLOE:-target/debug/floe}
[ -x "$floe" ] || cargo build -p floe
[ -x /usr/bin/time ] || { echo "install GNU time: apt-get install time" >&2; exit 1; }
work=$(mktemp -d)
home="$work/home"
cleanup() { [ -n "${up_pid:-}" ] && kill "$up_pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
RUST_LOG=warn "$floe" --home "$home" up --grpc 127.0.0.1:0 --faucet 127.0.0.1:0 --node-port 0 \
  --nodes 4 --shards 1000 --no-indexer --aggregator 127.0.0.1:0 --publisher 127.0.0.1:0 \
  > "$work/up.log" 2>&1 &
up_pid=$!
until grep -q '^ready' "$work/up.log"; do
  kill -0 "$up_pid" 2>/dev/null || { cat "$work/up.log" >&2; exit 1; }
  sleep 1
done
"$floe" --home "$home" account new > /dev/null
head -c $((size_mib << 20)) /dev/urandom > "$work/blob.bin"
measure() { # label, command…
  /usr/bin/time -v "${@:2}" > "$work/$1.out" 2> "$work/$1.err"
  printf '%-6s %s MiB: wall %s, peak RSS %s MiB\n' "$1" "$size_mib" \
    "$(grep 'Elapsed' "$work/$1.err" | awk '{print $NF}')" \
    "$(( $(grep 'Maximum resident' "$work/$1.err" | awk '{print $NF}') / 1024 ))"
}
export RUST_LOG=warn
measure store "$floe" --home "$home" store "$work/blob.bin" --epochs 2 --json
blob_id=$(sed -n 's/.*"blob_id":"\([^"]*\)".*/\1/p' "$work/store.out")
measure read "$floe" --home "$home" read "$blob_id" --out "$work/copy.bin" --json
cmp "$work/blob.bin" "$work/copy.bin" && echo "byte-identical; blob $blob_id"
