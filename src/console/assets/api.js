// Talking to fanout: every call carries the admin token as a bearer header. The token lives in
// sessionStorage only (gone when the tab closes); a #token=... fragment is read once and removed.
const KEY = 'fanout.console.token';

export class Unauthorized extends Error {}

export function takeTokenFromFragment() {
  const match = /(?:^#|&)token=([^&]*)/.exec(location.hash);
  if (!match) return;
  sessionStorage.setItem(KEY, decodeURIComponent(match[1]));
  history.replaceState(null, '', location.pathname + location.search);
}

export const token = {
  get: () => sessionStorage.getItem(KEY) || '',
  set: (value) => sessionStorage.setItem(KEY, value),
  clear: () => sessionStorage.removeItem(KEY),
};

function headers(extra = {}) {
  return { Authorization: 'Bearer ' + token.get(), ...extra };
}

export async function getJSON(path) {
  const res = await fetch(path, { headers: headers(), cache: 'no-store' });
  if (res.status === 401) throw new Unauthorized();
  if (res.status === 404) return null;
  if (!res.ok) throw new Error(path + ': HTTP ' + res.status);
  return res.json();
}

export async function postJSON(path, body) {
  const res = await fetch(path, {
    method: 'POST', headers: headers({ 'Content-Type': 'application/json' }), body: JSON.stringify(body),
  });
  if (res.status === 401) throw new Unauthorized();
  if (!res.ok) throw new Error(path + ': HTTP ' + res.status);
  return res.json();
}

// Reads the server-sent events of `path` with fetch() (EventSource cannot send a bearer header) and
// calls onEvent(name, data) per frame. Resolves when the stream ends; rejects on errors.
export async function readStream(path, onEvent, signal) {
  const res = await fetch(path, { headers: headers({ Accept: 'text/event-stream' }), signal, cache: 'no-store' });
  if (res.status === 401) throw new Unauthorized();
  if (!res.ok || !res.body) throw new Error('stream: HTTP ' + res.status);
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true });
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const frame = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let name = 'message';
      const data = [];
      for (const line of frame.split('\n')) {
        if (line.startsWith('event:')) name = line.slice(6).trim();
        else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
      }
      if (data.length) onEvent(name, data.join('\n'));
    }
  }
}
