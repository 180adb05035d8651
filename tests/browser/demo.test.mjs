// `fanout demo --keep-running` as a user meets it after the README's quick start: the console link it
// prints opens the console on the demo's events, whose detail shows each platform's request body
// (hashes, no secret), and the Destinations view counts them. Then Ctrl-C (SIGINT here) ends the demo
// cleanly. Usage: node demo.test.mjs <fanout binary>
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { launchChromium, newConsolePage } from './chromium.mjs';

const [binary] = process.argv.slice(2);
// The demo's own per-run credentials (src/app/demo.cpp): none may reach the page.
const DEMO_SECRETS = ['demo-meta-token', 'demo-ga4-secret', 'demo-refresh-token', 'demo-client-id',
  'demo-client-secret', 'demo-ms-token', 'demo-tiktok-token'];
const started = Date.now();
const step = (text) => console.log(`[${((Date.now() - started) / 1000).toFixed(1)}s] ${text}`);
const sha256 = (text) => createHash('sha256').update(text).digest('hex');

async function waitFor(what, predicate, timeoutMs = 20000) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await predicate();
    if (value) return value;
    if (Date.now() > until) throw new Error('timed out waiting for ' + what);
    await new Promise((r) => setTimeout(r, 100));
  }
}

let output = '';
const demo = spawn(binary, ['demo', '--keep-running'], { stdio: ['ignore', 'pipe', 'pipe'] });
demo.stdout.on('data', (d) => { output += d; });
demo.stderr.on('data', (d) => { output += d; });
const exited = new Promise((resolve) => demo.on('exit', (code, signal) => resolve({ code, signal })));

async function main() {
  step('fanout demo --keep-running');
  const link = await waitFor('the console link', () => /Console: (http:\/\/\S+\/ui\/#token=\S+)/.exec(output)?.[1]);
  const spool = /spool (\/\S+)\/spool\.db/.exec(output)?.[1];
  assert.ok(spool && existsSync(spool), 'the demo names its temporary directory');
  const secret = /FANOUT_DEMO_WEBHOOK_SECRET=(\S+)/.exec(output)?.[1];
  assert.ok(secret, 'the demo prints its webhook secret');

  const browser = await launchChromium();
  try {
    const page = await newConsolePage(browser);
    const problems = [];
    page.on('console', (m) => { if (m.type() === 'error') problems.push(m.text()); });
    page.on('pageerror', (e) => problems.push(String(e)));

    step('the printed link signs in and lists the demo events');
    await page.goto(link);
    await page.waitForSelector('#app:not([hidden])');
    assert.equal(new URL(page.url()).hash, '', 'the token leaves the address bar');
    const row = 'tr[data-event-id="demo-purchase-1"]';
    await page.waitForSelector(`${row} [data-destination="meta"][data-state="delivered"]`, { timeout: 15000 });
    await page.waitForSelector('tr[data-event-id="demo-purchase-2"] [data-destination="meta"][data-state="skipped"]');

    step('detail: every platform\'s request body, hashed, no secret');
    await page.click(row);
    const detail = '[data-detail-for="demo-purchase-1"]';
    await page.waitForSelector(`${detail} [data-request-for="meta"]`);
    const bodies = await page.$$eval(`${detail} [data-request-for]`, (els) =>
      Object.fromEntries(els.map((e) => [e.dataset.requestFor, e.textContent])));
    assert.deepEqual(Object.keys(bodies).sort(), ['ga4', 'google_ads', 'meta', 'microsoft_ads', 'tiktok']);
    for (const [name, text] of Object.entries(bodies)) assert.notEqual(text, 'null', `${name}: a request body`);
    const meta = JSON.parse(bodies.meta);
    assert.equal(meta.data[0].event_id, 'demo-purchase-1');
    // The demo's " Jane.Doe@Example.com ", normalized then hashed, as Meta receives it.
    assert.equal(meta.data[0].user_data.em[0], sha256('jane.doe@example.com'));
    assert.deepEqual(JSON.parse(bodies.tiktok).data[0].user.email, [sha256('jane.doe@example.com')]);
    await page.waitForFunction((d) => document.querySelector(`${d} table.attempts`) !== null, {}, detail);
    const html = await page.content();
    for (const raw of ['Jane.Doe', 'jane.doe@', '555-1212', '6505551212', secret, ...DEMO_SECRETS]) {
      assert.ok(!html.includes(raw), `the page must not hold "${raw}"`);
    }

    step('destinations: counted from the spool');
    await page.click('nav button[data-view="destinations"]');
    await page.waitForSelector('[data-destination-card="meta"] [data-count="delivered"]');
    await waitFor('meta: 2 delivered, 1 skipped', async () =>
      (await page.$eval('[data-destination-card="meta"] [data-count="delivered"]', (e) => e.textContent)) === '2' &&
      (await page.$eval('[data-destination-card="meta"] [data-count="skipped"]', (e) => e.textContent)) === '1');
    assert.match(await page.$eval('#counts-note', (e) => e.textContent), /every event in the spool/);
    assert.deepEqual(problems, [], 'no script errors or CSP violations');
  } finally {
    await browser.close();
  }

  step('Ctrl-C ends the demo and removes its temporary directory');
  demo.kill('SIGINT');
  const end = await Promise.race([exited, new Promise((r) => setTimeout(() => r({ code: 'timeout' }), 15000))]);
  assert.deepEqual(end, { code: 0, signal: null });
  assert.ok(!existsSync(spool), `${spool} is removed`);
  step('passed');
}

let failed = false;
try {
  await main();
} catch (e) {
  failed = true;
  console.error(e);
  console.error('--- fanout demo output\n' + output);
} finally {
  // Still running after a failure: SIGTERM stops it cleanly (its temporary directory removed).
  if (demo.exitCode === null && demo.signalCode === null) {
    demo.kill('SIGTERM');
    const end = await Promise.race([exited, new Promise((r) => setTimeout(() => r(null), 10000))]);
    if (!end) demo.kill('SIGKILL');
  }
}
process.exit(failed ? 1 : 0);
