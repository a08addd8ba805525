// Runs @mysten/seal's SealClient, unchanged, against a floe network: it reads the key servers
// from the chain by their object IDs (floe::key_server::KeyServer, in Seal's layout) with
// @mysten/sui's gRPC client, checks each server's proof of possession at /v1/service
// (verifyKeyServers), and decrypts an EncryptedObject that floe stored, with a SessionKey and
// a transaction that calls the floe package's seal_approve* policies, built by @mysten/sui's
// Transaction against the chain. Each case gets a fresh SealClient, so no key is reused from
// an earlier case's cache.
//
// Usage: node seal_client_decrypt.mjs CASES.json — CASES:
//   { rpcUrl, packageId, keyServers: [objectId], keystore: path (Sui keystore JSON),
//     ciphertext: path, cases: [{ name, user: address, call: "seal_approve" |
//     "seal_approve_owner" | "seal_approve_receipt", object: objectId }] }
// prints { keyServers: [{ objectId, name, url, pk }], package: { version },
//          results: [{ name, plaintext (hex) } | { name, error: "ClassName: message" }] }
import { readFileSync } from 'node:fs';

const { SealClient, SessionKey, EncryptedObject } = await import('@mysten/seal');
const { SuiGrpcClient } = await import('@mysten/sui/grpc');
const { Ed25519Keypair } = await import('@mysten/sui/keypairs/ed25519');
const { Transaction } = await import('@mysten/sui/transactions');
const { fromBase64, fromHex, toHex } = await import('@mysten/bcs');

const c = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const suiClient = new SuiGrpcClient({ network: 'localnet', baseUrl: c.rpcUrl });
const data = new Uint8Array(readFileSync(c.ciphertext));
const id = EncryptedObject.parse(data).id;

// A Sui keystore: base64 of the scheme flag (0 = ed25519) and the 32-byte secret.
const signers = new Map();
for (const entry of JSON.parse(readFileSync(c.keystore, 'utf8'))) {
	const bytes = fromBase64(entry);
	if (bytes[0] !== 0) continue;
	const signer = Ed25519Keypair.fromSecretKey(bytes.slice(1));
	signers.set(signer.toSuiAddress(), signer);
}

const sealClient = () =>
	new SealClient({
		suiClient,
		serverConfigs: c.keyServers.map((objectId) => ({ objectId, weight: 1 })),
		verifyKeyServers: true,
		timeout: 20000,
	});

const out = { results: [] };
const servers = await sealClient().getKeyServers();
out.keyServers = [...servers.values()].map((s) => ({
	objectId: s.objectId,
	name: s.name,
	url: s.url,
	pk: toHex(s.pk),
}));
const { object: pkg } = await suiClient.core.getObject({ objectId: c.packageId });
out.package = { version: String(pkg.version) };

for (const k of c.cases) {
	try {
		const signer = signers.get(k.user);
		if (!signer) throw new Error(`no key for ${k.user} in ${c.keystore}`);
		const sessionKey = await SessionKey.create({
			address: k.user,
			packageId: c.packageId,
			ttlMin: 10,
			signer,
			suiClient,
		});
		const tx = new Transaction();
		tx.setSender(k.user);
		const args = [tx.pure.vector('u8', fromHex(id)), tx.object(k.object)];
		if (k.call !== 'seal_approve_owner') args.push(tx.object.clock());
		tx.moveCall({ target: `${c.packageId}::license::${k.call}`, arguments: args });
		const txBytes = await tx.build({ client: suiClient, onlyTransactionKind: true });
		const plaintext = await sealClient().decrypt({ data, sessionKey, txBytes });
		out.results.push({ name: k.name, plaintext: toHex(plaintext) });
	} catch (error) {
		out.results.push({
			name: k.name,
			error: `${error?.constructor?.name ?? 'Error'}: ${error?.message ?? error}`,
		});
	}
}
process.stdout.write(JSON.stringify(out));
