// A small line chart of a rate series as inline SVG, built with DOM calls (no library, no inline style).
const SVG = 'http://www.w3.org/2000/svg';

function el(name, attrs) {
  const node = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  return node;
}

// values: per-second rates, oldest first, one per `stepSeconds`; the newest sits at the right edge of a
// window of `slots` steps (the server keeps 60 x 5 s), so the time axis does not stretch while it fills.
export function rateChart(values, stepSeconds, slots = 60) {
  const width = 300, height = 60, pad = 2;
  const svg = el('svg', { viewBox: `0 0 ${width} ${height}`, class: 'chart', role: 'img', preserveAspectRatio: 'none' });
  const max = Math.max(1, ...values);
  const n = Math.max(values.length, slots, 2);
  const offset = n - values.length;
  const x = (i) => pad + ((i + offset) * (width - 2 * pad)) / (n - 1);
  const y = (v) => height - pad - (v / max) * (height - 2 * pad);
  svg.append(el('line', { x1: 0, y1: height - pad, x2: width, y2: height - pad, class: 'axis' }));
  if (values.length) {
    const points = values.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`);
    svg.append(el('polygon', { points: `${x(0)},${height - pad} ${points.join(' ')} ${x(values.length - 1)},${height - pad}`, class: 'area' }));
    svg.append(el('polyline', { points: points.join(' '), class: 'line' }));
  }
  const title = el('title', {});
  title.textContent = `events/s over the last ${values.length * stepSeconds} s, max ${max.toFixed(1)}`;
  svg.append(title);
  return svg;
}
