// Drives headless Chromium (the shared driver, tests/support/chromium.mjs: the DevTools protocol
// over Node's own WebSocket, no npm packages) against a running floe-indexer, and checks the explorer shows what the
// REST API says. Usage: node --experimental-websocket check.mjs <base-url> <screenshot-dir>
// Env: CHROMIUM (binary, default "chromium"), EXPECT_BLOB_ID, EXPECT_ADDRESS, EXPECT_MODEL_NAME,
// EXPECT_ATTRIBUTE (JSON {key, value} the searched blob has, shown as text);
// EXPECT_CHAIN: JSON of facts the caller read from the chain (see "8." below), checked against
// what the pages show; README_SHOT: a path where the overview at 1280×800 is saved;
// EXPECT_SLASHED_NODE: the ID of a node that was slashed (see "9." below).
// Prints one JSON line of measurements (and the searched blob's holders as the page shows them)
// on success; exits non-zero with the reason otherwise.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { openPage } from '../../../tests/support/chromium.mjs';

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

const browser = await openPage({ profilePrefix: 'floe-explorer-' });
const page = browser.send;
const problems = browser.problems;
async function evaluate(expression) {
  try { return await browser.evaluate(expression); } catch (e) { fail(e.message); }
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
const withQuery = (path, query) => `${path}${path.includes('?') ? '&' : '?'}${query}`;
// Every item of a list in the API's default (ascending) order, following next_cursor.
async function allAscending(path) {
  const items = [];
  for (let cursor = null; ;) {
    const page = await api(withQuery(path, `limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`));
    items.push(...page.items);
    if (!page.next_cursor) return items;
    cursor = page.next_cursor;
  }
}
// A "recent" section: the page asked for `path` newest first (order=desc&limit=`limit`). What
// it shows (`shown`, one key per row via `keyOf` on API items) must be the API's newest-first
// page and the last `limit` rows of the whole list read oldest first, reversed: the newest.
async function checkNewest(path, limit, shown, keyOf, what) {
  const desc = await api(withQuery(path, `order=desc&limit=${limit}`));
  const want = desc.items.map(keyOf);
  check(JSON.stringify(shown) === JSON.stringify(want), `${what}: shows ${JSON.stringify(shown)}, the API newest first ${JSON.stringify(want)}`);
  const newest = (await allAscending(path)).slice(-limit).reverse().map(keyOf);
  check(JSON.stringify(want) === JSON.stringify(newest), `${what}: the API's order=desc page ${JSON.stringify(want)} is not the newest rows of its ascending list reversed ${JSON.stringify(newest)}`);
  return desc;
}
const challengeKey = (c) => String(c.challenge_id);
// A slash row as the page shows it (its numbers' exact values and the node), and an API item so.
const slashRows = (selector) => evaluate(`[...document.querySelectorAll('${selector} tbody tr')].filter((tr) => tr.querySelector('.n')).map((tr) => {
  const n = [...tr.querySelectorAll('.n')].map((e) => e.dataset.value);
  return { checkpoint: n[0], epoch: n[1], node_id: tr.querySelector('a').title, amount: n[2], pool_stake: n[3] };
})`);
const slashKey = (x) => ({ checkpoint: String(x.checkpoint), epoch: String(x.epoch), node_id: x.node_id, amount: String(x.amount), pool_stake: String(x.pool_stake) });
const shownChallenges = () => evaluate(`[...document.querySelectorAll('#challenges tbody tr a[href^="#/challenge/"]')].map((a) => a.textContent)`);
async function screenshot(name, width, height) {
  await browser.viewport(width, height);
  await new Promise((r) => setTimeout(r, 100));
  await browser.screenshot(resolve(shots, name));
}
mkdirSync(shots, { recursive: true });

// 0. The chart library the indexer serves is the vendored uPlot, byte for byte (SHA256SUMS).
const vendor = resolve(dirname(fileURLToPath(import.meta.url)), '../../src/explorer/assets/vendor/uplot');
for (const line of readFileSync(resolve(vendor, 'SHA256SUMS'), 'utf8').trim().split('\n')) {
  const [sum, file] = line.split(/\s+/);
  const served = { 'uPlot.iife.min.js': '/explorer/vendor/uPlot.iife.min.js', 'uPlot.min.css': '/explorer/vendor/uPlot.min.css', LICENSE: '/explorer/vendor/uPlot.LICENSE' }[file] || fail(`SHA256SUMS names ${file}`);
  const response = await fetch(base + served);
  check(response.ok, `${served}: HTTP ${response.status}`);
  const got = createHash('sha256').update(Buffer.from(await response.arrayBuffer())).digest('hex');
  check(got === sum, `${served} has sha256 ${got}, SHA256SUMS says ${sum}`);
}

// How the page shows numbers (the explorer's display rules, written again here): integers with
// thousands separators; WAL from base units with 9 decimals, trailing zeros dropped; bytes in
// binary units with one decimal.
const intText = (v) => String(v).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
function walText(v) {
  const n = BigInt(v);
  const frac = (n % 1_000_000_000n).toString().padStart(9, '0').replace(/0+$/, '');
  return intText((n / 1_000_000_000n).toString()) + (frac ? '.' + frac : '') + ' WAL';
}
function bytesText(v) {
  let x = Number(v), i = 0;
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  while (x >= 1024 && i < units.length - 1) { x /= 1024; i++; }
  return `${i ? x.toFixed(1) : x} ${units[i]}`;
}
const UNIT_TEXT = { wal: walText, bytes: bytesText, count: intText };
const UNIT_SCALE = { wal: 1e9, bytes: 1, count: 1 };

// A chart as the page drew it, against the API's series (`epochs`, and `series` as
// [{name, values}] of exact integers or null, in the page's order): the exact values the chart
// was given (its data-exact), the numbers the uPlot instance holds and draws (data-plotted:
// values scaled to the unit, stacked bars as running sums), its legend (the latest epoch's
// values as shown text), and a canvas drawn.
async function checkChart(title, unit, epochs, series, what) {
  const c = await evaluate(`(() => {
    const el = document.querySelector('[data-chart=${JSON.stringify(JSON.stringify(title)).slice(1, -1)}]');
    if (!el || !el.dataset.exact) return null;
    return { unit: el.dataset.unit, stacked: el.dataset.stacked === 'true', points: el.dataset.points,
      exact: JSON.parse(el.dataset.exact), plotted: JSON.parse(el.dataset.plotted),
      canvas: [...el.querySelectorAll('canvas')].some((cv) => cv.width > 0 && cv.height > 0),
      legend: [...el.querySelectorAll('.u-legend .u-series')].map((tr) => [tr.querySelector('.u-label').textContent, tr.querySelector('.u-value').textContent]) };
  })()`);
  check(c, `${what}: no chart "${title}" drawn`);
  check(c.canvas, `${what}: chart "${title}" has no canvas`);
  check(c.unit === unit, `${what}: chart "${title}" in ${c.unit}, expected ${unit}`);
  const want = { epochs: epochs.map(String), series: series.map((s) => ({ name: s.name, values: s.values.map((v) => (v === null || v === undefined ? null : String(v))) })) };
  check(JSON.stringify(c.exact) === JSON.stringify(want), `${what}: chart "${title}" was given ${JSON.stringify(c.exact)}, the API says ${JSON.stringify(want)}`);
  check(c.points === String(epochs.length), `${what}: chart "${title}" has ${c.points} points, the API ${epochs.length}`);
  check(JSON.stringify(c.plotted.data[0]) === JSON.stringify(epochs.map(Number)), `${what}: chart "${title}" x values ${JSON.stringify(c.plotted.data[0])}`);
  const near = (a, b) => (a === null || b === null ? a === b : Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b)));
  let sums = epochs.map(() => 0);
  want.series.forEach((s, k) => {
    const at = 1 + (c.stacked ? series.length - 1 - k : k);
    check(c.plotted.series[at - 1] === s.name, `${what}: chart "${title}" plots ${c.plotted.series[at - 1]} where ${s.name} belongs`);
    const scaled = s.values.map((v) => (v === null ? null : Number(v) / UNIT_SCALE[unit]));
    sums = sums.map((a, i) => a + (scaled[i] ?? 0));
    const expected = c.stacked ? sums : scaled;
    const drawn = c.plotted.data[at];
    check(drawn.length === expected.length && drawn.every((v, i) => near(v, expected[i])), `${what}: chart "${title}" draws ${s.name} as ${JSON.stringify(drawn)}, the API's values give ${JSON.stringify(expected)}`);
    if (epochs.length) {
      const last = s.values[s.values.length - 1];
      const row = c.legend.find(([label]) => label === s.name) || fail(`${what}: chart "${title}" legend has no ${s.name}: ${JSON.stringify(c.legend)}`);
      const shown = last === null ? '—' : UNIT_TEXT[unit](last);
      check(row[1] === shown, `${what}: chart "${title}" legend shows ${s.name} ${row[1]}, the API's last value is ${shown}`);
    }
  });
  return c;
}

// 1. The overview, cold: load figures from the browser's own timing.
await browser.viewport(1280, 800);
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
  const epochs = supplySeries.points.map((p) => p.epoch);
  await checkChart('Total supply by epoch', 'wal', epochs, [{ name: 'total supply', values: supplySeries.points.map((p) => p.total_supply) }], 'overview');
  const sources = supplySeries.points.length ? Object.keys(supplySeries.points[0].burned_by_source) : [];
  await checkChart('Burned by source per epoch', 'wal', epochs, sources.map((src) => ({ name: src, values: supplySeries.points.map((p) => p.burned_by_source[src]) })), 'overview');
  const committee = await api(`/v1/epochs/${lastEpoch.epoch}/committee?limit=1000`);
  const rows = await evaluate(`document.querySelectorAll('#committee tbody tr').length`);
  check(rows === committee.items.length, `committee shows ${rows} rows, API ${committee.items.length}`);
  const stakeSeries = await api('/v1/stats/stake');
  check(stakeSeries.points.length > 0, 'the stake series has points');
  await checkChart('Committee stake by epoch', 'wal', stakeSeries.points.map((p) => p.epoch), [{ name: 'committee stake', values: stakeSeries.points.map((p) => p.committee_stake) }], 'overview');
  await checkChart('Storage used and capacity', 'bytes', storage.points.map((p) => p.epoch), [
    { name: 'used', values: storage.points.map((p) => p.used_capacity) },
    { name: 'capacity', values: storage.points.map((p) => p.total_capacity) }], 'overview');
  const challengeSeries = await api('/v1/stats/challenges');
  const recent = await checkNewest(`/v1/challenges?epoch=${lastEpoch.epoch}`, 20, await shownChallenges(), challengeKey, 'overview: recent challenges of the epoch');
  const recentMore = await evaluate(`document.querySelector('#challenges').closest('.table-wrap').nextElementSibling?.matches('[data-more]') ?? false`);
  check(recentMore === (recent.next_cursor !== null), `overview: "older ones" under the challenges shown ${recentMore}, the API's next_cursor ${recent.next_cursor}`);
  await checkChart('Challenges per epoch', 'count', challengeSeries.points.map((p) => p.epoch), ['answered', 'missed', 'pending'].map((k) => ({ name: k, values: challengeSeries.points.map((p) => p[k]) })), 'overview');
  check(supplySeries.points.length > 1, `the supply chart has data: ${supplySeries.points.length} epochs`);
  return { supplySeries };
});
await screenshot('overview-1280x800.png', 1280, 800);
if (process.env.README_SHOT) await screenshot(process.env.README_SHOT, 1280, 800);
await screenshot('overview-390x844.png', 390, 844);
await browser.viewport(1280, 800);

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
  const stake = await api(`/v1/stats/stake?node_id=${first.node_id}`);
  await checkChart('Pool stake by epoch', 'wal', stake.points.map((p) => p.epoch), [{ name: 'pool stake', values: stake.points.map((p) => (p.nodes[0] ? p.nodes[0].pool_stake : null)) }], 'node page');
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
    // Shared blobs: one line each, in the API's order, worded exactly so.
    const sharedExpected = (detail.shared_blobs || []).map((x) =>
      `shared as ${x.shared_blob_id}, funds ${x.funds == null ? '—' : walText(x.funds)}, ends at epoch ${x.end_epoch ?? '—'}`);
    const sharedShown = await evaluate(`[...document.querySelectorAll('#shared_blobs li')].map((li) => li.textContent)`);
    check(JSON.stringify(sharedShown) === JSON.stringify(sharedExpected), `shared blobs shown ${JSON.stringify(sharedShown)}, API ${JSON.stringify(sharedExpected)}`);
    return { detail, rows };
  });
}
await checkHolders(firstBlob.blob_id);

// 4. Challenges, then a challenge by clicking.
await click('nav a[href="#/challenges"]', 'nav');
await ready('#/challenges', 'challenges');
const challenges = await settled('#/challenges', 'challenges', async () => {
  const challenges = await checkNewest('/v1/challenges', 50, await shownChallenges(), challengeKey, 'challenges page');
  check(await evaluate(`document.querySelectorAll('#challenges tbody tr').length`) === Math.max(1, challenges.items.length), 'challenge rows');
  await checkNewest('/v1/slashes', 50, await slashRows('#slashes'), slashKey, 'challenges page: recent slashes');
  check(await evaluate(`document.querySelectorAll('#slashes tbody tr').length`) === Math.max(1, (await api('/v1/slashes?order=desc&limit=50')).items.length), 'slash rows');
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
await settled('#/models', 'models', async () => {
  const revenue = await api('/v1/stats/revenue?bucket=epoch');
  await checkChart('License revenue per epoch', 'wal', revenue.points.map((p) => p.epoch), [{ name: 'revenue', values: revenue.points.map((p) => p.revenue) }], 'models');
});
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
  await checkChart('Revenue per epoch', 'wal', revenue.points.map((p) => p.epoch), [{ name: 'revenue', values: revenue.points.map((p) => p.revenue) }], 'model page');
  check(revenue.points.reduce((a, p) => a + BigInt(p.revenue), 0n) > 0n || BigInt(m.total_revenue) === 0n, 'the revenue chart has the model\'s revenue');
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

// 9. A slashed node (EXPECT_SLASHED_NODE: its node ID). The overview's slashes equal the API's
// and name the node; clicking it there opens its page, whose total slashed, challenge record,
// challenges and slashes equal the API's. What the pages showed, with the checkpoint each list
// or figure is current to, goes into the report, for the caller to compare with the chain.
let slashed = null;
if (process.env.EXPECT_SLASHED_NODE) {
  const nodeId = process.env.EXPECT_SLASHED_NODE;
  await click('nav a[href="#/"]', 'nav');
  await ready('#/', 'overview');
  const overview = await settled('#/', 'overview (slashes)', async () => {
    const rows = await slashRows('#slashes');
    const slashes = await checkNewest('/v1/slashes', 20, rows, slashKey, 'overview: recent slashes');
    check(rows.some((r) => r.node_id === nodeId), `the overview's slashes do not name ${nodeId}: ${JSON.stringify(rows)}`);
    const more = await evaluate(`document.querySelector('#slashes').closest('.table-wrap').nextElementSibling?.matches('[data-more]') ?? false`);
    check(more === (slashes.next_cursor !== null), `overview: "there are more" shown ${more}, the API's next_cursor ${slashes.next_cursor}`);
    const slashesCheckpoint = await evaluate(`document.querySelector('h2[data-checkpoint]').dataset.checkpoint`);
    check(slashesCheckpoint === String(slashes.checkpoint), `overview slashes at checkpoint ${slashesCheckpoint}, API ${slashes.checkpoint}`);
    const supplySeries = await api('/v1/stats/supply?bucket=epoch');
    const sources = Object.keys(supplySeries.points[0].burned_by_source);
    const burn = await checkChart('Burned by source per epoch', 'wal', supplySeries.points.map((p) => p.epoch), sources.map((src) => ({ name: src, values: supplySeries.points.map((p) => p.burned_by_source[src]) })), 'overview');
    const burnCheckpoint = await evaluate(`document.querySelector('[data-chart="Burned by source per epoch"]').dataset.checkpoint`);
    check(burnCheckpoint === String(supplySeries.checkpoint), `burn chart at checkpoint ${burnCheckpoint}, API ${supplySeries.checkpoint}`);
    const supply = await api('/v1/supply');
    const burned = await evaluate(`(() => { const e = document.querySelector('[data-field="total_burned"]'); return [e.querySelector('.n').dataset.value, e.dataset.checkpoint]; })()`);
    check(burned[0] === String(supply.item.total_burned) && burned[1] === String(supply.checkpoint), `total burned ${burned}, API ${supply.item.total_burned} at ${supply.checkpoint}`);
    return { slashes_checkpoint: Number(slashesCheckpoint), slashes: rows,
      burn_chart: { checkpoint: Number(burnCheckpoint), epochs: burn.exact.epochs, series: burn.exact.series },
      total_burned: { checkpoint: Number(burned[1]), value: burned[0] } };
  });
  await click(`#slashes a[href="#/node/${nodeId}"]`, 'the slashed node among the slashes');
  await ready(`#/node/${nodeId}`, 'slashed node page');
  const node = await settled(`#/node/${nodeId}`, 'slashed node page', async () => {
    const item = await api(`/v1/nodes/${nodeId}`);
    const at = await evaluate(`(() => { const h = document.querySelector('h1').dataset; return [h.nodeCheckpoint, h.challengesCheckpoint, h.slashesCheckpoint]; })()`);
    check(at[0] === String(item.checkpoint), `node page at checkpoint ${at[0]}, API ${item.checkpoint}`);
    const totalSlashed = await value('[data-field="total_slashed"]');
    check(totalSlashed === String(item.item.total_slashed), `node total_slashed ${totalSlashed}, API ${item.item.total_slashed}`);
    check(BigInt(totalSlashed) > 0n, `the slashed node shows total slashed ${totalSlashed}`);
    const rows = await slashRows('#slashes');
    const slashes = await checkNewest(`/v1/slashes?node_id=${nodeId}`, 50, rows, slashKey, 'node page: recent slashes');
    check(at[2] === String(slashes.checkpoint), `node slashes at checkpoint ${at[2]}, API ${slashes.checkpoint}`);
    const challenges = await checkNewest(`/v1/challenges?node_id=${nodeId}`, 50, await shownChallenges(), challengeKey, 'node page: recent challenges');
    check(at[1] === String(challenges.checkpoint), `node challenges at checkpoint ${at[1]}, API ${challenges.checkpoint}`);
    const shown = await evaluate(`[...document.querySelectorAll('#challenges tbody tr')].filter((tr) => tr.querySelector('a')).map((tr) => [tr.querySelector('a').textContent, tr.querySelector('.badge').textContent])`);
    check(JSON.stringify(shown) === JSON.stringify(challenges.items.map((c) => [String(c.challenge_id), c.status])), `node challenges ${JSON.stringify(shown)}, API ${JSON.stringify(challenges.items.map((c) => [c.challenge_id, c.status]))}`);
    const record = JSON.parse(await evaluate(`document.querySelector('[data-record]').dataset.record`));
    for (const st of ['answered', 'slashed', 'issued']) {
      const want = challenges.items.filter((c) => c.status === st).length;
      check(record[st] === want, `node challenge record: ${record[st]} ${st}, API ${want}`);
    }
    check(record.slashed > 0, `the slashed node's record has no slashed challenge: ${JSON.stringify(record)}`);
    return { node_checkpoint: Number(at[0]), total_slashed: totalSlashed, slashes_checkpoint: Number(at[2]), slashes: rows,
      challenges_checkpoint: Number(at[1]), challenges: shown.map(([id, status]) => ({ challenge_id: id, status })), record };
  });
  slashed = { overview, node };
}

// 7. Pagination: a one-row page links to the next page, which holds the second node.
if (nodes.items.length > 1) {
  const one = await api('/v1/nodes?limit=1');
  await evaluate(`location.hash = '#/nodes?cursor=${encodeURIComponent(one.next_cursor)}'`);
  await ready(`#/nodes?cursor=${encodeURIComponent(one.next_cursor)}`, 'next page');
  const firstShown = await evaluate(`document.querySelector('#nodes tbody tr a').getAttribute('href')`);
  check(firstShown === `#/node/${nodes.items[1].node_id}`, `next page starts at ${firstShown}`);
}

// 9. A shared blob's page lists it (checkHolders compares the lines with the API). A history
// that shares no blob cannot show one: the report says SKIPPED (stdout stays one JSON line).
let sharedBlobCheck;
const sharedBlob = (await api('/v1/shared-blobs?limit=1')).items[0];
if (sharedBlob) {
  await searchFor(sharedBlob.blob_id, `#/blob/${encodeURIComponent(sharedBlob.blob_id)}`, 'search a shared blob');
  const { detail } = await checkHolders(sharedBlob.blob_id);
  check(detail.shared_blobs.some((x) => x.shared_blob_id === sharedBlob.shared_blob_id), `${sharedBlob.shared_blob_id} not on its blob's page`);
  sharedBlobCheck = `checked on the page of ${sharedBlob.blob_id}`;
} else {
  sharedBlobCheck = 'SKIPPED: this history shares no blob, so no shared-blob line could be checked';
  console.error(`NOTE: ${sharedBlobCheck}`);
}

check(problems.length === 0, `console errors: ${problems.join('\n')}`);
console.log(JSON.stringify({ ...timing, overview_ready_ms: readyMs, hash: await currentHash(), slashed, shared_blob: sharedBlobCheck,
  holders: searched.rows.map((h) => ({ node_id: h.node, address: h.address, shards: h.shards, pairs: h.pairs })) }));
browser.close();
process.exit(0);
