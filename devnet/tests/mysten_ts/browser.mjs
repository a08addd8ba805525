// @mysten/sui in headless Chromium: bundles page.js with esbuild, serves it from a local HTTP
// server (an origin other than the devnet's, so CORS is exercised), opens it in Chromium over the
// DevTools protocol (Node's own WebSocket), and waits for the page's result.
// Usage: node --experimental-websocket browser.mjs <grpc-url> <system-object-id> <owner> <balance>
// Env: CHROMIUM (default "chromium"). Prints the page's result as JSON; exits non-zero otherwise.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { build } from 'esbuild';

const [rpc, system, owner, expectedBalance] = process.argv.slice(2);
if (!expectedBalance) throw new Error('usage: browser.mjs <grpc-url> <system-object-id> <owner> <balance>');
const here = dirname(fileURLToPath(import.meta.url));

const bundle = await build({
  entryPoints: [join(here, 'page.js')],
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  write: false,
  logLevel: 'error',
});
const script = bundle.outputFiles[0].text;
const html = '<!doctype html><meta charset="utf-8"><title>floe-devnet in a browser</title>'
  + '<pre id="out">loading</pre><script type="module" src="/page.js"></script>';
const server = createServer((request, response) => {
  if (request.url?.startsWith('/page.js')) {
    response.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
  } else if (request.url === '/favicon.ico') {
    response.writeHead(204).end();
  } else {
    response.writeHead(200, { 'content-type': 'text/html' }).end(html);
  }
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const address = server.address();
const page = `http://127.0.0.1:${typeof address === 'object' ? address.port : 0}/?`
  + new URLSearchParams({ rpc, system, owner });

const profile = mkdtempSync(join(tmpdir(), 'floe-mysten-ts-'));
const browser = spawn(process.env.CHROMIUM || 'chromium', [
  '--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run',
  '--remote-debugging-port=0', `--user-data-dir=${profile}`, 'about:blank'], { stdio: ['ignore', 'ignore', 'pipe'] });
const cleanup = () => {
  browser.kill('SIGKILL');
  server.close();
  try { rmSync(profile, { recursive: true, force: true }); } catch {}
};
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

const ws = new WebSocket(wsUrl);
await new Promise((resolve, reject) => { ws.onopen = resolve; ws.onerror = reject; });
let nextId = 1;
const pending = new Map();
const problems = [];
ws.onmessage = (event) => {
  const msg = JSON.parse(event.data);
  if (msg.id && pending.has(msg.id)) {
    const { resolve, reject } = pending.get(msg.id);
    pending.delete(msg.id);
    if (msg.error) reject(new Error(JSON.stringify(msg.error))); else resolve(msg.result);
  } else if (msg.method === 'Runtime.exceptionThrown') {
    problems.push(JSON.stringify(msg.params.exceptionDetails));
  } else if (msg.method === 'Log.entryAdded' && msg.params.entry.level === 'error') {
    problems.push(`${msg.params.entry.text} ${msg.params.entry.url ?? ''}`);
  }
};
const send = (method, params = {}, sessionId) => new Promise((resolve, reject) => {
  const id = nextId++;
  pending.set(id, { resolve, reject });
  ws.send(JSON.stringify({ id, method, params, sessionId }));
});

const { targetId } = await send('Target.createTarget', { url: 'about:blank' });
const { sessionId } = await send('Target.attachToTarget', { targetId, flatten: true });
await send('Runtime.enable', {}, sessionId);
await send('Log.enable', {}, sessionId);
await send('Page.navigate', { url: page }, sessionId);

const deadline = Date.now() + 30000;
let result;
while (Date.now() < deadline) {
  const { result: value } = await send('Runtime.evaluate', { expression: 'JSON.stringify(window.__result ?? null)', returnByValue: true }, sessionId);
  result = JSON.parse(value.value ?? 'null');
  if (result) break;
  await new Promise((resolve) => setTimeout(resolve, 100));
}
if (!result) throw new Error(`the page gave no result in 30 s; browser errors: ${problems.join('; ')}`);
if (!result.ok) throw new Error(`the page failed: ${result.error}; browser errors: ${problems.join('; ')}`);
if (!result.systemType?.endsWith('::system::System')) throw new Error(`System object has type ${result.systemType}`);
if (result.balance !== expectedBalance) throw new Error(`balance ${result.balance}, expected ${expectedBalance}`);
console.log(JSON.stringify(result));
process.exit(0);
