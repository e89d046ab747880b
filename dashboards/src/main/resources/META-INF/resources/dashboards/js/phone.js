// One phone: a live faceplate (display, LEDs, tone, hook, keypad), its events and its SIP ladder.
import { $, $$, el, get, post, getOrNull, live, nav, showMode, toast, fmtTime, param } from './api.js';

nav('phones');
const id = param('id');
const base = '/api/phones/' + encodeURIComponent(id || '');
$('#title').textContent = id ? `Phone ${id}` : 'no phone id (phone.html?id=...)';
$('#config-link').href = 'config.html?id=' + encodeURIComponent(id || '');
$('#export-text').href = base + '/trace?format=text';
$('#export-pcap').href = base + '/trace?format=pcap';
document.title = `sipfleet · ${id}`;

let phone = null;

// ---------- the faceplate ----------
function render(p) {
  phone = p;
  const fp = $('#faceplate');
  fp.dataset.callState = p.callState || 'idle';
  fp.dataset.hook = p.hook;
  fp.dataset.tone = p.tone || 'none';
  $('#handset').dataset.hook = p.hook;
  $('#handset').textContent = p.hook === 'off' ? 'off hook' : 'on hook';
  const lines = (p.display && p.display.length ? p.display : ['']).map((t) => el('div', { class: 'line' }, t));
  const sel = (p.lines || []).find((l) => l.number === p.selectedLine) || (p.lines || [])[0] || {};
  $('#screen').replaceChildren(...lines, el('div', { class: 'status' },
    el('span', { id: 'st-line' }, `L${sel.number || 1} ${sel.state || ''}${sel.activeServer && sel.activeServer !== 'none' ? ' @' + sel.activeServer : ''}`),
    el('span', { id: 'st-tone' }, p.tone && p.tone !== 'none' ? `♪ ${p.tone}` : ''),
    el('span', { id: 'st-call' }, p.callState || '')));
  $('#speaker').classList.toggle('active', !!p.speaker);
  const keys = (p.lines || []).map((l) => el('button', { class: 'linekey', 'data-key': 'LINE' + l.number, 'data-line': l.number,
    title: `line ${l.number}: ${l.state}${l.activeAddress ? ' on ' + l.activeAddress : ''}` },
  el('span', { class: 'led', 'data-led': l.led || 'off' }), `LINE${l.number}`));
  const sig = JSON.stringify((p.lines || []).map((l) => [l.number, l.led, l.state, l.activeAddress]));
  if ($('#linekeys').dataset.sig !== sig) { $('#linekeys').replaceChildren(...keys); $('#linekeys').dataset.sig = sig; }
  $('#meta').replaceChildren(
    el('span', {}, `model ${p.model}`), el('span', {}, `fleet ${p.fleet}`),
    el('span', {}, `call: ${p.callState}${p.remote ? ' with ' + p.remote : ''}`),
    el('span', {}, `tone: ${p.tone || 'none'}`),
    el('span', {}, `line 1: ${(p.lines || [])[0]?.state || '?'} ${(p.lines || [])[0]?.activeServer || ''}`));
}

async function refreshPhone() {
  if (!id) return;
  try { render(await get(base)); } catch (e) {
    if (e.status === 404) { $('#screen').replaceChildren(el('div', { class: 'line' }, 'no such phone')); } else { console.warn(e); }
  }
}

async function press(key) {
  const btn = $(`[data-key="${CSS.escape(key)}"]`);
  if (btn) { btn.classList.add('pressed'); setTimeout(() => btn.classList.remove('pressed'), 150); }
  try { await post(base + '/keys', { keys: [key] }); } catch (e) { toast(e.message, 'error'); }
  soon();
}
async function hook() {
  const state = phone && phone.hook === 'off' ? 'on' : 'off';
  try { await post(base + '/hook', { state }); } catch (e) { toast(e.message, 'error'); }
  soon();
}
function soon() { setTimeout(refreshPhone, 120); setTimeout(refreshAll, 600); }

// keys are pressed one at a time, in order (the phone gets them as they are clicked)
let queue = Promise.resolve();
document.addEventListener('click', (ev) => {
  const b = ev.target.closest('[data-key]');
  if (b && b.closest('#faceplate')) { queue = queue.then(() => press(b.dataset.key)); }
});
$('#handset').addEventListener('click', () => { queue = queue.then(hook); });
document.addEventListener('keydown', (ev) => {
  if (ev.target.closest('input, select, textarea') || ev.ctrlKey || ev.metaKey || ev.altKey) return;
  const k = ev.key;
  let key = null;
  if (/^[0-9*#]$/.test(k)) key = k;
  else if (k === 'Enter') key = 'SEND';
  else if (k === 'Escape') key = 'CANCEL';
  else if (k === 's') key = 'SPEAKER';
  else if (k === 'r') key = 'REDIAL';
  else if (k === 'h') { ev.preventDefault(); queue = queue.then(hook); return; }
  if (key) { ev.preventDefault(); queue = queue.then(() => press(key)); }
});

// ---------- events ----------
const seen = new Set();
let lastAt = 0;
function addEvents(events) {
  const rows = [];
  for (const e of events) {
    // the same event from the stream (with its seq) and from GET /events (without) is one event
    const k = `${e.at}|${e.type}|${e.line}|${e.callId}|${e.server ?? ''}|${e.key ?? ''}|${e.state ?? ''}`;
    if (seen.has(k)) continue;
    seen.add(k);
    lastAt = Math.max(lastAt, e.at || 0);
    const extra = Object.entries(e).filter(([n]) => !['type', 'phone', 'line', 'at', 'callId', 'seq', 'overloaded'].includes(n))
      .map(([n, v]) => `${n}=${typeof v === 'object' ? JSON.stringify(v) : v}`).join(' ');
    rows.push(el('tr', { class: e.overloaded ? 'overloaded' : null, dataset: { type: e.type } },
      el('td', { class: 'muted' }, fmtTime(e.at)), el('td', {}, el('strong', {}, e.type)), el('td', {}, `L${e.line ?? ''}`),
      el('td', { class: 'muted' }, extra, e.overloaded ? el('span', { class: 'badge m503', title: 'decided while the simulator was behind its own work', style: 'margin-left:6px' }, 'overloaded') : null)));
  }
  if (rows.length) {
    const tb = $('#events tbody');
    tb.prepend(...rows.reverse());
    while (tb.children.length > 300) tb.lastChild.remove();
  }
}
async function refreshEvents(all = false) {
  const events = await getOrNull(base + '/events' + (lastAt && !all ? '?since=' + lastAt : ''));
  if (events) addEvents(events);
}

// ---------- the SIP ladder ----------
// GET /api/phones/{id}/trace: [{at (ms), time (ISO), direction sent/received, server {name, address, transport},
// method | status + reason, label, cseq, callId, branch, retransmission, message}], oldest first.
function norm(m, i) {
  const text = m.message ?? m.text ?? m.raw ?? '';
  const first = String(text).split(/\r?\n/)[0] || '';
  let time = m.at ?? m.time ?? m.timestamp;
  if (typeof time === 'string' && !/^\d+(\.\d+)?$/.test(time)) time = Date.parse(time); else time = Number(time);
  const dir = String(m.direction ?? '').toLowerCase();
  const sent = dir.startsWith('s') || dir === 'out';
  // server: {"name","address","transport"} (or a plain name)
  const srv = m.server && typeof m.server === 'object' ? m.server : { name: m.server, address: m.address };
  const name = srv.name || srv.address || '?';
  const address = srv.address ? srv.address + (srv.transport ? '/' + srv.transport : '') : '';
  let label = m.label ?? m.method ?? (m.status != null ? `${m.status}${m.reason ? ' ' + m.reason : ''}` : null);
  if (!label) label = /^SIP\/2\.0 /.test(first) ? first.slice(8) : first.split(' ')[0];
  const cseq = m.cseq ?? ((String(text).match(/^CSeq:\s*(.+)$/mi) || [])[1] || '');
  return { i, time, sent, server: name, address, label, callId: m.callId ?? '', cseq: String(cseq).trim(), text,
    response: m.method == null && (m.status != null || /^SIP\/2\.0 /.test(first)),
    retrans: typeof m.retransmission === 'boolean' ? m.retransmission : null };
}
const CALL_COLORS = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#be185d', '#4d7c0f'];
let traceSig = '';
let selected = null;
function renderLadder(raw) {
  const sig = JSON.stringify(raw) + $('#callid').value;
  if (sig === traceSig) return;
  traceSig = sig;
  const wrap = $('#ladder');
  if (!raw) { wrap.replaceChildren(el('div', { class: 'empty' }, 'no trace yet')); $('#trace-info').textContent = ''; return; }
  const msgs = (Array.isArray(raw) ? raw : raw.messages || raw.items || []).map(norm).sort((a, b) => a.time - b.time || a.i - b.i);
  if (!msgs.length) { wrap.replaceChildren(el('div', { class: 'empty' }, 'no trace yet')); return; }
  // Call-IDs: their order of first appearance, a colour each; the drop-down keeps the choice
  const calls = [...new Set(msgs.map((m) => m.callId))];
  const pick = $('#callid');
  const chosen = pick.value;
  pick.replaceChildren(el('option', { value: '' }, `all (${calls.length})`), ...calls.map((c) => el('option', { value: c, selected: c === chosen }, c.length > 40 ? c.slice(0, 40) + '…' : c)));
  const shown = msgs.filter((m) => !chosen || m.callId === chosen);
  // retransmissions: same direction, server, Call-ID, CSeq and first line as an earlier one
  const seenMsg = new Set();
  for (const m of msgs) {
    const k = [m.sent, m.server, m.callId, m.cseq, m.label].join('|');
    if (m.retrans === null) m.retrans = seenMsg.has(k); // the trace says so itself when it can
    seenMsg.add(k);
  }
  const servers = [...new Set(msgs.map((m) => m.server))].sort((a, b) => rank(a) - rank(b) || String(a).localeCompare(String(b)));
  const laneX = (i) => 170 + i * 230; // the time column, then the phone, then the servers
  const width = laneX(servers.length) + 130;
  const rowH = 24; const head = 34;
  const groups = calls.filter((c) => !chosen || c === chosen).map((c) => ({ c, items: shown.filter((m) => m.callId === c) }));
  const height = head + groups.reduce((h, g) => h + 22 + g.items.length * rowH, 0) + 12;
  const ns = 'http://www.w3.org/2000/svg';
  const s = (tag, attrs, text) => { const e = document.createElementNS(ns, tag); for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v); if (text != null) e.textContent = text; return e; };
  const svg = s('svg', { class: 'ladder', width, height, viewBox: `0 0 ${width} ${height}` });
  const defs = s('defs', {});
  CALL_COLORS.forEach((c, i) => { const mk = s('marker', { id: 'ah' + i, markerWidth: 8, markerHeight: 8, refX: 7, refY: 4, orient: 'auto' }); mk.append(s('path', { d: 'M0,0 L8,4 L0,8 z', fill: c })); defs.append(mk); });
  svg.append(defs);
  const lanes = [id, ...servers];
  lanes.forEach((name, i) => {
    svg.append(s('line', { class: 'lane', x1: laneX(i), y1: head - 6, x2: laneX(i), y2: height }));
    const addr = i === 0 ? '' : (msgs.find((m) => m.server === name && m.address && m.address !== name) || {}).address || '';
    svg.append(s('text', { class: 'lanehead', x: laneX(i), y: 14, 'text-anchor': 'middle' }, name));
    if (addr) svg.append(s('text', { x: laneX(i), y: 27, 'text-anchor': 'middle', fill: '#667384' }, addr));
  });
  let y = head;
  for (const g of groups) {
    const ci = calls.indexOf(g.c) % CALL_COLORS.length;
    svg.append(s('rect', { class: 'callhdr', x: 0, y, width, height: 18 }));
    svg.append(s('text', { x: 6, y: y + 13, fill: CALL_COLORS[ci] }, `Call-ID ${g.c || '(none)'} · ${g.items.length} messages`));
    y += 22;
    for (const m of g.items) {
      const si = servers.indexOf(m.server) + 1;
      const [x1, x2] = m.sent ? [laneX(0), laneX(si)] : [laneX(si), laneX(0)];
      const grp = s('g', { class: 'msg' + (m.retrans ? ' retrans' : ''), 'data-label': m.label, 'data-server': m.server, 'data-dir': m.sent ? 'sent' : 'received', 'data-cseq': m.cseq });
      const yy = y + 15;
      grp.append(s('rect', { x: Math.min(x1, x2), y: y, width: Math.abs(x2 - x1), height: rowH, fill: 'transparent' }));
      grp.append(s('line', { x1, y1: yy, x2: x2 + (x2 > x1 ? -2 : 2), y2: yy, stroke: CALL_COLORS[ci], 'stroke-width': 1.6, 'marker-end': `url(#ah${ci})` }));
      grp.append(s('text', { x: (x1 + x2) / 2, y: yy - 4, 'text-anchor': 'middle', fill: m.response ? '#334155' : '#0f172a', 'font-weight': m.response ? 'normal' : '600' },
        m.label + (m.retrans ? ' (retransmission)' : '')));
      grp.append(s('text', { x: 6, y: yy + 4, fill: '#667384' }, fmtTime(m.time)));
      grp.addEventListener('click', () => {
        $$('.msg.selected', svg).forEach((e) => e.classList.remove('selected'));
        grp.classList.add('selected');
        selected = m;
        const pre = $('#sipmsg');
        pre.hidden = false;
        pre.textContent = `${fmtTime(m.time)}  ${m.sent ? 'sent to' : 'received from'} ${m.server} ${m.address}\n\n${m.text || '(no message text in the trace)'}`;
      });
      svg.append(grp);
      y += rowH;
    }
  }
  wrap.replaceChildren(svg);
  $('#trace-info').textContent = `${msgs.length} messages`;
}
function rank(name) { return name === 'primary' ? 0 : name === 'backup' ? 1 : 2; }
$('#callid').addEventListener('change', () => refreshTrace());
let lastTrace = null;
async function refreshTrace() {
  try {
    lastTrace = await getOrNull(base + '/trace');
  } catch (e) { lastTrace = null; }
  renderLadder(lastTrace);
}

// ---------- live ----------
async function refreshAll() { await Promise.all([refreshPhone(), refreshEvents().catch(() => {}), refreshTrace()]); }
live({
  query: { phone: id },
  handlers: {
    mode: showMode, event: (e) => { addEvents([e]); refreshPhone(); }, summary: () => {},
    // this page fell behind the stream: the service dropped its oldest events; the next poll of /events fills in
    dropped: (d) => { toast(`the stream dropped ${d.dropped} events (${d.total} in all): reloading the timeline`); refreshEvents(true).catch(() => {}); },
  },
  poll: () => refreshEvents(), intervalMs: 1000,
});
refreshAll();
setInterval(refreshPhone, 1000);
setInterval(refreshTrace, 2000);
$('#faceplate').focus();
