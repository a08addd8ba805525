#!/usr/bin/env bash
# The client benchmarks of issue 14, through a real local network (`floe up`: devnet, 4 nodes,
# n = 1000 shards, no indexer) and release builds; prints figures, asserts nothing:
#
#   1. `floe store` and `floe read --out` of 64 MiB and 1 GiB files: wall time, throughput
#      (MiB/s), CPU time (user + system) and peak RSS of each command (GNU time), the copy
#      checked byte-identical;
#   2. range-read latency, 1 MiB at random offsets of the 1 GiB blob, p50/p99, through the sdk
#      and through the aggregator's `Range` (gateway/examples/range_latency.rs);
#   3. a quilt of 10 000 files of 1–10 KiB stored with `floe store-quilt` (files/s);
#   4. the codec's ceiling for the same sizes: `floe-encoder bench` (in memory, best of 3).
#
#   scripts/bench-client.sh               # all of it, about 10 minutes and ~25 GB of disk
#   SIZES="64" scripts/bench-client.sh    # only the 64 MiB row (no range or 1 GiB figures)
#   SIZES="" scripts/bench-client.sh      # only the quilt
#   FLOE=target/debug/floe NO_BUILD=1 scripts/bench-client.sh   # the dev build, nothing built
#
# Other engineers' builds may share the machine: the CPU-time column is the steadier figure.
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=${SIZES-"64 1024"}
shards=1000
[ -x /usr/bin/time ] || { echo "install GNU time: apt-get install time" >&2; exit 1; }
# FLOE=target/debug/floe measures another build of `floe`; NO_BUILD=1 uses the binaries as built.
if [ "${NO_BUILD:-}" != 1 ]; then
  [ -n "${FLOE:-}" ] || cargo build --release -q -p floe --bin floe
  cargo build --release -q -p floe-encoder --bin floe-encoder
  cargo build --release -q -p floe-gateway --example range_latency
fi
floe=${FLOE:-target/release/floe}
work=$(mktemp -d)
home="$work/home"
cleanup() { [ -n "${up_pid:-}" ] && kill "$up_pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

echo "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(nproc) cores," \
  "avx512f: $(grep -qw avx512f /proc/cpuinfo && echo yes || echo no)," \
  "gfni: $(grep -qw gfni /proc/cpuinfo && echo yes || echo no); load average $(cut -d' ' -f1-3 /proc/loadavg)"
RUST_LOG=warn "$floe" --home "$home" up --grpc 127.0.0.1:0 --faucet 127.0.0.1:0 --node-port 0 \
  --nodes 4 --shards "$shards" --no-indexer --aggregator 127.0.0.1:0 --publisher 127.0.0.1:0 \
  > "$work/up.log" 2>&1 &
up_pid=$!
until grep -q '^ready' "$work/up.log"; do
  kill -0 "$up_pid" 2>/dev/null || { cat "$work/up.log" >&2; exit 1; }
  sleep 1
done
aggregator=$(sed -n 's/^aggregator //p' "$work/up.log")
"$floe" --home "$home" account new > /dev/null
export RUST_LOG=warn

# label, MiB, command…: one line of figures; the command's stdout in $work/label.out.
measure() {
  local label=$1 mib=$2
  shift 2
  /usr/bin/time -f '%e %U %S %M' -o "$work/$label.time" "$@" > "$work/$label.out"
  read -r wall user sys rss_kib < "$work/$label.time"
  awk -v l="$label" -v m="$mib" -v w="$wall" -v u="$user" -v s="$sys" -v r="$rss_kib" 'BEGIN {
    printf "  %-14s %5d MiB  wall %7.2f s  %7.1f MiB/s  CPU %7.2f s  peak RSS %5d MiB\n",
      l, m, w, m / w, u + s, r / 1024 }'
}

echo "end to end, n = $shards, 4 nodes on this machine ($floe):"
big_id=
for mib in $sizes; do
  head -c $((mib << 20)) /dev/urandom > "$work/blob.bin"
  measure "store" "$mib" "$floe" --home "$home" store "$work/blob.bin" --epochs 2 --json
  blob_id=$(sed -n 's/.*"blob_id":"\([^"]*\)".*/\1/p' "$work/store.out")
  measure "read" "$mib" "$floe" --home "$home" read "$blob_id" --out "$work/copy.bin" --json
  cmp -s "$work/blob.bin" "$work/copy.bin" || { echo "the copy differs" >&2; exit 1; }
  rm -f "$work/blob.bin" "$work/copy.bin"
  if [ "$mib" -ge 1024 ]; then big_id=$blob_id; fi
done

if [ -n "$big_id" ]; then
  echo "range reads, n = $shards:"
  target/release/examples/range_latency "$home/devnet/network.toml" "$big_id" "$aggregator" 200 $((1 << 20))
fi

echo "quilt, n = $shards:"
mkdir "$work/quilt"
python3 - "$work/quilt" <<'EOF'
import os, random, sys
rng = random.Random(14)
for k in range(10_000):
    with open(os.path.join(sys.argv[1], f"file-{k:05}.bin"), "wb") as f:
        f.write(rng.randbytes(rng.randint(1024, 10 * 1024)))
EOF
quilt_bytes=$(du -sb "$work/quilt" | cut -f1)
measure "store-quilt" $((quilt_bytes >> 20)) "$floe" --home "$home" store-quilt --dir "$work/quilt" --epochs 2
read -r wall _ < "$work/store-quilt.time"
awk -v w="$wall" 'BEGIN { printf "  10000 files of 1-10 KiB: %.0f files/s\n", 10000 / w }'

echo "codec ceiling (in memory, release, best of 3):"
for mib in $sizes; do
  target/release/floe-encoder bench --shards "$shards" --size $((mib << 20)) --runs 3 --oracle none | sed 's/^/  /'
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
