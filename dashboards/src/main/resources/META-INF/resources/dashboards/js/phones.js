// The phones table: GET /api/phones with its filters and server-side paging (fleet, model, state, activeServer,
// page, size). The API has no call-state filter: with one chosen, the pages are read in 1000s and filtered
// here. A search finds one phone by id, or by user number (fleets number their users from firstUser).
import { $, el, get, getOrNull, nav, toast, param, showMode } from './api.js';

nav('phones');
showMode('polling'); // the table is read again every 2 s (the stream carries no phone lists)
const form = $('#filters');
let page = 0;
let fleets = [];

const SERVER_FILTERS = ['fleet', 'model', 'state', 'activeServer'];
function filters() {
  const f = {};
  for (const k of [...SERVER_FILTERS, 'callState', 'q', 'size']) { const v = form.elements[k].value.trim(); if (v) f[k] = v; }
  return f;
}
function query(f, p, size) {
  const q = new URLSearchParams();
  for (const k of SERVER_FILTERS) if (f[k]) q.set(k, f[k]);
  q.set('page', p); q.set('size', size);
  return '/api/phones?' + q;
}

async function resolveSearch(q) {
  const direct = await getOrNull('/api/phones/' + encodeURIComponent(q));
  if (direct) return direct;
  if (/^\d+$/.test(q)) {
    const u = Number(q);
    const f = fleets.find((x) => u >= x.firstUser && u < x.firstUser + x.count);
    if (f) return getOrNull(`/api/phones/${encodeURIComponent(f.name + '-' + (u - f.firstUser + 1))}`);
  }
  return null;
}

/** Every phone matching the filters, the call state included (pages of 1000). */
async function all(f) {
  const out = [];
  for (let p = 0; ; p++) {
    const r = await get(query(f, p, 1000));
    out.push(...r.items.filter((x) => !f.callState || x.callState === f.callState));
    if ((p + 1) * 1000 >= r.total) break;
  }
  return out;
}

async function load() {
  const f = filters();
  const size = Number(f.size || 50);
  let items; let total;
  $('#note').textContent = '';
  if (f.q) {
    const p = await resolveSearch(f.q);
    items = p ? [{ id: p.id, fleet: p.fleet, model: p.model, state: p.lines?.[0]?.state, activeServer: p.lines?.[0]?.activeServer, callState: p.callState }] : [];
    total = items.length;
    if (!p) $('#note').textContent = `no phone with id or user "${f.q}"`;
  } else if (f.callState) {
    const matching = await all(f);
    total = matching.length;
    items = matching.slice(page * size, (page + 1) * size);
    $('#note').textContent = 'call state is filtered in the browser (the API pages by fleet, model, state and active server)';
  } else {
    const r = await get(query(f, page, size));
    items = r.items; total = r.total;
  }
  const pages = Math.max(1, Math.ceil(total / size));
  if (page >= pages && page > 0) { page = pages - 1; return load(); }
  $('#count').textContent = `${total} matching`;
  $('#pageinfo').textContent = `page ${page + 1} of ${pages}`;
  $('#prev').disabled = page === 0;
  $('#next').disabled = page + 1 >= pages;
  $('#phones tbody').replaceChildren(...(items.length ? items.map((p) => el('tr', { dataset: { phone: p.id } },
    el('td', {}, el('a', { href: 'phone.html?id=' + encodeURIComponent(p.id) }, p.id)),
    el('td', {}, p.fleet), el('td', {}, p.model),
    el('td', {}, el('span', { class: 'badge ' + p.state }, p.state)),
    el('td', {}, p.activeServer || ''),
    el('td', {}, el('span', { class: 'badge ' + p.callState }, p.callState)),
    el('td', {}, el('a', { href: 'config.html?id=' + encodeURIComponent(p.id) }, 'configure'))))
    : [el('tr', {}, el('td', { colspan: 7, class: 'empty' }, 'no phone matches'))]));
  const q = new URLSearchParams(Object.entries(f).filter(([k]) => k !== 'size' || f.size !== '50'));
  history.replaceState(null, '', '?' + q);
}

async function exportCsv(ev) {
  ev.preventDefault();
  try {
    const f = filters();
    let rows;
    if (f.q) { const p = await resolveSearch(f.q); rows = p ? [{ id: p.id, fleet: p.fleet, model: p.model, state: p.lines?.[0]?.state, activeServer: p.lines?.[0]?.activeServer, callState: p.callState }] : []; }
    else rows = await all(f);
    const cols = ['id', 'fleet', 'model', 'state', 'activeServer', 'callState'];
    const esc = (v) => { const s = v == null ? '' : String(v); return /[",\n]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s; };
    const csv = [cols.join(','), ...rows.map((r) => cols.map((c) => esc(r[c])).join(','))].join('\n') + '\n';
    const a = el('a', { href: URL.createObjectURL(new Blob([csv], { type: 'text/csv' })), download: 'sipfleet-phones.csv' });
    document.body.append(a); a.click(); a.remove();
    toast(`${rows.length} phones exported`);
  } catch (e) { toast(e.message, 'error'); }
}

form.addEventListener('submit', (ev) => { ev.preventDefault(); page = 0; load().catch((e) => toast(e.message, 'error')); });
form.addEventListener('change', (ev) => { if (ev.target.name !== 'q') { page = 0; load().catch((e) => toast(e.message, 'error')); } });
$('#prev').addEventListener('click', () => { page = Math.max(0, page - 1); load().catch((e) => toast(e.message, 'error')); });
$('#next').addEventListener('click', () => { page++; load().catch((e) => toast(e.message, 'error')); });
$('#csv').addEventListener('click', exportCsv);

(async () => {
  fleets = await get('/api/fleets');
  $('#fleet').append(...fleets.map((f) => el('option', { value: f.name }, f.name)));
  for (const k of [...SERVER_FILTERS, 'callState', 'q', 'size']) { const v = param(k); if (v) form.elements[k].value = v; }
  await load();
  setInterval(() => { if (!document.hidden && !filters().callState) load().catch(() => {}); }, 2000);
})().catch((e) => toast(e.message, 'error'));
