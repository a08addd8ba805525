// The calls a dapp makes with Mysten's TypeScript SDK, against a running floe-devnet, with the
// SDK's default client and transport (SuiGrpcClient over gRPC-Web `fetch`), no hand-filled gas
// or object references; then the same kind of calls with SuiJsonRpcClient (Sui's JSON-RPC, on
// the same URL, as full nodes serve it). Usage: node suite.mjs <grpc-url> <faucet-url> <network.toml>
// Prints one line per step and `suite: N passed, M failed`; exits non-zero if a step failed.
import { readFileSync } from 'node:fs';

import { SuiGrpcClient } from '@mysten/sui/grpc';
import { JsonRpcError, SuiJsonRpcClient } from '@mysten/sui/jsonRpc';
import { bcs } from '@mysten/sui/bcs';
import { Inputs } from '@mysten/sui/transactions';
import { requestSuiFromFaucetV2 } from '@mysten/sui/faucet';
import { Ed25519Keypair } from '@mysten/sui/keypairs/ed25519';
import { MultiSigPublicKey } from '@mysten/sui/multisig';
import { verifyTransactionSignature } from '@mysten/sui/verify';
import { Transaction, coinWithBalance } from '@mysten/sui/transactions';
import { normalizeStructTag, toBase58 } from '@mysten/sui/utils';

const [rpcUrl, faucetUrl, networkPath] = process.argv.slice(2);
if (!networkPath) throw new Error('usage: suite.mjs <grpc-url> <faucet-url> <network.toml>');
const network = Object.fromEntries(
  readFileSync(networkPath, 'utf8')
    .split('\n')
    .map((line) => line.match(/^(\w+)\s*=\s*"(.*)"$/))
    .filter(Boolean)
    .map((m) => [m[1], m[2]]),
);
const PKG = network.package_id;
const SUI = 1_000_000_000n;

const client = new SuiGrpcClient({ network: 'localnet', baseUrl: rpcUrl });

let passed = 0;
let failed = 0;
async function step(name, body) {
  const started = Date.now();
  try {
    const detail = await body();
    passed++;
    console.log(`ok   ${name} (${Date.now() - started} ms)${detail ? `: ${detail}` : ''}`);
  } catch (error) {
    failed++;
    console.log(`FAIL ${name}: ${error?.stack ?? error}`);
  }
}
function check(ok, message) {
  if (!ok) throw new Error(message);
}
// The error `promise` rejects with; fails if it resolves.
async function rejection(promise) {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

const alice = new Ed25519Keypair();
const bob = new Ed25519Keypair();
const A = alice.toSuiAddress();
const B = bob.toSuiAddress();

await step('chain identifier and service info', async () => {
  const { chainIdentifier } = await client.core.getChainIdentifier();
  check(chainIdentifier.length > 30, `chain identifier ${chainIdentifier}`);
  return chainIdentifier;
});

await step('read the System object', async () => {
  const { object } = await client.getObject({ objectId: network.system_object_id });
  check(object.type === `${PKG}::system::System`, `type ${object.type}`);
  check(object.owner.$kind === 'Shared', `owner ${JSON.stringify(object.owner)}`);
  return `${object.type} v${object.version}`;
});

await step('faucet funds two accounts', async () => {
  for (const recipient of [A, B]) {
    const answer = await requestSuiFromFaucetV2({ host: faucetUrl, recipient });
    check(answer.status === 'Success', JSON.stringify(answer));
  }
});

await step('balance, coins and balances', async () => {
  const { balance } = await client.getBalance({ owner: A });
  check(BigInt(balance.balance) === 10n * SUI, `balance ${JSON.stringify(balance)}`);
  const { objects } = await client.listCoins({ owner: A });
  check(objects.length === 1 && BigInt(objects[0].balance) === 10n * SUI, JSON.stringify(objects));
  const { balances } = await client.listBalances({ owner: A });
  check(balances.length === 1 && balances[0].balance === balance.balance, JSON.stringify(balances));
  return `${balance.balance} MIST`;
});

await step('splitCoins(tx.gas) + transferObjects, gas and budget resolved by the devnet', async () => {
  const tx = new Transaction();
  const [coin] = tx.splitCoins(tx.gas, [tx.pure.u64(SUI)]);
  tx.transferObjects([coin], B);
  const result = await client.signAndExecuteTransaction({
    transaction: tx,
    signer: alice,
    include: { effects: true, balanceChanges: true, objectTypes: true },
  });
  check(result.$kind === 'Transaction', JSON.stringify(result.FailedTransaction?.status));
  const { effects } = result.Transaction;
  check(effects.status.success, JSON.stringify(effects.status));
  await client.waitForTransaction({ result });
  const { balance } = await client.getBalance({ owner: B });
  check(BigInt(balance.balance) === 11n * SUI, `B has ${balance.balance}`);
  return `${result.Transaction.digest}, gas ${JSON.stringify(effects.gasUsed)}`;
});

await step('simulateTransaction of an unresolved transaction', async () => {
  const tx = new Transaction();
  tx.setSender(A);
  const [coin] = tx.splitCoins(tx.gas, [tx.pure.u64(1234)]);
  tx.transferObjects([coin], B);
  const result = await client.simulateTransaction({ transaction: tx, include: { effects: true, balanceChanges: true } });
  check(result.$kind === 'Transaction', JSON.stringify(result));
  check(result.Transaction.effects.status.success, JSON.stringify(result.Transaction.effects.status));
  const toB = result.Transaction.balanceChanges.find((c) => c.address === B);
  check(toB && BigInt(toB.amount) === 1234n, JSON.stringify(result.Transaction.balanceChanges));
});

// Objects a transaction created, by type name (`module::Name`).
function created(result, typeName) {
  const { effects, objectTypes } = result.Transaction;
  return effects.changedObjects
    .filter((o) => o.idOperation === 'Created')
    .map((o) => o.objectId)
    .filter((id) => objectTypes[id] === `${PKG}::${typeName}` || objectTypes[id]?.startsWith(`${PKG}::${typeName}<`));
}
async function execute(tx, signer) {
  const result = await client.signAndExecuteTransaction({
    transaction: tx,
    signer,
    include: { effects: true, objectTypes: true, events: true },
  });
  check(result.$kind === 'Transaction', `failed: ${JSON.stringify(result.FailedTransaction?.status)}`);
  check(result.Transaction.effects.status.success, JSON.stringify(result.Transaction.effects.status));
  await client.waitForTransaction({ result });
  return result;
}

const floe = {};
await step('Move call: model::register_model (pure strings), ModelCap transferred', async () => {
  const tx = new Transaction();
  const cap = tx.moveCall({
    target: `${PKG}::model::register_model`,
    arguments: [tx.pure.string('suite-model'), tx.pure.string('a model registered by the TS suite')],
  });
  tx.transferObjects([cap], A);
  const result = await execute(tx, alice);
  [floe.model] = created(result, 'model::Model');
  [floe.cap] = created(result, 'model::ModelCap');
  check(floe.model && floe.cap, `created ${JSON.stringify(result.Transaction.objectTypes)}`);
  const events = result.Transaction.events.map((e) => e.eventType);
  check(events.some((t) => t.endsWith('::ModelRegistered')), JSON.stringify(events));
  return `model ${floe.model}`;
});

await step('Move call with a shared (&mut) and an owned object by ID: license::create_offer', async () => {
  const tx = new Transaction();
  tx.moveCall({
    target: `${PKG}::license::create_offer`,
    arguments: [
      tx.object(floe.model),
      tx.object(floe.cap),
      tx.pure.u64(2n * SUI),
      tx.pure.u64(3_600_000),
      tx.pure.u64(10),
      tx.pure.u64(0),
    ],
  });
  const result = await execute(tx, alice);
  [floe.offer] = created(result, 'license::LicenseOffer');
  check(floe.offer, `created ${JSON.stringify(result.Transaction.objectTypes)}`);
  return `offer ${floe.offer}`;
});

await step('WAL from the faucet, listed as coins of its type', async () => {
  const response = await fetch(`${faucetUrl}/v2/wal`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ FixedAmountRequest: { recipient: B } }),
  });
  check(response.ok, `faucet: ${response.status} ${await response.text()}`);
  const { objects } = await client.listCoins({ owner: B, coinType: `${PKG}::wal::WAL` });
  check(objects.length === 1, JSON.stringify(objects));
  floe.walCoin = objects[0].objectId;
  return `${objects[0].balance} WAL base units`;
});

await step('Move call with shared objects read-only and by &mut, a coin and the clock: license::purchase', async () => {
  const tx = new Transaction();
  const license = tx.moveCall({
    target: `${PKG}::license::purchase`,
    arguments: [
      tx.object(floe.offer),
      tx.object(floe.model),
      tx.object(network.system_object_id),
      tx.object(network.treasury_object_id),
      tx.object(floe.walCoin),
      tx.pure.u64(1),
      tx.pure.u64(2n * SUI),
      tx.object.clock(),
    ],
  });
  tx.transferObjects([license], B);
  const result = await execute(tx, bob);
  [floe.license] = created(result, 'license::License');
  check(floe.license, `created ${JSON.stringify(result.Transaction.objectTypes)}`);
  return `license ${floe.license}`;
});

await step('simulated seal_approve: the license approves its model, not another ID', async () => {
  const approve = (id) => {
    const tx = new Transaction();
    tx.setSender(B);
    tx.moveCall({
      target: `${PKG}::license::seal_approve`,
      arguments: [tx.pure.vector('u8', Array.from(Buffer.from(id.slice(2), 'hex'))), tx.object(floe.license), tx.object.clock()],
    });
    return client.simulateTransaction({ transaction: tx, include: { effects: true } });
  };
  const ok = await approve(floe.model);
  check(ok.$kind === 'Transaction' && ok.Transaction.effects.status.success, JSON.stringify(ok));
  const refused = await approve(floe.offer);
  check(refused.$kind === 'FailedTransaction', JSON.stringify(refused));
  return `refused: ${refused.FailedTransaction.status.error?.message}`;
});

await step('coinWithBalance intents (SUI from the gas coin, WAL from coins merged and split)', async () => {
  const tx = new Transaction();
  tx.transferObjects([coinWithBalance({ balance: 1234n })], A);
  tx.transferObjects([coinWithBalance({ type: `${PKG}::wal::WAL`, balance: 5n * SUI })], A);
  const result = await client.signAndExecuteTransaction({ transaction: tx, signer: bob, include: { effects: true, balanceChanges: true } });
  check(result.$kind === 'Transaction', JSON.stringify(result.FailedTransaction?.status));
  await client.waitForTransaction({ result });
  const wal = await client.getBalance({ owner: A, coinType: `${PKG}::wal::WAL` });
  check(wal.balance.balance === String(5n * SUI), JSON.stringify(wal));
  return `${result.Transaction.balanceChanges.length} balance changes`;
});

await step('Object.json from the Move layout (License, Coin) and Event.json', async () => {
  const { object } = await client.getObject({ objectId: floe.license, include: { json: true } });
  check(object.json?.holder === B && object.json?.model_id === floe.model, JSON.stringify(object.json));
  check(object.json.id === floe.license && typeof object.json.expires_at_ms === 'string', JSON.stringify(object.json));
  const { objects } = await client.listCoins({ owner: B, coinType: `${PKG}::wal::WAL` });
  const coin = await client.getObject({ objectId: objects[0].objectId, include: { json: true } });
  check(coin.object.json?.balance === objects[0].balance, JSON.stringify(coin.object.json));
  const { object: offer } = await client.getObject({ objectId: floe.offer, include: { previousTransaction: true } });
  const { Transaction: tx } = await client.getTransaction({ digest: offer.previousTransaction, include: { events: true } });
  const { events } = tx;
  const created = events.find((e) => e.eventType.endsWith('::LicenseOfferCreated'));
  check(created?.json?.offer_id === floe.offer, JSON.stringify(events.map((e) => e.json)));
  return JSON.stringify(object.json);
});

await step('system state, reference gas price, protocol config', async () => {
  const { systemState } = await client.core.getCurrentSystemState();
  check(systemState.epoch === '0' && systemState.referenceGasPrice === '1000', JSON.stringify(systemState));
  const { referenceGasPrice } = await client.core.getReferenceGasPrice();
  check(referenceGasPrice === '1000', referenceGasPrice);
  const { protocolConfig } = await client.core.getProtocolConfig();
  check(protocolConfig.attributes.max_tx_gas === '50000000000', JSON.stringify(protocolConfig));
  return `protocol ${protocolConfig.protocolVersion}`;
});

await step('coin metadata of SUI and of WAL (from the package currency)', async () => {
  const wal = await client.core.getCoinMetadata({ coinType: `${PKG}::wal::WAL` });
  check(wal.coinMetadata?.symbol === 'WAL' && wal.coinMetadata.decimals === 9, JSON.stringify(wal));
  const sui = await client.core.getCoinMetadata({ coinType: '0x2::sui::SUI' });
  check(sui.coinMetadata?.symbol === 'SUI', JSON.stringify(sui));
  const none = await client.core.getCoinMetadata({ coinType: `${PKG}::model::Model` });
  check(none.coinMetadata === null, JSON.stringify(none));
  return wal.coinMetadata.name;
});

await step('MovePackageService: function signature, datatype, package', async () => {
  const { function: purchase } = await client.core.getMoveFunction({ packageId: PKG, moduleName: 'license', name: 'purchase' });
  const refs = purchase.parameters.map((p) => p.reference ?? 'value');
  check(JSON.stringify(refs) === JSON.stringify(['immutable', 'mutable', 'immutable', 'mutable', 'mutable', 'value', 'value', 'immutable', 'mutable']), JSON.stringify(refs));
  check(purchase.returns[0].body.datatype?.typeName === `${PKG}::license::License`, JSON.stringify(purchase.returns));
  const { response: dt } = await client.movePackageService.getDatatype({ packageId: PKG, moduleName: 'license', name: 'License' });
  const fields = dt.datatype.fields.map((f) => f.name);
  check(fields.includes('holder') && fields.includes('expires_at_ms'), JSON.stringify(fields));
  const { response: pkg } = await client.movePackageService.getPackage({ packageId: PKG });
  const modules = pkg.package.modules.map((m) => m.name);
  check(modules.includes('license') && modules.includes('model'), JSON.stringify(modules));
  return `${modules.length} modules`;
});

await step("dynamic fields of the System tables (the genesis nodes' pools and keys), each read back", async () => {
  const { object } = await client.getObject({ objectId: network.system_object_id, include: { json: true } });
  const tables = Object.entries(object.json).filter(([, v]) => v && typeof v === 'object' && 'size' in v && 'id' in v);
  let found = 0;
  for (const [name, table] of tables) {
    const { dynamicFields } = await client.listDynamicFields({ parentId: table.id });
    check(dynamicFields.length === Number(table.size), `${name}: ${dynamicFields.length} fields, size ${table.size}`);
    for (const field of dynamicFields) {
      check(field.$kind === 'DynamicField' && field.name.type && field.valueType, JSON.stringify(field));
      const value = await client.getDynamicField({ parentId: table.id, name: field.name });
      check(value.dynamicField.fieldId === field.fieldId, JSON.stringify(value));
      found++;
    }
  }
  check(found > 0, 'the genesis nodes left no dynamic field');
  return `${tables.length} tables of System, ${found} fields`;
});

await step('listEvents (gRPC): by event type, module, sender; pages of one both ways resume from their cursors', async () => {
  const registered = await client.listEvents({ filter: { eventType: `${PKG}::events::ModelRegistered` } });
  check(registered.events.length >= 1 && !registered.hasNextPage, JSON.stringify(registered));
  const mine = registered.events.find((e) => e.json?.model_id === floe.model);
  check(mine && mine.packageId === PKG && mine.module === 'model' && mine.sender === A && mine.bcs.length > 0, JSON.stringify(registered.events));
  check(/^[0-9]+$/.test(mine.checkpoint ?? '') && typeof mine.eventIndex === 'number' && mine.transactionDigest, JSON.stringify(mine));
  const { Transaction: tx } = await client.getTransaction({ digest: mine.transactionDigest, include: { events: true } });
  check(tx.events[mine.eventIndex].eventType === mine.eventType, JSON.stringify(tx.events));
  const byModule = await client.listEvents({ filter: { emitModule: `${PKG}::license` } });
  check(byModule.events.length >= 2 && byModule.events.every((e) => e.module === 'license' && e.packageId === PKG), JSON.stringify(byModule.events.map((e) => e.module)));
  const byTypeModule = await client.listEvents({ filter: { eventType: `${PKG}::events` } });
  check(byTypeModule.events.length >= byModule.events.length && byTypeModule.events.every((e) => e.eventType.startsWith(`${PKG}::events::`)), `${byTypeModule.events.length}`);
  const bySender = await client.listEvents({ filter: { sender: B } });
  check(bySender.events.length >= 1 && bySender.events.every((e) => e.sender === B), JSON.stringify(bySender.events.map((e) => e.sender)));
  const walk = async (order) => {
    const seen = [];
    let cursor = null;
    for (let pages = 0; pages < 100; pages++) {
      const bound = cursor === null ? {} : order === 'ascending' ? { after: cursor } : { before: cursor };
      const page = await client.listEvents({ filter: { emitModule: `${PKG}::license` }, limit: 1, order, ...bound });
      seen.push(...page.events.map((e) => `${e.transactionDigest}#${e.eventIndex}`));
      if (!page.hasNextPage) return seen;
      check(page.events.length === 1 && page.endCursor, JSON.stringify(page));
      cursor = page.endCursor;
    }
    throw new Error('more than 100 pages');
  };
  const up = await walk('ascending');
  const down = await walk('descending');
  const all = byModule.events.map((e) => `${e.transactionDigest}#${e.eventIndex}`);
  check(JSON.stringify(up) === JSON.stringify(all) && JSON.stringify(down) === JSON.stringify([...all].reverse()), JSON.stringify({ up, down, all }));
  return `${all.length} license events, paged both ways`;
});

await step('listTransactions (gRPC): by sender and Move function, pages resume from their cursors, effects included', async () => {
  // Each listed transaction is `{$kind, Transaction | FailedTransaction}`, as getTransaction answers.
  const data = (t) => t.Transaction ?? t.FailedTransaction;
  const fromB = await client.listTransactions({ filter: { sender: B }, include: { effects: true, transaction: true } });
  check(fromB.transactions.length >= 2 && fromB.transactions.every((t) => data(t).transaction.sender === B && data(t).effects.status.success), JSON.stringify(fromB).slice(0, 400));
  const purchases = await client.listTransactions({ filter: { function: `${PKG}::license::purchase` }, include: { events: true } });
  check(purchases.transactions.length === 1 && data(purchases.transactions[0]).events.some((e) => e.eventType.endsWith('::LicensePurchased')), JSON.stringify(purchases).slice(0, 400));
  const inModule = await client.listTransactions({ filter: { function: `${PKG}::license` } });
  check(inModule.transactions.length === 2, `${inModule.transactions.length} license calls`);
  const pages = [];
  let after;
  for (;;) {
    const page = await client.listTransactions({ filter: { sender: B }, limit: 1, after });
    pages.push(...page.transactions.map((t) => data(t).digest));
    if (!page.hasNextPage) break;
    after = page.endCursor;
  }
  const all = fromB.transactions.map((t) => data(t).digest);
  check(JSON.stringify(pages) === JSON.stringify(all), JSON.stringify({ pages, all }));
  const newest = await client.listTransactions({ limit: 1, order: 'descending' });
  check(newest.transactions.length === 1 && newest.hasNextPage, JSON.stringify(newest));
  const unknown = toBase58(new Uint8Array(32).fill(7));
  const { response: batch } = await client.ledgerService.batchGetTransactions({ digests: [pages[0], unknown], readMask: { paths: ['digest', 'checkpoint'] } });
  const show = (v) => JSON.stringify(v, (_, x) => (typeof x === 'bigint' ? x.toString() : x));
  check(batch.transactions[0].result.oneofKind === 'transaction' && batch.transactions[0].result.transaction.digest === pages[0], show(batch.transactions[0]));
  check(batch.transactions[1].result.oneofKind === 'error' && batch.transactions[1].result.error.code === 5, show(batch.transactions[1]));
  return `${fromB.transactions.length} from B in pages of one`;
});

await step("getTransaction (gRPC) names a deleted coin's type in objectTypes", async () => {
  const split = new Transaction();
  split.transferObjects([split.splitCoins(split.gas, [split.pure.u64(777)])], A);
  const made = await execute(split, alice);
  const [coin] = made.Transaction.effects.changedObjects.filter((o) => o.idOperation === 'Created').map((o) => o.objectId);
  const merge = new Transaction();
  merge.mergeCoins(merge.gas, [merge.object(coin)]);
  const merged = await execute(merge, alice);
  const read = await client.getTransaction({ digest: merged.Transaction.digest, include: { effects: true, objectTypes: true } });
  const deleted = read.Transaction.effects.changedObjects.find((o) => o.objectId === coin);
  check(deleted?.idOperation === 'Deleted', JSON.stringify(read.Transaction.effects.changedObjects));
  const sui = normalizeStructTag('0x2::coin::Coin<0x2::sui::SUI>');
  check(read.Transaction.objectTypes[coin] && normalizeStructTag(read.Transaction.objectTypes[coin]) === sui, JSON.stringify(read.Transaction.objectTypes));
  const listed = await client.listTransactions({ filter: { sender: A }, order: 'descending', limit: 1, include: { objectTypes: true } });
  const newest = listed.transactions[0]?.Transaction;
  check(newest?.digest === merged.Transaction.digest && normalizeStructTag(newest.objectTypes[coin] ?? '0x0::x::X') === sui, JSON.stringify(listed.transactions));
  return `coin ${coin} deleted`;
});

await step('gRPC calls a devnet cannot answer say so, naming the method: name service, zkLogin verification', async () => {
  const message = (error) => decodeURIComponent(String(error?.message ?? error));
  const lookup = await rejection(client.core.resolveNameServiceAddress({ name: 'example.sui' }));
  check(/LookupName/.test(message(lookup)) && /SuiNS/.test(message(lookup)), message(lookup));
  const reverse = await rejection(client.core.defaultNameServiceName({ address: A }));
  check(/ReverseLookupName/.test(message(reverse)) && /SuiNS/.test(message(reverse)), message(reverse));
  const zk = await rejection(client.core.verifyZkLoginSignature({ bytes: 'AAAA', signature: 'AAAA', intentScope: 'PersonalMessage', address: A }));
  check(/VerifySignature/.test(message(zk)) && /zkLogin/.test(message(zk)), message(zk));
  return message(lookup).slice(0, 120);
});

// The base64 signatures of `bytes` by each signer, in order.
async function signaturesOf(bytes, ...signers) {
  return Promise.all(signers.map(async (signer) => (await signer.signTransaction(bytes)).signature));
}
const errorText = (error) => decodeURIComponent(String(error?.message ?? error));
const balanceOf = async (owner) => BigInt((await client.getBalance({ owner })).balance.balance);
const gasCharged = (effects) => {
  const g = effects.gasUsed;
  return BigInt(g.computationCost) + BigInt(g.storageCost) - BigInt(g.storageRebate);
};

await step('sponsored transaction (gRPC): the gas owner pays, sender and sponsor both sign; the sender alone or with a stranger is refused', async () => {
  const tx = new Transaction();
  tx.setSender(A);
  tx.setGasOwner(B);
  // The sender's own SUI (not the sponsor's gas coin), found by the SDK among A's coins.
  tx.transferObjects([coinWithBalance({ balance: 5000n, useGasCoin: false })], B);
  // The devnet resolves the budget and picks the sponsor's coins.
  const bytes = await tx.build({ client });
  const data = Transaction.from(bytes).getData();
  check(data.sender === A && data.gasData.owner === B && data.gasData.payment.length >= 1 && BigInt(data.gasData.budget) > 0n, JSON.stringify(data.gasData));
  const [beforeA, beforeB] = [await balanceOf(A), await balanceOf(B)];
  // The attacks: spending the sponsor's gas without the sponsor's signature.
  const alone = await rejection(client.executeTransaction({ transaction: bytes, signatures: await signaturesOf(bytes, alice) }));
  check(/expected 2 signature/.test(errorText(alone)), errorText(alone));
  const carol = new Ed25519Keypair();
  const stranger = await rejection(client.executeTransaction({ transaction: bytes, signatures: await signaturesOf(bytes, alice, carol) }));
  check(/neither the sender/.test(errorText(stranger)), errorText(stranger));
  const twice = await rejection(client.executeTransaction({ transaction: bytes, signatures: await signaturesOf(bytes, alice, alice) }));
  check(/two signatures by/.test(errorText(twice)), errorText(twice));
  check((await balanceOf(A)) === beforeA && (await balanceOf(B)) === beforeB, 'a refused transaction changed a balance');
  // Signatures in either order.
  const result = await client.executeTransaction({
    transaction: bytes,
    signatures: await signaturesOf(bytes, bob, alice),
    include: { effects: true, balanceChanges: true },
  });
  check(result.$kind === 'Transaction' && result.Transaction.effects.status.success, JSON.stringify(result.FailedTransaction?.status));
  await client.waitForTransaction({ result });
  const fee = gasCharged(result.Transaction.effects);
  const [afterA, afterB] = [await balanceOf(A), await balanceOf(B)];
  check(afterA === beforeA - 5000n, `A: ${beforeA} -> ${afterA}`);
  check(afterB === beforeB + 5000n - fee, `B: ${beforeB} -> ${afterB}, fee ${fee}`);
  return `sponsor paid ${fee} MIST`;
});

await step('multisig (2 of 3 ed25519 keys): funded, sends with two signatures and with MultiSigSigner; one signature is refused', async () => {
  const keys = [new Ed25519Keypair(), new Ed25519Keypair(), new Ed25519Keypair()];
  const multisig = MultiSigPublicKey.fromPublicKeys({
    threshold: 2,
    publicKeys: keys.map((k) => ({ publicKey: k.getPublicKey(), weight: 1 })),
  });
  const M = multisig.toSuiAddress();
  const answer = await requestSuiFromFaucetV2({ host: faucetUrl, recipient: M });
  check(answer.status === 'Success', JSON.stringify(answer));
  const tx = new Transaction();
  tx.setSender(M);
  tx.transferObjects([tx.splitCoins(tx.gas, [tx.pure.u64(2222)])], A);
  const bytes = await tx.build({ client });
  const partial = await signaturesOf(bytes, keys[0], keys[2]);
  // The attack: one member's signature is below the threshold.
  const one = multisig.combinePartialSignatures([partial[0]]);
  const refused = await rejection(client.executeTransaction({ transaction: bytes, signatures: [one] }));
  check(/threshold/.test(errorText(refused)), errorText(refused));
  const both = multisig.combinePartialSignatures(partial);
  const signer = await verifyTransactionSignature(bytes, both, { address: M });
  check(signer.toSuiAddress() === M, 'the SDK does not verify the combined signature');
  const beforeA = await balanceOf(A);
  const result = await client.executeTransaction({ transaction: bytes, signatures: [both], include: { effects: true } });
  check(result.$kind === 'Transaction' && result.Transaction.effects.status.success, JSON.stringify(result.FailedTransaction?.status));
  await client.waitForTransaction({ result });
  check((await balanceOf(A)) === beforeA + 2222n, 'A did not receive 2222 MIST');
  // The SDK's MultiSigSigner signs with the other two keys and executes in one call.
  const again = new Transaction();
  again.transferObjects([again.splitCoins(again.gas, [again.pure.u64(3333)])], A);
  const sent = await client.signAndExecuteTransaction({ transaction: again, signer: multisig.getSigner(keys[1], keys[2]), include: { effects: true } });
  check(sent.$kind === 'Transaction' && sent.Transaction.effects.status.success, JSON.stringify(sent.FailedTransaction?.status));
  await client.waitForTransaction({ result: sent });
  return `multisig ${M}`;
});

await step('gas selection with several small coins: the budget needs more than one, the devnet merges them', async () => {
  const poor = new Ed25519Keypair();
  const P = poor.toSuiAddress();
  const fund = new Transaction();
  const amounts = [1, 2, 3, 4, 5].map(() => fund.pure.u64(1_000_000));
  const split = fund.splitCoins(fund.gas, amounts);
  fund.transferObjects(amounts.map((_, i) => split[i]), P);
  await execute(fund, alice);
  const tx = new Transaction();
  tx.transferObjects([tx.splitCoins(tx.gas, [tx.pure.u64(10)])], A);
  const result = await client.signAndExecuteTransaction({ transaction: tx, signer: poor, include: { effects: true, transaction: true } });
  check(result.$kind === 'Transaction' && result.Transaction.effects.status.success, JSON.stringify(result.FailedTransaction?.status));
  const { payment, budget } = result.Transaction.transaction.gasData;
  check(payment.length > 1 && BigInt(budget) > 1_000_000n, JSON.stringify({ payment: payment.length, budget }));
  await client.waitForTransaction({ result });
  const { objects } = await client.listCoins({ owner: P });
  check(objects.length === 1, `${objects.length} coins left`);
  return `${payment.length} coins paid a budget of ${budget}`;
});

// A Move call that aborts with license::EWrongId (16): seal_approve of an ID the license does
// not cover.
function approveWrongId(bytes) {
  const tx = new Transaction();
  tx.moveCall({
    target: `${PKG}::license::seal_approve`,
    arguments: [tx.pure.vector('u8', bytes), tx.object(floe.license), tx.object.clock()],
  });
  return tx;
}
// A transaction whose gas is fully given, so building it needs no dry run: it is executed, and
// fails, on chain.
async function withGivenGas(tx, sender) {
  const kind = await tx.build({ client, onlyTransactionKind: true });
  const given = Transaction.fromKind(kind);
  given.setSender(sender);
  const { objects } = await client.listCoins({ owner: sender });
  const coin = objects.reduce((a, c) => (BigInt(c.balance) > BigInt(a.balance) ? c : a));
  given.setGasPayment([{ objectId: coin.objectId, version: coin.version, digest: coin.digest }]);
  given.setGasPrice(1000);
  given.setGasBudget(10_000_000);
  return given;
}

await step('an aborting Move call (gRPC): the build refuses it as MoveAbort naming module, function and code; with its gas given it fails on chain the same way', async () => {
  const built = await rejection(client.signAndExecuteTransaction({ transaction: approveWrongId([1, 2, 3]), signer: bob }));
  const early = built.executionError;
  check(built.constructor.name === 'SimulationError' && early?.$kind === 'MoveAbort', `${built.constructor.name}: ${errorText(built)}`);
  check(early.MoveAbort.abortCode === '16' && early.MoveAbort.location?.module === 'license' && early.MoveAbort.location.functionName === 'seal_approve', JSON.stringify(early));
  check(errorText(built).includes(`abort code: 16, in '${PKG}::license::seal_approve'`), errorText(built));
  const result = await client.signAndExecuteTransaction({ transaction: await withGivenGas(approveWrongId([1, 2, 3]), B), signer: bob, include: { effects: true } });
  check(result.$kind === 'FailedTransaction', JSON.stringify(result));
  const { error } = result.FailedTransaction.status;
  check(error?.$kind === 'MoveAbort' && error.command === 0 && error.MoveAbort.abortCode === '16', JSON.stringify(error));
  check(error.MoveAbort.location?.module === 'license' && error.MoveAbort.location.functionName === 'seal_approve', JSON.stringify(error.MoveAbort));
  await client.waitForTransaction({ result });
  return error.message;
});

// === The same dapp through SuiJsonRpcClient (Sui's JSON-RPC on the same URL) ===

const rpc = new SuiJsonRpcClient({ url: rpcUrl, network: 'localnet' });
const everyObjectOption = {
  showType: true, showOwner: true, showContent: true, showBcs: true, showDisplay: true,
  showPreviousTransaction: true, showStorageRebate: true,
};
const everyTxOption = {
  showInput: true, showRawInput: true, showEffects: true, showRawEffects: true, showEvents: true,
  showObjectChanges: true, showBalanceChanges: true,
};
async function rpcError(promise) {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

await step('JSON-RPC: chain identifier, gas price, checkpoints, system state, protocol config', async () => {
  const { chainIdentifier } = await rpc.core.getChainIdentifier();
  const genesis = await rpc.getCheckpoint({ id: '0' });
  check(chainIdentifier === genesis.digest && genesis.sequenceNumber === '0', JSON.stringify(genesis));
  const raw = await rpc.call('sui_getChainIdentifier', []);
  check(/^[0-9a-f]{8}$/.test(raw), `sui_getChainIdentifier ${raw}`);
  check((await rpc.getReferenceGasPrice()) === 1000n, 'reference gas price');
  const latest = await rpc.getLatestCheckpointSequenceNumber();
  check(BigInt(latest) > 0n, `latest checkpoint ${latest}`);
  const state = await rpc.getLatestSuiSystemState();
  check(state.epoch === '0' && state.referenceGasPrice === '1000', JSON.stringify(state).slice(0, 200));
  const { protocolConfig } = await rpc.core.getProtocolConfig();
  check(protocolConfig.attributes.max_tx_gas === '50000000000', JSON.stringify(protocolConfig));
  return `chain ${raw}, checkpoint ${latest}`;
});

await step('JSON-RPC: getObject with every show option, multiGetObjects, a missing object', async () => {
  const { data, error } = await rpc.getObject({ id: floe.license, options: everyObjectOption });
  check(!error && data.type === `${PKG}::license::License`, JSON.stringify({ data, error }));
  check(data.owner?.AddressOwner === B, JSON.stringify(data.owner));
  check(data.content?.dataType === 'moveObject' && data.content.fields.holder === B, JSON.stringify(data.content));
  // Sui's shapes: UID `{id}`, ID a hex string, u64 a decimal string, bool a bool.
  const license = data.content.fields;
  check(license.id?.id === floe.license && license.model_id === floe.model && license.offer_id === floe.offer, JSON.stringify(license));
  check(/^[0-9]+$/.test(license.expires_at_ms) && typeof license.use_limited === 'boolean' && /^[0-9]+$/.test(license.uses_left), JSON.stringify(license));
  check(data.content.type === `${PKG}::license::License` && data.content.hasPublicTransfer === true, JSON.stringify(data.content));
  check(data.display?.data === null && data.display.error === null, JSON.stringify(data.display));
  const decoded = bcs.Address.parse(Buffer.from(data.bcs.bcsBytes, 'base64').subarray(0, 32));
  check(decoded === floe.license && data.bcs.version === Number(data.version), JSON.stringify(data.bcs));
  check(data.previousTransaction && data.storageRebate !== undefined && 'display' in data, JSON.stringify(data));
  const missing = `0x${'ab'.repeat(32)}`;
  const many = await rpc.multiGetObjects({ ids: [network.system_object_id, floe.license, missing], options: { showOwner: true } });
  check(many[0].data?.owner?.Shared?.initial_shared_version !== undefined, JSON.stringify(many[0]));
  check(many[2].error?.code === 'notExists', JSON.stringify(many[2]));
  const { objects } = await rpc.core.getObjects({ objectIds: [floe.license, missing], include: { json: true, content: true } });
  check(objects[0].json?.holder === B && objects[0].json.id?.id === floe.license && objects[1] instanceof Error, JSON.stringify(objects));
  return `${data.type} v${data.version}`;
});

await step('JSON-RPC: getOwnedObjects with filters and cursors', async () => {
  const all = [];
  let cursor = null;
  for (;;) {
    const page = await rpc.getOwnedObjects({ owner: B, cursor, limit: 2, options: { showType: true } });
    all.push(...page.data.map((o) => o.data));
    if (!page.hasNextPage) break;
    check(page.nextCursor && page.data.length === 2, JSON.stringify(page));
    cursor = page.nextCursor;
  }
  const ids = all.map((o) => o.objectId);
  check(ids.length >= 3 && new Set(ids).size === ids.length, `paged ${JSON.stringify(ids)}`);
  const { data: everything } = await rpc.getOwnedObjects({ owner: B });
  check(everything.length === ids.length, `one page ${everything.length}, pages ${ids.length}`);
  const licenses = await rpc.getOwnedObjects({ owner: B, filter: { StructType: `${PKG}::license::License` }, options: { showContent: true } });
  check(licenses.data.length === 1 && licenses.data[0].data.objectId === floe.license, JSON.stringify(licenses));
  const byModule = await rpc.getOwnedObjects({ owner: B, filter: { MoveModule: { package: PKG, module: 'license' } } });
  check(byModule.data.length === 1, JSON.stringify(byModule));
  const coins = await rpc.getOwnedObjects({ owner: B, filter: { MatchAny: [{ StructType: '0x2::coin::Coin' }, { ObjectId: floe.license }] } });
  check(coins.data.length === ids.length, `MatchAny ${coins.data.length} of ${ids.length}`);
  const none = await rpc.getOwnedObjects({ owner: B, filter: { MatchNone: [{ StructType: '0x2::coin::Coin' }] } });
  check(none.data.length === 1, JSON.stringify(none));
  return `${ids.length} objects in pages of 2`;
});

await step('JSON-RPC: getCoins, getAllCoins, getBalance, getAllBalances', async () => {
  const sui = await rpc.getCoins({ owner: B });
  const total = sui.data.reduce((sum, c) => sum + BigInt(c.balance), 0n);
  const balance = await rpc.getBalance({ owner: B });
  check(BigInt(balance.totalBalance) === total && balance.coinObjectCount === sui.data.length, JSON.stringify({ balance, sui }));
  const wal = await rpc.getCoins({ owner: B, coinType: `${PKG}::wal::WAL` });
  check(wal.data.length >= 1 && wal.data.every((c) => c.coinType === `${PKG}::wal::WAL`), JSON.stringify(wal));
  const balances = await rpc.getAllBalances({ owner: B });
  check(balances.length === 2, JSON.stringify(balances));
  const pages = [];
  let cursor = null;
  do {
    const page = await rpc.getAllCoins({ owner: B, cursor, limit: 1 });
    pages.push(...page.data);
    cursor = page.hasNextPage ? page.nextCursor : null;
  } while (cursor);
  check(pages.length === sui.data.length + wal.data.length, `getAllCoins paged ${pages.length}`);
  return `${total} MIST in ${sui.data.length} coins, ${wal.data.length} WAL coins`;
});

const viaRpc = {};
await step('JSON-RPC: signAndExecuteTransaction (splitCoins of tx.gas) with every option, waitForTransaction', async () => {
  const tx = new Transaction();
  const [coin] = tx.splitCoins(tx.gas, [tx.pure.u64(1000)]);
  tx.transferObjects([coin], A);
  const result = await rpc.signAndExecuteTransaction({ transaction: tx, signer: bob, options: everyTxOption });
  check(result.effects?.status.status === 'success', JSON.stringify(result.effects?.status));
  check(result.transaction?.data.sender === B && result.transaction.txSignatures.length === 1, JSON.stringify(result.transaction));
  check(typeof result.rawTransaction === 'string' && Array.isArray(result.rawEffects), 'raw input and effects');
  const createdCoin = result.objectChanges.find((c) => c.type === 'created');
  check(createdCoin?.objectType === '0x2::coin::Coin<0x2::sui::SUI>' && createdCoin.owner.AddressOwner === A, JSON.stringify(result.objectChanges));
  check(result.objectChanges.some((c) => c.type === 'mutated' && c.previousVersion), JSON.stringify(result.objectChanges));
  const toA = result.balanceChanges.find((c) => c.owner.AddressOwner === A);
  check(toA?.amount === '1000', JSON.stringify(result.balanceChanges));
  check(result.effects.created?.[0]?.reference.objectId === createdCoin.objectId, JSON.stringify(result.effects));
  const waited = await rpc.waitForTransaction({ digest: result.digest, options: { showEffects: true } });
  check(waited.effects.status.status === 'success', JSON.stringify(waited));
  const read = await rpc.getTransactionBlock({ digest: result.digest, options: everyTxOption });
  check(read.digest === result.digest && read.rawTransaction === result.rawTransaction, 'read back');
  const core = await rpc.core.getTransaction({ digest: result.digest, include: { effects: true, transaction: true, balanceChanges: true, objectTypes: true } });
  check(core.Transaction?.effects?.changedObjects.length >= 2 && core.Transaction.transaction.sender === B, JSON.stringify(core).slice(0, 300));
  viaRpc.splitDigest = result.digest;
  return `${result.digest}, gas ${JSON.stringify(result.effects.gasUsed)}`;
});

await step('JSON-RPC: Move call with shared objects by ID and by Inputs.SharedObjectRef, Transaction.build({client})', async () => {
  const { data: walCoins } = await rpc.getCoins({ owner: B, coinType: `${PKG}::wal::WAL` });
  const coin = walCoins.find((c) => BigInt(c.balance) >= 2n * SUI);
  const { data: system } = await rpc.getObject({ id: network.system_object_id, options: { showOwner: true } });
  const tx = new Transaction();
  const license = tx.moveCall({
    target: `${PKG}::license::purchase`,
    arguments: [
      tx.object(floe.offer),
      tx.object(floe.model),
      tx.object(Inputs.SharedObjectRef({ objectId: network.system_object_id, initialSharedVersion: system.owner.Shared.initial_shared_version, mutable: false })),
      tx.object(network.treasury_object_id),
      tx.object(coin.coinObjectId),
      tx.pure.u64(1),
      tx.pure.u64(2n * SUI),
      tx.object.clock(),
    ],
  });
  tx.transferObjects([license], B);
  tx.setSender(B);
  const bytes = await tx.build({ client: rpc });
  const { signature } = await bob.signTransaction(bytes);
  const result = await rpc.executeTransactionBlock({ transactionBlock: bytes, signature, options: { showEffects: true, showEvents: true, showObjectChanges: true } });
  check(result.effects.status.status === 'success', JSON.stringify(result.effects.status));
  check(result.effects.sharedObjects?.length >= 3, JSON.stringify(result.effects.sharedObjects));
  const bought = result.events.find((e) => e.type === `${PKG}::events::LicensePurchased` || e.type.endsWith('::LicensePurchased'));
  check(bought?.parsedJson && bought.id.txDigest === result.digest, JSON.stringify(result.events));
  viaRpc.license = result.objectChanges.find((c) => c.type === 'created' && c.objectType === `${PKG}::license::License`)?.objectId;
  check(viaRpc.license, JSON.stringify(result.objectChanges));
  viaRpc.purchaseDigest = result.digest;
  return `license ${viaRpc.license}`;
});

await step('JSON-RPC: devInspect (return values, an abort) and dryRun', async () => {
  const quote = new Transaction();
  quote.moveCall({ target: `${PKG}::license::quote`, arguments: [quote.object(floe.offer), quote.pure.u64(3)] });
  const inspected = await rpc.devInspectTransactionBlock({ sender: A, transactionBlock: quote });
  check(inspected.effects.status.status === 'success', JSON.stringify(inspected.effects.status));
  const [[bytes, type]] = inspected.results[0].returnValues;
  check(bcs.u64().parse(Uint8Array.from(bytes)) === String(6n * SUI) && type === 'u64', JSON.stringify(inspected.results));
  const refuse = new Transaction();
  refuse.moveCall({
    target: `${PKG}::license::seal_approve`,
    arguments: [refuse.pure.vector('u8', [1, 2, 3]), refuse.object(floe.license), refuse.object.clock()],
  });
  const refused = await rpc.devInspectTransactionBlock({ sender: B, transactionBlock: refuse });
  check(refused.effects.status.status === 'failure' && /MoveAbort/.test(refused.error), JSON.stringify(refused.effects.status));
  const simulated = await rpc.core.simulateTransaction({ transaction: refuse, include: { effects: true } });
  check(simulated.$kind === 'FailedTransaction' && simulated.FailedTransaction.status.error.$kind === 'MoveAbort', JSON.stringify(simulated.FailedTransaction?.status));
  const pay = new Transaction();
  pay.setSender(A);
  pay.transferObjects([pay.splitCoins(pay.gas, [pay.pure.u64(77)])], B);
  const dry = await rpc.dryRunTransactionBlock({ transactionBlock: await pay.build({ client: rpc }) });
  check(dry.effects.status.status === 'success' && dry.balanceChanges.some((c) => c.owner.AddressOwner === B && c.amount === '77'), JSON.stringify(dry.balanceChanges));
  return `quote ${bcs.u64().parse(Uint8Array.from(bytes))}; refused: ${refused.error}`;
});

await step('JSON-RPC: an aborting Move call: effects.status.error as Sui writes it, so a dapp parses module, function and code', async () => {
  // The expression dapps match Sui's abort text with.
  const moveAbort = /MoveAbort\(MoveLocation \{ module: ModuleId \{ address: ([0-9a-f]{64}), name: Identifier\("([A-Za-z_]+)"\) \}, function: ([0-9]+), instruction: ([0-9]+), function_name: Some\("([A-Za-z_]+)"\) \}, ([0-9]+)\) in command ([0-9]+)/;
  // Without a budget the SDK's dry run refuses it, with the abort parsed.
  const unbudgeted = approveWrongId([9, 9]);
  unbudgeted.setSender(B);
  const dryRun = await rejection(unbudgeted.build({ client: rpc }));
  const early = dryRun.executionError;
  check(early?.$kind === 'MoveAbort' && early.MoveAbort.abortCode === '16' && early.MoveAbort.location?.module === 'license' && early.MoveAbort.location.functionName === 'seal_approve', `${dryRun}: ${JSON.stringify(early)}`);
  // With a budget it executes and fails on chain.
  const tx = approveWrongId([9, 9]);
  tx.setGasBudget(10_000_000);
  const result = await rpc.signAndExecuteTransaction({ transaction: tx, signer: bob, options: { showEffects: true } });
  check(result.effects.status.status === 'failure', JSON.stringify(result.effects.status));
  const m = result.effects.status.error.match(moveAbort);
  check(m && `0x${m[1]}` === PKG && m[2] === 'license' && m[5] === 'seal_approve' && m[6] === '16' && m[7] === '0', result.effects.status.error);
  await rpc.waitForTransaction({ digest: result.digest });
  const read = await rpc.core.getTransaction({ digest: result.digest, include: { effects: true } });
  const error = read.FailedTransaction?.status.error;
  check(error?.$kind === 'MoveAbort' && error.MoveAbort.abortCode === '16', JSON.stringify(read).slice(0, 300));
  return result.effects.status.error.slice(0, 100);
});

await step('JSON-RPC: queryEvents by MoveEventType, Sender, Transaction, MoveModule; cursors; descending', async () => {
  const registered = await rpc.queryEvents({ query: { MoveEventType: `${PKG}::events::ModelRegistered` } });
  check(registered.data.length >= 1 && registered.data.every((e) => e.type === `${PKG}::events::ModelRegistered`), JSON.stringify(registered.data.map((e) => e.type)));
  check(registered.data.some((e) => e.parsedJson.model_id === floe.model), JSON.stringify(registered.data.map((e) => e.parsedJson)));
  const bySender = await rpc.queryEvents({ query: { Sender: B }, order: 'ascending' });
  check(bySender.data.length >= 2 && bySender.data.every((e) => e.sender === B), JSON.stringify(bySender.data.map((e) => e.sender)));
  const byTx = await rpc.queryEvents({ query: { Transaction: viaRpc.purchaseDigest } });
  check(byTx.data.length >= 1 && byTx.data.every((e) => e.id.txDigest === viaRpc.purchaseDigest), JSON.stringify(byTx));
  const byModule = await rpc.queryEvents({ query: { MoveModule: { package: PKG, module: 'license' } }, order: 'ascending' });
  check(byModule.data.length >= 3 && byModule.data.every((e) => e.transactionModule === 'license'), JSON.stringify(byModule.data.map((e) => e.transactionModule)));
  // Pages of one, both ways, give the same events in opposite orders.
  const walk = async (order) => {
    const out = [];
    let cursor = null;
    do {
      const page = await rpc.queryEvents({ query: { MoveModule: { package: PKG, module: 'license' } }, cursor, limit: 1, order });
      out.push(...page.data.map((e) => JSON.stringify(e.id)));
      cursor = page.hasNextPage ? page.nextCursor : null;
    } while (cursor);
    return out;
  };
  const up = await walk('ascending');
  const down = await walk('descending');
  check(up.length === byModule.data.length && JSON.stringify(up) === JSON.stringify([...down].reverse()), JSON.stringify({ up, down }));
  const { events } = await rpc.core.listEvents({ filter: { eventType: `${PKG}::events::ModelRegistered` } });
  check(events.length === registered.data.length, JSON.stringify(events));
  return `${up.length} license events, paged both ways`;
});

await step('JSON-RPC: queryTransactionBlocks by FromAddress and MoveFunction, cursors, descending', async () => {
  const fromB = await rpc.queryTransactionBlocks({ filter: { FromAddress: B }, options: { showInput: true }, order: 'ascending' });
  check(fromB.data.length >= 4 && fromB.data.every((t) => t.transaction.data.sender === B), JSON.stringify(fromB.data.map((t) => t.digest)));
  const purchases = await rpc.queryTransactionBlocks({ filter: { MoveFunction: { package: PKG, module: 'license', function: 'purchase' } } });
  check(purchases.data.length === 2 && purchases.data[0].digest === viaRpc.purchaseDigest, JSON.stringify(purchases.data.map((t) => t.digest)));
  const first = await rpc.queryTransactionBlocks({ filter: { FromAddress: B }, limit: 1, order: 'ascending' });
  const second = await rpc.queryTransactionBlocks({ filter: { FromAddress: B }, limit: 1, order: 'ascending', cursor: first.nextCursor });
  check(first.hasNextPage && first.data[0].digest === fromB.data[0].digest && second.data[0].digest === fromB.data[1].digest, JSON.stringify({ first, second }));
  const { transactions } = await rpc.core.listTransactions({ filter: { sender: B }, include: { effects: true } });
  check(transactions.length === fromB.data.length, `${transactions.length} vs ${fromB.data.length}`);
  return `${fromB.data.length} from B, ${purchases.data.length} purchases`;
});

await step('JSON-RPC: getDynamicFields and getDynamicFieldObject of the System tables', async () => {
  const { data } = await rpc.getObject({ id: network.system_object_id, options: { showContent: true } });
  // Nested structs are `{type, fields}`: a Table is `{type: '0x2::table::Table<…>', fields: {id: {id}, size}}`.
  const tables = Object.values(data.content.fields)
    .filter((v) => v?.type?.startsWith('0x2::table::Table<'))
    .map((v) => ({ id: v.fields.id.id, size: v.fields.size }));
  check(tables.length > 0 && tables.every((t) => /^0x[0-9a-f]{64}$/.test(t.id) && /^[0-9]+$/.test(t.size)), JSON.stringify(data.content.fields));
  let found = 0;
  for (const table of tables) {
    const fields = await rpc.getDynamicFields({ parentId: table.id });
    check(fields.data.length === Number(table.size), `${fields.data.length} fields, size ${table.size}`);
    for (const field of fields.data) {
      const object = await rpc.getDynamicFieldObject({ parentId: table.id, name: field.name });
      check(object.data?.objectId === field.objectId, JSON.stringify({ field, object }));
      found++;
    }
  }
  const { dynamicFields } = await rpc.core.listDynamicFields({ parentId: tables[0].id });
  check(dynamicFields.length === Number(tables[0].size), JSON.stringify(dynamicFields));
  check(found > 0, 'no dynamic field');
  return `${found} fields`;
});

await step("JSON-RPC: a Blob's content in Sui's shapes (nested Storage, Option, u256, u8), its attributes' VecMap, events' parsedJson", async () => {
  const size = 1000n;
  const root = 0x1234_5678_9abc_def0_1122_3344_5566_7788n;
  const { data: walCoins } = await rpc.getCoins({ owner: B, coinType: `${PKG}::wal::WAL` });
  const payment = walCoins.reduce((a, c) => (BigInt(c.balance) > BigInt(a.balance) ? c : a));
  const tx = new Transaction();
  const storage = tx.moveCall({
    target: `${PKG}::blob::reserve_space`,
    arguments: [tx.object(network.system_object_id), tx.pure.u64(size), tx.pure.u64(1), tx.object(payment.coinObjectId)],
  });
  const blobId = tx.moveCall({ target: `${PKG}::blob::compute_blob_id`, arguments: [tx.pure.u8(1), tx.pure.u64(size), tx.pure.u256(root)] });
  const blob = tx.moveCall({
    target: `${PKG}::blob::register_blob`,
    arguments: [
      tx.object(network.system_object_id),
      tx.object(network.blob_registry_object_id),
      storage,
      blobId,
      tx.pure.u256(root),
      tx.pure.u64(size),
      tx.pure.u8(1),
      tx.pure.bool(true),
      tx.object(payment.coinObjectId),
    ],
  });
  tx.moveCall({ target: `${PKG}::blob::set_attribute`, arguments: [blob, tx.pure.string('content-type'), tx.pure.string('text/plain')] });
  tx.transferObjects([blob], B);
  const result = await rpc.signAndExecuteTransaction({ transaction: tx, signer: bob, options: { showEffects: true, showEvents: true, showObjectChanges: true } });
  check(result.effects.status.status === 'success', JSON.stringify(result.effects.status));
  await rpc.waitForTransaction({ digest: result.digest });
  viaRpc.blob = result.objectChanges.find((c) => c.type === 'created' && c.objectType === `${PKG}::blob::Blob`)?.objectId;
  check(viaRpc.blob, JSON.stringify(result.objectChanges));

  const { data } = await rpc.getObject({ id: viaRpc.blob, options: { showContent: true } });
  const fields = data.content.fields;
  check(data.content.dataType === 'moveObject' && data.content.type === `${PKG}::blob::Blob` && data.content.hasPublicTransfer === true, JSON.stringify(data.content));
  check(fields.id?.id === viaRpc.blob, `id ${JSON.stringify(fields.id)}`);
  check(fields.size === '1000' && fields.root_hash === root.toString() && /^[0-9]+$/.test(fields.blob_id), JSON.stringify(fields));
  check(fields.encoding_type === 1 && fields.deletable === true && fields.certified_epoch === null && /^[0-9]+$/.test(fields.registered_epoch), JSON.stringify(fields));
  const st = fields.storage;
  check(st?.type === `${PKG}::blob::Storage` && /^0x[0-9a-f]{64}$/.test(st.fields.id.id), JSON.stringify(st));
  check(st.fields.start_epoch === fields.registered_epoch && st.fields.end_epoch === String(Number(st.fields.start_epoch) + 1), JSON.stringify(st));
  check(/^[1-9][0-9]*$/.test(st.fields.storage_size), JSON.stringify(st));

  const registered = result.events.find((e) => e.type === `${PKG}::events::BlobRegistered`);
  const ev = registered?.parsedJson;
  check(ev?.blob_object_id === viaRpc.blob && ev.blob_id === fields.blob_id && ev.root_hash === root.toString() && ev.size === '1000', JSON.stringify(ev));
  check(ev.encoding_type === 1 && ev.deletable === true && ev.owner === B && ev.storage_id === st.fields.id.id && ev.storage_size === st.fields.storage_size, JSON.stringify(ev));
  const attributeSet = result.events.find((e) => e.type === `${PKG}::events::BlobAttributeSet`)?.parsedJson;
  check(attributeSet?.key === 'content-type' && attributeSet.value === 'text/plain' && attributeSet.blob_object_id === viaRpc.blob, JSON.stringify(attributeSet));

  // The attributes: a dynamic field named by an empty struct (`dummy_field`), holding a VecMap.
  const dynamic = await rpc.getDynamicFields({ parentId: viaRpc.blob });
  check(dynamic.data.length === 1, JSON.stringify(dynamic));
  const [attributes] = dynamic.data;
  check(attributes.name.type === `${PKG}::blob::AttributesKey` && JSON.stringify(attributes.name.value) === '{"dummy_field":false}', JSON.stringify(attributes.name));
  const field = await rpc.getDynamicFieldObject({ parentId: viaRpc.blob, name: attributes.name });
  check(field.data?.objectId === attributes.objectId, JSON.stringify(field));
  const value = field.data.content.fields.value;
  const stringType = '0x1::string::String';
  check(value.type === `${PKG}::blob::Attributes` && value.fields.pairs.type === `0x2::vec_map::VecMap<${stringType}, ${stringType}>`, JSON.stringify(value));
  const entries = value.fields.pairs.fields.contents;
  check(entries.length === 1 && entries[0].type === `0x2::vec_map::Entry<${stringType}, ${stringType}>`, JSON.stringify(entries));
  check(entries[0].fields.key === 'content-type' && entries[0].fields.value === 'text/plain', JSON.stringify(entries));

  // Removing the attribute deletes the field, which was no input: objectChanges still names it.
  const remove = new Transaction();
  remove.moveCall({ target: `${PKG}::blob::remove_attribute`, arguments: [remove.object(viaRpc.blob), remove.pure.string('content-type')] });
  const removed = await rpc.signAndExecuteTransaction({ transaction: remove, signer: bob, options: { showEffects: true, showObjectChanges: true } });
  check(removed.effects.status.status === 'success', JSON.stringify(removed.effects.status));
  const deleted = removed.objectChanges.find((c) => c.type === 'deleted');
  check(deleted?.objectId === attributes.objectId && deleted.objectType === `0x2::dynamic_field::Field<${PKG}::blob::AttributesKey, ${PKG}::blob::Attributes>`, JSON.stringify(removed.objectChanges));

  const { data: coin } = await rpc.getObject({ id: payment.coinObjectId, options: { showContent: true } });
  check(coin.content.type === `0x2::coin::Coin<${PKG}::wal::WAL>` && coin.content.fields.id.id === payment.coinObjectId && /^[0-9]+$/.test(coin.content.fields.balance), JSON.stringify(coin.content));
  return `blob ${viaRpc.blob}: size ${fields.size}, storage ${st.fields.storage_size} bytes to epoch ${st.fields.end_epoch}`;
});

await step('JSON-RPC: tryGetPastObject (found, deleted, not found, too high) and a deleted coin in objectChanges read back', async () => {
  // A coin for B, then merged into B's gas: deleted, its type known only from history.
  const split = new Transaction();
  split.transferObjects([split.splitCoins(split.gas, [split.pure.u64(4321)])], B);
  const made = await rpc.signAndExecuteTransaction({ transaction: split, signer: bob, options: { showObjectChanges: true } });
  const coin = made.objectChanges.find((c) => c.type === 'created');
  const gasBefore = made.objectChanges.find((c) => c.type === 'mutated');
  check(coin && gasBefore?.previousVersion, JSON.stringify(made.objectChanges));
  await rpc.waitForTransaction({ digest: made.digest });
  const merge = new Transaction();
  merge.mergeCoins(merge.gas, [merge.object(coin.objectId)]);
  const merged = await rpc.signAndExecuteTransaction({ transaction: merge, signer: bob });
  await rpc.waitForTransaction({ digest: merged.digest });
  const read = await rpc.getTransactionBlock({ digest: merged.digest, options: { showObjectChanges: true, showEffects: true } });
  const deleted = read.objectChanges.find((c) => c.type === 'deleted');
  check(deleted?.objectId === coin.objectId && deleted.objectType === '0x2::coin::Coin<0x2::sui::SUI>', JSON.stringify(read.objectChanges));
  const deletedAt = read.effects.deleted?.[0]?.version;
  check(read.effects.deleted?.[0]?.objectId === coin.objectId, JSON.stringify(read.effects));

  const past = await rpc.tryGetPastObject({ id: coin.objectId, version: Number(coin.version), options: { showContent: true, showType: true } });
  check(past.status === 'VersionFound' && past.details.version === coin.version && past.details.content.fields.balance === '4321', JSON.stringify(past));
  const gone = await rpc.tryGetPastObject({ id: coin.objectId, version: deletedAt });
  check(gone.status === 'ObjectDeleted' && gone.details.objectId === coin.objectId && gone.details.version === deletedAt, JSON.stringify(gone));
  const high = await rpc.tryGetPastObject({ id: coin.objectId, version: deletedAt + 5 });
  check(high.status === 'VersionTooHigh' && high.details.latest_version === deletedAt && high.details.asked_version === deletedAt + 5, JSON.stringify(high));
  const never = await rpc.tryGetPastObject({ id: coin.objectId, version: 0 });
  check(never.status === 'VersionNotFound' && never.details[0] === coin.objectId && never.details[1] === 0, JSON.stringify(never));
  // The gas coin before the split, with its balance then.
  const older = await rpc.tryGetPastObject({ id: gasBefore.objectId, version: Number(gasBefore.previousVersion), options: { showContent: true } });
  check(older.status === 'VersionFound' && older.details.version === gasBefore.previousVersion && /^[0-9]+$/.test(older.details.content.fields.balance), JSON.stringify(older));
  const missing = await rpc.tryGetPastObject({ id: `0x${'cd'.repeat(32)}`, version: 1 });
  check(missing.status === 'ObjectNotExists', JSON.stringify(missing));
  return `coin ${coin.objectId} v${coin.version} deleted at v${deletedAt}`;
});

await step('JSON-RPC: getTotalSupply (WAL: initial supply less burns; SUI 0 as Sui answers), getStakes, getStakesByIds', async () => {
  const { data: treasury } = await rpc.getObject({ id: network.treasury_object_id, options: { showContent: true } });
  const burned = BigInt(treasury.content.fields.total_burned);
  check(treasury.content.fields.cap.type === `0x2::coin::TreasuryCap<${PKG}::wal::WAL>`, JSON.stringify(treasury.content.fields));
  const wal = await rpc.getTotalSupply({ coinType: `${PKG}::wal::WAL` });
  check(wal.value === String(5_000_000_000n * SUI - burned), `${wal.value}, burned ${burned}`);
  check(treasury.content.fields.cap.fields.total_supply.fields.value === wal.value, JSON.stringify(treasury.content.fields.cap));
  const sui = await rpc.getTotalSupply({ coinType: '0x2::sui::SUI' });
  check(sui.value === '0', JSON.stringify(sui));
  const notCoin = await rpcError(rpc.getTotalSupply({ coinType: `${PKG}::model::Model` }));
  check(notCoin instanceof JsonRpcError && notCoin.code === -32602, String(notCoin));
  const stakes = await rpc.getStakes({ owner: A });
  check(Array.isArray(stakes) && stakes.length === 0, JSON.stringify(stakes));
  const none = await rpc.getStakesByIds({ stakedSuiIds: [] });
  check(Array.isArray(none) && none.length === 0, JSON.stringify(none));
  const unknown = await rpcError(rpc.getStakesByIds({ stakedSuiIds: [floe.license] }));
  check(unknown instanceof JsonRpcError && unknown.code === -32602, String(unknown));
  return `WAL supply ${wal.value} (${burned} burned)`;
});

await step('JSON-RPC: normalized Move function, module and argument types', async () => {
  const purchase = await rpc.getNormalizedMoveFunction({ package: PKG, module: 'license', function: 'purchase' });
  check(purchase.isEntry === false || purchase.isEntry === true, JSON.stringify(purchase));
  check(purchase.parameters[1].MutableReference?.Struct?.name === 'Model' && purchase.parameters[5] === 'U64', JSON.stringify(purchase.parameters));
  check(purchase.return[0].Struct?.name === 'License', JSON.stringify(purchase.return));
  const module = await rpc.getNormalizedMoveModule({ package: PKG, module: 'license' });
  check(module.exposedFunctions.purchase && module.structs.License?.fields.some((f) => f.name === 'holder'), Object.keys(module.structs).join(','));
  const args = await rpc.getMoveFunctionArgTypes({ package: PKG, module: 'license', function: 'purchase' });
  check(args[0].Object === 'ByImmutableReference' && args[5] === 'Pure', JSON.stringify(args));
  return `${Object.keys(module.exposedFunctions).length} functions in license`;
});

await step('JSON-RPC: errors the SDK reports (unknown transaction, unknown method, refused transaction)', async () => {
  const digest = viaRpc.splitDigest.slice(0, -2) + (viaRpc.splitDigest.endsWith('11') ? '22' : '11');
  const unknown = await rpcError(rpc.getTransactionBlock({ digest }));
  check(unknown instanceof JsonRpcError && unknown.code === -32602, String(unknown));
  const notFound = await rpcError(rpc.core.getTransaction({ digest }));
  check(notFound.name === 'TransactionError' || /notFound|not found/i.test(String(notFound)), String(notFound));
  const method = await rpcError(rpc.call('suix_noSuchMethod', []));
  check(method instanceof JsonRpcError && method.type === 'MethodNotFound', String(method));
  const tx = new Transaction();
  tx.transferObjects([tx.splitCoins(tx.gas, [tx.pure.u64(1)])], B);
  tx.setSender(A);
  const bytes = await tx.build({ client: rpc });
  const { signature } = await bob.signTransaction(bytes);
  const refused = await rpcError(rpc.executeTransactionBlock({ transactionBlock: bytes, signature }));
  check(refused instanceof JsonRpcError && refused.code === -32002, String(refused));
  return refused.message.slice(0, 120);
});

await step('JSON-RPC: sui_getEvents of a transaction, suix_getEpochs', async () => {
  const events = await rpc.call('sui_getEvents', [viaRpc.purchaseDigest]);
  const { data } = await rpc.queryEvents({ query: { Transaction: viaRpc.purchaseDigest }, order: 'ascending' });
  check(events.length >= 1 && JSON.stringify(events) === JSON.stringify(data), JSON.stringify({ events, data }));
  check(events.some((e) => e.type.endsWith('::LicensePurchased') && e.parsedJson && e.id.txDigest === viaRpc.purchaseDigest), JSON.stringify(events));
  const none = await rpc.call('sui_getEvents', [viaRpc.splitDigest]);
  check(Array.isArray(none) && none.length === 0, JSON.stringify(none));
  const epochs = await rpc.getEpochs();
  const current = await rpc.getCurrentEpoch();
  check(epochs.data.length === 1 && epochs.data[0].epoch === '0' && epochs.data[0].epochStartTimestamp === current.epochStartTimestamp && !epochs.hasNextPage, JSON.stringify(epochs));
  check(BigInt(current.epochTotalTransactions) > 0n, JSON.stringify(current));
  const after = await rpc.getEpochs({ cursor: '0' });
  check(after.data.length === 0, JSON.stringify(after));
  return `${events.length} events, epoch ${epochs.data[0].epoch}`;
});

await step('JSON-RPC: methods a devnet cannot answer fail at once, naming the method and why', async () => {
  // Each call made in its turn: a rejection nobody awaits yet would end the process.
  const cases = [
    ['suix_resolveNameServiceAddress', /SuiNS/, () => rpc.resolveNameServiceAddress({ name: 'example.sui' })],
    ['suix_resolveNameServiceNames', /SuiNS/, () => rpc.resolveNameServiceNames({ address: A })],
    ['sui_verifyZkLoginSignature', /zkLogin/, () => rpc.verifyZkLoginSignature({ bytes: 'AAAA', signature: 'AAAA', intentScope: 'PersonalMessage', author: A })],
    ['suix_getValidatorsApy', /no Sui validators/, () => rpc.getValidatorsApy()],
    ['suix_getCommitteeInfo', /no Sui validators/, () => rpc.getCommitteeInfo()],
    ['suix_getNetworkMetrics', /indexer/, () => rpc.getNetworkMetrics()],
    ['suix_getMoveCallMetrics', /indexer/, () => rpc.getMoveCallMetrics()],
    ['suix_subscribeEvent', /subscriptions/, () => rpc.call('suix_subscribeEvent', [{ All: [] }])],
    ['unsafe_paySui', /SDK's Transaction/, () => rpc.call('unsafe_paySui', [])],
  ];
  for (const [method, why, call] of cases) {
    const error = await rejection(call());
    check(error instanceof JsonRpcError && error.code === -32601 && error.message.includes(method) && why.test(error.message), `${method}: ${error}`);
  }
  return `${cases.length} methods`;
});

console.log(`suite: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
