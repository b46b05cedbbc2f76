// The murmur dashboard: one page for a live run (`murmur run --dashboard`)
// and for finished runs (`murmur view`). It takes the server's snapshot
// (/api/init), then follows its server-sent events (/api/stream): metrics
// rows, events, agents' states as deltas, the virtual clock, the end.
// Commands go back as the same lines `murmur ctl` sends (/api/command).
'use strict';

const SVG = 'http://www.w3.org/2000/svg';
const token = new URLSearchParams(location.search).get('token');
const palette = ['#2e86de', '#e67e22', '#27ae60', '#8e44ad', '#c0392b',
                 '#16a085', '#d35400', '#2c3e50', '#f1c40f', '#7f8c8d'];
// Recent samples kept to estimate each agent's seconds per step.
const historySeconds = 5;

let page = null;     // the snapshot, kept up to date by the stream
let stream = null;
let states = [];     // state names, indexed by the codes in agents.state
const agents = { n: 0, state: [], steps: [], round: [], busy: [], role: [],
                 t: 0, history: [] };
const selected = new Set();
let renderQueued = false;

// ---- helpers -------------------------------------------------------------

function $(id) { return document.getElementById(id); }

function el(tag, attrs = {}, text) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

function svgEl(tag, attrs = {}, text) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

function withToken(path) {
  if (!token) return path;
  return path + (path.includes('?') ? '&' : '?') + 'token=' +
         encodeURIComponent(token);
}

async function post(path, body) {
  const headers = { 'Content-Type': 'application/json' };
  if (token) headers['X-Murmur-Token'] = token;
  const res = await fetch(path, { method: 'POST', headers,
                                  body: JSON.stringify(body) });
  return { ok: res.ok, body: await res.json() };
}

function number(v, digits = 3) {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a >= 1e9) return (v / 1e9).toFixed(1) + 'G';
  if (a >= 1e6) return (v / 1e6).toFixed(1) + 'M';
  if (a >= 1e4) return (v / 1e3).toFixed(1) + 'k';
  if (a >= 100 || Number.isInteger(v)) return String(Math.round(v));
  return v.toPrecision(digits);
}

function stateName(code) { return states[code] || 'unknown'; }

// Math.min(...v) passes every value as an argument: too many for 100,000+.
function least(values) { return values.reduce((a, b) => (b < a ? b : a), Infinity); }
function most(values) { return values.reduce((a, b) => (b > a ? b : a), -Infinity); }

// ---- metrics -------------------------------------------------------------

function parseRun(run) {
  run.columns = run.header.split(',');
  run.index = Object.fromEntries(run.columns.map((c, i) => [c, i]));
  run.values = run.rows.map(line => line.split(',').map(Number));
}

function addRow(run, line) {
  run.rows.push(line);
  run.values.push(line.split(',').map(Number));
}

function column(run, name) {
  const i = run.index[name];
  return i === undefined ? [] : run.values.map(r => r[i]);
}

/// Per-second rates of a cumulative column between consecutive rows.
function rates(run, name, x) {
  const t = column(run, 'time_seconds');
  const v = column(run, name);
  const xs = column(run, x);
  const out = [];
  for (let i = 1; i < v.length; ++i) {
    const dt = t[i] - t[i - 1];
    if (dt > 0) out.push([xs[i], (v[i] - v[i - 1]) / dt]);
  }
  return out;
}

function xAxis() {
  return document.querySelector('input[name=xaxis]:checked').value;
}

function seriesOf(run, name, x) {
  const xs = column(run, x);
  return column(run, name).map((y, i) => [xs[i], y]);
}

function drawCharts() {
  const x = xAxis();
  const runs = page.runs;
  const single = runs.length === 1;
  const color = i => palette[i % palette.length];
  const label = r => r.name + (r.incomplete ? ' (incomplete)' : '');
  const acc = [], loss = [], bytes = [], msgs = [];
  runs.forEach((r, i) => {
    acc.push({ label: single ? 'test accuracy (average model)' : label(r),
               color: color(i), points: seriesOf(r, 'test_accuracy', x) });
    // Round 0's row has no training loss yet (it reads 0).
    const trained = seriesOf(r, 'train_loss', x)
      .filter((_, k) => column(r, 'round')[k] > 0);
    loss.push({ label: single ? 'train loss' : label(r), color: color(i),
                points: trained });
    bytes.push({ label: single ? 'bytes/s' : label(r), color: color(i),
                 points: rates(r, 'bytes_sent', x) });
    msgs.push({ label: single ? 'messages/s' : label(r), color: color(i),
                points: rates(r, 'messages_sent', x) });
    if (single) {
      acc.push({ label: 'min agent', color: color(1), dash: '4 3',
                 points: seriesOf(r, 'min_agent_accuracy', x) });
      loss.push({ label: 'test loss', color: color(1), dash: '4 3',
                  points: seriesOf(r, 'test_loss', x) });
    }
  });
  const xl = x === 'round' ? 'round' : 'seconds on the run\'s clock';
  lineChart($('chart-accuracy'), 'Accuracy', acc, xl);
  lineChart($('chart-loss'), 'Loss', loss, xl);
  lineChart($('chart-bytes'), 'Bytes per second (run clock)', bytes, xl);
  lineChart($('chart-messages'), 'Messages per second (run clock)', msgs, xl);
}

function ticks(lo, hi, count) {
  if (!(hi > lo)) { hi = lo + 1; }
  const raw = (hi - lo) / count;
  const mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 5, 10].map(f => f * mag).find(s => s >= raw) || raw;
  const out = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step)
    out.push(v);
  return out;
}

function lineChart(box, title, series, xlabel) {
  const W = 420, H = 210, m = { l: 46, r: 10, t: 30, b: 30 };
  const pts = series.flatMap(s => s.points)
                    .filter(p => Number.isFinite(p[0]) && Number.isFinite(p[1]));
  const svg = svgEl('svg', { viewBox: `0 0 ${W} ${H}` });
  svg.append(svgEl('text', { x: m.l, y: 14, class: 'title' }, title));
  if (pts.length === 0) {
    svg.append(svgEl('text', { x: m.l, y: H / 2 }, 'no data yet'));
    box.replaceChildren(svg);
    return;
  }
  let x0 = least(pts.map(p => p[0])), x1 = most(pts.map(p => p[0]));
  let y0 = Math.min(0, least(pts.map(p => p[1]))), y1 = most(pts.map(p => p[1]));
  if (x1 === x0) x1 = x0 + 1;
  if (y1 === y0) y1 = y0 + 1;
  const sx = v => m.l + (v - x0) / (x1 - x0) * (W - m.l - m.r);
  const sy = v => H - m.b - (v - y0) / (y1 - y0) * (H - m.t - m.b);
  for (const v of ticks(y0, y1, 4)) {
    svg.append(svgEl('line', { x1: m.l, x2: W - m.r, y1: sy(v), y2: sy(v),
                               class: 'grid' }));
    svg.append(svgEl('text', { x: m.l - 4, y: sy(v) + 3,
                               'text-anchor': 'end' }, number(v)));
  }
  for (const v of ticks(x0, x1, 5))
    svg.append(svgEl('text', { x: sx(v), y: H - m.b + 12,
                               'text-anchor': 'middle' }, number(v)));
  svg.append(svgEl('line', { x1: m.l, x2: m.l, y1: m.t, y2: H - m.b,
                             class: 'axis' }));
  svg.append(svgEl('line', { x1: m.l, x2: W - m.r, y1: H - m.b, y2: H - m.b,
                             class: 'axis' }));
  svg.append(svgEl('text', { x: W - m.r, y: H - 4, 'text-anchor': 'end' },
                   xlabel));
  let lx = m.l + 4;
  for (const s of series) {
    const ok = s.points.filter(p => Number.isFinite(p[0]) &&
                                    Number.isFinite(p[1]));
    if (ok.length > 0) {
      const d = ok.map((p, i) => (i ? 'L' : 'M') + sx(p[0]).toFixed(1) + ' ' +
                                 sy(p[1]).toFixed(1)).join('');
      const path = svgEl('path', { d, class: 'series', stroke: s.color });
      if (s.dash) path.setAttribute('stroke-dasharray', s.dash);
      svg.append(path);
    }
    svg.append(svgEl('rect', { x: lx, y: 20, width: 10, height: 3,
                               fill: s.color }));
    const t = svgEl('text', { x: lx + 13, y: 24 }, s.label);
    svg.append(t);
    lx += 18 + 5.5 * s.label.length;
  }
  box.replaceChildren(svg);
}

// ---- agents --------------------------------------------------------------

function applyAgents(msg) {
  const cols = ['state', 'steps', 'round', 'busy', 'role'];
  if (msg.ids === null) {
    for (const c of cols) agents[c] = msg[c].slice();
    agents.n = msg.state.length;
  } else {
    msg.ids.forEach((id, k) => { for (const c of cols) agents[c][id] = msg[c][k]; });
  }
  agents.t = msg.t;
  const h = agents.history;
  if (h.length === 0 || msg.t - h[h.length - 1].t >= 1 || msg.t < h[h.length - 1].t)
    h.push({ t: msg.t, steps: agents.steps.slice(), busy: agents.busy.slice() });
  while (h.length > 2 && agents.t - h[1].t >= historySeconds) h.shift();
}

/// Modelled seconds per step of each agent over the recent samples (live),
/// or over the whole run (agents.csv).
function slowness() {
  const out = [];
  if (agents.n > 0) {
    const old = agents.history[0];
    for (let i = 0; i < agents.n; ++i) {
      const ds = agents.steps[i] - old.steps[i];
      const db = agents.busy[i] - old.busy[i];
      out.push({ id: i, perStep: ds > 0 ? db / ds : (db > 0 ? Infinity : NaN),
                 steps: agents.steps[i], busy: agents.busy[i],
                 state: stateName(agents.state[i]) });
    }
    return out;
  }
  const table = page.runs[0] && page.runs[0].agents_table;
  if (!table) return out;
  const c = Object.fromEntries(table.columns.map((n, i) => [n, i]));
  for (const r of table.rows)
    out.push({ id: r[c.agent], perStep: r[c.steps] > 0 ? r[c.busy_seconds] / r[c.steps] : NaN,
               steps: r[c.steps], busy: r[c.busy_seconds], state: '' });
  return out;
}

function drawSlowest() {
  const rows = slowness().filter(a => !Number.isNaN(a.perStep));
  rows.sort((a, b) => (b.perStep - a.perStep) || (a.steps - b.steps));
  const table = $('slowest');
  const head = el('tr');
  for (const h of ['agent', 'state', 'steps', 'busy s', 's per step'])
    head.append(el('th', {}, h));
  const body = [head];
  for (const a of rows.slice(0, 10)) {
    const tr = el('tr', { class: 'pick', 'data-agent': a.id });
    tr.append(el('td', {}, String(a.id)), el('td', {}, a.state),
              el('td', {}, number(a.steps)), el('td', {}, number(a.busy)),
              el('td', {}, Number.isFinite(a.perStep) ? a.perStep.toFixed(4) : 'no step'));
    tr.addEventListener('click', () => toggle(a.id));
    body.push(tr);
  }
  table.replaceChildren(...body);
}

function layout(graph) {
  const n = graph.agents;
  if (graph.positions && graph.positions.length === n)
    return graph.positions.map(([x, y]) => [0.06 + 0.88 * x, 0.06 + 0.88 * (1 - y)]);
  return Array.from({ length: n }, (_, i) => {
    const a = 2 * Math.PI * i / n - Math.PI / 2;
    return [0.5 + 0.44 * Math.cos(a), 0.5 + 0.44 * Math.sin(a)];
  });
}

function buildGraph() {
  const g = page.graph;
  const svg = $('graph');
  svg.replaceChildren();
  // An <svg> has no `hidden` property: its style hides it.
  if (!g || !g.drawn) {
    svg.style.display = 'none';
    $('aggregates').hidden = !g;
    return;
  }
  svg.style.display = '';
  $('aggregates').hidden = true;
  const W = 600, H = 360;
  svg.setAttribute('viewBox', `0 0 ${W} ${H}`);
  const pos = layout(g).map(([x, y]) => [x * W, y * H]);
  for (const [a, b] of g.edges)
    svg.append(svgEl('line', { x1: pos[a][0], y1: pos[a][1],
                               x2: pos[b][0], y2: pos[b][1] }));
  // Small enough that a ring's circles (about 1300 px of ellipse) do not
  // overlap.
  const r = Math.max(3, Math.min(14, 220 / Math.sqrt(g.agents + 1),
                                 520 / g.agents));
  for (let i = 0; i < g.agents; ++i) {
    const c = svgEl('circle', { cx: pos[i][0], cy: pos[i][1], r,
                                'data-agent': i, class: 'state-waiting' });
    c.append(svgEl('title', {}, 'agent ' + i));
    c.addEventListener('click', () => toggle(i));
    svg.append(c);
    if (g.agents <= 64)
      svg.append(svgEl('text', { x: pos[i][0], y: pos[i][1] + 3,
                                 'text-anchor': 'middle' }, String(i)));
  }
}

function paintGraph() {
  const roles = ['', 'role-training', 'role-aggregating'];
  for (const c of document.querySelectorAll('#graph circle')) {
    const i = Number(c.getAttribute('data-agent'));
    const known = i < agents.n;
    const state = known ? stateName(agents.state[i]) : 'waiting';
    const cls = ['state-' + state];
    if (known && agents.role[i]) cls.push(roles[agents.role[i]]);
    if (selected.has(i)) cls.push('selected');
    c.setAttribute('class', cls.join(' '));
    c.setAttribute('data-state', known ? state : '');
    c.firstChild.textContent = known
      ? `agent ${i}: ${state}, ${agents.steps[i]} steps, round ${agents.round[i]}, busy ${number(agents.busy[i])} s`
      : 'agent ' + i;
  }
}

function drawAggregates() {
  if ($('aggregates').hidden || agents.n === 0) return;
  const counts = states.map(() => 0);
  for (const s of agents.state) counts[s] += 1;
  const rows = states.map((name, k) => {
    const row = el('div', { class: 'row' });
    const bar = el('span', { class: 'bar state-' + name });
    bar.style.width = (100 * counts[k] / agents.n) * 2 + 'px';
    row.append(el('span', { class: 'label' }, name), bar,
               el('span', {}, String(counts[k])));
    return row;
  });
  $('state-histogram').replaceChildren(...rows);
  const lo = least(agents.steps), hi = most(agents.steps);
  const bins = 20, width = Math.max(1, (hi - lo + 1) / bins);
  const hist = new Array(bins).fill(0);
  for (const s of agents.steps) hist[Math.min(bins - 1, Math.floor((s - lo) / width))] += 1;
  barChart($('steps-histogram'), `Steps per agent (${number(lo)} to ${number(hi)})`, hist);
}

function barChart(box, title, values) {
  const W = 420, H = 150, m = { l: 36, r: 6, t: 20, b: 12 };
  const svg = svgEl('svg', { viewBox: `0 0 ${W} ${H}` });
  svg.append(svgEl('text', { x: m.l, y: 13, class: 'title' }, title));
  const top = Math.max(1, ...values);
  const w = (W - m.l - m.r) / values.length;
  values.forEach((v, i) => {
    const h = (H - m.t - m.b) * v / top;
    svg.append(svgEl('rect', { x: m.l + i * w + 1, y: H - m.b - h,
                               width: Math.max(1, w - 2), height: h, class: 'bar' }));
  });
  svg.append(svgEl('text', { x: m.l - 4, y: m.t + 8, 'text-anchor': 'end' }, String(top)));
  box.replaceChildren(svg);
}

function drawPlexus() {
  const run = page.runs[0];
  const box = $('plexus');
  box.hidden = !(run && run.protocol && agents.n > 0);
  if (box.hidden) return;
  const sample = [], aggregators = [];
  for (let i = 0; i < agents.n; ++i) {
    if (agents.role[i] === 1) sample.push(i);
    if (agents.role[i] === 2) aggregators.push(i);
  }
  const round = most(agents.round);
  box.textContent = `Plexus round ${round}: training (sample) ` +
    (sample.join(', ') || 'none') + '; aggregating ' +
    (aggregators.join(', ') || 'none');
}

function drawLegend() {
  const items = states.map(name => {
    const span = el('span');
    span.append(el('span', { class: 'swatch state-' + name }), name);
    return span;
  });
  $('legend').replaceChildren(...items);
}

// ---- status, events, clock -----------------------------------------------

function drawStatus() {
  const run = page.runs[0];
  const title = page.runs.length === 1
    ? `${run.name}: ${run.algorithm}, ${run.agents} agents, ${run.clock} clock`
    : `${page.runs.length} runs`;
  $('run-title').textContent = title + (page.mode === 'view' ? ' (finished runs)' : '');
  const last = run && run.values.length ? run.values[run.values.length - 1] : null;
  let text = '';
  if (last && page.runs.length === 1) {
    const v = c => last[run.index[c]];
    text = `round ${v('round')}  accuracy ${(100 * v('test_accuracy')).toFixed(2)}%  ` +
           `min agent ${(100 * v('min_agent_accuracy')).toFixed(2)}%  t ${v('time_seconds').toFixed(1)} s`;
  }
  if (page.end && page.mode === 'live')
    text += page.end.failed ? '  run failed' :
      `  finished (${page.end.stopped_by}): ${page.end.folder}`;
  $('status').textContent = text;
  $('agents-time').textContent = agents.n ? `at t = ${agents.t.toFixed(2)} s` : '';
}

function addEventRow(entry, run) {
  const [t, source, command, result] = entry;
  const tr = el('tr');
  const who = page.runs.length > 1 ? page.runs[run].name + ' ' : '';
  tr.append(el('td', {}, who + Number(t).toFixed(3) + ' s'),
            el('td', { class: 'source-' + source }, source),
            el('td', {}, command), el('td', {}, result));
  const table = $('events');
  table.insertBefore(tr, table.firstChild);
}

function drawEvents() {
  $('events').replaceChildren();
  page.runs.forEach((run, k) => run.events.forEach(e => addEventRow(e, k)));
}

function drawClock() {
  const panel = $('clock-panel');
  panel.hidden = !(page.mode === 'live' && page.clock === 'virtual' && !page.end);
  const c = page.pacer;
  if (!c) return;
  const what = c.paused ? 'paused' : c.stalled ? 'every agent waits' : 'running';
  $('clock-state').textContent = `${what} at t = ${c.now.toFixed(3)} s`;
  const select = $('clock-speed');
  if (document.activeElement !== select) select.value = String(c.speed);
}

// ---- selection and commands ----------------------------------------------

function toggle(i) {
  if (selected.has(i)) selected.delete(i); else selected.add(i);
  showSelection();
}

function showSelection() {
  const ids = [...selected].sort((a, b) => a - b);
  $('selection').value = ranges(ids).join(', ');
  $('selection-info').textContent = ids.length
    ? `${ids.length} selected` : 'none selected';
  queueRender();
}

/// "3-5" for consecutive ids: one command per range.
function ranges(ids) {
  const out = [];
  for (let i = 0; i < ids.length;) {
    let j = i;
    while (j + 1 < ids.length && ids[j + 1] === ids[j] + 1) ++j;
    out.push(i === j ? String(ids[i]) : `${ids[i]}-${ids[j]}`);
    i = j + 1;
  }
  return out;
}

function parseSelection(text) {
  selected.clear();
  for (const part of text.split(/[\s,]+/).filter(Boolean)) {
    const m = part.match(/^(\d+)(?:-(\d+))?$/);
    if (!m) continue;
    const a = Number(m[1]), b = m[2] === undefined ? a : Number(m[2]);
    for (let i = Math.min(a, b); i <= Math.max(a, b) && i < (page.graph ? page.graph.agents : 0); ++i)
      selected.add(i);
  }
  showSelection();
}

async function send(verb, arg) {
  const ids = [...selected].sort((a, b) => a - b);
  const reply = $('command-reply');
  if (ids.length === 0) {
    reply.textContent = 'select agents first';
    reply.className = 'error';
    return;
  }
  const lines = [];
  for (const r of ranges(ids)) {
    const line = [verb, r, arg].filter(Boolean).join(' ');
    try {
      const res = await post('/api/command', { command: line });
      lines.push(res.body.reply || res.body.error);
      reply.className = res.ok ? '' : 'error';
    } catch (e) {
      lines.push('error: ' + e);
      reply.className = 'error';
    }
  }
  reply.textContent = lines.join('; ');
}

async function clockAction(action, speed = 0) {
  try {
    const res = await post('/api/clock', { action, speed });
    if (!res.ok) $('clock-state').textContent = res.body.error;
  } catch (e) {
    $('clock-state').textContent = 'error: ' + e;
  }
}

function wireControls() {
  for (const b of document.querySelectorAll('button.slow'))
    b.addEventListener('click', () => send('slow', b.dataset.factor + 'x'));
  $('slow-custom').addEventListener('click',
    () => send('slow', $('slow-factor').value + 'x'));
  $('delay').addEventListener('click', () => send('delay', $('delay-ms').value + 'ms'));
  $('pause-agents').addEventListener('click', () => send('pause'));
  $('resume-agents').addEventListener('click', () => send('resume'));
  $('kill-agents').addEventListener('click', () => send('kill'));
  $('clear-selection').addEventListener('click', () => { selected.clear(); showSelection(); });
  $('selection').addEventListener('change', e => parseSelection(e.target.value));
  $('clock-run').addEventListener('click', () => clockAction('run'));
  $('clock-pause').addEventListener('click', () => clockAction('pause'));
  $('clock-step').addEventListener('click', () => clockAction('step'));
  $('clock-speed').addEventListener('change',
    e => clockAction('speed', Number(e.target.value)));
  for (const r of document.querySelectorAll('input[name=xaxis]'))
    r.addEventListener('change', queueRender);
}

// ---- rendering and the stream --------------------------------------------

function queueRender() {
  if (renderQueued) return;
  renderQueued = true;
  requestAnimationFrame(() => {
    renderQueued = false;
    drawCharts();
    paintGraph();
    drawAggregates();
    drawPlexus();
    drawSlowest();
    drawStatus();
    drawClock();
  });
}

function follow() {
  stream = new EventSource(withToken('/api/stream?since=' + page.seq));
  const on = (name, f) => stream.addEventListener(name, e => {
    f(JSON.parse(e.data));
    queueRender();
  });
  on('row', m => addRow(page.runs[m.run], m.line));
  on('log', m => { page.runs[m.run].events.push(m.entry); addEventRow(m.entry, m.run); });
  on('agents', applyAgents);
  on('clock', c => { page.pacer = c; });
  on('agents_table', m => { page.runs[m.run].agents_table = m.table; });
  on('end', end => { page.end = end; stream.close(); });
  stream.addEventListener('reload', () => { stream.close(); start(); });
  stream.onerror = () => {
    if (page.end) return;
    stream.close();
    $('run-title').textContent = 'connection lost; retrying';
    setTimeout(start, 1000);
  };
}

/// Takes the snapshot, retrying every 2 s while the server cannot be
/// reached (a run whose page reconnects after a network hiccup).
async function start() {
  let res;
  try {
    res = await fetch(withToken('/api/init'));
  } catch (e) {
    $('run-title').textContent = 'cannot reach the run; retrying';
    setTimeout(start, 2000);
    return;
  }
  if (!res.ok) {
    $('run-title').textContent = 'the server refused: ' + (await res.json()).error;
    return;
  }
  page = await res.json();
  states = page.states;
  page.runs.forEach(parseRun);
  agents.n = 0;
  agents.history = [];
  if (page.agents) applyAgents(page.agents);
  document.body.classList.toggle('readonly', page.readonly);
  $('control-panel').hidden = page.readonly;
  drawLegend();
  buildGraph();
  drawEvents();
  queueRender();
  if (page.mode === 'live' && !page.end) follow();
}

wireControls();
start();
