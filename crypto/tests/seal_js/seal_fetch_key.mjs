// Runs @mysten/seal's own key-fetching path against a live key server: its SessionKey (the
// personal message the user signs, the certificate, the request signature and ElGamal keys),
// fetchKeysForAllIds (the HTTP request, Seal's error mapping, elgamalDecrypt of the answers)
// and verifyKeyServer (GET /v1/service and the proof of possession). The whole SealClient,
// which also reads the key-server objects from the chain, is seal_client_decrypt.mjs.
//
// Usage: node seal_fetch_key.mjs CASES.json — CASES:
//   { url, serviceId, pk, userKey (ed25519 seed hex), packageId, ttlMin,
//     requests: [txBytesHex (TransactionKind BCS)] }
// prints { pop: bool, results: [{ keys: [{ fullId, key }] } | { error: "ClassName: message" }] }
import { readFileSync } from 'node:fs';

const dist = new URL('./node_modules/@mysten/seal/dist/', import.meta.url);
const { SessionKey } = await import(new URL('session-key.mjs', dist));
const { fetchKeysForAllIds, verifyKeyServer } = await import(new URL('key-server.mjs', dist));
const { Ed25519Keypair } = await import('@mysten/sui/keypairs/ed25519');
const { fromHex, toHex } = await import('@mysten/bcs');

const c = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const signer = Ed25519Keypair.fromSecretKey(fromHex(c.userKey));
const out = { results: [] };
out.pop = await verifyKeyServer({ objectId: c.serviceId, pk: fromHex(c.pk), url: c.url }, 10000);

const session = new SessionKey({
	address: signer.toSuiAddress(),
	packageId: c.packageId,
	ttlMin: c.ttlMin,
	signer,
	suiClient: undefined,
});
const certificate = await session.getCertificate();
for (const tx of c.requests) {
	const transactionBytes = fromHex(tx);
	try {
		const params = await session.createRequestParams(transactionBytes);
		const keys = await fetchKeysForAllIds({
			url: c.url,
			requestSignature: params.requestSignature,
			transactionBytes,
			encKey: params.encKey,
			encKeyPk: params.encKeyPk,
			encVerificationKey: params.encVerificationKey,
			certificate,
			timeout: 10000,
		});
		out.results.push({ keys: keys.map((k) => ({ fullId: k.fullId, key: toHex(k.key) })) });
	} catch (error) {
		out.results.push({ error: `${error?.constructor?.name ?? 'Error'}: ${error?.message ?? error}` });
	}
}
process.stdout.write(JSON.stringify(out));
