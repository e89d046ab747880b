// Fleet overview: tiles, phones by active server over time (with markers), rates, fleets, servers, faults.
import { $, $$, el, get, post, put, del, getOrNull, metrics, sum, live, nav, showMode, showFormError, clearFormErrors, toast } from './api.js';

nav('overview');
const HISTORY_MS = 10 * 60 * 1000;
const MODES = ['up', '503', '500', 'silent', 'down'];

// ---------- state ----------
const history = []; // {t, primary, backup, other, none}
const updates = []; // when the tiles and chart were last updated (epoch ms, the last 2000): how live the page is
const markers = []; // {t, label, color}
let lastServerModes = null;
let lastFaultIds = null;
let counters = []; // {t, registrations, failovers, failbacks, failures}
const rates = []; // {t, registrations, failovers, failbacks, failures}
let lastStorm = 0;
let fleetsSig = '';

// ---------- charts (ECharts from the webjar) ----------
const serverChart = echarts.init($('#chart-servers'));
const rateChart = echarts.init($('#chart-rates'));
// what the chart shows, for a look from the browser's console (and the browser tests)
window.sipfleetOverview = { serverChart, rateChart, history, markers, rates, updates };
window.addEventListener('resize', () => { serverChart.resize(); rateChart.resize(); });
const COLORS = { primary: '#2563eb', backup: '#f59e0b', other: '#8b5cf6', none: '#94a3b8' };

function drawServerChart() {
  const series = ['primary', 'backup', 'other', 'none'].map((k) => ({
    name: k === 'none' ? 'no server' : k, type: 'line', step: 'end', stack: 'phones', areaStyle: { opacity: 0.5 }, symbol: 'none',
    lineStyle: { width: 1 }, color: COLORS[k], data: history.map((h) => [h.t, h[k]]),
  }));
  const since = Date.now() - HISTORY_MS;
  series[0].markLine = {
    symbol: 'none', silent: false, animation: false,
    data: markers.filter((m) => m.t >= since).map((m) => ({
      xAxis: m.t, name: m.label, lineStyle: { color: m.color, type: 'dashed' },
      label: { formatter: m.label, position: 'insideEndTop', color: m.color, fontSize: 10 },
    })),
  };
  serverChart.setOption({
    animation: false, grid: { left: 12, right: 16, top: 30, bottom: 28, containLabel: true },
    legend: { top: 0 }, tooltip: { trigger: 'axis' },
    xAxis: window_(history),
    yAxis: { type: 'value', minInterval: 1, name: 'phones' },
    series,
  }, { replaceMerge: ['series'] });
}

function drawRateChart() {
  const keys = [['registrations', '#16a34a'], ['failovers', '#dc2626'], ['failbacks', '#2563eb'], ['failures', '#f59e0b']];
  rateChart.setOption({
    animation: false, grid: { left: 12, right: 16, top: 30, bottom: 28, containLabel: true }, legend: { top: 0 }, tooltip: { trigger: 'axis' },
    xAxis: window_(rates),
    yAxis: { type: 'value', name: '/s' },
    series: keys.map(([k, c]) => ({ name: k, type: 'line', symbol: 'circle', symbolSize: 3, color: c, data: rates.map((r) => [r.t, r[k]]) })),
  });
}

// the time axis: from the first sample (at least the last minute, at most HISTORY_MS) to now
function window_(samples) {
  const now = Date.now();
  const first = samples.length ? samples[0].t : now;
  return { type: 'time', min: Math.max(now - HISTORY_MS, Math.min(first, now - 60000)), max: now, splitNumber: 5, axisLabel: { hideOverlap: true } };
}

function mark(label, color) { markers.push({ t: Date.now(), label, color }); }

// ---------- tiles ----------
function setTile(key, value, state) {
  const t = $(`[data-tile="${key}"]`);
  if (!t) return;
  $('.value', t).textContent = value == null ? '–' : value;
  if (state) t.dataset.state = state;
}

// ---------- a summary in the stream's shape, from whichever source ----------
function onSummary(s) {
  const tot = Object.assign({}, s.totals || {});
  // on primary / backup / other from the fleets' own counts, so that "none" (no active server) is never "other"
  if (s.fleets && s.fleets.every((f) => f.byActiveServer)) Object.assign(tot, rolesOf(s.fleets));
  for (const k of ['phones', 'registered', 'onPrimary', 'onBackup', 'onOther', 'failed', 'callsInProgress', 'failoversLastMinute', 'failbacksLastMinute']) setTile(k, tot[k]);
  setTile('overload', s.overloaded ? 'overloaded' : 'keeping up', s.overloaded ? 'overloaded' : 'ok');
  const t = s.at && Math.abs(s.at - Date.now()) < 60000 ? s.at : Date.now();
  // phones with no active server (registering, failed, powered off): whatever the three roles leave
  const none = Math.max(0, (tot.phones || 0) - (tot.onPrimary || 0) - (tot.onBackup || 0) - (tot.onOther || 0));
  history.push({ t, primary: tot.onPrimary || 0, backup: tot.onBackup || 0, other: tot.onOther || 0, none });
  while (history.length && history[0].t < t - HISTORY_MS) history.shift();
  if (s.servers) noteServerModes(s.servers);
  if (tot.failoversLastMinute != null) noteStorm(tot);
  drawServerChart();
  if (s.fleets) renderFleets(s.fleets.map((f) => Object.assign({}, details.fleets[f.name], f)));
  if (s.servers) renderServers(s.servers.map((x) => Object.assign({}, details.servers[x.name], x)));
  if (s.fleets && s.servers && !s.fromRest) noteNames(s.fleets, s.servers);
  updates.push(Date.now());
  if (updates.length > 2000) updates.shift();
  document.body.dataset.updated = String(updates[updates.length - 1]);
}

// The contract promises the stream's summaries counts only, not a fleet's model or a server's address: those come from REST,
// fetched again when a fleet or server appears (and every 30 s).
const details = { fleets: {}, servers: {}, at: 0 };
function noteNames(fleets, servers) {
  const unknown = fleets.some((f) => !details.fleets[f.name]) || servers.some((x) => !details.servers[x.name]);
  if ((unknown && Date.now() - details.at > 2000) || Date.now() - details.at > 30000) {
    details.at = Date.now();
    Promise.all([get('/api/fleets'), get('/api/servers')]).then(([fl, sv]) => {
      details.fleets = Object.fromEntries(fl.map((f) => [f.name, { model: f.model, firstUser: f.firstUser }]));
      details.servers = Object.fromEntries(sv.map((x) => [x.name, { address: x.address, builtin: x.builtin }]));
    }).catch(() => {});
  }
}

function noteServerModes(servers) {
  const modes = Object.fromEntries(servers.map((x) => [x.name, x.mode]));
  if (lastServerModes) {
    for (const [name, mode] of Object.entries(modes)) {
      if (lastServerModes[name] !== undefined && lastServerModes[name] !== mode) mark(`${name} ${mode}`, mode === 'up' ? '#16a34a' : '#dc2626');
    }
  }
  lastServerModes = modes;
}
let lastFailovers = null;
function noteStorm(tot) {
  // a failover storm: a tenth of the fleet (at least 3 phones) failing over within one update
  const n = tot.failoversLastMinute;
  if (lastFailovers != null && n - lastFailovers >= Math.max(3, 0.1 * (tot.phones || 0)) && Date.now() - lastStorm > 15000) {
    lastStorm = Date.now();
    mark(`failover storm (${n - lastFailovers})`, '#b91c1c');
  }
  lastFailovers = n;
}

function rolesOf(fleets) {
  const r = { onPrimary: 0, onBackup: 0, onOther: 0 };
  for (const f of fleets) {
    for (const [srv, n] of Object.entries(f.byActiveServer || {})) {
      if (srv === 'primary') r.onPrimary += n; else if (srv === 'backup') r.onBackup += n; else if (srv !== 'none') r.onOther += n;
    }
  }
  return r;
}

// ---------- polling: the same summary built from REST + /q/metrics ----------
async function pollSummary() {
  const [fleets, servers, status, m] = await Promise.all([get('/api/fleets'), get('/api/servers'), get('/api/status'), metrics()]);
  const totals = Object.assign({ phones: 0, registered: 0, failed: 0 }, rolesOf(fleets));
  for (const f of fleets) {
    totals.phones += f.count;
    totals.registered += (f.byState || {}).registered || 0;
    totals.failed += (f.byState || {}).failed || 0;
  }
  const c = countersOf(m);
  counters.push(c);
  while (counters.length > 1 && counters[0].t < c.t - 60000) counters.shift();
  totals.failoversLastMinute = c.failovers - counters[0].failovers;
  totals.failbacksLastMinute = c.failbacks - counters[0].failbacks;
  // the gauge the service keeps (never a walk over the phones, whatever the fleet's size)
  totals.callsInProgress = m.sipfleet_calls_in_progress ? sum(m, 'sipfleet_calls_in_progress') : null;
  onSummary({ at: Date.now(), fleets, servers, overloaded: status.overloaded, overloadedSince: status.overloadedSince, totals, fromRest: true });
}

function countersOf(m) {
  return {
    t: Date.now(),
    registrations: sum(m, 'sipfleet_registrations_total'),
    failovers: sum(m, 'sipfleet_failovers_total'),
    failbacks: sum(m, 'sipfleet_failbacks_total'),
    failures: sum(m, 'sipfleet_failures_total'),
    latency: (m.sipfleet_failover_latency_seconds_bucket || []),
    byReason: (m.sipfleet_failures_total || []).reduce((acc, x) => { const r = x.labels.reason || '?'; acc[r] = (acc[r] || 0) + x.value; return acc; }, {}),
  };
}

// Rates and latency come from /q/metrics in both modes (the stream carries no counters of these).
let prevRate = null;
async function pollRates() {
  try {
    const c = countersOf(await metrics());
    if (prevRate) {
      const dt = (c.t - prevRate.t) / 1000;
      const r = { t: c.t };
      for (const k of ['registrations', 'failovers', 'failbacks', 'failures']) r[k] = Math.max(0, (c[k] - prevRate[k]) / dt);
      rates.push(r);
      while (rates.length && rates[0].t < c.t - HISTORY_MS) rates.shift();
      drawRateChart();
    }
    prevRate = c;
    renderLatency(c.latency);
    minute.push(c);
    while (minute.length > 1 && minute[0].t < c.t - 60000) minute.shift();
    renderReasons(minute[0].byReason, c.byReason);
  } catch (e) { console.warn(e); }
}
const minute = [];
function renderReasons(before, now) {
  const rows = Object.entries(now).map(([r, n]) => [r, n - (before[r] || 0)]).filter(([, n]) => n > 0).sort((a, b) => b[1] - a[1]);
  $('#reasons').textContent = 'server failures in the last minute by reason: ' + (rows.length ? rows.map(([r, n]) => `${r} ${n}`).join(' · ') : 'none');
}
function renderLatency(buckets) {
  const byLe = new Map();
  for (const b of buckets) { const le = b.labels.le === '+Inf' ? Infinity : Number(b.labels.le); byLe.set(le, (byLe.get(le) || 0) + b.value); }
  const les = [...byLe.keys()].sort((a, b) => a - b);
  const total = byLe.get(Infinity) || 0;
  if (!total) { $('#latency').textContent = 'failover latency: no failover yet'; return; }
  const q = (p) => { const want = p * total; for (const le of les) if (byLe.get(le) >= want) return le === Infinity ? '> ' + les[les.length - 2] + ' s' : (le * 1000).toFixed(0) + ' ms'; return '?'; };
  $('#latency').textContent = `failover latency (upper bucket bound, ${total} failovers): p50 ≤ ${q(0.5)} · p95 ≤ ${q(0.95)} · p99 ≤ ${q(0.99)}`;
}

// ---------- fleets ----------
function kv(obj) {
  return Object.entries(obj || {}).filter(([, n]) => n).map(([k, n]) => el('span', { class: 'badge ' + k, style: 'margin-right:4px' }, `${k} ${n}`));
}
function renderFleets(fleets) {
  const sig = JSON.stringify(fleets.map((f) => [f.name, f.poweredOn, f.byState, f.byActiveServer, f.ramp]));
  if (sig === fleetsSig) return;
  fleetsSig = sig;
  const tb = $('#fleets tbody');
  tb.replaceChildren(...(fleets.length ? fleets.map((f) => {
    const pct = f.count ? Math.round(100 * (f.poweredOn || 0) / f.count) : 100;
    const ramp = f.ramp || {};
    return el('tr', { dataset: { fleet: f.name } },
      el('td', {}, el('a', { href: `phones.html?fleet=${encodeURIComponent(f.name)}` }, f.name)),
      el('td', {}, f.model || ''),
      el('td', { class: 'num' }, f.count),
      el('td', {}, el('div', { class: 'row' }, el('div', { class: 'bar', title: `${f.poweredOn}/${f.count} powered on` }, el('span', { style: `width:${pct}%` })),
        el('span', { class: 'muted' }, `${f.poweredOn}/${f.count}` + (ramp.finished ? '' : ` · ${ramp.effectivePerSecond}/s`) + (ramp.throttled ? ' · throttled' : '')))),
      el('td', {}, kv(f.byState)),
      el('td', {}, kv(f.byActiveServer)),
      el('td', {}, el('button', { class: 'danger', onclick: () => deleteFleet(f.name) }, 'delete')));
  }) : [el('tr', {}, el('td', { colspan: 7, class: 'empty' }, 'no fleet yet: create one below'))]));
}
async function deleteFleet(name) {
  if (!confirm(`Delete fleet ${name}? Its phones unregister and power off.`)) return;
  try { await del('/api/fleets/' + encodeURIComponent(name)); toast(`fleet ${name} deleted`); refreshNow(); } catch (e) { toast(e.message, 'error'); }
}

const form = $('#create-fleet');
form.addEventListener('submit', async (ev) => {
  ev.preventDefault();
  clearFormErrors(form);
  const v = (n) => form.elements[n].value.trim();
  // numbers go as numbers when they look like one; otherwise as typed, so the API names the item
  const num = (n) => { const s = v(n); return s === '' ? undefined : (/^-?\d+(\.\d+)?$/.test(s) ? Number(s) : s); };
  const line = { registerAddr: v('registerAddr') || undefined, registerPort: num('registerPort'), transport: v('transport'),
    backupAddr: v('backupAddr') || undefined, backupPort: num('backupPort'), backupTransport: v('transport'),
    keepAliveInterval: num('keepAliveInterval'), failbackInterval: num('failbackInterval') };
  const body = { name: v('name'), model: v('model'), count: num('count'), firstUser: num('firstUser'), password: v('password') || undefined,
    rampPerSecond: num('rampPerSecond'), autoAnswer: v('autoAnswer') === 'true', autoAnswerDelay: 1, line };
  $('#create-fleet-submit').disabled = true;
  try {
    await post('/api/fleets', body);
    toast(`fleet ${body.name} created`);
    refreshNow();
  } catch (e) {
    showFormError(form, e);
  } finally { $('#create-fleet-submit').disabled = false; }
});

// ---------- servers ----------
let serversSig = '';
function renderServers(servers) {
  const sig = JSON.stringify(servers);
  if (sig === serversSig) return;
  serversSig = sig;
  $('#servers tbody').replaceChildren(...servers.map((s) => {
    // REST: requests {METHOD: n}; the stream: requestsReceived (a number, or the same map)
    const byMethod = s.requests || (s.requestsReceived && typeof s.requestsReceived === 'object' ? s.requestsReceived : null);
    const req = byMethod ? Object.values(byMethod).reduce((a, b) => a + b, 0) : (s.requestsReceived ?? '');
    const reqTitle = byMethod ? Object.entries(byMethod).map(([k, n]) => `${k} ${n}`).join(', ') : '';
    return el('tr', { dataset: { server: s.name } },
      el('td', {}, el('strong', {}, s.name), s.builtin ? el('div', { class: 'muted' }, 'built-in') : ''),
      el('td', {}, s.address || ''),
      el('td', {}, el('span', { class: 'badge mode ' + (/^\d/.test(s.mode) ? 'm' + s.mode : s.mode) }, s.mode)),
      el('td', {}, el('span', { class: 'modes' }, ...MODES.map((m) => el('button', {
        class: m === s.mode ? 'active' : null, 'data-mode': m, title: `PUT /api/servers/${s.name}/availability {"mode":"${m}"}`,
        onclick: () => setMode(s.name, m),
      }, m)))),
      el('td', { class: 'num', title: reqTitle }, req));
  }));
}
async function setMode(name, mode) {
  try { await put(`/api/servers/${encodeURIComponent(name)}/availability`, { mode }); toast(`${name}: ${mode}`); refreshNow(); } catch (e) { toast(e.message, 'error'); }
}

// ---------- faults ----------
const TEMPLATES = {
  'blackhole-primary': () => ({ type: 'blackhole', target: 'primary' }),
  loss50: () => ({ type: 'loss', probability: 0.5 }),
  respond503: () => ({ type: 'respond', target: 'primary', params: { status: 503 } }),
  delay: () => ({ type: 'delay', params: { ms: 200 } }),
};
$$('#fault-templates [data-template]').forEach((b) => b.addEventListener('click', async () => {
  const t = b.dataset.template;
  try {
    const f = await post('/api/faults', Object.assign({ name: `${t}-${Date.now() % 100000}` }, TEMPLATES[t]()));
    toast(`fault ${f.id} added`);
    refreshFaults();
  } catch (e) { toast(e.message, 'error'); }
}));
$('#reset').addEventListener('click', async () => {
  try { const r = await post('/api/reset?keepFleets=true'); toast(`reset: ${r.faultsRemoved} faults removed, ${r.serversSetUp} servers up`); refreshNow(); } catch (e) { toast(e.message, 'error'); }
});
let faultsSig = '';
async function refreshFaults() {
  const faults = await get('/api/faults');
  const ids = new Set(faults.map((f) => f.id));
  if (lastFaultIds) {
    for (const f of faults) if (!lastFaultIds.has(f.id)) mark(`+fault ${f.type}`, '#7c3aed');
    for (const id of lastFaultIds) if (!ids.has(id)) mark('−fault', '#7c3aed');
  }
  lastFaultIds = ids;
  const sig = JSON.stringify(faults);
  if (sig === faultsSig) return;
  faultsSig = sig;
  $('#faults tbody').replaceChildren(...(faults.length ? faults.map((f) => el('tr', { dataset: { fault: f.id } },
    el('td', {}, f.id), el('td', {}, f.type + (f.params && Object.keys(f.params).length ? ' ' + JSON.stringify(f.params) : '') + (f.probability < 1 ? ` p=${f.probability}` : '')),
    el('td', {}, f.target + (f.server && f.server !== f.target ? ` (${f.server})` : '')),
    el('td', {}, el('span', { class: 'badge ' + f.state }, f.state)),
    el('td', { class: 'num' }, f.counters?.matched ?? ''), el('td', { class: 'num' }, f.counters?.dropped ?? ''), el('td', { class: 'num' }, f.counters?.answered ?? ''),
    el('td', {}, el('button', { class: 'danger', onclick: async () => { try { await del('/api/faults/' + encodeURIComponent(f.id)); refreshFaults(); } catch (e) { toast(e.message, 'error'); } } }, 'delete'))))
    : [el('tr', {}, el('td', { colspan: 8, class: 'empty' }, 'no fault: the wire is clean'))]));
}

// ---------- wiring ----------
async function prefillServers() {
  const servers = await getOrNull('/api/servers') || [];
  const hp = (name) => { const s = servers.find((x) => x.name === name); return s && s.address ? s.address.split('/')[0] : null; };
  const split = (a) => { const i = a.lastIndexOf(':'); return [a.slice(0, i), a.slice(i + 1)]; };
  const p = hp('primary'); const b = hp('backup');
  if (p) { const [h, port] = split(p); form.elements.registerAddr.value = h; form.elements.registerPort.value = port; }
  if (b) { const [h, port] = split(b); form.elements.backupAddr.value = h; form.elements.backupPort.value = port; }
}

// The overview needs the summaries only, never per-phone events: events=none asks the stream for exactly that
// (an unfiltered stream carries every phone's events, thousands a second in a failover of a large fleet).
const feed = live({ query: { events: 'none' }, handlers: { summary: onSummary, mode: showMode }, poll: pollSummary, intervalMs: 1000 });
function refreshNow() { if (feed.mode === 'polling') pollSummary().catch(() => {}); refreshFaults().catch(() => {}); }
prefillServers().catch(() => {});
refreshFaults().catch(() => {});
setInterval(() => refreshFaults().catch(() => {}), 2000);
drawServerChart();
drawRateChart();
pollRates();
setInterval(pollRates, 2000);
