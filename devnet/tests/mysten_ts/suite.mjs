// The calls a dapp makes with Mysten's TypeScript SDK, against a running floe-devnet, with the
// SDK's default client and transport (SuiGrpcClient over gRPC-Web `fetch`), no hand-filled gas
// or object references. Usage: node suite.mjs <grpc-url> <faucet-url> <network.toml>
// Prints one line per step and `suite: N passed, M failed`; exits non-zero if a step failed.
import { readFileSync } from 'node:fs';

import { SuiGrpcClient } from '@mysten/sui/grpc';
import { requestSuiFromFaucetV2 } from '@mysten/sui/faucet';
import { Ed25519Keypair } from '@mysten/sui/keypairs/ed25519';
import { Transaction, coinWithBalance } from '@mysten/sui/transactions';

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

console.log(`suite: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
