// @ts-check
// A Floe dapp on @mysten/sui alone, against a running local network (`floe up`):
//   1. two fresh accounts, a seller and a buyer, get SUI (and the buyer WAL) from the faucet;
//   2. the seller registers a model and opens a license offer for it;
//   3. the buyer reads the quote (a simulated call), buys a license and holds it;
//   4. the license is checked with a simulated `seal_approve`, as Seal key servers check it.
// Usage: node src/main.js [NETWORK_TOML]   (default: .floe/devnet/network.toml, or FLOE_NETWORK)
// Prints one line per step; exits non-zero with the reason if a step fails.
import { bcs } from '@mysten/sui/bcs';
import { requestSuiFromFaucetV2 } from '@mysten/sui/faucet';
import { SuiGrpcClient } from '@mysten/sui/grpc';
import { Ed25519Keypair } from '@mysten/sui/keypairs/ed25519';

import * as floe from './floe.js';

const networkPath = process.argv[2] ?? process.env.FLOE_NETWORK ?? '.floe/devnet/network.toml';
const network = floe.readNetwork(networkPath);
if (!network.faucet_url) throw new Error(`${networkPath} names no faucet: run this against \`floe up\``);
const faucet = network.faucet_url;

// The SDK's default client and transport: gRPC-Web over fetch, as in a browser.
const client = new SuiGrpcClient({ network: 'localnet', baseUrl: network.rpc_url });

/**
 * Signs and executes a transaction (the node fills in gas and object references), waits until
 * it is checkpointed, and returns the IDs of the objects it created by type.
 * @param {import('@mysten/sui/transactions').Transaction} tx
 * @param {Ed25519Keypair} signer
 */
async function execute(tx, signer) {
  const result = await client.signAndExecuteTransaction({
    transaction: tx,
    signer,
    include: { effects: true, objectTypes: true },
  });
  if (result.$kind === 'FailedTransaction') {
    throw new Error(`transaction failed: ${result.FailedTransaction.status.error?.message}`);
  }
  await client.waitForTransaction({ result });
  const { digest, effects, objectTypes } = result.Transaction;
  /** @type {Record<string, string>} */
  const created = {};
  for (const change of effects.changedObjects) {
    const type = objectTypes[change.objectId];
    if (change.idOperation === 'Created' && type) created[type.replace(/<.*$/, '')] = change.objectId;
  }
  return { digest, created };
}

/** @param {string} what @param {string} [detail] */
const say = (what, detail = '') => console.log(`${what}${detail ? `: ${detail}` : ''}`);

const { chainIdentifier } = await client.core.getChainIdentifier();
say('connected', `${network.rpc_url} (chain ${chainIdentifier}, floe package ${network.package_id})`);

const seller = new Ed25519Keypair();
const buyer = new Ed25519Keypair();
for (const [who, keypair] of /** @type {const} */ ([['seller', seller], ['buyer', buyer]])) {
  await requestSuiFromFaucetV2({ host: faucet, recipient: keypair.toSuiAddress() });
  const { balance } = await client.getBalance({ owner: keypair.toSuiAddress() });
  say(`funded the ${who}`, `${keypair.toSuiAddress()} has ${balance.balance} MIST`);
}
// WAL pays for licenses; a local network's faucet hands it out at /v2/wal.
const walType = `${network.package_id}::wal::WAL`;
const response = await fetch(`${faucet}/v2/wal`, {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ FixedAmountRequest: { recipient: buyer.toSuiAddress() } }),
});
if (!response.ok) throw new Error(`WAL faucet: ${response.status} ${await response.text()}`);
const { coinMetadata } = await client.core.getCoinMetadata({ coinType: walType });
const wal = await client.getBalance({ owner: buyer.toSuiAddress(), coinType: walType });
say('funded the buyer with WAL', `${wal.balance.balance} base units (${coinMetadata?.symbol}, ${coinMetadata?.decimals} decimals)`);

const registered = await execute(
  floe.registerModel(network, {
    name: 'example-dapp-model',
    description: 'registered by examples/dapp',
    owner: seller.toSuiAddress(),
  }),
  seller,
);
const model = registered.created[`${network.package_id}::model::Model`];
const cap = registered.created[`${network.package_id}::model::ModelCap`];
say('registered a model', `Model ${model}, ModelCap ${cap} (tx ${registered.digest})`);

const offered = await execute(
  floe.createOffer(network, {
    model,
    cap,
    pricePerWindow: 2n * floe.WAL,
    windowMs: 60 * 60 * 1000,
    maxWindows: 24,
    usesPerWindow: 0,
  }),
  seller,
);
const offer = offered.created[`${network.package_id}::license::LicenseOffer`];
say('opened a license offer', `LicenseOffer ${offer}: 2 WAL per hour, up to 24 hours (tx ${offered.digest})`);

const windows = 3;
const quoted = await client.simulateTransaction({
  transaction: floe.quote(network, { offer, windows, sender: buyer.toSuiAddress() }),
  include: { commandResults: true, effects: true },
});
if (quoted.$kind === 'FailedTransaction' || !quoted.commandResults?.[0]?.returnValues[0]) {
  throw new Error(`quote failed: ${JSON.stringify(quoted.FailedTransaction?.status)}`);
}
const price = BigInt(bcs.u64().parse(quoted.commandResults[0].returnValues[0].bcs));
say('quoted', `${windows} hours cost ${price} WAL base units`);

const { objects: walCoins } = await client.listCoins({ owner: buyer.toSuiAddress(), coinType: walType });
const bought = await execute(
  floe.purchase(network, {
    offer,
    model,
    payment: walCoins[0].objectId,
    windows,
    maxPrice: price,
    buyer: buyer.toSuiAddress(),
  }),
  buyer,
);
const license = bought.created[`${network.package_id}::license::License`];
const { object: licenseObject } = await client.getObject({ objectId: license, include: { json: true } });
const terms = /** @type {{ holder: string, expires_at_ms: string }} */ (licenseObject.json);
say(
  'bought a license',
  `License ${license} held by ${terms.holder}, valid until ${new Date(Number(terms.expires_at_ms)).toISOString()} (tx ${bought.digest})`,
);

const approved = await client.simulateTransaction({
  transaction: floe.sealApprove(network, { id: model, license, sender: buyer.toSuiAddress() }),
  include: { effects: true },
});
if (approved.$kind !== 'Transaction') {
  throw new Error(`seal_approve refused the license: ${approved.FailedTransaction.status.error?.message}`);
}
say('seal_approve (simulated) approves the licensed model', model);
const refused = await client.simulateTransaction({
  transaction: floe.sealApprove(network, { id: offer, license, sender: buyer.toSuiAddress() }),
  include: { effects: true },
});
if (refused.$kind !== 'FailedTransaction') throw new Error('seal_approve approved an ID the license does not cover');
say('seal_approve (simulated) refuses another ID', refused.FailedTransaction.status.error?.message ?? '');
say('done');
