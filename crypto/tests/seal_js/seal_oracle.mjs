// Runs Mysten's Seal TypeScript client (@mysten/seal, pinned by package-lock.json) as the oracle
// of floe-crypto's compatibility tests. The client's high-level SealClient fetches key-server
// objects and keys over the network; this script calls the same modules it uses underneath
// (encrypt, decrypt, the BLS12-381 wrappers, the EncryptedObject BCS type) with keys given.
//
// Usage: node seal_oracle.mjs CASES.json  — prints one JSON object with the results:
//   cases.publicKeys: [masterKeyHex]                     -> publicKeys: [pkHex]
//   cases.derive: [{ masterKey, fullId }]                -> derive: [uskHex]
//   cases.encrypt: [{ packageId, id, servers: [[objectId, pk]], threshold, dem, plaintext, aad }]
//                                                        -> encrypt: [{ object, key }]
//   cases.decrypt: [{ object, keys: [[objectId, usk]], publicKeys }]
//                                                        -> decrypt: [{ plaintext } | { error }]
//   cases.pop: [{ objectId, pk, pop }]                   -> pop: [accepted: bool]
//     (Seal's verifyKeyServer, given a fetch that answers GET /v1/service with this proof)
//   cases.elgamal: [{ sk, c0, c1 }]                      -> elgamal: [{ publicKey, verificationKey, key }]
//     (Seal's elgamal module: the requester's keys from sk, and elgamalDecrypt of (c0, c1))
// All byte strings are hex without 0x; object ids may carry it.
import { readFileSync } from 'node:fs';

const dist = new URL('./node_modules/@mysten/seal/dist/', import.meta.url);
// The package exports only its index; the modules SealClient is built from are loaded by path.
const { encrypt, KemType } = await import(new URL('encrypt.mjs', dist));
const { decrypt } = await import(new URL('decrypt.mjs', dist));
const { AesGcm256, Hmac256Ctr } = await import(new URL('dem.mjs', dist));
const { G1Element, G2Element, Scalar } = await import(new URL('bls12381.mjs', dist));
const { hashToG1 } = await import(new URL('kdf.mjs', dist));
const { createFullId } = await import(new URL('utils.mjs', dist));
const { verifyKeyServer } = await import(new URL('key-server.mjs', dist));
const { elgamalDecrypt, toPublicKey, toVerificationKey } = await import(new URL('elgamal.mjs', dist));
const { EncryptedObject } = await import('@mysten/seal');
const { fromHex, toHex, toBase64 } = await import('@mysten/bcs');
const { normalizeSuiAddress } = await import('@mysten/sui/utils');

const cases = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const out = { publicKeys: [], derive: [], encrypt: [], decrypt: [], pop: [], elgamal: [] };

for (const masterKey of cases.publicKeys ?? []) {
	out.publicKeys.push(toHex(G2Element.generator().multiply(Scalar.fromBytes(fromHex(masterKey))).toBytes()));
}

for (const { masterKey, fullId } of cases.derive ?? []) {
	out.derive.push(toHex(hashToG1(fromHex(fullId)).multiply(Scalar.fromBytes(fromHex(masterKey))).toBytes()));
}

for (const c of cases.encrypt ?? []) {
	const plaintext = fromHex(c.plaintext);
	// Seal's HMAC-CTR encryptor requires associated data (it reads aad.length); with none given
	// it gets the empty string, which it stores as Some(empty) like its AES-GCM encryptor does.
	const aad = c.aad === null ? (c.dem === 'hmac' ? new Uint8Array() : undefined) : fromHex(c.aad);
	const encryptionInput = c.dem === 'hmac' ? new Hmac256Ctr(plaintext, aad) : new AesGcm256(plaintext, aad);
	const { encryptedObject, key } = await encrypt({
		keyServers: c.servers.map(([objectId, pk]) => ({ objectId: normalizeSuiAddress(objectId), pk: fromHex(pk) })),
		kemType: KemType.BonehFranklinBLS12381DemCCA,
		threshold: c.threshold,
		packageId: normalizeSuiAddress(c.packageId),
		id: c.id,
		encryptionInput,
	});
	out.encrypt.push({ object: toHex(encryptedObject), key: toHex(key) });
}

for (const c of cases.decrypt ?? []) {
	try {
		const encryptedObject = EncryptedObject.parse(fromHex(c.object));
		const fullId = createFullId(encryptedObject.packageId, encryptedObject.id);
		const keys = new Map();
		for (const [objectId, usk] of c.keys) {
			keys.set(`${fullId}:${normalizeSuiAddress(objectId)}`, G1Element.fromBytes(fromHex(usk)));
		}
		const publicKeys = c.publicKeys ? c.publicKeys.map((pk) => G2Element.fromBytes(fromHex(pk))) : undefined;
		const plaintext = await decrypt({ encryptedObject, keys, publicKeys });
		out.decrypt.push({ plaintext: toHex(plaintext) });
	} catch (error) {
		out.decrypt.push({ error: `${error?.name ?? 'Error'}: ${error?.message ?? error}` });
	}
}

for (const c of cases.pop ?? []) {
	const objectId = normalizeSuiAddress(c.objectId);
	// What a key server answers to GET /v1/service (a version the client accepts).
	const fetchFn = async () =>
		new Response(JSON.stringify({ service_id: objectId, pop: toBase64(fromHex(c.pop)) }), {
			status: 200,
			headers: { 'Content-Type': 'application/json', 'X-KeyServer-Version': '0.5.0' },
		});
	const server = { objectId, pk: fromHex(c.pk), url: 'http://key-server.invalid' };
	out.pop.push(await verifyKeyServer(server, 1000, undefined, undefined, fetchFn));
}

for (const c of cases.elgamal ?? []) {
	const sk = fromHex(c.sk);
	let key;
	try {
		key = toHex(elgamalDecrypt(sk, [fromHex(c.c0), fromHex(c.c1)]));
	} catch (error) {
		key = { error: `${error?.name ?? 'Error'}: ${error?.message ?? error}` };
	}
	out.elgamal.push({ publicKey: toHex(toPublicKey(sk)), verificationKey: toHex(toVerificationKey(sk)), key });
}

process.stdout.write(JSON.stringify(out));
