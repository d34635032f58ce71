// spikestream dashboard: plain browser JavaScript, no dependencies, no CDN. Speaks protocol v1
// in JSON (docs/protocol.md). A `?token=` in the page URL is passed on to the stream and the API.

const params = new URLSearchParams(location.search);
const token = params.get('token');
const withToken = (path) =>
  token ? `${path}${path.includes('?') ? '&' : '?'}token=${encodeURIComponent(token)}` : path;

const $ = (id) => document.getElementById(id);
const statusEl = $('status');
const eventsCanvas = $('events');
const eventsCtx = eventsCanvas.getContext('2d');
let image = null; // ImageData for the event view
let heat = null; // Float32Array per pixel: signed activity (ON > 0, OFF < 0)
let eventsDrawn = 0;
const models = new Map(); // name -> { el, feed, labelEl, statsEl }
const pipelineSamples = []; // recent pipeline latencies (µs)
const series = []; // { t, pipelineUs, decisionUs }
const MAX_SAMPLES = 2000;
const SERIES_SECONDS = 60;

function setStatus(state, text) {
  statusEl.dataset.state = state;
  statusEl.textContent = text;
}

function resizeEvents(width, height) {
  if (!width || !height) return;
  eventsCanvas.width = width;
  eventsCanvas.height = height;
  image = eventsCtx.createImageData(width, height);
  heat = new Float32Array(width * height);
}

function drawEvents(msg) {
  if (!image || msg.width !== eventsCanvas.width || msg.height !== eventsCanvas.height) {
    resizeEvents(msg.width, msg.height);
    if (!image) return;
  }
  const w = eventsCanvas.width;
  const h = eventsCanvas.height;
  for (let i = 0; i < msg.count; i++) {
    const x = msg.x[i];
    const y = msg.y[i];
    if (x >= w || y >= h) continue;
    heat[y * w + x] += msg.p[i] ? 1 : -1;
  }
  eventsDrawn += msg.count;
  $('events-drawn').textContent = String(eventsDrawn);
}

function renderEvents() {
  if (image) {
    const d = image.data;
    for (let i = 0; i < heat.length; i++) {
      const v = heat[i];
      const a = Math.min(1, Math.abs(v));
      const j = i * 4;
      if (v > 0) {
        d[j] = 255 * a;
        d[j + 1] = 183 * a;
        d[j + 2] = 77 * a;
      } else {
        d[j] = 79 * a;
        d[j + 1] = 195 * a;
        d[j + 2] = 247 * a;
      }
      d[j + 3] = 255;
      heat[i] = v * 0.92;
    }
    eventsCtx.putImageData(image, 0, 0);
  }
  drawHistogram();
  drawSeries();
  requestAnimationFrame(renderEvents);
}

function modelView(name) {
  let m = models.get(name);
  if (m) return m;
  const el = document.createElement('div');
  el.className = 'model';
  el.dataset.model = name;
  el.innerHTML =
    '<div class="model-head"><span class="label">–</span><strong class="name"></strong><span class="stats muted small"></span></div><ol class="feed"></ol>';
  el.querySelector('.name').textContent = name;
  $('models').appendChild(el);
  m = {
    el,
    feed: el.querySelector('.feed'),
    labelEl: el.querySelector('.label'),
    statsEl: el.querySelector('.stats'),
    count: 0,
  };
  models.set(name, m);
  return m;
}

function onPrediction(msg) {
  const m = modelView(msg.model);
  m.count++;
  m.el.dataset.count = String(m.count);
  m.labelEl.textContent = msg.label;
  const li = document.createElement('li');
  if (msg.trueLabel !== undefined) li.className = msg.trueLabel === msg.label ? 'correct' : 'wrong';
  const truth = msg.trueLabel !== undefined ? ` (true ${msg.trueLabel})` : '';
  li.textContent = `${msg.label}${truth} · ${msg.reason} · decision ${fmt(msg.decisionUs)} µs · pipeline ${fmt(msg.pipelineUs)} µs · ${msg.energy.synapticOps} SOPs`;
  m.feed.prepend(li);
  while (m.feed.children.length > 12) m.feed.lastChild.remove();
  pipelineSamples.push(msg.pipelineUs);
  if (pipelineSamples.length > MAX_SAMPLES) pipelineSamples.shift();
  series.push({ t: performance.now() / 1000, pipelineUs: msg.pipelineUs, decisionUs: msg.decisionUs });
  const cutoff = performance.now() / 1000 - SERIES_SECONDS;
  while (series.length && series[0].t < cutoff) series.shift();
}

function fmt(v) {
  if (v === null || v === undefined || !Number.isFinite(v)) return '–';
  if (Math.abs(v) >= 1e6 || (Math.abs(v) < 1e-2 && v !== 0)) return v.toExponential(2);
  if (Math.abs(v) >= 100) return v.toFixed(0);
  return v.toFixed(1);
}

function onMetrics(msg) {
  const rows = [
    ['source', `${msg.source.state} ${msg.source.uri}`],
    ['events in', msg.source.eventsIn],
    ['events / s', fmt(msg.source.eventsPerS)],
    ['clients', msg.clients.connected],
    [
      'dropped (events / metrics / predictions)',
      `${msg.drops.events} / ${msg.drops.metrics} / ${msg.drops.predictions}`,
    ],
  ];
  for (const m of msg.models) {
    const acc = m.accuracy === null ? '–' : `${(100 * m.accuracy).toFixed(1)} % of ${m.labelled}`;
    rows.push([`${m.model}: predictions`, `${m.predictions} (${fmt(m.predictionsPerS)}/s)`]);
    rows.push([`${m.model}: accuracy`, acc]);
    rows.push([`${m.model}: pipeline p50 / p99 µs`, `${fmt(m.pipelineUs.p50)} / ${fmt(m.pipelineUs.p99)}`]);
    rows.push([`${m.model}: decision p50 / p99 µs`, `${fmt(m.decisionUs.p50)} / ${fmt(m.decisionUs.p99)}`]);
    rows.push([`${m.model}: spikes per layer`, m.spikesPerLayer.join(' / ')]);
    rows.push([`${m.model}: synaptic ops`, m.synapticOps]);
    rows.push([`${m.model}: energy (${m.costTable})`, `${fmt(m.energyJ)} J`]);
    const view = modelView(m.model);
    view.statsEl.textContent = `${m.predictions} predictions · p50 ${fmt(m.pipelineUs.p50)} µs`;
  }
  for (const a of msg.agreement ?? []) {
    const rate = a.rate === null ? '–' : `${(100 * a.rate).toFixed(1)} % of ${a.compared}`;
    rows.push([`agreement ${a.models[0]} / ${a.models[1]}`, rate]);
  }
  const body = $('counters').tBodies[0];
  body.replaceChildren(
    ...rows.map(([k, v]) => {
      const tr = document.createElement('tr');
      const a = document.createElement('td');
      const b = document.createElement('td');
      a.textContent = k;
      b.textContent = String(v);
      tr.append(a, b);
      return tr;
    }),
  );
  $('event-rate').textContent = `${fmt(msg.source.eventsPerS)} ev/s`;
}

function drawHistogram() {
  const c = $('histogram');
  const ctx = c.getContext('2d');
  ctx.clearRect(0, 0, c.width, c.height);
  if (pipelineSamples.length === 0) return;
  // Log-spaced bins from 10 µs to 1 s.
  const bins = new Array(25).fill(0);
  const lo = Math.log10(10);
  const hi = Math.log10(1e6);
  for (const v of pipelineSamples) {
    const k = Math.floor(((Math.log10(Math.max(v, 10)) - lo) / (hi - lo)) * bins.length);
    bins[Math.min(bins.length - 1, Math.max(0, k))]++;
  }
  const max = Math.max(...bins);
  const bw = c.width / bins.length;
  ctx.fillStyle = '#4fc3f7';
  bins.forEach((n, i) => {
    const bh = (n / max) * (c.height - 18);
    ctx.fillRect(i * bw + 1, c.height - 14 - bh, bw - 2, bh);
  });
  ctx.fillStyle = '#8b98a5';
  ctx.font = '10px sans-serif';
  ['10', '100', '1k', '10k', '100k', '1M'].forEach((t, i) => {
    ctx.fillText(t, (i / 5) * (c.width - 20), c.height - 2);
  });
}

function drawSeries() {
  const c = $('series');
  const ctx = c.getContext('2d');
  ctx.clearRect(0, 0, c.width, c.height);
  if (series.length < 2) return;
  const now = performance.now() / 1000;
  let max = 1;
  for (const s of series) max = Math.max(max, s.pipelineUs, s.decisionUs);
  const xOf = (t) => c.width - ((now - t) / SERIES_SECONDS) * c.width;
  const yOf = (v) => c.height - 4 - (v / max) * (c.height - 16);
  const line = (key, color, dash) => {
    ctx.strokeStyle = color;
    ctx.setLineDash(dash);
    ctx.beginPath();
    series.forEach((s, i) => {
      if (i) ctx.lineTo(xOf(s.t), yOf(s[key]));
      else ctx.moveTo(xOf(s.t), yOf(s[key]));
    });
    ctx.stroke();
  };
  line('pipelineUs', '#4fc3f7', []);
  line('decisionUs', '#ffb74d', [4, 3]);
  ctx.setLineDash([]);
  ctx.fillStyle = '#8b98a5';
  ctx.font = '10px sans-serif';
  ctx.fillText(`max ${fmt(max)} µs`, 4, 10);
}

// Minimal Markdown for model cards: headings, paragraphs, lists, code, tables, emphasis.
// Everything is escaped first, so a card can never inject markup.
function escapeHtml(s) {
  return s.replace(
    /[&<>"']/g,
    (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch],
  );
}
function inline(s) {
  return escapeHtml(s)
    .replace(/`([^`]+)`/g, '<code>$1</code>')
    .replace(/\*\*([^*]+)\*\*/g, '<strong>$1</strong>')
    .replace(/\*([^*]+)\*/g, '<em>$1</em>');
}
function renderMarkdown(md) {
  const out = [];
  const lines = md.split(/\r?\n/);
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    if (line.startsWith('```')) {
      const code = [];
      i++;
      while (i < lines.length && !lines[i].startsWith('```')) code.push(lines[i++]);
      i++;
      out.push(`<pre><code>${escapeHtml(code.join('\n'))}</code></pre>`);
      continue;
    }
    const h = /^(#{1,6})\s+(.*)$/.exec(line);
    if (h) {
      out.push(`<h${h[1].length + 2}>${inline(h[2])}</h${h[1].length + 2}>`);
      i++;
      continue;
    }
    if (/^\s*\|/.test(line)) {
      const rows = [];
      while (i < lines.length && /^\s*\|/.test(lines[i])) rows.push(lines[i++]);
      const cells = (r) =>
        r
          .trim()
          .replace(/^\||\|$/g, '')
          .split('|')
          .map((c) => inline(c.trim()));
      const body = rows.filter((r) => !/^\s*\|[\s:|-]+\|\s*$/.test(r));
      out.push(
        `<table>${body
          .map(
            (r) =>
              `<tr>${cells(r)
                .map((c) => `<td>${c}</td>`)
                .join('')}</tr>`,
          )
          .join('')}</table>`,
      );
      continue;
    }
    if (/^\s*[-*]\s+/.test(line)) {
      const items = [];
      while (i < lines.length && /^\s*[-*]\s+/.test(lines[i]))
        items.push(lines[i++].replace(/^\s*[-*]\s+/, ''));
      out.push(`<ul>${items.map((t) => `<li>${inline(t)}</li>`).join('')}</ul>`);
      continue;
    }
    if (line.trim() === '') {
      i++;
      continue;
    }
    const para = [];
    while (i < lines.length && lines[i].trim() !== '' && !/^(#|```|\s*[-*|]\s)/.test(lines[i]))
      para.push(lines[i++]);
    if (para.length === 0) para.push(lines[i++]);
    out.push(`<p>${inline(para.join(' '))}</p>`);
  }
  return out.join('\n');
}

async function loadCard(name) {
  const card = $('card');
  const res = await fetch(withToken(`/api/models/${encodeURIComponent(name)}/card`));
  if (!res.ok) {
    card.className = 'card muted';
    card.textContent = `No model card for ${name}: ${(await res.text()).trim()}`;
    return;
  }
  card.className = 'card';
  card.innerHTML = renderMarkdown(await res.text());
}

function onHello(msg) {
  $('server').textContent = `server ${msg.serverVersion} · protocol ${msg.protocol}`;
  if (msg.source) {
    $('source').textContent =
      `${msg.source.uri} · ${msg.source.width}×${msg.source.height} · ${msg.source.format}`;
    resizeEvents(msg.source.width, msg.source.height);
  }
  const select = $('card-select');
  select.replaceChildren();
  for (const m of msg.models) {
    modelView(m.name);
    const opt = document.createElement('option');
    opt.value = m.name;
    opt.textContent = `${m.name} (${m.method}; ${m.window}; ${m.decision})`;
    select.appendChild(opt);
  }
  if (msg.models.length > 0) loadCard(msg.models[0].name).catch(() => {});
}

$('card-select').addEventListener('change', (e) => loadCard(e.target.value).catch(() => {}));

let backoffMs = 500;
function connect() {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  const url = withToken(
    `${scheme}://${location.host}/v1/stream?topics=predictions,metrics,events&format=json`,
  );
  const ws = new WebSocket(url);
  ws.onopen = () => {
    backoffMs = 500;
    setStatus('open', 'live');
  };
  ws.onmessage = (ev) => {
    const msg = JSON.parse(ev.data);
    if (msg.type === 'hello') onHello(msg);
    else if (msg.type === 'prediction') onPrediction(msg);
    else if (msg.type === 'metrics') onMetrics(msg);
    else if (msg.type === 'events') drawEvents(msg);
    else if (msg.type === 'error') setStatus('error', `${msg.code}: ${msg.message}`);
  };
  ws.onclose = (ev) => {
    setStatus('closed', `disconnected (${ev.code}${ev.reason ? `: ${ev.reason}` : ''}); retrying`);
    setTimeout(connect, backoffMs);
    backoffMs = Math.min(backoffMs * 2, 10000);
  };
}

connect();
requestAnimationFrame(renderEvents);
