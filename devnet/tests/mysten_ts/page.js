// The page browser.mjs loads: @mysten/sui's gRPC-Web client, in the browser, reads the System
// object and an account's balance from the devnet (another origin: CORS applies). The result
// (or the error) lands in `window.__result` and in the page.
import { SuiGrpcClient } from '@mysten/sui/grpc';

const params = new URLSearchParams(location.search);
const client = new SuiGrpcClient({ network: 'localnet', baseUrl: params.get('rpc') });

async function run() {
  const { object } = await client.getObject({ objectId: params.get('system'), include: { json: true } });
  const { balance } = await client.getBalance({ owner: params.get('owner') });
  return {
    systemType: object.type,
    systemEpoch: object.json?.epoch ?? null,
    balance: balance.balance,
  };
}

run().then(
  (result) => {
    window.__result = { ok: true, ...result };
    document.getElementById('out').textContent = JSON.stringify(window.__result);
  },
  (error) => {
    window.__result = { ok: false, error: String(error?.stack ?? error) };
    document.getElementById('out').textContent = JSON.stringify(window.__result);
  },
);
