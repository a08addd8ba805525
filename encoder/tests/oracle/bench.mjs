// Times the reference Walrus encoder (walrus-wasm) on a pseudo-random blob.
// Usage: node bench.mjs SIZE_BYTES SHARDS RUNS; prints one JSON line of best-of-RUNS seconds.
import { BlobEncoder } from '@mysten/walrus-wasm';

const [size, n, runs] = process.argv.slice(2).map(Number);
const data = new Uint8Array(size);
let x = 0x2545f491;
for (let i = 0; i < size; i++) {
  x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
  data[i] = x & 0xff;
}
const f = Math.floor((n - 1) / 3), p = n - 2 * f, s = n - f;
let symbol = Math.floor((Math.max(size, 1) - 1) / (p * s)) + 1;
if (symbol % 2) symbol++;
const uleb = (v) => { let k = 1; for (v >>= 7; v; v >>= 7) k++; return k; };
const bcs = (len) => uleb(len) + len + 4;
const encoder = new BlobEncoder(n);
const time = (fn) => { const t = process.hrtime.bigint(); fn(); return Number(process.hrtime.bigint() - t) / 1e9; };
const best = { blob_id: Infinity, encode: Infinity, decode: Infinity };
for (let r = 0; r < runs; r++) {
  best.blob_id = Math.min(best.blob_id, time(() => encoder.compute_metadata(data)));
  const primary = Array.from({ length: n }, () => new Uint8Array(bcs(s * symbol)));
  const secondary = Array.from({ length: n }, () => new Uint8Array(bcs(p * symbol)));
  let metadata;
  best.encode = Math.min(best.encode, time(() => { [metadata] = encoder.encode(data, primary, secondary); }));
  const out = new Uint8Array(size);
  // The last p primary slivers: mostly recovery rows, so Reed–Solomon decoding really runs.
  const chosen = primary.slice(n - p);
  best.decode = Math.min(best.decode, time(() => encoder.decode(metadata.blob_id, BigInt(size), chosen, out)));
}
console.log(JSON.stringify(best));
