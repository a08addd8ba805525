// Reference outputs from Walrus's own encoder, for floe-encoder's compatibility tests.
//
// Usage: node oracle.mjs CASES.json
// CASES.json is a list of {"n": shards, "blob": path, "out": dir, "slivers": bool}. For each
// case this writes dir/metadata.json (blob ID, root and every sliver pair's hashes, hex) and,
// when slivers are asked for, dir/primary.bin and dir/secondary.bin: the BCS form of every
// sliver in pair order, back to back, exactly as walrus-wasm produced them.
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { BlobEncoder } from '@mysten/walrus-wasm';

const hex = (bytes) => Buffer.from(bytes).toString('hex');

function bcsLen(dataLen) {
  let uleb = 1;
  for (let v = dataLen >> 7; v !== 0; v >>= 7) uleb++;
  return uleb + dataLen + 4;
}

const cases = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const encoders = new Map();
for (const c of cases) {
  if (!encoders.has(c.n)) encoders.set(c.n, new BlobEncoder(c.n));
  const encoder = encoders.get(c.n);
  const data = new Uint8Array(readFileSync(c.blob));
  mkdirSync(c.out, { recursive: true });
  const f = Math.floor((c.n - 1) / 3);
  const p = c.n - 2 * f;
  const s = c.n - f;
  let symbol = Math.floor((Math.max(data.length, 1) - 1) / (p * s)) + 1;
  if (symbol % 2 === 1) symbol++;
  const started = process.hrtime.bigint();
  let result;
  if (c.slivers) {
    const primary = Array.from({ length: c.n }, () => new Uint8Array(bcsLen(s * symbol)));
    const secondary = Array.from({ length: c.n }, () => new Uint8Array(bcsLen(p * symbol)));
    const [metadata, root] = encoder.encode(data, primary, secondary);
    writeFileSync(`${c.out}/primary.bin`, Buffer.concat(primary));
    writeFileSync(`${c.out}/secondary.bin`, Buffer.concat(secondary));
    const v1 = metadata.metadata.V1;
    result = {
      blob_id: hex(metadata.blob_id),
      root: hex(root.Digest),
      unencoded_length: Number(v1.unencoded_length),
      hashes: v1.hashes.map((h) => [hex(h.primary_hash.Digest), hex(h.secondary_hash.Digest)]),
    };
  } else {
    const [blobId, root, length] = encoder.compute_metadata(data);
    result = { blob_id: hex(blobId), root: hex(root.Digest), unencoded_length: Number(length) };
  }
  result.millis = Number(process.hrtime.bigint() - started) / 1e6;
  writeFileSync(`${c.out}/metadata.json`, JSON.stringify(result));
}
