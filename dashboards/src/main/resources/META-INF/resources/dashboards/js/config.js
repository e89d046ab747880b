// The phone's web configuration page (Line › SIP): shows a line's configuration and applies it through
// PUT /api/phones/{id}/lines/{n}. A refused item shows the API's message next to its field; the phone keeps
// its old configuration (the API applies nothing of a refused request), and so does the form.
import { $, el, get, put, showFormError, clearFormErrors, param } from './api.js';

const id = param('id');
const base = '/api/phones/' + encodeURIComponent(id || '');
const form = $('#sip-form');
const ITEMS = ['user', 'displayName', 'authUser', 'password', 'domain', 'registerRetryInterval',
  'registerAddr', 'registerPort', 'registerTtl', 'transport', 'backupAddr', 'backupPort', 'backupTtl', 'backupTransport',
  'enableFailback', 'failbackInterval', 'signalRetryCounts', 'signalRetryDuration', 'keepAliveInterval'];
const NUMBERS = new Set(['registerRetryInterval', 'registerPort', 'registerTtl', 'backupPort', 'backupTtl', 'enableFailback',
  'failbackInterval', 'signalRetryCounts', 'signalRetryDuration', 'keepAliveInterval']);
let phone = null;

$('#fw-phone').textContent = id || '?';
$('#back').href = 'phone.html?id=' + encodeURIComponent(id || '');
document.title = `${id} · web configuration`;

function line() { return Number($('#line').value || 1); }

function fill(p, n) {
  const l = (p.lines || []).find((x) => x.number === n) || {};
  const c = l.config || {};
  for (const k of ITEMS) {
    const input = form.elements[k];
    let v = c[k];
    if (k === 'transport' || k === 'backupTransport') v = v || 'UDP';
    if (k === 'enableFailback') v = v == null ? 1 : (v === true ? 1 : v === false ? 0 : v);
    input.value = v == null ? '' : String(v);
  }
  $('#line-status').textContent = `${l.state || ''}${l.activeServer && l.activeServer !== 'none' ? ' on ' + l.activeServer : ''}${l.activeAddress ? ' (' + l.activeAddress + ')' : ''}`;
  $('#line-status').dataset.state = l.state || '';
}

async function load(keepLine) {
  phone = await get(base);
  $('#fw-model').textContent = phone.model;
  const n = keepLine ? line() : 1;
  $('#line').replaceChildren(...(phone.lines || []).map((l) => el('option', { value: l.number, selected: l.number === n }, `Line ${l.number}`)));
  fill(phone, n);
}

$('#line').addEventListener('change', () => { clearFormErrors(form); $('#result').textContent = ''; fill(phone, line()); });
$('#cancel').addEventListener('click', () => { clearFormErrors(form); $('#result').textContent = ''; fill(phone, line()); });

form.addEventListener('submit', async (ev) => {
  ev.preventDefault();
  clearFormErrors(form);
  $('#result').textContent = '';
  const body = {};
  const current = ((phone.lines || []).find((x) => x.number === line()) || {}).config || {};
  for (const k of ITEMS) {
    const s = form.elements[k].value.trim();
    if (NUMBERS.has(k)) {
      // a number goes as a number; anything else goes as typed, so that the API names the item it refuses
      if (s === '') continue;
      body[k] = /^-?\d+$/.test(s) ? Number(s) : s;
    } else {
      if (s === '' && current[k] == null) continue; // an item the phone does not have stays unset
      body[k] = s;
    }
  }
  $('#submit').disabled = true;
  try {
    phone = await put(`${base}/lines/${line()}`, body);
    fill(phone, line());
    $('#result').textContent = 'Submitted: the line is configured.';
    $('#result').className = 'fw-result ok';
  } catch (e) {
    showFormError(form, e);
    $('#result').textContent = 'Not applied: the old configuration stays in force.';
    $('#result').className = 'fw-result bad';
  } finally { $('#submit').disabled = false; }
});

if (id) {
  load(false).catch((e) => { $('#result').textContent = e.status === 404 ? `no phone ${id}` : e.message; $('#result').className = 'fw-result bad'; });
  // the line status follows the phone
  setInterval(async () => {
    try {
      const p = await get(base);
      const l = (p.lines || []).find((x) => x.number === line()) || {};
      $('#line-status').textContent = `${l.state || ''}${l.activeServer && l.activeServer !== 'none' ? ' on ' + l.activeServer : ''}${l.activeAddress ? ' (' + l.activeAddress + ')' : ''}`;
      $('#line-status').dataset.state = l.state || '';
    } catch (e) { /* keep what is shown */ }
  }, 2000);
}
