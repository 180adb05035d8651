// The web console as a user sees it: the real fanout binary and sandbox platforms, Debian's chromium
// driven by puppeteer-core. Reads the page only through its data-* attributes (data-event-id,
// data-destination + data-state, data-detail-for, data-request-for).
// Usage: node console.test.mjs <fanout binary> [screenshot.png]
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchChromium, newConsolePage } from './chromium.mjs';

const [binary, screenshot] = process.argv.slice(2);
const dir = mkdtempSync(join(tmpdir(), 'fanout-browser-'));
const ADMIN = 'browser-admin-token-7f3a';
const WEBHOOK = 'browser-webhook-secret';
const SECRETS = {
  B_META: 'meta-token-SECRET1', B_GA4: 'ga4-SECRET2', B_G_REFRESH: 'g-refresh-SECRET3', B_G_ID: 'g-client-id',
  B_G_SECRET: 'g-client-SECRET4', B_MS: 'ms-token-SECRET5', B_TIKTOK: 'tiktok-SECRET6',
};
const children = [];
const started = Date.now();
const step = (text) => console.log(`[${((Date.now() - started) / 1000).toFixed(1)}s] ${text}`);

function launch(args, env, log) {
  const out = openSync(log, 'a');
  const child = spawn(binary, args, { env: { ...process.env, ...env }, stdio: ['ignore', out, out] });
  children.push(child);
  return child;
}

async function waitFor(what, predicate, timeoutMs = 15000) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await predicate();
    if (value) return value;
    if (Date.now() > until) throw new Error('timed out waiting for ' + what);
    await new Promise((r) => setTimeout(r, 100));
  }
}

// The "port" of the first JSON log line with "msg":msg.
async function portFromLog(log, msg) {
  return waitFor(`${msg} in ${log}`, () => {
    let text = '';
    try { text = readFileSync(log, 'utf8'); } catch { return 0; }
    for (const line of text.split('\n')) {
      if (!line.includes(`"msg":"${msg}"`) && msg) continue;
      const m = /"port":(\d+)/.exec(line);
      if (m) return Number(m[1]);
    }
    return 0;
  });
}

let gateway = '';
async function post(body) {
  const text = JSON.stringify(body);
  const signature = createHmac('sha256', WEBHOOK).update(text).digest('hex');
  const res = await fetch(gateway + '/v1/events', {
    method: 'POST', headers: { 'Content-Type': 'application/json', 'X-CRM-Signature': signature }, body: text,
  });
  assert.ok(res.status === 202 || res.status === 200, `POST /v1/events answered ${res.status}: ${await res.text()}`);
}

const now = () => Math.floor(Date.now() / 1000);
function purchase(id, extra = {}) {
  return {
    event_id: id, event_name: 'purchase', event_time: now(), event_source_url: 'https://shop.example.com/done',
    action_source: 'website',
    user: { email: 'Jane.Doe+test@Example.com', phone: '+1 (650) 555-1212', first_name: 'Jane', last_name: 'Doe',
      ip: '203.0.113.7', user_agent: 'Mozilla/5.0' },
    ids: { fbclid: 'IwAR2x', gclid: 'Cj0KCQtest', msclkid: '4a5b6c7d-1234-4abc-9def-0123456789ab', ttclid: 'E.C.P.x',
      ga_client_id: 'GA1.1.1197596843.1673515099' },
    value: 10.5, currency: 'USD', ...extra,
  };
}

async function main() {
  step('starting the sandbox platforms');
  launch(['sandbox', '--listen', '127.0.0.1:0'], {}, join(dir, 'sandbox.log'));
  const box = `http://127.0.0.1:${await portFromLog(join(dir, 'sandbox.log'), '')}`;
  const tuning = 'linger_ms = 50\nretry_base_ms = 200\nretry_max_ms = 1000\n';
  writeFileSync(join(dir, 'fanout.toml'), `[server]
listen = "127.0.0.1:0"
admin_token_env = "B_ADMIN"

[ingest]
secret_env = "B_WEBHOOK"

[spool]
path = "${dir}/spool.db"

[destinations.meta]
pixel_id = "1234567890123456"
access_token_env = "B_META"
base_url = "${box}/meta"
${tuning}
[destinations.ga4]
measurement_id = "G-TEST12345"
api_secret_env = "B_GA4"
base_url = "${box}/ga4"
${tuning}
[destinations.google_ads]
mode = "data_manager"
customer_id = "1234567890"
refresh_token_env = "B_G_REFRESH"
client_id_env = "B_G_ID"
client_secret_env = "B_G_SECRET"
oauth_url = "${box}/google_ads/token"
base_url = "${box}/google_ads"
${tuning}
[destinations.microsoft_ads]
mode = "capi"
tag_id = "12345678"
capi_token_env = "B_MS"
base_url = "${box}/microsoft_ads"
${tuning}
[destinations.tiktok]
pixel_code = "CTEST00000000000000A"
access_token_env = "B_TIKTOK"
base_url = "${box}/tiktok"
${tuning}
[events.purchase]
google_ads = "customers/1234567890/conversionActions/111"
`);
  step('starting fanout');
  const serve = (log) => launch(['serve', '--config', join(dir, 'fanout.toml')],
    { B_ADMIN: ADMIN, B_WEBHOOK: WEBHOOK, ...SECRETS }, join(dir, log));
  let fanout = serve('fanout.log');
  gateway = `http://127.0.0.1:${await portFromLog(join(dir, 'fanout.log'), 'listening')}`;

  // Meta refuses the whole batch holding this event (its validation error): fanout isolates it and
  // dead-letters it alone.
  const fault = await fetch(box + '/_sandbox/faults', {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ platform: 'meta', mode: 'reject_event_ids', event_ids: ['bt-dead'], count: -1 }),
  });
  assert.ok(fault.ok, 'sandbox fault refused');

  const browser = await launchChromium();
  try {
    const page = await newConsolePage(browser);
    const violations = [];
    // Script errors and CSP violations; a refused token's 401 is logged by the browser and expected.
    page.on('console', (m) => {
      if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) violations.push(m.text());
    });
    page.on('pageerror', (e) => violations.push(String(e)));

    step('without a token: only the login form');
    const first = await page.goto(gateway + '/ui/');
    assert.equal(first.status(), 200);
    assert.match(first.headers()['content-security-policy'], /default-src 'self'/);
    assert.equal(first.headers()['x-frame-options'], 'DENY');
    await page.waitForSelector('#login:not([hidden])');
    assert.equal(await page.$eval('#app', (e) => e.hidden), true);
    assert.equal(await page.$$eval('[data-event-id]', (e) => e.length), 0);

    step('a wrong token is refused');
    await page.type('#token', 'not-the-token');
    await page.click('#login-form button');
    await page.waitForSelector('#login-error:not([hidden])');
    assert.equal(await page.$eval('#app', (e) => e.hidden), true);

    step('login with #token= in the fragment, removed from the address bar');
    await page.goto(gateway + '/ui/#token=' + ADMIN);
    await page.waitForSelector('#app:not([hidden])');
    assert.equal(new URL(page.url()).hash, '');
    await page.waitForFunction(() => document.getElementById('live').textContent === 'live', { timeout: 10000 });

    step('live rows: delivered, consent-skipped, dead-lettered');
    await post(purchase('bt-ok'));
    await post(purchase('bt-consent', { consent: { ad_user_data: 'denied' } }));
    await post(purchase('bt-dead'));
    const cell = (id, destination, state) =>
      `tr[data-event-id="${id}"] [data-destination="${destination}"][data-state="${state}"]`;
    await page.waitForSelector(cell('bt-ok', 'meta', 'delivered'), { timeout: 10000 });
    await page.waitForSelector(cell('bt-ok', 'ga4', 'delivered'), { timeout: 10000 });
    await page.waitForSelector(cell('bt-consent', 'meta', 'skipped'), { timeout: 10000 });
    await page.waitForSelector(cell('bt-consent', 'tiktok', 'skipped'), { timeout: 10000 });
    assert.match(await page.$eval(cell('bt-consent', 'meta', 'skipped'), (e) => e.textContent), /consent_denied/);
    await page.waitForSelector(cell('bt-dead', 'meta', 'failed'), { timeout: 15000 });
    await page.waitForSelector(cell('bt-dead', 'tiktok', 'delivered'), { timeout: 10000 });
    const order = await page.$$eval('tr[data-event-id]', (rows) => rows.map((r) => r.dataset.eventId));
    assert.deepEqual(order.slice(0, 3), ['bt-dead', 'bt-consent', 'bt-ok'], 'newest first');

    step('filters');
    await page.select('#filter-state', 'failed');
    await waitFor('the failed filter', async () => (await page.$$eval('tr[data-event-id]', (r) => r.map((x) => x.dataset.eventId))).join() === 'bt-dead');
    await page.select('#filter-state', '');
    await page.select('#filter-destination', 'tiktok');
    await page.select('#filter-state', 'skipped');
    await waitFor('the tiktok+skipped filter', async () => (await page.$$eval('tr[data-event-id]', (r) => r.map((x) => x.dataset.eventId))).join() === 'bt-consent');
    await page.select('#filter-destination', '');
    await page.select('#filter-state', '');

    step('detail: request bodies, hashed and redacted');
    await page.waitForSelector('tr[data-event-id="bt-ok"]');  // rendering is throttled
    await page.click('tr[data-event-id="bt-ok"]');
    await page.waitForSelector('[data-detail-for="bt-ok"] [data-request-for="meta"]');
    const bodies = await page.$$eval('[data-detail-for="bt-ok"] [data-request-for]', (els) =>
      Object.fromEntries(els.map((e) => [e.dataset.requestFor, e.textContent])));
    assert.deepEqual(Object.keys(bodies).sort(), ['ga4', 'google_ads', 'meta', 'microsoft_ads', 'tiktok']);
    const meta = JSON.parse(bodies.meta);
    assert.equal(meta.data[0].event_id, 'bt-ok');
    assert.match(meta.data[0].user_data.em[0], /^[0-9a-f]{64}$/);
    assert.equal(JSON.parse(bodies.tiktok).data[0].event_id, 'bt-ok');
    await page.waitForFunction(() => document.querySelector('[data-detail-for="bt-ok"] table.attempts') !== null);
    const html = await page.content();
    for (const raw of ['Jane.Doe', 'jane.doe', '650) 555', '6505551212', ...Object.values(SECRETS)]) {
      assert.ok(!html.includes(raw), `the page must not hold "${raw}"`);
    }

    step('search finds an event by id');
    await page.click('#detail button.close');
    await page.type('#search', 'bt-consent');
    await page.click('#search-form button');
    await page.waitForSelector('[data-detail-for="bt-consent"] [data-request-for="ga4"]');
    assert.equal(await page.$eval('[data-detail-for="bt-consent"] [data-request-for="meta"]', (e) => e.textContent), 'null');

    step('a burst of 400 events');
    const burst = [];
    for (let i = 0; i < 400; ++i) burst.push(purchase(`bt-burst-${String(i).padStart(3, '0')}`));
    for (let i = 0; i < burst.length; i += 50) await post({ events: burst.slice(i, i + 50) });
    await waitFor('400 burst rows', async () =>
      (await page.$$eval('tr[data-event-id^="bt-burst-"]', (r) => r.length)) === 400, 20000);
    await waitFor('the burst delivered to meta', async () =>
      (await page.$$eval('tr[data-event-id^="bt-burst-"] [data-destination="meta"][data-state="delivered"]', (r) => r.length)) === 400, 20000);
    assert.ok((await page.$$eval('tr[data-event-id]', (r) => r.length)) <= 500, 'rows are bounded');

    step('replay from the page');
    await fetch(box + '/_sandbox/faults', { method: 'DELETE' });
    await page.$eval('#search', (e) => { e.value = ''; });
    await page.type('#search', 'bt-dead');
    await page.click('#search-form button');
    await page.waitForSelector('[data-detail-for="bt-dead"] button[data-replay="meta"]');
    await page.click('[data-detail-for="bt-dead"] button[data-replay="meta"]');
    await page.waitForSelector(cell('bt-dead', 'meta', 'delivered'), { timeout: 15000 });
    await page.waitForFunction(() => {
      const d = document.querySelector('[data-detail-for="bt-dead"] [data-destination-detail="meta"]');
      return d && d.querySelectorAll('table.attempts tbody tr').length >= 2;
    }, { timeout: 10000 });

    if (screenshot) {
      step('screenshot ' + screenshot);
      await page.$eval('#detail', (e) => { e.scrollTop = 0; });
      await page.evaluate(() => window.scrollTo(0, 0));
      await page.screenshot({ path: screenshot });
    }

    step('destinations and dead letters views');
    await page.click('nav button[data-view="destinations"]');
    await page.waitForSelector('[data-destination-card="meta"] svg.chart');
    if (screenshot) await page.screenshot({ path: screenshot.replace(/\.png$/, '') + '-destinations.png' });
    // Counted from the spool: bt-ok, the burst and the replayed bt-dead delivered, bt-consent skipped.
    const metaCounts = () => page.$$eval('[data-destination-card="meta"] [data-count]',
      (els) => Object.fromEntries(els.map((e) => [e.dataset.count, e.textContent])));
    const expected = { delivered: '402', failed: '0', skipped: '1', pending: '0' };
    const settled = (c) => Object.entries(expected).every(([k, v]) => c[k] === v);
    await waitFor('meta counts 402 / 0 / 1 / 0', async () => settled(await metaCounts()));
    await page.click('nav button[data-view="dead-letters"]');
    await page.waitForSelector('#view-dead-letters:not([hidden])');

    assert.deepEqual(violations, [], 'no script errors or CSP violations');

    step('counts survive a restart');
    const exited = new Promise((r) => fanout.once('exit', r));
    fanout.kill('SIGTERM');
    await exited;
    fanout = serve('fanout-2.log');
    gateway = `http://127.0.0.1:${await portFromLog(join(dir, 'fanout-2.log'), 'listening')}`;
    await page.goto(gateway + '/ui/#token=' + ADMIN);
    await page.waitForSelector('#app:not([hidden])');
    await page.click('nav button[data-view="destinations"]');
    await page.waitForSelector('[data-destination-card="meta"] [data-count="delivered"]');
    assert.deepEqual(await metaCounts(), { ...expected, backlog: '0' });
    step('passed');
  } finally {
    await browser.close();
  }
}

let failed = false;
try {
  await main();
} catch (e) {
  failed = true;
  console.error(e);
  for (const log of ['fanout.log', 'fanout-2.log', 'sandbox.log']) {
    try { console.error(`--- ${log} (tail)\n` + readFileSync(join(dir, log), 'utf8').split('\n').slice(-30).join('\n')); } catch {}
  }
} finally {
  for (const child of children) child.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 300));
  rmSync(dir, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
