// The one headless-Chromium driver of the project's browser tests (the explorer's
// indexer/tests/explorer/check.mjs and the devnet's devnet/tests/mysten_ts/browser.mjs): it starts
// Debian's `chromium` (or $CHROMIUM) with a throw-away profile, speaks the Chrome DevTools
// Protocol over Node's own WebSocket (Node ≥ 20 with --experimental-websocket; no npm package),
// opens one page and records every console error, uncaught exception and failed load on it.
// It lives beside neither test because both use it: `tests/` holds what spans the packages.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Starts Chromium and opens a blank page. Returns
 * `{ send, evaluate, problems, listen, viewport, screenshot, close }`:
 * `send(method, params)` is a CDP command on the page; `evaluate(expression)` its value (a
 * thrown exception rejects); `problems` the page's errors so far, as text; `listen(fn)` gets
 * every CDP event of the page; `viewport(width, height)` emulates a screen (mobile below
 * 600 px); `screenshot(path)` writes a PNG. The browser and its profile go at `close()` or
 * when the process exits.
 */
export async function openPage({ profilePrefix = 'floe-chromium-', startTimeoutMs = 30000 } = {}) {
  if (typeof WebSocket === 'undefined') {
    throw new Error('this Node has no WebSocket: run node ≥ 20 with --experimental-websocket');
  }
  const profile = mkdtempSync(join(tmpdir(), profilePrefix));
  const browser = spawn(process.env.CHROMIUM || 'chromium', [
    '--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run',
    '--remote-debugging-port=0', `--user-data-dir=${profile}`, 'about:blank'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let closed = false;
  let ws = null;
  const close = () => {
    if (closed) return;
    closed = true;
    try { ws?.close(); } catch {}
    browser.kill('SIGKILL');
    try { rmSync(profile, { recursive: true, force: true }); } catch {}
  };
  process.on('exit', close);

  const wsUrl = await new Promise((resolve, reject) => {
    let err = '';
    const timer = setTimeout(() => reject(new Error(`chromium did not start in ${startTimeoutMs} ms: ${err}`)), startTimeoutMs);
    browser.stderr.on('data', (chunk) => {
      err += chunk;
      const m = err.match(/DevTools listening on (ws:\/\/\S+)/);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
    browser.on('error', (e) => { clearTimeout(timer); reject(new Error(`cannot start chromium: ${e.message}`)); });
    browser.on('exit', (code) => { clearTimeout(timer); reject(new Error(`chromium exited ${code}: ${err}`)); });
  });

  ws = new WebSocket(wsUrl);
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
  const command = (method, params = {}, sessionId) => new Promise((resolve, reject) => {
    const id = nextId++;
    pending.set(id, { resolve, reject });
    ws.send(JSON.stringify({ id, method, params, sessionId }));
  });

  const { targetId } = await command('Target.createTarget', { url: 'about:blank' });
  const { sessionId } = await command('Target.attachToTarget', { targetId, flatten: true });
  const send = (method, params) => command(method, params, sessionId);
  const problems = [];
  const pageListeners = [];
  listeners.push((msg) => {
    if (msg.sessionId !== sessionId) return;
    if (msg.method === 'Runtime.exceptionThrown') problems.push(`exception: ${JSON.stringify(msg.params.exceptionDetails)}`);
    if (msg.method === 'Runtime.consoleAPICalled' && ['error', 'assert'].includes(msg.params.type)) problems.push(`console.${msg.params.type}: ${JSON.stringify(msg.params.args)}`);
    if (msg.method === 'Log.entryAdded' && msg.params.entry.level === 'error') problems.push(`log: ${msg.params.entry.text} ${msg.params.entry.url || ''}`);
    pageListeners.forEach((l) => l(msg));
  });
  await send('Runtime.enable');
  await send('Log.enable');
  await send('Page.enable');

  async function evaluate(expression) {
    const result = await send('Runtime.evaluate', { expression, awaitPromise: true, returnByValue: true });
    if (result.exceptionDetails) throw new Error(`evaluate ${expression}: ${JSON.stringify(result.exceptionDetails)}`);
    return result.result.value;
  }
  const viewport = (width, height) => send('Emulation.setDeviceMetricsOverride', { width, height, deviceScaleFactor: 1, mobile: width < 600 });
  async function screenshot(path) {
    const { data } = await send('Page.captureScreenshot', { format: 'png' });
    writeFileSync(path, Buffer.from(data, 'base64'));
  }
  return { send, evaluate, problems, listen: (fn) => pageListeners.push(fn), viewport, screenshot, close };
}
