// Floe explorer: a single page over the indexer's REST API (same origin), no framework and no
// build step. Routes live in the URL hash (#/blob/ID…), so every page is a link. Amounts are
// shown exactly as the API gives them (integers beyond 2^53 are kept as their digits).
'use strict';

const main = document.getElementById('main');

// JSON with exact big integers: a number that does not fit a double is kept as its source text
// (JSON.parse source access; browsers without it get long integers quoted before parsing).
const SOURCE_ACCESS = (() => {
  let ok = false;
  JSON.parse('1', (k, v, context) => { ok = !!(context && context.source); return v; });
  return ok;
})();
function parseJson(text) {
  if (!SOURCE_ACCESS) text = text.replace(/([:[,]\s*)(\d{16,})(?=\s*[,\]}])/g, '$1"$2"');
  return JSON.parse(text, (key, value, context) => {
    if (typeof value === 'number' && !Number.isSafeInteger(value) && context && /^\d+$/.test(context.source)) {
      return context.source;
    }
    return value;
  });
}

class ApiError extends Error {
  constructor(status, problem) {
    super(problem && problem.detail ? problem.detail : `HTTP ${status}`);
    this.status = status;
  }
}

async function api(path) {
  const response = await fetch(path, { headers: { accept: 'application/json' } });
  const text = await response.text();
  const body = text ? parseJson(text) : null;
  if (!response.ok) throw new ApiError(response.status, body);
  return body;
}

const esc = (v) => String(v ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
// An integer with thousands separators, exact (works on digit strings).
const int = (v) => (v === null || v === undefined ? '—' : String(v).replace(/\B(?=(\d{3})+(?!\d))/g, ','));
const NANO = 1_000_000_000n;
// WAL base units as WAL, exact (9 decimals, trailing zeros dropped).
function wal(v) {
  if (v === null || v === undefined) return '—';
  const n = BigInt(v);
  const frac = (n % NANO).toString().padStart(9, '0').replace(/0+$/, '');
  return int((n / NANO).toString()) + (frac ? '.' + frac : '') + ' WAL';
}
const bytes = (v) => {
  if (v === null || v === undefined) return '—';
  const n = Number(v);
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let i = 0, x = n;
  while (x >= 1024 && i < units.length - 1) { x /= 1024; i++; }
  return `${i ? x.toFixed(1) : x} ${units[i]}`;
};
const time = (ms) => (ms === null || ms === undefined ? '—' : new Date(Number(ms)).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC'));
const short = (id) => (id && id.length > 18 ? `${id.slice(0, 10)}…${id.slice(-6)}` : id ?? '—');
const link = (href, text, attrs = '') => `<a href="${esc(href)}" ${attrs}>${esc(text)}</a>`;
const idLink = (kind, id) => (id ? link(`#/${kind}/${encodeURIComponent(id)}`, short(id), `class="id" title="${esc(id)}"`) : '—');
const badge = (s) => (s ? `<span class="badge ${esc(s)}">${esc(s)}</span>` : '—');
// A number cell: data-value holds the API's exact value so what is shown can be checked.
const num = (v, shown = int(v)) => `<span class="n" data-value="${esc(v ?? '')}">${esc(shown)}</span>`;

// `checkpoint`: the one the figure is current to (kept on the element, for checks).
function card(label, field, value, shown, checkpoint = null) {
  const at = checkpoint === null || checkpoint === undefined ? '' : ` data-checkpoint="${esc(checkpoint)}"`;
  return `<div class="card"><div class="label">${esc(label)}</div><div class="value" data-field="${esc(field)}"${at}>${num(value, shown)}</div></div>`;
}

function fields(rows) {
  return `<dl class="fields">${rows.map(([k, v]) => `<dt>${esc(k)}</dt><dd data-field="${esc(k)}">${v}</dd>`).join('')}</dl>`;
}

function table(columns, items, id = '') {
  const head = columns.map((c) => `<th class="${c.num ? 'num' : ''}">${esc(c.title)}</th>`).join('');
  const body = items.length
    ? items.map((it) => `<tr>${columns.map((c) => `<td class="${c.num ? 'num' : ''}">${c.cell(it)}</td>`).join('')}</tr>`).join('')
    : `<tr><td colspan="${columns.length}" class="muted">none</td></tr>`;
  return `<div class="table-wrap"><table ${id ? `id="${esc(id)}"` : ''}><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table></div>`;
}

// Event-like lists (challenges, slashes) are asked for newest first (order=desc): say so when
// a page shows only the latest of them.
function latestOnly(page) {
  return page.next_cursor ? `<p class="muted" data-more>The latest ${esc(page.items.length)}; there are older ones.</p>` : '';
}

// Next/first links of a keyset-paginated list shown at `base` (a hash route).
function pager(base, page, cursor) {
  const parts = [];
  if (cursor) parts.push(link(base, '« first page'));
  if (page.next_cursor) parts.push(link(`${base}?cursor=${encodeURIComponent(page.next_cursor)}`, 'next page »', 'rel="next"'));
  return parts.length ? `<div class="pager">${parts.join('')}</div>` : '';
}

// ---- Charts: uPlot (vendored from npm, /explorer/vendor/), drawn after the page's HTML is in.
// chart() returns a placeholder and keeps what to plot; mountCharts() draws every placeholder of
// the page just shown. Each chart writes the exact values it was given (data-exact) and the
// numbers uPlot holds and draws (data-plotted, from the instance) on its element, and its legend
// shows the latest epoch's values, so what is drawn can be checked against the API.
const COLORS = ['#1565c0', '#e65100', '#2e7d32', '#6a1b9a', '#c62828'];
// How a series' values are shown (legend), scaled for plotting and labelled on the axis.
const UNITS = {
  wal: { format: wal, scale: 1e9, axis: (ticks) => ticksText(ticks, 1000, ['', 'k', 'M', 'G', 'T', 'P'], ' WAL') },
  bytes: { format: bytes, scale: 1, axis: (ticks) => ticksText(ticks, 1024, ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'], '', ' ') },
  count: { format: int, scale: 1, axis: (ticks) => ticksText(ticks, 1000, ['', 'k', 'M', 'G', 'T', 'P'], '') },
};
// Axis labels in one unit for all ticks (the largest's), with as many decimals as the step
// between ticks needs, so close ticks (a supply that burns shrink slowly) stay distinct.
function ticksText(ticks, base, prefixes, suffix, gap = '') {
  const top = Math.max(...ticks.map(Math.abs));
  let i = 0;
  while (top >= base ** (i + 1) && i < prefixes.length - 1) i++;
  const d = base ** i;
  const step = ticks.length > 1 ? Math.abs(ticks[1] - ticks[0]) / d : 1;
  const decimals = step > 0 ? Math.min(9, Math.max(0, Math.ceil(-Math.log10(step) - 1e-9))) : 0;
  return ticks.map((t) => (t === 0 ? `0${prefixes[0] ? gap + prefixes[0] : ''}${suffix}` : `${(t / d).toFixed(decimals)}${prefixes[i] ? gap + prefixes[i] : ''}${suffix}`));
}
const chartSpecs = new Map();
let chartSeq = 0;
let plots = [];

// A chart of `series` ([{name, values}], one value per epoch of `epochs`, exact integers or
// null) as lines, or as stacked bars (`bars`: each series on top of the ones before);
// `checkpoint`: the one the series is current to (kept on the element, for checks).
function chart(title, epochs, series, { bars = false, unit = 'count', checkpoint = null } = {}) {
  const id = `chart-${++chartSeq}`;
  chartSpecs.set(id, { epochs, series, bars, unit });
  return `<div class="chart" id="${id}" data-chart="${esc(title)}" data-checkpoint="${esc(checkpoint ?? '')}"><h3>${esc(title)}</h3><div class="plot" role="img" aria-label="${esc(title)}"></div></div>`;
}

function plot(el, { epochs, series, bars, unit }) {
  const { format, scale, axis } = UNITS[unit];
  const n = epochs.length;
  const exact = series.map((s) => s.values.map((v) => (v === null || v === undefined ? null : String(v))));
  const scaled = exact.map((values) => values.map((v) => (v === null ? null : Number(v) / scale)));
  // Stacked bars are cumulative sums; uPlot paints series in order, so the tallest goes first.
  let order = series.map((_, k) => k);
  let ys = scaled;
  if (bars) {
    let acc = new Array(n).fill(0);
    const sums = scaled.map((values) => (acc = acc.map((a, i) => a + (values[i] ?? 0))));
    order = order.reverse();
    ys = order.map((k) => sums[k]);
  }
  const holder = el.querySelector('.plot');
  const opts = {
    width: Math.max(160, holder.clientWidth),
    height: 180,
    scales: {
      x: { time: false, range: (u, min, max) => (bars || min === max ? [min - 0.5, max + 0.5] : [min, max]) },
      // From zero, so a slowly shrinking supply is not drawn as a fall.
      y: { range: (u, min, max) => [0, max > 0 ? max * 1.05 : 1] },
    },
    axes: [
      { size: 28, incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000], values: (u, ticks) => ticks.map((t) => (Number.isInteger(t) ? `${t}` : '')) },
      { size: 84, values: (u, ticks) => axis(ticks) },
    ],
    series: [
      { label: 'epoch', value: (u, v) => (v === null || v === undefined ? '—' : `${v}`) },
      ...order.map((k) => ({
        label: series[k].name,
        stroke: COLORS[k % COLORS.length],
        width: bars ? 0 : 2,
        fill: bars ? COLORS[k % COLORS.length] : undefined,
        paths: bars ? uPlot.paths.bars({ size: [0.7, 48] }) : undefined,
        points: { show: !bars && n <= 60, size: 5 },
        value: (u, v, si, idx) => (idx === null || idx === undefined || exact[k][idx] === null ? '—' : format(exact[k][idx])),
      })),
    ],
    cursor: { drag: { x: false, y: false } },
    // The legend shows the latest epoch's values until the pointer picks another.
    hooks: { ready: [(u) => { if (n) u.setLegend({ idx: n - 1 }); }] },
  };
  const u = new uPlot(opts, [epochs.map(Number), ...ys], holder);
  el.dataset.points = String(n);
  el.dataset.unit = unit;
  el.dataset.stacked = String(bars);
  el.dataset.exact = JSON.stringify({ epochs: epochs.map(String), series: series.map((s, k) => ({ name: s.name, values: exact[k] })) });
  el.dataset.plotted = JSON.stringify({ series: u.series.slice(1).map((s) => s.label), data: u.data });
  return u;
}

function mountCharts() {
  for (const el of main.querySelectorAll('.chart[id]')) {
    const spec = chartSpecs.get(el.id);
    if (spec) plots.push(plot(el, spec));
  }
  chartSpecs.clear();
}
function unmountCharts() {
  plots.forEach((u) => u.destroy());
  plots = [];
}
let resizing = false;
window.addEventListener('resize', () => {
  if (resizing) return;
  resizing = true;
  requestAnimationFrame(() => {
    resizing = false;
    plots.forEach((u) => u.setSize({ width: Math.max(160, u.root.parentElement.clientWidth), height: 180 }));
  });
});

// ---- Network facts several pages share.
// The current epoch: the last point of the storage series (the chain's epochs up to now).
async function currentEpoch() {
  const storage = await api('/v1/stats/storage');
  return storage.points.length ? storage.points[storage.points.length - 1].epoch : null;
}
async function parameter(name) {
  const params = await api('/v1/parameters?limit=1000');
  const p = params.items.find((x) => x.name === name);
  return p ? p.value : null;
}
// A blob ID (base64url of 32 bytes) read as a big-endian integer, mod n: the rotation that
// places sliver pair i on shard (i + r) mod n, as the encoder and the nodes place it.
function rotation(blobId, n) {
  const b64 = blobId.replace(/-/g, '+').replace(/_/g, '/');
  const raw = atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
  let r = 0n;
  for (const c of raw) r = (r * 256n + BigInt(c.charCodeAt(0))) % BigInt(n);
  return Number(r);
}
// Contiguous runs of integers as "a–b, c".
function runs(values) {
  const out = [];
  for (const v of values) {
    const last = out[out.length - 1];
    if (last && v === last[1] + 1) last[1] = v; else out.push([v, v]);
  }
  return out.map(([a, b]) => (a === b ? `${a}` : `${a}–${b}`)).join(', ');
}

// ---- Pages.
async function dashboard() {
  const [supply, storage, supplySeries, challengeSeries, stakeSeries] = await Promise.all([
    api('/v1/supply').catch(() => null),
    api('/v1/stats/storage'),
    api('/v1/stats/supply?bucket=epoch'),
    api('/v1/stats/challenges'),
    api('/v1/stats/stake'),
  ]);
  const last = storage.points[storage.points.length - 1];
  const epochNo = last ? last.epoch : null;
  const [epoch, committee, challenges, slashes] = await Promise.all([
    epochNo === null ? null : api(`/v1/epochs/${epochNo}`).then((r) => r.item).catch(() => null),
    epochNo === null ? { items: [] } : api(`/v1/epochs/${epochNo}/committee?limit=1000`),
    epochNo === null ? { items: [], next_cursor: null } : api(`/v1/challenges?epoch=${epochNo}&order=desc&limit=20`),
    api('/v1/slashes?order=desc&limit=20'),
  ]);
  const s = supply ? supply.item : {};
  const epochs = supplySeries.points.map((p) => p.epoch);
  const sources = supplySeries.points.length ? Object.keys(supplySeries.points[0].burned_by_source) : [];
  const nodes = await nodeNames(committee.items.map((m) => m.node_id));
  return `<h1>Network overview</h1>
  <div class="cards">
    ${card('Checkpoint', 'checkpoint', storage.checkpoint)}
    ${card('Epoch', 'epoch', epochNo)}
    ${card('Committee size', 'committee_size', epoch ? epoch.committee_size : null)}
    ${card('Committee stake', 'committee_stake', epoch ? epoch.committee_stake : null, epoch ? wal(epoch.committee_stake) : '—')}
    ${card('Total supply', 'total_supply', s.total_supply, wal(s.total_supply), supply && supply.checkpoint)}
    ${card('Total burned', 'total_burned', s.total_burned, wal(s.total_burned), supply && supply.checkpoint)}
    ${card('Burns', 'burns', s.burns, undefined, supply && supply.checkpoint)}
    ${card('Storage used', 'used_capacity', last ? last.used_capacity : null, last ? bytes(last.used_capacity) : '—')}
    ${card('Storage capacity', 'total_capacity', last ? last.total_capacity : null, last ? bytes(last.total_capacity) : '—')}
  </div>
  <div class="charts">
    ${chart('Total supply by epoch', epochs, [{ name: 'total supply', values: supplySeries.points.map((p) => p.total_supply) }], { unit: 'wal', checkpoint: supplySeries.checkpoint })}
    ${chart('Burned by source per epoch', epochs, sources.map((src) => ({ name: src, values: supplySeries.points.map((p) => p.burned_by_source[src]) })), { bars: true, unit: 'wal', checkpoint: supplySeries.checkpoint })}
    ${chart('Committee stake by epoch', stakeSeries.points.map((p) => p.epoch), [
      { name: 'committee stake', values: stakeSeries.points.map((p) => p.committee_stake) }], { unit: 'wal' })}
    ${chart('Storage used and capacity', storage.points.map((p) => p.epoch), [
      { name: 'used', values: storage.points.map((p) => p.used_capacity) },
      { name: 'capacity', values: storage.points.map((p) => p.total_capacity) }], { unit: 'bytes' })}
    ${chart('Challenges per epoch', challengeSeries.points.map((p) => p.epoch), [
      { name: 'answered', values: challengeSeries.points.map((p) => p.answered) },
      { name: 'missed', values: challengeSeries.points.map((p) => p.missed) },
      { name: 'pending', values: challengeSeries.points.map((p) => p.pending) }], { bars: true })}
  </div>
  <h2>Committee of epoch ${esc(epochNo ?? '—')}</h2>
  ${table([
    { title: '#', cell: (m) => esc(m.position) },
    { title: 'node', cell: (m) => link(`#/node/${m.node_id}`, nodes[m.node_id] || short(m.node_id)) },
    { title: 'shards', num: true, cell: (m) => num(m.shard_count) },
    { title: 'first shard', num: true, cell: (m) => num(m.shard_start) }], committee.items, 'committee')}
  <h2>Recent challenges of epoch ${esc(epochNo ?? '—')}</h2>
  ${challengeTable(challenges.items)}${latestOnly(challenges)}
  <h2 data-checkpoint="${esc(slashes.checkpoint ?? '')}">Recent slashes</h2>
  ${slashTable(slashes.items)}${latestOnly(slashes)}`;
}

async function nodeDetails(ids) {
  const out = {};
  await Promise.all([...new Set(ids)].map(async (id) => {
    try { out[id] = (await api(`/v1/nodes/${id}`)).item; } catch { /* shown by ID */ }
  }));
  return out;
}

async function nodeNames(ids) {
  const out = {};
  await Promise.all([...new Set(ids)].map(async (id) => {
    try { out[id] = (await api(`/v1/nodes/${id}`)).item.name; } catch { /* shown by ID */ }
  }));
  return out;
}

function challengeTable(items) {
  return table([
    { title: 'challenge', cell: (c) => link(`#/challenge/${c.challenge_id}`, c.challenge_id) },
    { title: 'epoch', num: true, cell: (c) => num(c.epoch) },
    { title: 'node', cell: (c) => idLink('node', c.node_id) },
    { title: 'blob', cell: (c) => idLink('blob', c.blob_id) },
    { title: 'shard', num: true, cell: (c) => num(c.shard) },
    { title: 'status', cell: (c) => badge(c.status) },
    { title: 'deadline', cell: (c) => esc(time(c.deadline_ms)) }], items, 'challenges');
}

function slashTable(items) {
  return table([
    { title: 'checkpoint', num: true, cell: (x) => num(x.checkpoint) },
    { title: 'epoch', num: true, cell: (x) => num(x.epoch) },
    { title: 'node', cell: (x) => idLink('node', x.node_id) },
    { title: 'slashed', num: true, cell: (x) => num(x.amount, wal(x.amount)) },
    { title: 'pool stake after', num: true, cell: (x) => num(x.pool_stake, wal(x.pool_stake)) }], items, 'slashes');
}

async function nodes(cursor) {
  const page = await api(`/v1/nodes?limit=50${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
  const storage = await api('/v1/stats/storage');
  const epochNo = storage.points.length ? storage.points[storage.points.length - 1].epoch : null;
  const committee = epochNo === null ? { items: [] } : await api(`/v1/epochs/${epochNo}/committee?limit=1000`);
  const shards = Object.fromEntries(committee.items.map((m) => [m.node_id, m.shard_count]));
  const pending = {};
  await Promise.all(page.items.map(async (n) => {
    const sync = await api(`/v1/nodes/${n.node_id}/sync?status=pending&limit=1`);
    pending[n.node_id] = sync.items.length > 0;
  }));
  return `<h1>Storage nodes</h1>
  ${table([
    { title: 'name', cell: (n) => link(`#/node/${n.node_id}`, n.name || short(n.node_id)) },
    { title: 'stake', num: true, cell: (n) => num(n.pool_stake, wal(n.pool_stake)) },
    { title: `shards (epoch ${epochNo ?? '—'})`, num: true, cell: (n) => num(shards[n.node_id] ?? 0) },
    { title: 'commission', num: true, cell: (n) => num(n.commission_bps, `${(Number(n.commission_bps) / 100).toFixed(2)} %`) },
    { title: 'slashed', num: true, cell: (n) => num(n.total_slashed, wal(n.total_slashed)) },
    { title: 'sync', cell: (n) => badge(pending[n.node_id] ? 'pending' : 'synced') }], page.items, 'nodes')}
  ${pager('#/nodes', page, cursor)}`;
}

async function node(id) {
  const [{ item: n, checkpoint: nodeCheckpoint }, sync, challenges, slashes, epochNo] = await Promise.all([
    api(`/v1/nodes/${id}`), api(`/v1/nodes/${id}/sync?limit=100`),
    api(`/v1/challenges?node_id=${id}&order=desc&limit=50`), api(`/v1/slashes?node_id=${id}&order=desc&limit=50`), currentEpoch()]);
  const [epoch, committee, stake] = epochNo === null ? [null, { items: [] }, { points: [] }] : await Promise.all([
    api(`/v1/epochs/${epochNo}`).then((r) => r.item),
    api(`/v1/epochs/${epochNo}/committee?limit=1000`),
    api(`/v1/stats/stake?node_id=${id}`)]);
  const member = committee.items.find((m) => m.node_id === n.node_id);
  const shards = member ? `${int(member.shard_count)} (shards ${int(member.shard_start)}–${int(Number(member.shard_start) + Number(member.shard_count) - 1)})` : '0 (not in the committee)';
  // The challenge record over the latest 50 challenges: how many were answered, slashed, still open.
  const counts = Object.fromEntries(['answered', 'slashed', 'issued'].map((st) => [st, challenges.items.filter((c) => c.status === st).length]));
  const record = Object.entries(counts).map(([st, k]) => `${k} ${st}`).join(', ');
  const votes = [
    ['storage price (per MiB and epoch)', 'storage_price_vote', n.storage_price_vote, epoch && epoch.storage_price_per_mib_epoch, wal],
    ['write price (per MiB)', 'write_price_vote', n.write_price_vote, epoch && epoch.write_price_per_mib, wal],
    ['capacity', 'capacity_vote', n.capacity_vote, epoch && epoch.total_capacity, bytes]];
  // The checkpoints the node's figures, its challenges and its slashes are current to.
  const at = `data-node-checkpoint="${esc(nodeCheckpoint ?? '')}" data-challenges-checkpoint="${esc(challenges.checkpoint ?? '')}" data-slashes-checkpoint="${esc(slashes.checkpoint ?? '')}"`;
  return `<h1 data-epoch="${esc(epochNo ?? '')}" ${at}>Node ${esc(n.name || n.node_id)}</h1>
  ${fields([
    ['node_id', `<span class="id">${esc(n.node_id)}</span>`],
    ['operator', idLink('address', n.operator)],
    ['network_address', esc(n.network_address)],
    ['pool_stake', num(n.pool_stake, wal(n.pool_stake))],
    ['commission_bps', num(n.commission_bps)],
    ['storage_price_vote', num(n.storage_price_vote)],
    ['write_price_vote', num(n.write_price_vote)],
    ['capacity_vote', num(n.capacity_vote, bytes(n.capacity_vote))],
    ['total_rewards', num(n.total_rewards, wal(n.total_rewards))],
    ['total_slashed', num(n.total_slashed, wal(n.total_slashed))],
    ['registered_epoch', num(n.registered_epoch)],
    ['shards', member ? num(member.shard_count, shards) : num(0, shards)],
    ['challenge_record', `<span data-record="${esc(JSON.stringify(counts))}">${esc(record)}</span> (latest ${esc(challenges.items.length)})`]])}
  <h2>Price votes</h2>
  <p class="muted">What the node votes for the next epochs, beside what the chain set for epoch ${esc(epochNo ?? '—')} from the committee's votes.</p>
  ${table([
    { title: 'vote', cell: (v) => esc(v[0]) },
    { title: 'node votes', num: true, cell: (v) => `<span data-vote="${esc(v[1])}">${num(v[2], v[4](v[2]))}</span>` },
    { title: `epoch ${epochNo ?? '—'}`, num: true, cell: (v) => num(v[3], v[4](v[3])) }], votes, 'votes')}
  <div class="charts">${chart('Pool stake by epoch', stake.points.map((p) => p.epoch), [
    { name: 'pool stake', values: stake.points.map((p) => (p.nodes[0] ? p.nodes[0].pool_stake : null)) }], { unit: 'wal' })}</div>
  <h2>Shard sync</h2>
  ${table([
    { title: 'epoch', num: true, cell: (s) => num(s.epoch) },
    { title: 'shards gained', num: true, cell: (s) => num(s.shard_count) },
    { title: 'status', cell: (s) => badge(s.status) },
    { title: 'synced at', cell: (s) => esc(time(s.synced_at_ms)) }], sync.items, 'sync')}
  <h2>Recent challenges</h2>${challengeTable(challenges.items)}${latestOnly(challenges)}
  <h2>Recent slashes</h2>${slashTable(slashes.items)}${latestOnly(slashes)}`;
}

function blobTable(items) {
  return table([
    { title: 'blob ID', cell: (b) => idLink('blob', b.blob_id) },
    { title: 'object', cell: (b) => `<span class="id" title="${esc(b.blob_object_id)}">${esc(short(b.blob_object_id))}</span>` },
    { title: 'size', num: true, cell: (b) => num(b.size, bytes(b.size)) },
    { title: 'status', cell: (b) => badge(b.status) },
    { title: 'epochs', cell: (b) => `${esc(b.registered_epoch ?? '—')} – ${esc(b.end_epoch ?? '—')}` },
    { title: 'owner', cell: (b) => idLink('address', b.owner) }], items, 'blobs');
}

async function blobs(cursor) {
  const page = await api(`/v1/blobs?limit=50${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
  return `<h1>Blobs</h1>${blobTable(page.items)}${pager('#/blobs', page, cursor)}`;
}

// The shared blobs wrapping this blob's objects (anyone may fund their extensions), one line
// each; every value is escaped (the IDs come from the API, not from this page).
function sharedBlobs(shared) {
  if (!shared.length) return '';
  const line = (s) => `<li data-shared-blob="${esc(s.shared_blob_id)}">shared as <span class="id">${esc(s.shared_blob_id)}</span>, funds ${num(s.funds, wal(s.funds))}, ends at epoch ${num(s.end_epoch, s.end_epoch ?? '—')}</li>`;
  return `<h2>Shared</h2><ul id="shared_blobs">${shared.map(line).join('')}</ul>`;
}

async function blob(id) {
  const [{ item: b }, epochNo, shardCount] = await Promise.all([
    api(`/v1/blobs/${encodeURIComponent(id)}`), currentEpoch(), parameter('n_shards')]);
  const committee = epochNo === null ? { items: [] } : await api(`/v1/epochs/${epochNo}/committee?limit=1000`);
  const members = await nodeDetails(committee.items.map((m) => m.node_id));
  const stored = b.objects.filter((o) => o.status === 'certified' && o.end_epoch > epochNo);
  const ends = stored.map((o) => Number(o.end_epoch));
  // Which node holds each shard this epoch, and so which sliver pair of this blob.
  const n = Number(shardCount);
  const r = n > 0 ? rotation(b.blob_id, n) : 0;
  const holders = committee.items.map((m) => {
    const shards = Array.from({ length: Number(m.shard_count) }, (_, k) => Number(m.shard_start) + k);
    const pairs = shards.map((s) => (s + n - r) % n);
    return { ...m, shards, pairs, node: members[m.node_id] || {} };
  });
  return `<h1 data-epoch="${esc(epochNo ?? '')}">Blob ${esc(b.blob_id)}</h1>
  ${fields([
    ['blob_id', `<span class="id">${esc(b.blob_id)}</span>`],
    ['blob_id_u256', `<span class="id">${esc(b.blob_id_u256)}</span>`],
    ['size', num(b.size, `${int(b.size)} bytes`)],
    ['root_hash', `<span class="id">${esc(b.root_hash)}</span>`],
    ['live_references', num(b.live_references)],
    ['certified', stored.length ? `yes, in epoch ${esc(Math.min(...stored.map((o) => Number(o.certified_epoch))))}` : 'no'],
    ['stored_until', stored.length ? num(Math.max(...ends), `epoch ${Math.max(...ends)} (exclusive)`) : '—']])}
  <h2>Blob objects</h2>${blobTable(b.objects)}
  ${sharedBlobs(b.shared_blobs || [])}
  <h2>Attributes</h2>
  <p class="muted">Set by each object's holder, in the order the chain keeps them; untrusted text, shown as text.</p>
  ${table([
    { title: 'object', cell: (a) => `<span class="id" title="${esc(a.blob_object_id)}">${esc(short(a.blob_object_id))}</span>` },
    { title: 'key', cell: (a) => `<span data-key>${esc(a.key)}</span>` },
    { title: 'value', cell: (a) => `<span data-value-text>${esc(a.value)}</span>` }],
  b.objects.flatMap((o) => o.attributes || []), 'attributes')}
  <h2>Model versions</h2>${table([
    { title: 'model', cell: (v) => idLink('model', v.model_id) },
    { title: 'version', num: true, cell: (v) => num(v.version) },
    { title: 'architecture', cell: (v) => esc(v.architecture) },
    { title: 'published', cell: (v) => esc(time(v.published_at_ms)) }], b.model_versions, 'model_versions')}
  <h2>Holders in epoch ${esc(epochNo ?? '—')}</h2>
  <p class="muted">Sliver pair <i>i</i> of this blob is on shard (<i>i</i> + ${esc(r)}) mod ${esc(n)}: ${esc(r)} is the blob ID read big-endian mod the shard count.${stored.length ? '' : ' No certified Blob object keeps it stored now.'}</p>
  ${table([
    { title: 'node', cell: (h) => link(`#/node/${h.node_id}`, h.node.name || short(h.node_id)) },
    { title: 'address', cell: (h) => `<span class="id">${esc(h.node.network_address)}</span>` },
    { title: 'shards', cell: (h) => `<span data-shards="${esc(h.shards.join(','))}">${esc(runs(h.shards))}</span>` },
    { title: 'sliver pairs', cell: (h) => `<span data-pairs="${esc(h.pairs.join(','))}">${esc(runs([...h.pairs].sort((x, y) => x - y)))}</span>` }],
  holders, 'holders')}`;
}

// Newest first; the pager's cursors continue in that order.
async function challenges(cursor) {
  const [page, slashes] = await Promise.all([
    api(`/v1/challenges?order=desc&limit=50${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`),
    api('/v1/slashes?order=desc&limit=50')]);
  return `<h1>Challenges</h1><p class="muted">Newest first.</p>${challengeTable(page.items)}${pager('#/challenges', page, cursor)}
  <h2>Recent slashes</h2>${slashTable(slashes.items)}${latestOnly(slashes)}`;
}

async function challenge(id) {
  const { item: c } = await api(`/v1/challenges/${encodeURIComponent(id)}`);
  return `<h1>Challenge ${esc(c.challenge_id)}</h1>${fields([
    ['status', badge(c.status)], ['epoch', num(c.epoch)], ['node_id', idLink('node', c.node_id)],
    ['blob_id', idLink('blob', c.blob_id)], ['shard', num(c.shard)], ['symbol_index', num(c.symbol_index)],
    ['deadline', esc(time(c.deadline_ms))], ['answered', esc(time(c.answered_at_ms))],
    ['slashed', num(c.slashed, wal(c.slashed))], ['burned', num(c.burned, wal(c.burned))],
    ['reward', num(c.reward, wal(c.reward))], ['slashed_by', idLink('address', c.slashed_by)]])}`;
}

async function models(cursor) {
  const [page, revenue] = await Promise.all([
    api(`/v1/models?limit=50${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`),
    api('/v1/stats/revenue?bucket=epoch')]);
  return `<h1>Models</h1>
  ${table([
    { title: 'name', cell: (m) => link(`#/model/${m.model_id}`, m.name || short(m.model_id)) },
    { title: 'owner', cell: (m) => idLink('address', m.owner) },
    { title: 'latest version', num: true, cell: (m) => num(m.latest_version) },
    { title: 'licenses sold', num: true, cell: (m) => num(m.licenses_sold) },
    { title: 'revenue', num: true, cell: (m) => num(m.total_revenue, wal(m.total_revenue)) }], page.items, 'models')}
  ${pager('#/models', page, cursor)}
  <div class="charts">${chart('License revenue per epoch', revenue.points.map((p) => p.epoch), [{ name: 'revenue', values: revenue.points.map((p) => p.revenue) }], { bars: true, unit: 'wal' })}</div>`;
}

async function model(id) {
  const [{ item: m }, versions, offers, licenses, revenue] = await Promise.all([
    api(`/v1/models/${id}`), api(`/v1/models/${id}/versions?limit=100`),
    api(`/v1/offers?model_id=${id}&limit=100`), api(`/v1/licenses?model_id=${id}&limit=100`),
    api(`/v1/stats/revenue?bucket=epoch&model_id=${id}`)]);
  return `<h1>Model ${esc(m.name)}</h1>
  ${fields([
    ['model_id', `<span class="id">${esc(m.model_id)}</span>`], ['owner', idLink('address', m.owner)],
    ['description', esc(m.description)], ['latest_version', num(m.latest_version)],
    ['licenses_sold', num(m.licenses_sold)], ['total_revenue', num(m.total_revenue, wal(m.total_revenue))],
    ['revenue_withdrawn', num(m.revenue_withdrawn, wal(m.revenue_withdrawn))],
    ['revenue_accrued', num(m.revenue_accrued, wal(m.revenue_accrued))]])}
  <div class="charts">${chart('Revenue per epoch', revenue.points.map((p) => p.epoch), [
    { name: 'revenue', values: revenue.points.map((p) => p.revenue) }], { bars: true, unit: 'wal' })}</div>
  <h2>Versions</h2>${table([
    { title: 'version', num: true, cell: (v) => num(v.version) },
    { title: 'blob', cell: (v) => idLink('blob', v.blob_id) },
    { title: 'architecture', cell: (v) => esc(v.architecture) },
    { title: 'metrics', cell: (v) => `<span class="id">${esc(JSON.stringify(v.metrics))}</span>` },
    { title: 'published', cell: (v) => esc(time(v.published_at_ms)) }], versions.items, 'versions')}
  <h2>Offers</h2>${table([
    { title: 'offer', cell: (o) => `<span class="id" title="${esc(o.offer_id)}">${esc(short(o.offer_id))}</span>` },
    { title: 'price per window', num: true, cell: (o) => num(o.price_per_window, wal(o.price_per_window)) },
    { title: 'window', num: true, cell: (o) => num(o.window_ms, `${int(o.window_ms)} ms`) },
    { title: 'sold', num: true, cell: (o) => num(o.licenses_sold) },
    { title: 'paused', cell: (o) => esc(o.paused) }], offers.items, 'offers')}
  <h2>Licenses</h2>${licenseTable(licenses.items)}`;
}

function licenseTable(items) {
  return table([
    { title: 'license', cell: (l) => idLink('license', l.license_id) },
    { title: 'holder', cell: (l) => idLink('address', l.holder) },
    { title: 'price paid', num: true, cell: (l) => num(l.price_paid, wal(l.price_paid)) },
    { title: 'expires', cell: (l) => esc(time(l.expires_at_ms)) },
    { title: 'status', cell: (l) => badge(l.status) }], items, 'licenses');
}

async function license(id) {
  const { item: l } = await api(`/v1/licenses/${id}`);
  return `<h1>License</h1>${fields([
    ['license_id', `<span class="id">${esc(l.license_id)}</span>`], ['model_id', idLink('model', l.model_id)],
    ['holder', idLink('address', l.holder)], ['status', badge(l.status)], ['windows', num(l.windows)],
    ['price_paid', num(l.price_paid, wal(l.price_paid))], ['fee_burned', num(l.fee_burned, wal(l.fee_burned))],
    ['expires', esc(time(l.expires_at_ms))], ['uses_left', num(l.uses_left)], ['uses_consumed', num(l.uses_consumed)],
    ['extensions', num(l.extensions)]])}`;
}

async function address(id) {
  const [{ item: a }, blobsOf, stakes, licenses] = await Promise.all([
    api(`/v1/addresses/${id}`), api(`/v1/addresses/${id}/blobs?limit=50`),
    api(`/v1/addresses/${id}/stakes?limit=50`), api(`/v1/addresses/${id}/licenses?limit=50`)]);
  return `<h1>Address ${esc(a.address)}</h1>
  <div class="cards">${card('Blobs', 'blobs', a.blobs)}${card('Certified bytes', 'certified_bytes', a.certified_bytes, bytes(a.certified_bytes))}
  ${card('Stakes', 'stakes', a.stakes)}${card('Staked', 'staked', a.staked, wal(a.staked))}
  ${card('Licenses', 'licenses', a.licenses)}${card('Models', 'models', a.models)}${card('Nodes', 'nodes', a.nodes)}</div>
  <h2>Blobs</h2>${blobTable(blobsOf.items)}
  <h2>Stakes</h2>${table([
    { title: 'position', cell: (s) => `<span class="id" title="${esc(s.staked_wal_id)}">${esc(short(s.staked_wal_id))}</span>` },
    { title: 'node', cell: (s) => idLink('node', s.node_id) },
    { title: 'amount', num: true, cell: (s) => num(s.amount, wal(s.amount)) },
    { title: 'status', cell: (s) => badge(s.status) }], stakes.items, 'stakes')}
  <h2>Licenses</h2>${licenseTable(licenses.items)}`;
}

async function search(q) {
  const hits = await api(`/v1/search?q=${encodeURIComponent(q)}`);
  const target = (h) => ({ blob_object: null, offer: null, stake: null, storage: null, epoch: null }[h.kind] === null ? null : `#/${h.kind}/${encodeURIComponent(h.id)}`);
  if (hits.items.length === 1 && target(hits.items[0])) {
    location.replace(target(hits.items[0]));
    return null;
  }
  return `<h1>Search: ${esc(q)}</h1>${table([
    { title: 'kind', cell: (h) => esc(h.kind) },
    { title: 'found', cell: (h) => (target(h) ? link(target(h), h.id, 'class="id"') : `<span class="id">${esc(h.id)}</span>`) },
    { title: 'label', cell: (h) => esc(h.label) }], hits.items, 'hits')}`;
}

// ---- Router.
const ROUTES = [
  [/^#?\/?$/, 'dashboard', () => dashboard()],
  [/^#\/nodes(?:\?cursor=(.+))?$/, 'nodes', (c) => nodes(c && decodeURIComponent(c))],
  [/^#\/node\/([^/?]+)$/, 'nodes', (id) => node(id)],
  [/^#\/blobs(?:\?cursor=(.+))?$/, 'blobs', (c) => blobs(c && decodeURIComponent(c))],
  [/^#\/blob\/([^/?]+)$/, 'blobs', (id) => blob(decodeURIComponent(id))],
  [/^#\/challenges(?:\?cursor=(.+))?$/, 'challenges', (c) => challenges(c && decodeURIComponent(c))],
  [/^#\/challenge\/([^/?]+)$/, 'challenges', (id) => challenge(id)],
  [/^#\/models(?:\?cursor=(.+))?$/, 'models', (c) => models(c && decodeURIComponent(c))],
  [/^#\/model\/([^/?]+)$/, 'models', (id) => model(id)],
  [/^#\/license\/([^/?]+)$/, 'models', (id) => license(id)],
  [/^#\/address\/([^/?]+)$/, '', (id) => address(id)],
  [/^#\/search\/(.+)$/, '', (q) => search(decodeURIComponent(q))],
];

let generation = 0;
async function route() {
  const mine = ++generation;
  const hash = location.hash || '#/';
  document.body.dataset.ready = '';
  const match = ROUTES.map(([re, nav, render]) => [hash.match(re), nav, render]).find(([m]) => m);
  document.querySelectorAll('nav a').forEach((a) => a.classList.toggle('active', !!match && a.dataset.nav === match[1]));
  let html;
  try {
    html = match ? await match[2](...match[0].slice(1)) : `<p class="error">No page ${esc(hash)}.</p>`;
  } catch (e) {
    html = `<p class="error" data-error="${esc(e.status || '')}">${esc(e.status === 404 ? 'Not found: ' : 'Could not load: ')}${esc(e.message)}</p>`;
  }
  if (mine !== generation || html === null) return;
  unmountCharts();
  main.innerHTML = html;
  mountCharts();
  document.body.dataset.ready = hash;
}

document.getElementById('search').addEventListener('submit', (event) => {
  event.preventDefault();
  const q = event.target.q.value.trim();
  if (q) location.hash = `#/search/${encodeURIComponent(q)}`;
});

// Live refresh: the header shows the checkpoint indexed; the overview re-renders when it moves.
let tip = null;
async function poll() {
  try {
    const ready = await api('/ready');
    document.getElementById('tip').textContent = ready.watermark === null ? '' : `checkpoint ${int(ready.watermark)}`;
    if (tip !== null && ready.watermark !== tip && (location.hash || '#/').match(/^#?\/?$/) && document.body.dataset.ready) route();
    tip = ready.watermark;
  } catch (e) {
    // /ready answers 503 with a body while lagging; keep the last figure.
    if (e instanceof ApiError) return;
  }
}

window.addEventListener('hashchange', route);
route();
poll();
setInterval(poll, 5000);
