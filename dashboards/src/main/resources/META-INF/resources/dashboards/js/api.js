// The one module every page uses to talk to the service: REST calls, RFC 9457 problem+json errors,
// the live stream (Server-Sent Events at /api/stream) with a polling fallback, and small DOM helpers.
// Talks to the public API only.

/** A refused request: the API's problem+json, with the field it names (if any). */
export class ApiError extends Error {
  constructor(status, problem) {
    super((problem && (problem.detail || problem.title)) || `HTTP ${status}`);
    this.status = status;
    this.problem = problem || {};
    this.field = problem ? problem.field : undefined;
  }
}

function headers(extra) {
  const h = Object.assign({ Accept: 'application/json' }, extra || {});
  const token = localStorage.getItem('sipfleet.token'); // only when the service runs with sipfleet.api.token
  if (token) h.Authorization = 'Bearer ' + token;
  return h;
}

/** fetch + JSON; throws ApiError for any answer outside 2xx (problem+json when the API gave one). */
export async function api(method, path, body) {
  const init = { method, headers: headers(body === undefined ? {} : { 'Content-Type': 'application/json' }) };
  if (body !== undefined) init.body = JSON.stringify(body);
  const res = await fetch(path, init);
  const text = await res.text();
  let json = null;
  if (text) {
    try { json = JSON.parse(text); } catch (e) { json = null; }
  }
  if (!res.ok) throw new ApiError(res.status, json || { detail: text || res.statusText });
  return json;
}
export const get = (path) => api('GET', path);
export const post = (path, body) => api('POST', path, body);
export const put = (path, body) => api('PUT', path, body);
export const del = (path) => api('DELETE', path);

/** GET that answers null on 404 (something not there yet: a trace, a stream, a deleted phone). */
export async function getOrNull(path) {
  try { return await get(path); } catch (e) { if (e.status === 404) return null; throw e; }
}

/** The counters of the Prometheus text at /q/metrics: {name: [{labels, value}]}, only names with the prefix. */
export async function metrics(prefix = 'sipfleet_') {
  const res = await fetch('/q/metrics', { headers: { Accept: 'text/plain' } });
  if (!res.ok) return {};
  const out = {};
  for (const line of (await res.text()).split('\n')) {
    if (!line.startsWith(prefix)) continue;
    const m = /^([a-zA-Z_:][\w:]*)(\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const labels = {};
    if (m[3]) for (const l of m[3].matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]] = l[2];
    (out[m[1]] = out[m[1]] || []).push({ labels, value: Number(m[4]) });
  }
  return out;
}
/** Sum of a metric's series, optionally only those whose labels pass the filter. */
export function sum(metricsMap, name, filter) {
  return (metricsMap[name] || []).filter((s) => !filter || filter(s.labels)).reduce((a, s) => a + s.value, 0);
}

/**
 * Live data: the SSE stream /api/stream when the service has it, polling otherwise.
 * handlers: {summary(data), event(data), dropped(data), mode(name)}; poll(): what to do every interval
 * when there is no stream (it should call handlers itself). Answers {mode, close()}.
 */
export function live({ query = {}, handlers = {}, poll, intervalMs = 1000 }) {
  const qs = new URLSearchParams(Object.entries(query).filter(([, v]) => v != null && v !== '')).toString();
  const state = { mode: 'connecting', timer: null, es: null, lastSummary: 0, closed: false };
  const setMode = (m) => { if (state.mode !== m) { state.mode = m; handlers.mode && handlers.mode(m); } };

  const startPolling = () => {
    if (state.timer || state.closed) return;
    setMode('polling');
    const tick = async () => {
      try { await poll(); } catch (e) { console.warn('poll failed', e); }
      if (!state.closed && state.mode === 'polling') state.timer = setTimeout(tick, intervalMs);
    };
    tick();
  };
  const stopPolling = () => { clearTimeout(state.timer); state.timer = null; };

  if (typeof EventSource === 'undefined' || localStorage.getItem('sipfleet.noStream')) {
    startPolling();
  } else {
    const es = new EventSource('/api/stream' + (qs ? '?' + qs : ''));
    state.es = es;
    const parse = (fn) => (ev) => { try { fn(JSON.parse(ev.data)); } catch (e) { console.warn('bad stream data', e); } };
    es.addEventListener('open', () => { stopPolling(); setMode('stream'); });
    es.addEventListener('summary', parse((d) => { state.lastSummary = Date.now(); handlers.summary && handlers.summary(d); }));
    es.addEventListener('phone-event', parse((d) => handlers.event && handlers.event(d)));
    es.addEventListener('dropped', parse((d) => handlers.dropped && handlers.dropped(d)));
    es.addEventListener('error', () => {
      // a 404 (no stream in this service) or any non-SSE answer closes the EventSource for good: poll instead
      if (es.readyState === EventSource.CLOSED) { state.es = null; startPolling(); }
      else if (state.mode === 'stream') { setMode('reconnecting'); }
    });
    // a stream that stays silent (a proxy buffering it, or no summaries) must not freeze the page
    setTimeout(() => { if (!state.lastSummary && handlers.summary && state.mode !== 'polling') { es.close(); state.es = null; startPolling(); } }, 3500);
  }
  return {
    get mode() { return state.mode; },
    close() { state.closed = true; stopPolling(); if (state.es) state.es.close(); },
  };
}

// ---- DOM helpers ----
export const $ = (sel, root = document) => root.querySelector(sel);
export const $$ = (sel, root = document) => Array.from(root.querySelectorAll(sel));

/** el('div', {class: 'x', onclick: fn}, child, 'text', ...) */
export function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v == null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') e.addEventListener(k.slice(2), v);
    else if (k === 'class') e.className = v;
    else if (k === 'dataset') Object.assign(e.dataset, v);
    else e.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) if (c != null && c !== false) e.append(c instanceof Node ? c : String(c));
  return e;
}

/**
 * Shows an ApiError in a form: the message next to the input whose data-field (or name) is the problem's
 * field (or its last segment: "line.registerPort" → "registerPort"), else in the form's [data-form-error].
 */
export function showFormError(form, err) {
  clearFormErrors(form);
  const field = err && err.field;
  let target = null;
  if (field) {
    target = form.querySelector(`[data-field="${CSS.escape(field)}"]`)
      || form.querySelector(`[name="${CSS.escape(field)}"]`)
      || form.querySelector(`[name="${CSS.escape(field.split('.').pop())}"]`);
  }
  const msg = err instanceof ApiError ? err.message : String(err && err.message || err);
  if (target) {
    target.classList.add('invalid');
    target.setAttribute('aria-invalid', 'true');
    const holder = target.closest('.field') || target.parentElement;
    holder.append(el('div', { class: 'field-error', role: 'alert', 'data-error-for': field }, msg));
  } else {
    const box = form.querySelector('[data-form-error]');
    if (box) { box.textContent = (field ? field + ': ' : '') + msg; box.hidden = false; }
  }
}
export function clearFormErrors(form) {
  form.querySelectorAll('.field-error').forEach((e) => e.remove());
  form.querySelectorAll('.invalid').forEach((e) => { e.classList.remove('invalid'); e.removeAttribute('aria-invalid'); });
  const box = form.querySelector('[data-form-error]');
  if (box) { box.textContent = ''; box.hidden = true; }
}

/** A short message at the bottom of the page. */
export function toast(message, kind = 'info') {
  let box = document.getElementById('toasts');
  if (!box) { box = el('div', { id: 'toasts', 'aria-live': 'polite' }); document.body.append(box); }
  const t = el('div', { class: 'toast ' + kind }, message);
  box.append(t);
  setTimeout(() => t.remove(), 3000);
}

export const fmtTime = (ms) => (ms == null ? '' : new Date(ms).toLocaleTimeString([], { hour12: false }) + '.' + String(Math.floor(ms % 1000)).padStart(3, '0'));
export const param = (name) => new URLSearchParams(location.search).get(name);

/** The navigation bar every page has; `current` is the page's key. */
export function nav(current) {
  const links = [['overview', './', 'Fleet overview'], ['phones', 'phones.html', 'Phones']];
  const bar = el('nav', { class: 'topnav' },
    el('a', { class: 'brand', href: './' }, 'sipfleet'),
    ...links.map(([k, href, label]) => el('a', { href, class: k === current ? 'current' : null }, label)),
    el('span', { class: 'spacer' }),
    el('span', { id: 'live-mode', class: 'live-mode', title: 'how this page gets its data' }, ''),
    el('a', { href: '/q/swagger-ui', class: 'ext' }, 'API'),
  );
  document.body.prepend(bar);
}
export function showMode(m) {
  const e = document.getElementById('live-mode');
  if (e) { e.textContent = m === 'stream' ? '● live (stream)' : m === 'polling' ? '● live (polling)' : '○ ' + m; e.dataset.mode = m; }
}
