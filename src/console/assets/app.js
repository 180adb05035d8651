// The fanout console: login, the live Events view (with the Detail of one event), Destinations and
// Dead letters. Automated tests read the page through its data-* attributes: rows data-event-id, cells
// data-destination + data-state, the open detail data-detail-for, request bodies data-request-for.
import { Unauthorized, getJSON, postJSON, readStream, takeTokenFromFragment, token } from './api.js';
import { rateChart } from './chart.js';

const MAX_ROWS = 500;          // rows kept and shown (the server's window is the same)
const RENDER_EVERY_MS = 250;   // at most four renders a second, however fast rows arrive
const DESTINATIONS_EVERY_MS = 2000;
const $ = (id) => document.getElementById(id);

let destinations = [];
const rows = new Map();        // event_id -> row (from the stream or a search)
const rowElements = new Map(); // event_id -> <tr>
const dirty = new Set();       // event ids whose <tr> must be redrawn
let renderTimer = null;
let streamAbort = null;
let selected = '';
let view = 'events';
let destinationsTimer = null;
let setUp = false;

function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') node.className = v;
    else if (k === 'text') node.textContent = v;
    else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v);
  }
  for (const c of children) if (c !== null && c !== undefined) node.append(c);
  return node;
}

const time = (ms) => (ms ? new Date(ms).toLocaleTimeString([], { hour12: false }) + '.' + String(ms % 1000).padStart(3, '0') : '');
const dateTime = (ms) => (ms ? new Date(ms).toLocaleString([], { hour12: false }) : '');
const badge = (state, text = state) => h('span', { class: 'badge state-' + state, text });

// ---- login ----

function showLogin(message) {
  token.clear();
  if (streamAbort) streamAbort.abort();
  $('app').hidden = true;
  $('login').hidden = false;
  $('login-error').hidden = !message;
  $('login-error').textContent = message || '';
  $('token').focus();
}

async function start() {
  takeTokenFromFragment();
  $('login-form').addEventListener('submit', (e) => {
    e.preventDefault();
    token.set($('token').value.trim());
    $('token').value = '';
    enter();
  });
  $('logout').addEventListener('click', () => {
    token.clear();
    location.reload();  // nothing of the session stays on the page
  });
  // A #token= link opened on a page already showing (the login form, say) changes only the fragment.
  window.addEventListener('hashchange', () => {
    if (!/(?:^#|&)token=/.test(location.hash)) return;
    takeTokenFromFragment();
    enter();
  });
  if (!token.get()) return showLogin('');
  enter();
}

async function enter() {
  let session;
  try {
    session = await getJSON('api/session');
  } catch (e) {
    return showLogin(e instanceof Unauthorized ? 'That token was not accepted.' : 'fanout cannot be reached.');
  }
  $('login').hidden = true;
  $('app').hidden = false;
  if (!setUp) {  // once per page: signing in again after a refused token keeps the listeners
    setUp = true;
    destinations = session.destinations;
    setupEvents();
    setupNav();
    setupDeadLetters();
  }
  stream();
}

function guard(promise) {
  return promise.catch((e) => {
    if (e instanceof Unauthorized) showLogin('The token is no longer accepted.');
    else console.error(e);
  });
}

// ---- navigation ----

function setupNav() {
  for (const button of document.querySelectorAll('nav button')) {
    button.addEventListener('click', () => show(button.dataset.view));
  }
}

function show(name) {
  view = name;
  for (const button of document.querySelectorAll('nav button')) button.classList.toggle('active', button.dataset.view === name);
  for (const v of ['events', 'destinations', 'dead-letters']) $('view-' + v).hidden = v !== name;
  clearTimeout(destinationsTimer);
  if (name === 'destinations') refreshDestinations();
  if (name === 'dead-letters') refreshDeadLetters();
}

// ---- events ----

function setupEvents() {
  const head = $('events-head');
  head.replaceChildren(h('th', { text: 'Event id' }), h('th', { text: 'Name' }), h('th', { text: 'Received' }));
  for (const d of destinations) {
    head.append(h('th', { text: d }));
    $('filter-destination').append(h('option', { value: d, text: d }));
    $('dlq-destination').append(h('option', { value: d, text: d }));
  }
  $('filter-destination').addEventListener('change', scheduleFullRender);
  $('filter-state').addEventListener('change', scheduleFullRender);
  $('search-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const id = $('search').value.trim();
    if (id) guard(openDetail(id, true));
  });
  $('events-body').addEventListener('click', (e) => {
    const tr = e.target.closest('tr[data-event-id]');
    if (tr) guard(openDetail(tr.dataset.eventId, false));
  });
}

async function stream() {
  if (streamAbort) streamAbort.abort();
  const controller = new AbortController();
  streamAbort = controller;
  while (!controller.signal.aborted) {
    try {
      $('live').textContent = 'connecting';
      $('live').classList.remove('on');
      await readStream('api/stream', onStreamEvent, controller.signal);
    } catch (e) {
      if (e instanceof Unauthorized) return showLogin('The token is no longer accepted.');
      if (controller.signal.aborted) return;
    }
    $('live').textContent = 'reconnecting';
    $('live').classList.remove('on');
    await new Promise((r) => setTimeout(r, 1000));
  }
}

function onStreamEvent(name, data) {
  $('live').textContent = 'live';
  $('live').classList.add('on');
  if (name !== 'rows') return;
  const { rows: changed } = JSON.parse(data);
  for (const row of changed) {
    const before = rows.get(row.event_id);
    rows.set(row.event_id, row);
    dirty.add(row.event_id);
    if (row.event_id === selected && before && JSON.stringify(before.destinations) !== JSON.stringify(row.destinations)) {
      guard(openDetail(selected, false));
    }
  }
  trim();
  scheduleRender();
}

// Keeps the newest MAX_ROWS rows (by the spool's sequence number).
function trim() {
  if (rows.size <= MAX_ROWS) return;
  const bySeq = [...rows.values()].sort((a, b) => b.seq - a.seq);
  for (const row of bySeq.slice(MAX_ROWS)) {
    if (row.event_id === selected) continue;
    rows.delete(row.event_id);
    rowElements.delete(row.event_id);
  }
}

function scheduleRender() {
  if (renderTimer === null) renderTimer = setTimeout(render, RENDER_EVERY_MS);
}

function scheduleFullRender() {
  for (const id of rows.keys()) dirty.add(id);
  scheduleRender();
}

function matches(row) {
  const destination = $('filter-destination').value;
  const state = $('filter-state').value;
  if (!destination && !state) return true;
  const cells = destination ? [row.destinations[destination]].filter(Boolean) : Object.values(row.destinations);
  return cells.some((d) => !state || d.state === state);
}

function rowElement(row) {
  let tr = rowElements.get(row.event_id);
  if (!tr || dirty.has(row.event_id)) {
    const cells = [
      h('td', { class: 'id', text: row.event_id }),
      h('td', { text: row.event_name }),
      h('td', { text: time(row.received_at_ms), title: dateTime(row.received_at_ms) }),
    ];
    for (const name of destinations) {
      const d = row.destinations[name];
      if (!d) {
        cells.push(h('td', {}));
        continue;
      }
      const why = d.reason || d.last_error;
      cells.push(h('td', { 'data-destination': name, 'data-state': d.state, title: why || d.state }, badge(d.state),
        why ? h('span', { class: 'reason', text: why }) : null));
    }
    const fresh = h('tr', { 'data-event-id': row.event_id }, ...cells);
    if (tr) tr.replaceWith(fresh);
    tr = fresh;
    rowElements.set(row.event_id, tr);
    dirty.delete(row.event_id);
  }
  tr.classList.toggle('selected', row.event_id === selected);
  return tr;
}

function render() {
  renderTimer = null;
  const shown = [...rows.values()].filter(matches).sort((a, b) => b.seq - a.seq);
  const body = $('events-body');
  body.replaceChildren(...shown.map(rowElement));
  $('count').textContent = `${shown.length} of ${rows.size} events`;
}

// ---- detail ----

async function openDetail(id, fromSearch) {
  const detail = await getJSON('api/events/' + encodeURIComponent(id));
  const aside = $('detail');
  if (!detail) {
    if (fromSearch) {
      aside.hidden = false;
      aside.removeAttribute('data-detail-for');
      aside.replaceChildren(h('p', { class: 'error', text: `No event "${id}" in the spool.` }));
    }
    return;
  }
  selected = id;
  if (fromSearch && !rows.has(id)) {
    rows.set(id, detail.event);  // an older event than the window: shown while selected
    dirty.add(id);
  }
  scheduleFullRender();
  const place = (name) => (destinations.indexOf(name) + 1) || destinations.length + 1;  // config order
  const sections = [...detail.destinations].sort((a, b) => place(a.destination) - place(b.destination)).map((d) => {
    const request = d.request;
    const attempts = d.attempts.length
      ? h('table', { class: 'attempts' },
        h('thead', {}, h('tr', {}, ...['Time', 'HTTP', 'Outcome', 'Error', 'Latency'].map((t) => h('th', { text: t })))),
        h('tbody', {}, ...d.attempts.map((a) => h('tr', {},
          h('td', { text: dateTime(a.at_ms) }), h('td', { text: a.http_status ? String(a.http_status) : '—' }),
          h('td', {}, badge(a.outcome === 'retry' ? 'pending' : a.outcome, a.outcome)),
          h('td', { text: a.error }), h('td', { text: a.latency_ms.toFixed(1) + ' ms' })))))
      : h('p', { class: 'muted', text: 'No attempt recorded.' });
    const replay = d.state === 'failed'
      ? h('button', { type: 'button', 'data-replay': d.destination, text: 'Replay', onclick: () => guard(replay1(id, d.destination)) })
      : null;
    return h('section', { class: 'dest', 'data-destination-detail': d.destination },
      h('h3', {}, d.destination, badge(d.state), d.reason ? h('span', { class: 'muted', text: d.reason }) : null, replay),
      request ? h('div', { class: 'url', text: `${request.method} ${request.url}` }) : h('p', { class: 'muted', text: d.state === 'skipped' ? 'Not sent (skipped).' : 'No request.' }),
      h('pre', { 'data-request-for': d.destination, text: JSON.stringify(request ? request.body : null, null, 2) }),
      attempts);
  });
  aside.hidden = false;
  aside.setAttribute('data-detail-for', id);
  aside.replaceChildren(
    h('button', { type: 'button', class: 'close', text: 'Close', onclick: closeDetail }),
    h('h2', { text: id }),
    h('p', { class: 'muted', text: `${detail.event.event_name} · received ${dateTime(detail.event.received_at_ms)}` }),
    ...sections);
}

function closeDetail() {
  selected = '';
  $('detail').hidden = true;
  $('detail').removeAttribute('data-detail-for');
  scheduleFullRender();
}

async function replay1(eventId, destination) {
  await postJSON('api/replay', { event_id: eventId, destination });
  await openDetail(eventId, false);
}

// ---- destinations ----

async function refreshDestinations() {
  clearTimeout(destinationsTimer);
  if (view !== 'destinations') return;
  await guard((async () => {
    const data = await getJSON('api/destinations');
    const cards = data.destinations.map((d) => {
      const series = data.rates.destinations[d.destination] || [];
      return h('div', { class: 'card', 'data-destination-card': d.destination },
        h('h2', { text: d.destination }),
        h('dl', {},
          h('dt', { text: 'Delivered' }), h('dd', { 'data-count': 'delivered', text: String(d.delivered) }),
          h('dt', { text: 'Failed' }), h('dd', { 'data-count': 'failed', text: String(d.failed) }),
          h('dt', { text: 'Skipped' }), h('dd', { 'data-count': 'skipped', text: String(d.skipped) }),
          h('dt', { text: 'Pending' }), h('dd', { 'data-count': 'pending', text: String(d.pending) }),
          h('dt', { text: 'Retries' }), h('dd', { text: String(d.retries) }),
          h('dt', { text: 'Backlog' }), h('dd', { 'data-count': 'backlog', text: String(d.backlog) }),
          h('dt', { text: 'Last error' }), h('dd', { text: d.last_error ? `${d.last_error} (${dateTime(d.last_error_at_ms)})` : '—' })),
        h('div', { class: 'muted', text: `events/s over the last 5 min · peak ${Math.max(0, ...series).toFixed(1)}` }),
        rateChart(series, data.rates.step_s));
    });
    $('destination-cards').replaceChildren(...cards);
    $('counts-note').textContent = data.counts_at_ms
      ? `Delivered, failed, skipped and pending: every event in the spool (the last 7 days), counted ${dateTime(data.counts_at_ms)}. Retries and backlog: this process since it started.`
      : 'The spool could not be counted yet: delivered, failed, skipped and pending show 0.';
  })());
  if (view === 'destinations') destinationsTimer = setTimeout(refreshDestinations, DESTINATIONS_EVERY_MS);
}

// ---- dead letters ----

function setupDeadLetters() {
  $('dlq-destination').addEventListener('change', () => {
    $('dlq-replay-destination').disabled = !$('dlq-destination').value;
    refreshDeadLetters();
  });
  $('dlq-refresh').addEventListener('click', refreshDeadLetters);
  $('dlq-replay-destination').addEventListener('click', () => guard((async () => {
    const destination = $('dlq-destination').value;
    const r = await postJSON('api/replay', { destination });
    $('dlq-message').textContent = `${r.replayed} replayed for ${destination}`;
    await refreshDeadLetters();
  })()));
}

async function refreshDeadLetters() {
  await guard((async () => {
    const destination = $('dlq-destination').value;
    const data = await getJSON('api/dead-letters?limit=500&destination=' + encodeURIComponent(destination));
    $('dead-letters-body').replaceChildren(...data.dead_letters.map((d) => h('tr', { 'data-dead-letter': d.event_id, 'data-destination': d.destination },
      h('td', { class: 'id', text: d.event_id }), h('td', { text: d.destination }), h('td', { text: d.reason }),
      h('td', { text: String(d.attempts) }), h('td', { text: dateTime(d.updated_at_ms) }),
      h('td', {}, h('button', { type: 'button', 'data-replay': d.destination, text: 'Replay', onclick: () => guard((async () => {
        const r = await postJSON('api/replay', { event_id: d.event_id, destination: d.destination });
        $('dlq-message').textContent = `${r.replayed} replayed (${d.event_id} → ${d.destination})`;
        await refreshDeadLetters();
      })()) })))));
  })());
}

start();
