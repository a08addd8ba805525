// @mysten/sui in headless Chromium: bundles page.js with esbuild, serves it from a local HTTP
// server (an origin other than the devnet's, so CORS is exercised), opens it in headless Chromium
// (the shared driver, tests/support/chromium.mjs), and waits for the page's result.
// Usage: node --experimental-websocket browser.mjs <grpc-url> <system-object-id> <owner> <balance>
// Env: CHROMIUM (default "chromium"). Prints the page's result as JSON; exits non-zero otherwise.
import { createServer } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { build } from 'esbuild';

import { openPage } from '../../../tests/support/chromium.mjs';

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

const browser = await openPage({ profilePrefix: 'floe-mysten-ts-' });
process.on('exit', () => server.close());
await browser.send('Page.navigate', { url: page });

const deadline = Date.now() + 30000;
let result;
while (Date.now() < deadline) {
  result = JSON.parse((await browser.evaluate('JSON.stringify(window.__result ?? null)')) ?? 'null');
  if (result) break;
  await new Promise((resolve) => setTimeout(resolve, 100));
}
if (!result) throw new Error(`the page gave no result in 30 s; browser errors: ${browser.problems.join('; ')}`);
if (!result.ok) throw new Error(`the page failed: ${result.error}; browser errors: ${browser.problems.join('; ')}`);
if (!result.systemType?.endsWith('::system::System')) throw new Error(`System object has type ${result.systemType}`);
if (result.balance !== expectedBalance) throw new Error(`balance ${result.balance}, expected ${expectedBalance}`);
console.log(JSON.stringify(result));
process.exit(0);
