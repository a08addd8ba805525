// The calls a dapp makes with Mysten's TypeScript SDK, against a running floe-devnet, with the
// SDK's default client and transport (SuiGrpcClient over gRPC-Web `fetch`), no hand-filled gas
// or object references. Usage: node suite.mjs <grpc-url> <faucet-url> <network.toml>
// Prints one line per step and `suite: N passed, M failed`; exits non-zero if a step failed.
import { readFileSync } from 'node:fs';

import { SuiGrpcClient } from '@mysten/sui/grpc';
import { requestSuiFromFaucetV2 } from '@mysten/sui/faucet';
import { Ed25519Keypair } from '@mysten/sui/keypairs/ed25519';

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

console.log(`suite: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
