// A reconstruction of the original Cloudflare Worker that fanout replaces, for benchmarks only
// (bench/load/worker_vs_fanout.sh). Written from the legacy body's description in the README and
// docs/configuration.md, not from the original's source: one conversion event per POST /, checked
// (HMAC-SHA256 signature), its personal data hashed, then sent to the five platforms at once with
// Promise.allSettled, and answered 200 "Events API worker started" once every fetch has settled.
// Nothing is stored and nothing is retried: a platform that fails loses the event.
// Request shapes are those `fanout preview` prints for the same event, so the sandbox counts both alike.
// Bindings (env): WEBHOOK_SECRET (comma-separated for rotation), SIGNATURE_HEADER, META_BASE_URL,
// META_PIXEL_ID, META_ACCESS_TOKEN, GA4_BASE_URL, GA4_MEASUREMENT_ID, GA_SECRET_KEY, GA4_CLIENT_ID_FALLBACK,
// GADS_BASE_URL, GADS_ACCESS_TOKEN, GADS_LABELS (JSON: label -> conversion action), MS_BASE_URL, MS_TAG_ID,
// MS_CAPI_TOKEN, TIKTOK_BASE_URL, TIKTOK_PIXEL_CODE, TIKTOK_ACCESS_TOKEN, DEFAULT_COUNTRY_CODE.
const enc = new TextEncoder();
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));
const hex = (buf) => { const b = new Uint8Array(buf); let s = ""; for (let i = 0; i < b.length; i++) s += HEX[b[i]]; return s; };
const sha256 = async (s) => hex(await crypto.subtle.digest("SHA-256", enc.encode(s)));
const text = (status, body, type = "text/plain; charset=utf-8") => new Response(body, { status, headers: { "content-type": type } });
const error = (status, code, message) => text(status, JSON.stringify({ error: code, message }), "application/json");

// HMAC keys are imported once per isolate, not per request.
let keys = null, keysFor = null;
async function hmacKeys(secrets) {
  if (keysFor !== secrets) {
    const list = secrets.split(",").map((s) => s.trim()).filter(Boolean);
    keys = await Promise.all(list.map((s) => crypto.subtle.importKey("raw", enc.encode(s), { name: "HMAC", hash: "SHA-256" }, false, ["verify"])));
    keysFor = secrets;
  }
  return keys;
}

// The header is lowercase or uppercase hex of HMAC-SHA256(secret, raw body), "sha256=" optional, as fanout checks it;
// crypto.subtle.verify compares in constant time.
async function signatureOk(header, body, secrets) {
  let v = (header || "").trim();
  if (v.slice(0, 7).toLowerCase() === "sha256=") v = v.slice(7);
  if (!/^[0-9a-fA-F]{64}$/.test(v)) return false;
  const mac = new Uint8Array(32);
  for (let i = 0; i < 32; i++) mac[i] = parseInt(v.substr(i * 2, 2), 16);
  for (const key of await hmacKeys(secrets)) if (await crypto.subtle.verify("HMAC", key, mac, body)) return true;
  return false;
}

// Simple normalization, as a hand-written Worker does it: trimmed lowercase email; phone digits with the country
// code (a 10-digit national number gets DEFAULT_COUNTRY_CODE); lowercase names split on the first space.
async function hashUser(u, env) {
  const out = {};
  const email = typeof u.email === "string" ? u.email.trim().toLowerCase() : "";
  if (email) out.em = await sha256(email);
  let digits = typeof u.phone === "string" ? u.phone.replace(/\D/g, "") : "";
  if (digits.length === 10 && !u.phone.trim().startsWith("+")) digits = (env.DEFAULT_COUNTRY_CODE || "1") + digits;
  if (digits) { out.phDigits = await sha256(digits); out.phE164 = await sha256("+" + digits); }
  const name = typeof u.name === "string" ? u.name.trim().toLowerCase() : "";
  const space = name.indexOf(" ");
  const first = space < 0 ? name : name.slice(0, space), last = space < 0 ? "" : name.slice(space + 1).trim();
  if (first) out.fn = await sha256(first);
  if (last) out.ln = await sha256(last);
  return out;
}

// Each answer's body is read, so that its connection goes back to the pool for the next request.
const post = (url, headers, body) =>
  fetch(url, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) })
    .then(async (r) => { await r.arrayBuffer(); return r; });
let labels = null, labelsFor = null;  // GADS_LABELS parsed once per isolate
const gadsLabels = (env) => { if (labelsFor !== env.GADS_LABELS) { labels = JSON.parse(env.GADS_LABELS || "{}"); labelsFor = env.GADS_LABELS; } return labels; };

// The five platforms' requests for one event: [name, Promise<Response>] for each platform that gets it.
function requests(ev, env) {
  const { d, m, h, t, ip, ua } = ev;
  const out = [];
  const pixel = m.metaPixelId || env.META_PIXEL_ID;
  const metaUser = { em: h.em && [h.em], ph: h.phDigits && [h.phDigits], fn: h.fn, ln: h.ln, external_id: ev.extId,
                     client_ip_address: ip, client_user_agent: ua, fbc: d.cookieFbc || undefined, fbp: d.cookieFbp || undefined };
  const metaBody = { data: [{ event_name: d.metaEvent || d.gaEvent, event_time: t, event_id: d.eventId, action_source: "website",
                              event_source_url: d.eventUrl || undefined, user_data: metaUser }] };
  if (m.metaTestCode) metaBody.test_event_code = m.metaTestCode;
  out.push(["meta", post(`${env.META_BASE_URL}/v26.0/${pixel}/events?access_token=${encodeURIComponent(env.META_ACCESS_TOKEN)}`, {}, metaBody)]);

  // GA4 needs the client id the site's tag set; the legacy body has none. GA4_CLIENT_ID_FALLBACK = "user_id" sends
  // the userId in its place; otherwise GA4 is left out, as fanout does (missing_identifiers).
  const clientId = env.GA4_CLIENT_ID_FALLBACK === "user_id" ? d.userId : "";
  if (clientId) {
    const mid = m.gaMeasurementId || env.GA4_MEASUREMENT_ID;
    const address = h.fn || h.ln ? [{ sha256_first_name: h.fn, sha256_last_name: h.ln }] : undefined;
    out.push(["ga4", post(`${env.GA4_BASE_URL}/mp/collect?measurement_id=${encodeURIComponent(mid)}&api_secret=${encodeURIComponent(env.GA_SECRET_KEY)}`, {}, {
      client_id: clientId, user_id: d.userId || undefined, timestamp_micros: t * 1000000,
      user_data: { sha256_email_address: h.em && [h.em], sha256_phone_number: h.phE164 && [h.phE164], address },
      events: [{ name: d.gaEvent || d.metaEvent, params: { transaction_id: d.eventId, page_location: d.eventUrl || undefined } }] })]);
  }

  // Google Ads (Data Manager): only a label with a conversion action configured is sent, as fanout does (not_mapped).
  const action = gadsLabels(env)[d.gadsConversionLabel];
  const ids = [h.em && { emailAddress: h.em }, h.phE164 && { phoneNumber: h.phE164 }].filter(Boolean);
  if (action && (ids.length || d.cookieGclid)) {
    const [, customer, , actionId] = action.split("/");
    out.push(["google_ads", post(`${env.GADS_BASE_URL}/v1/events:ingest`, { authorization: `Bearer ${env.GADS_ACCESS_TOKEN}` }, {
      destinations: [{ operatingAccount: { accountType: "GOOGLE_ADS", accountId: customer }, productDestinationId: actionId }],
      encoding: "HEX",
      events: [{ transactionId: d.eventId, eventTimestamp: new Date(t * 1000).toISOString().replace(/\.\d{3}Z$/, "Z"),
                 userData: ids.length ? { userIdentifiers: ids } : undefined,
                 adIdentifiers: d.cookieGclid ? { gclid: d.cookieGclid } : undefined, eventSource: "WEB" }] })]);
  }

  out.push(["microsoft_ads", post(`${env.MS_BASE_URL}/v1/${env.MS_TAG_ID}/events`, { authorization: `Bearer ${env.MS_CAPI_TOKEN}` }, {
    data: [{ eventType: "custom", eventId: d.eventId, eventName: d.gaEvent || d.metaEvent, eventTime: t, eventSourceUrl: d.eventUrl || undefined,
             userData: { em: h.em, ph: h.phE164, externalId: d.userId || undefined, clientIpAddress: ip, clientUserAgent: ua } }],
    continueOnValidationError: false })]);

  out.push(["tiktok", post(`${env.TIKTOK_BASE_URL}/open_api/v1.3/event/track/`, { "access-token": env.TIKTOK_ACCESS_TOKEN }, {
    event_source: "web", event_source_id: env.TIKTOK_PIXEL_CODE,
    data: [{ event: d.metaEvent || d.gaEvent, event_time: t, event_id: d.eventId,
             user: { email: h.em && [h.em], phone: h.phE164 && [h.phE164], external_id: ev.extId, ip, user_agent: ua },
             page: d.eventUrl ? { url: d.eventUrl } : undefined }] })]);
  return out;
}

export default {
  async fetch(request, env, ctx) {
    const url = new URL(request.url);
    if (url.pathname !== "/") return error(404, "not_found", "no such route");
    if (request.method !== "POST") return error(405, "method_not_allowed", "POST only");
    const body = await request.arrayBuffer();
    if (!(await signatureOk(request.headers.get(env.SIGNATURE_HEADER || "X-CRM-Signature"), body, env.WEBHOOK_SECRET || "")))
      return error(401, "invalid_signature", "missing or wrong signature");
    let parsed;
    try { parsed = JSON.parse(new TextDecoder().decode(body)); } catch { return error(400, "invalid_json", "the body is not JSON"); }
    const d = parsed && parsed.data;
    if (!d || typeof d !== "object" || !d.eventId || !(d.gaEvent || d.metaEvent))
      return error(400, "invalid_event", "data.eventId and data.gaEvent or data.metaEvent are required");
    const ip = request.headers.get("CF-Connecting-IP") || (request.headers.get("X-Forwarded-For") || "").split(",")[0].trim() || undefined;
    const ev = { d, m: parsed.meta || {}, t: Math.floor(Date.now() / 1000), ip, ua: request.headers.get("User-Agent") || undefined,
                 h: await hashUser(d.userData || {}, env), extId: d.userId ? await sha256(String(d.userId).trim().toLowerCase()) : undefined };
    const sent = requests(ev, env);
    const results = await Promise.allSettled(sent.map(([, p]) => p));
    // The original only logged failures; a non-2xx answer is logged too, so a broken shape shows in the benchmark.
    results.forEach((r, i) => {
      if (r.status === "rejected") console.log(`${sent[i][0]}: ${r.reason}`);
      else if (!r.value.ok) console.log(`${sent[i][0]}: HTTP ${r.value.status}`);
    });
    return text(200, "Events API worker started");
  },
};
