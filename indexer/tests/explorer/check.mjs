// Drives headless Chromium over the Chrome DevTools Protocol (no npm packages: Node's own
// WebSocket and fetch) against a running floe-indexer, and checks the explorer shows what the
// REST API says. Usage: node --experimental-websocket check.mjs <base-url> <screenshot-dir>
// Env: CHROMIUM (binary, default "chromium"), EXPECT_BLOB_ID, EXPECT_ADDRESS, EXPECT_MODEL_NAME,
// EXPECT_ATTRIBUTE (JSON {key, value} the searched blob has, shown as text);
// EXPECT_CHAIN: JSON of facts the caller read from the chain (see "8." below), checked against
// what the pages show; README_SHOT: a path where the overview at 1280×800 is saved.
// Prints one JSON line of measurements (and the searched blob's holders as the page shows them)
// on success; exits non-zero with the reason otherwise.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const [base, shots] = process.argv.slice(2);
if (!base || !shots) throw new Error('usage: check.mjs <base-url> <screenshot-dir>');
const blobId = process.env.EXPECT_BLOB_ID;
const address = process.env.EXPECT_ADDRESS;
const modelName = process.env.EXPECT_MODEL_NAME;
const chain = process.env.EXPECT_CHAIN ? JSON.parse(process.env.EXPECT_CHAIN) : null;
const fail = (message) => { throw new Error(message); };
const check = (ok, message) => { if (!ok) fail(message); };
const digits = (text) => String(text).replace(/[^0-9]/g, '');

// Exact JSON from the API (big integers as their digits), as the page parses it.
async function api(path) {
  const response = await fetch(base + path);
  const text = await response.text();
  check(response.ok, `${path}: HTTP ${response.status} ${text}`);
  // Node 20 has no JSON.parse source access: quote long integers before parsing.
  return JSON.parse(text.replace(/([:\[,]\s*)(\d{16,})(?=\s*[,\]}])/g, '$1"$2"'), (k, v) =>
    typeof v === 'string' && /^\d{16,}$/.test(v) ? String(BigInt(v)) : v);
}

const profile = mkdtempSync(join(tmpdir(), 'floe-explorer-'));
const browser = spawn(process.env.CHROMIUM || 'chromium', [
  '--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run',
  '--remote-debugging-port=0', `--user-data-dir=${profile}`, 'about:blank'], { stdio: ['ignore', 'ignore', 'pipe'] });
const cleanup = () => { browser.kill('SIGKILL'); try { rmSync(profile, { recursive: true, force: true }); } catch {} };
process.on('exit', cleanup);

const wsUrl = await new Promise((resolve, reject) => {
  let err = '';
  const timer = setTimeout(() => reject(new Error(`chromium did not start: ${err}`)), 30000);
  browser.stderr.on('data', (chunk) => {
    err += chunk;
    const m = err.match(/DevTools listening on (ws:\/\/\S+)/);
    if (m) { clearTimeout(timer); resolve(m[1]); }
  });
  browser.on('exit', (code) => reject(new Error(`chromium exited ${code}: ${err}`)));
});

// A minimal CDP client: one browser connection, commands by id, events to listeners.
const ws = new WebSocket(wsUrl);
await new Promise((resolve, reject) => { ws.onopen = resolve; ws.onerror = reject; });
let nextId = 1;
const pending = new Map();
const listeners = [];
ws.onmessage = (event) => {
  const msg = JSON.parse(event.data);
  if (msg.id && pending.has(msg.id)) {
    const { resolve, reject } = pending.get(msg.id);
    pending.delete(msg.id);
    if (msg.error) reject(new Error(JSON.stringify(msg.error))); else resolve(msg.result);
  } else if (msg.method) listeners.forEach((l) => l(msg));
};
const send = (method, params = {}, sessionId) => new Promise((resolve, reject) => {
  const id = nextId++;
  pending.set(id, { resolve, reject });
  ws.send(JSON.stringify({ id, method, params, sessionId }));
});

const { targetId } = await send('Target.createTarget', { url: 'about:blank' });
const { sessionId } = await send('Target.attachToTarget', { targetId, flatten: true });
const page = (method, params) => send(method, params, sessionId);
const problems = [];
listeners.push((msg) => {
  if (msg.sessionId !== sessionId) return;
  if (msg.method === 'Runtime.exceptionThrown') problems.push(`exception: ${JSON.stringify(msg.params.exceptionDetails)}`);
  if (msg.method === 'Runtime.consoleAPICalled' && ['error', 'assert'].includes(msg.params.type)) problems.push(`console.${msg.params.type}: ${JSON.stringify(msg.params.args)}`);
  if (msg.method === 'Log.entryAdded' && msg.params.entry.level === 'error') problems.push(`log: ${msg.params.entry.text} ${msg.params.entry.url || ''}`);
});
await page('Runtime.enable');
await page('Log.enable');
await page('Page.enable');

async function evaluate(expression) {
  const result = await page('Runtime.evaluate', { expression, awaitPromise: true, returnByValue: true });
  if (result.exceptionDetails) fail(`evaluate ${expression}: ${JSON.stringify(result.exceptionDetails)}`);
  return result.result.value;
}
// Waits until the page rendered `hash` (the app sets body[data-ready] after each render).
async function ready(hash, what) {
  const deadline = Date.now() + 15000;
  for (;;) {
    const state = await evaluate('document.body ? document.body.dataset.ready : null');
    if (state === hash) return;
    if (Date.now() > deadline) fail(`${what}: page not ready for ${hash} (ready=${state}); problems: ${problems.join('; ')}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
const text = (selector) => evaluate(`(() => { const e = document.querySelector(${JSON.stringify(selector)}); return e ? e.textContent : null; })()`);
const value = (selector) => evaluate(`(() => { const e = document.querySelector(${JSON.stringify(selector)} + ' .n'); return e ? e.dataset.value : null; })()`);
async function click(selector, what) {
  const ok = await evaluate(`(() => { const e = document.querySelector(${JSON.stringify(selector)}); if (!e) return false; e.click(); return true; })()`);
  check(ok, `${what}: nothing to click at ${selector}`);
}
const currentHash = () => evaluate('location.hash || "#/"');
async function screenshot(name, width, height) {
  await page('Emulation.setDeviceMetricsOverride', { width, height, deviceScaleFactor: 1, mobile: width < 600 });
  await new Promise((r) => setTimeout(r, 100));
  const { data } = await page('Page.captureScreenshot', { format: 'png' });
  writeFileSync(resolve(shots, name), Buffer.from(data, 'base64'));
}
mkdirSync(shots, { recursive: true });

// 1. The overview, cold: load figures from the browser's own timing.
await page('Emulation.setDeviceMetricsOverride', { width: 1280, height: 800, deviceScaleFactor: 1, mobile: false });
const started = Date.now();
await page('Page.navigate', { url: `${base}/` });
await ready('#/', 'overview');
const readyMs = Date.now() - started;
const timing = await evaluate(`(() => {
  const nav = performance.getEntriesByType('navigation')[0];
  const fcp = performance.getEntriesByName('first-contentful-paint')[0];
  const api = performance.getEntriesByType('resource').filter((r) => r.name.includes('/v1/'));
  return { dom_content_loaded_ms: nav.domContentLoadedEventEnd, load_ms: nav.loadEventEnd,
    first_contentful_paint_ms: fcp ? fcp.startTime : null, api_calls: api.length,
    slowest_api_ms: Math.max(0, ...api.map((r) => r.duration)) };
})()`);

// A live chain moves while a page is checked (an epoch ends, a challenge is issued): each
// page's figures are compared with the API right after it rendered, and on a difference the
// page is rendered again and compared again, up to three times.
async function settled(hash, what, checks) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await checks();
    } catch (e) {
      if (attempt >= 3) throw e;
      await evaluate('route()');
      await ready(hash, what);
    }
  }
}
// The committee of the epoch a page says it shows (`data-epoch` on its heading).
async function pageCommittee() {
  const shown = await evaluate(`document.querySelector('[data-epoch]').dataset.epoch`);
  return (await api(`/v1/epochs/${shown}/committee?limit=1000`)).items;
}

const { supplySeries } = await settled('#/', 'overview', async () => {
  const supply = (await api('/v1/supply')).item;
  const storage = await api('/v1/stats/storage');
  const lastEpoch = storage.points[storage.points.length - 1];
  const epoch = (await api(`/v1/epochs/${lastEpoch.epoch}`)).item;
  for (const [field, expected] of [
    ['total_supply', supply.total_supply], ['total_burned', supply.total_burned], ['burns', supply.burns],
    ['epoch', lastEpoch.epoch], ['committee_size', epoch.committee_size], ['committee_stake', epoch.committee_stake],
    ['used_capacity', lastEpoch.used_capacity], ['total_capacity', lastEpoch.total_capacity]]) {
    const shown = await value(`[data-field="${field}"]`);
    check(shown === String(expected), `overview ${field}: shows ${shown}, API says ${expected}`);
  }
  const supplySeries = await api('/v1/stats/supply?bucket=epoch');
  const chartPoints = await evaluate(`document.querySelector('[data-chart="Total supply by epoch"]').dataset.points`);
  check(chartPoints === String(supplySeries.points.length), `supply chart has ${chartPoints} points, series ${supplySeries.points.length}`);
  const circles = await evaluate(`document.querySelectorAll('[data-chart="Total supply by epoch"] circle').length`);
  check(circles === supplySeries.points.length, `supply chart draws ${circles} points`);
  const committee = await api(`/v1/epochs/${lastEpoch.epoch}/committee?limit=1000`);
  const rows = await evaluate(`document.querySelectorAll('#committee tbody tr').length`);
  check(rows === committee.items.length, `committee shows ${rows} rows, API ${committee.items.length}`);
  const stakeSeries = await api('/v1/stats/stake');
  const stakePoints = await evaluate(`document.querySelectorAll('[data-chart="Committee stake by epoch"] circle').length`);
  check(stakePoints === stakeSeries.points.length && stakePoints > 0, `stake chart draws ${stakePoints} points, series ${stakeSeries.points.length}`);
  check(supplySeries.points.length > 1, `the supply chart has data: ${supplySeries.points.length} epochs`);
  return { supplySeries };
});
await screenshot('overview-1280x800.png', 1280, 800);
if (process.env.README_SHOT) await screenshot(process.env.README_SHOT, 1280, 800);
await screenshot('overview-390x844.png', 390, 844);
await page('Emulation.setDeviceMetricsOverride', { width: 1280, height: 800, deviceScaleFactor: 1, mobile: false });

// 2. Nodes by clicking, then a node: its figures, shards in the committee and price votes.
await click('nav a[href="#/nodes"]', 'nav');
await ready('#/nodes', 'nodes');
const nodes = await settled('#/nodes', 'nodes', async () => {
  const nodes = await api('/v1/nodes?limit=50');
  check(await evaluate(`document.querySelectorAll('#nodes tbody tr').length`) === nodes.items.length, 'node rows');
  return nodes;
});
await click('#nodes tbody tr a', 'first node');
const nodeHash = `#/node/${nodes.items[0].node_id}`;
await ready(nodeHash, 'node page');
await settled(nodeHash, 'node page', async () => {
  const first = (await api(`/v1/nodes/${nodes.items[0].node_id}`)).item;
  check(await value('[data-field="pool_stake"]') === String(first.pool_stake), 'node pool_stake');
  check((await text('[data-field="node_id"]')).trim() === first.node_id, 'node id shown');
  for (const vote of ['storage_price_vote', 'write_price_vote', 'capacity_vote']) {
    const shown = await evaluate(`document.querySelector('[data-vote="${vote}"] .n').dataset.value`);
    check(shown === String(first[vote]), `node ${vote}: shows ${shown}, API ${first[vote]}`);
  }
  const member = (await pageCommittee()).find((m) => m.node_id === first.node_id);
  check(await value('[data-field="shards"]') === String(member ? member.shard_count : 0), 'node shards');
});

// 3. Blobs, then a blob by clicking: its holders per shard and the model versions using it.
await click('nav a[href="#/blobs"]', 'nav');
await ready('#/blobs', 'blobs');
const blobs = await settled('#/blobs', 'blobs', async () => {
  const blobs = await api('/v1/blobs?limit=50');
  check(await evaluate(`document.querySelectorAll('#blobs tbody tr').length`) === blobs.items.length, 'blob rows');
  return blobs;
});
await click('#blobs tbody tr a', 'first blob');
const firstBlob = blobs.items[0];
await ready(`#/blob/${firstBlob.blob_id}`, 'blob page');
check(await value('[data-field="size"]') === String(firstBlob.size), 'blob size');

// The blob page's holders: every shard of the committee once, with the sliver pair the
// rotation (blob ID big-endian mod n) puts there, computed here from the ID's bytes.
const nShards = Number((await api('/v1/parameters?limit=1000')).items.find((p) => p.name === 'n_shards').value);
async function checkHolders(id) {
  return settled(`#/blob/${encodeURIComponent(id)}`, 'blob page', async () => {
    const detail = (await api(`/v1/blobs/${encodeURIComponent(id)}`)).item;
    const committee = await pageCommittee();
    let r = 0n;
    for (const byte of Buffer.from(id, 'base64url')) r = (r * 256n + BigInt(byte)) % BigInt(nShards);
    const rows = await evaluate(`[...document.querySelectorAll('#holders tbody tr')].map((tr) => ({
      node: tr.querySelector('a').getAttribute('href').replace('#/node/', ''),
      address: tr.children[1].textContent,
      shards: tr.querySelector('[data-shards]').dataset.shards.split(',').map(Number),
      pairs: tr.querySelector('[data-pairs]').dataset.pairs.split(',').map(Number) }))`);
    check(rows.length === committee.length, `holders: ${rows.length} rows, committee ${committee.length}`);
    const seen = rows.flatMap((h) => h.shards).sort((a, b) => a - b);
    check(seen.length === nShards && seen.every((s, i) => s === i), `holders cover shards ${seen}`);
    for (const h of rows) {
      const m = committee.find((x) => x.node_id === h.node) || fail(`holder ${h.node} not in the committee`);
      check(h.shards[0] === Number(m.shard_start) && h.shards.length === Number(m.shard_count), `holder ${h.node} shards`);
      h.pairs.forEach((p, k) => check(p === (h.shards[k] + nShards - Number(r)) % nShards, `shard ${h.shards[k]} shows pair ${p}`));
    }
    const versions = await evaluate(`[...document.querySelectorAll('#model_versions tbody tr a')].map((a) => a.getAttribute('href'))`);
    check(versions.length === detail.model_versions.length, `blob page lists ${versions.length} model versions, API ${detail.model_versions.length}`);
    // Attributes: every one of every object, in the API's order, its key and value shown as
    // the exact text (user-controlled: markup in them must not become elements).
    const expected = detail.objects.flatMap((o) => o.attributes.map((a) => [o.blob_object_id, a.key, a.value ?? '']));
    const shown = await evaluate(`[...document.querySelectorAll('#attributes tbody tr')].filter((tr) => tr.querySelector('[data-key]')).map((tr) => [
      tr.querySelector('[title]').title, tr.querySelector('[data-key]').textContent, tr.querySelector('[data-value-text]').textContent])`);
    check(JSON.stringify(shown) === JSON.stringify(expected), `attributes shown ${JSON.stringify(shown)}, API ${JSON.stringify(expected)}`);
    const injected = await evaluate(`document.querySelectorAll('#attributes *:not(table, thead, tbody, tr, th, td, span, div)').length`);
    check(injected === 0, `attribute values made ${injected} elements`);
    return { detail, rows };
  });
}
await checkHolders(firstBlob.blob_id);

// 4. Challenges, then a challenge by clicking.
await click('nav a[href="#/challenges"]', 'nav');
await ready('#/challenges', 'challenges');
const challenges = await settled('#/challenges', 'challenges', async () => {
  const challenges = await api('/v1/challenges?limit=50');
  check(await evaluate(`document.querySelectorAll('#challenges tbody tr').length`) === Math.max(1, challenges.items.length), 'challenge rows');
  const slashes = await api('/v1/slashes?limit=50');
  check(await evaluate(`document.querySelectorAll('#slashes tbody tr').length`) === Math.max(1, slashes.items.length), 'slash rows');
  return challenges;
});
if (challenges.items.length) {
  await click('#challenges tbody tr a', 'first challenge');
  const hash = `#/challenge/${challenges.items[0].challenge_id}`;
  await ready(hash, 'challenge page');
  await settled(hash, 'challenge page', async () => {
    const c = (await api(`/v1/challenges/${challenges.items[0].challenge_id}`)).item;
    check((await text('[data-field="status"]')).trim() === c.status, 'challenge status');
  });
}

// 5. Models → model → license, by clicking.
await click('nav a[href="#/models"]', 'nav');
await ready('#/models', 'models');
const models = await api('/v1/models?limit=50');
check(models.items.length > 0, 'the history has a model');
await click('#models tbody tr a', 'first model');
const modelHash = `#/model/${models.items[0].model_id}`;
await ready(modelHash, 'model page');
await settled(modelHash, 'model page', async () => {
  const m = (await api(`/v1/models/${models.items[0].model_id}`)).item;
  check(await value('[data-field="licenses_sold"]') === String(m.licenses_sold), 'licenses sold');
  check(await value('[data-field="total_revenue"]') === String(m.total_revenue), 'total revenue');
  check(await value('[data-field="revenue_withdrawn"]') === String(m.revenue_withdrawn), 'revenue withdrawn');
  const revenue = await api(`/v1/stats/revenue?bucket=epoch&model_id=${m.model_id}`);
  const bars = await evaluate(`[...document.querySelectorAll('[data-chart="Revenue per epoch"] rect')].length`);
  check(bars === revenue.points.filter((p) => BigInt(p.revenue) > 0n).length, `revenue chart: ${bars} bars, series ${JSON.stringify(revenue.points.map((p) => p.revenue))}`);
});
const licenses = await api(`/v1/licenses?model_id=${models.items[0].model_id}`);
if (licenses.items.length) {
  await click('#licenses tbody tr a', 'first license');
  await ready(`#/license/${licenses.items[0].license_id}`, 'license page');
  check(await value('[data-field="price_paid"]') === String(licenses.items[0].price_paid), 'license price');
  await click('[data-field="holder"] a', 'holder');
  const holder = licenses.items[0].holder;
  await ready(`#/address/${holder}`, 'address page');
  await settled(`#/address/${holder}`, 'address page', async () => {
    const summary = (await api(`/v1/addresses/${holder}`)).item;
    check(await value('[data-field="licenses"]') === String(summary.licenses), 'address licenses');
    check(await value('[data-field="blobs"]') === String(summary.blobs), 'address blobs');
  });
}

// 6. Search: a blob ID lands on its page; an address on its page; a model name on the model.
async function searchFor(q, hash, what) {
  await evaluate(`(() => { const f = document.getElementById('search'); f.q.value = ${JSON.stringify(q)}; f.requestSubmit(); })()`);
  await ready(hash, what);
}
const searchBlob = blobId || firstBlob.blob_id;
await searchFor(searchBlob, `#/blob/${encodeURIComponent(searchBlob)}`, 'search by blob ID');
check((await text('[data-field="blob_id"]')).trim() === searchBlob, 'searched blob shown');
const searched = await checkHolders(searchBlob);
// EXPECT_ATTRIBUTE: JSON {key, value} of an attribute the searched blob has (a value with
// markup, e.g. a <script>): shown as text, and no script of it ran.
if (process.env.EXPECT_ATTRIBUTE) {
  const want = JSON.parse(process.env.EXPECT_ATTRIBUTE);
  const pairs = await evaluate(`[...document.querySelectorAll('#attributes [data-key]')].map((k) => [k.textContent, k.closest('tr').querySelector('[data-value-text]').textContent])`);
  check(pairs.some(([k, v]) => k === want.key && v === want.value), `attribute ${JSON.stringify(want)} not shown as text: ${JSON.stringify(pairs)}`);
  check(await evaluate(`document.querySelectorAll('#attributes script').length`) === 0, 'a <script> element in the attributes');
  check(await evaluate(`typeof window.pwned`) === 'undefined', 'an attribute\'s script ran');
}
await screenshot('blob-1280x800.png', 1280, 800);

// 8. What the chain says (read by the caller with the `floe` CLI), as the pages show it:
// chain.blob {blob_id (the one searched), object_id, size, end_epoch, certified_epoch};
// chain.model_version {blob_id, model_id, version}; chain.license {license_id, holder};
// chain.stake {address, node_id, amount}.
if (chain && chain.blob) {
  check(chain.blob.blob_id === searchBlob, 'the chain blob is the one searched');
  check(await value('[data-field="size"]') === String(chain.blob.size), `blob size vs chain ${chain.blob.size}`);
  check(await value('[data-field="stored_until"]') === String(chain.blob.end_epoch), `stored until vs chain end epoch ${chain.blob.end_epoch}`);
  const object = await evaluate(`[...document.querySelectorAll('#blobs tbody tr')].map((tr) => [...tr.children].map((td) => td.textContent + '|' + (td.querySelector('[title]') ? td.querySelector('[title]').title : '')))`);
  const row = object.find((cells) => cells[1].endsWith('|' + chain.blob.object_id)) || fail(`blob object ${chain.blob.object_id} not listed: ${JSON.stringify(object)}`);
  check(row[3].startsWith('certified'), `blob object status ${row[3]}`);
  check(row[4].startsWith(`${chain.blob.registered_epoch ?? ''}`) && row[4].includes(`– ${chain.blob.end_epoch}`), `blob object epochs ${row[4]}`);
  check((await text('[data-field="certified"]')).includes(`epoch ${chain.blob.certified_epoch}`), 'certified epoch');
}
if (chain && chain.model_version) {
  const v = chain.model_version;
  await searchFor(v.blob_id, `#/blob/${encodeURIComponent(v.blob_id)}`, 'search the model version\'s blob');
  const { detail } = await checkHolders(v.blob_id);
  check(detail.model_versions.some((x) => x.model_id === v.model_id && String(x.version) === String(v.version)), `version ${v.version} of ${v.model_id} on its blob's page`);
  await click(`#model_versions a[href="#/model/${v.model_id}"]`, 'model of the version');
  await ready(`#/model/${chain.model_version.model_id}`, 'model page from the blob');
}
if (chain && chain.license) {
  await evaluate(`location.hash = '#/license/${chain.license.license_id}'`);
  await ready(`#/license/${chain.license.license_id}`, 'license page');
  check((await text('[data-field="holder"] a')) !== null && (await evaluate(`document.querySelector('[data-field="holder"] a').title`)) === chain.license.holder, 'license holder vs chain');
  if (chain.license.expires_at_ms) check((await text('[data-field="expires"]')).trim() === new Date(Number(chain.license.expires_at_ms)).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC'), 'license expiry vs chain');
}
if (chain && chain.stake) {
  await searchFor(chain.stake.address, `#/address/${chain.stake.address}`, 'search the staker');
  const stakes = await evaluate(`[...document.querySelectorAll('#stakes tbody tr')].map((tr) => [tr.querySelector('a') ? tr.querySelector('a').title : '', tr.querySelector('.n') ? tr.querySelector('.n').dataset.value : ''])`);
  check(stakes.some(([node, amount]) => node === chain.stake.node_id && amount === String(chain.stake.amount)), `stake of ${chain.stake.amount} with ${chain.stake.node_id} not shown: ${JSON.stringify(stakes)}`);
}
if (address) await searchFor(address, `#/address/${address}`, 'search by address');
if (modelName) {
  const model = models.items.find((m) => m.name === modelName) || fail(`no model named ${modelName}`);
  await searchFor(modelName.slice(0, 5).toUpperCase(), `#/model/${model.model_id}`, 'search by model name');
}
await searchFor('no-such-thing-anywhere', `#/search/${encodeURIComponent('no-such-thing-anywhere')}`, 'search with no hit');
check(await evaluate(`document.querySelector('#hits tbody td.muted') !== null`), 'no-hit search says none');

// 7. Pagination: a one-row page links to the next page, which holds the second node.
if (nodes.items.length > 1) {
  const one = await api('/v1/nodes?limit=1');
  await evaluate(`location.hash = '#/nodes?cursor=${encodeURIComponent(one.next_cursor)}'`);
  await ready(`#/nodes?cursor=${encodeURIComponent(one.next_cursor)}`, 'next page');
  const firstShown = await evaluate(`document.querySelector('#nodes tbody tr a').getAttribute('href')`);
  check(firstShown === `#/node/${nodes.items[1].node_id}`, `next page starts at ${firstShown}`);
}

check(problems.length === 0, `console errors: ${problems.join('\n')}`);
console.log(JSON.stringify({ ...timing, overview_ready_ms: readyMs, hash: await currentHash(),
  holders: searched.rows.map((h) => ({ node_id: h.node, address: h.address, shards: h.shards, pairs: h.pairs })) }));
ws.close();
cleanup();
process.exit(0);
