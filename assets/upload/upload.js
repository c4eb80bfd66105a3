// The upload page (/upload): checks the chosen file with a dry run of
// POST /api/v1/imports/time-reports, shows what would be stored and every
// fault with its line and column, then stores it on confirmation. The
// session cookie authenticates; the page's CSRF token goes in X-CSRF-Token.
// Every element is built with DOM APIs (no HTML strings) under the strict
// Content-Security-Policy. See docs/pages.md.
'use strict';

const IMPORT = '/api/v1/imports/time-reports';

const $ = (id) => document.getElementById(id);

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'text') node.textContent = String(v);
    else node.setAttribute(k === 'className' ? 'class' : k, v === true ? '' : String(v));
  }
  node.append(...children.filter((c) => c !== null && c !== undefined && c !== false));
  return node;
}

const form = $('upload-form');
const LANG = form.dataset.lang === 'en' ? 'en' : 'sv';
const CSRF = form.dataset.csrf;
const MESSAGES = JSON.parse(form.dataset.messages || '{}');

/** A text of the catalogue, `{name}` filled in. */
function t(key, values = {}) {
  let text = MESSAGES[key] || key;
  for (const [k, v] of Object.entries(values)) text = text.replaceAll(`{${k}}`, String(v));
  return text;
}

/** `1234.50` → `1 234,50` (Swedish) or `1,234.50` (English); exact, as text. */
function fmtNumber(decimal) {
  const s = String(decimal);
  const negative = s.startsWith('-');
  const [whole, frac] = s.replace('-', '').split('.');
  const sep = LANG === 'sv' ? '\u00a0' : ',';
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, sep);
  const out = frac === undefined ? grouped : `${grouped}${LANG === 'sv' ? ',' : '.'}${frac}`;
  return (negative ? '\u2212' : '') + out;
}

const monthName = new Intl.DateTimeFormat(LANG === 'sv' ? 'sv-SE' : 'en-GB', {
  month: 'long', year: 'numeric', timeZone: 'UTC',
});
function fmtMonth(ym) {
  const [y, m] = ym.split('-').map(Number);
  return monthName.format(new Date(Date.UTC(y, m - 1, 1)));
}

/** A fault's text: the page's language by code (with the lines it refers
 *  to), else the server's message. */
function faultText(e) {
  if (LANG !== 'sv' || !MESSAGES[`fault.${e.code}`]) return e.message || e.code;
  const lines = Array.isArray(e.related_lines) && e.related_lines.length
    ? ` ${t('upload.see_lines', { lines: e.related_lines.join(', ') })}` : '';
  return MESSAGES[`fault.${e.code}`] + lines;
}

const state = { checked: false, reasonNeeded: false, busy: false, names: new Map() };

function setStatus(text) {
  $('upload-status').textContent = text;
}

async function send(dryRun) {
  const file = $('file').files[0];
  const params = new URLSearchParams();
  if (dryRun) params.set('dry_run', 'true');
  const reason = $('reason').value.trim();
  if (reason) params.set('correction_reason', reason);
  const body = new FormData();
  body.append('file', file, file.name);
  const headers = { 'X-CSRF-Token': CSRF, Accept: 'application/json', 'Accept-Language': LANG };
  if (!dryRun) headers['Idempotency-Key'] = state.key;
  const res = await fetch(`${IMPORT}?${params}`, {
    method: 'POST', body, headers, credentials: 'same-origin', cache: 'no-store',
  });
  let json = null;
  try {
    json = await res.json();
  } catch {
    json = null;
  }
  return { status: res.status, body: json || {} };
}

async function loadNames(ids) {
  await Promise.all([...new Set(ids)].filter((id) => !state.names.has(id)).map(async (id) => {
    try {
      const res = await fetch(`/api/v1/assistance-users/${encodeURIComponent(id)}`, {
        headers: { Accept: 'application/json' }, credentials: 'same-origin',
      });
      if (res.ok) state.names.set(id, (await res.json()).name);
    } catch {
      // The id stands in for the name.
    }
  }));
}

const nameOf = (id) => state.names.get(id) || `${t('upload.unknown_user')} (${id.slice(0, 8)})`;

function showResult(heading, ...children) {
  $('result-heading').textContent = heading;
  $('result-body').replaceChildren(...children.filter(Boolean));
  $('result').hidden = false;
  $('result').focus();
}

function cellOf(e) {
  return e.cell || '';
}

function faultsTable(errors, captionKey, textHeader) {
  return el('div', { className: 'table-wrap' }, el('table', { className: 'faults', id: captionKey === 'upload.faults_caption' ? 'faults-table' : 'warnings-table' },
    el('caption', { text: t(captionKey) }),
    el('thead', {}, el('tr', {},
      el('th', { scope: 'col', className: 'num', text: t('upload.col.line') }),
      el('th', { scope: 'col', text: t('upload.col.column') }),
      el('th', { scope: 'col', text: t('upload.col.cell') }),
      el('th', { scope: 'col', text: t(textHeader) }))),
    el('tbody', {}, ...errors.map((e) => el('tr', { 'data-code': e.code, 'data-line': e.line },
      el('td', { className: 'num', text: e.line ?? '' }),
      el('td', { text: e.column ?? t('upload.whole_row') }),
      el('td', { text: cellOf(e) }),
      el('td', {}, faultText(e), el('span', { className: 'sub code', text: ` (${e.code})` })))))));
}

async function summary(result) {
  const all = [
    ...result.receipts.map((r) => ({ r, kind: r.version > 1 ? 'upload.new_version' : 'upload.new' })),
    ...result.unchanged.map((r) => ({ r, kind: 'upload.unchanged' })),
  ];
  await loadNames(all.map(({ r }) => r.assistance_user_id));
  all.sort((a, b) => nameOf(a.r.assistance_user_id).localeCompare(nameOf(b.r.assistance_user_id), LANG, { numeric: true })
    || a.r.month.localeCompare(b.r.month));
  const table = el('div', { className: 'table-wrap' }, el('table', { className: 'users', id: 'summary-table' },
    el('caption', { text: t('upload.summary_caption') }),
    el('thead', {}, el('tr', {},
      el('th', { scope: 'col', text: t('upload.col.user') }),
      el('th', { scope: 'col', text: t('upload.col.month') }),
      el('th', { scope: 'col', className: 'num', text: t('upload.col.rows') }),
      el('th', { scope: 'col', className: 'num', text: t('upload.col.payable') }),
      el('th', { scope: 'col', text: t('upload.col.on_time') }),
      el('th', { scope: 'col', text: t('upload.col.result') }))),
    el('tbody', {}, ...all.map(({ r, kind }) => el('tr', { 'data-month': r.month, 'data-user-id': r.assistance_user_id },
      el('th', { scope: 'row', text: nameOf(r.assistance_user_id) }),
      el('td', { text: fmtMonth(r.month) }),
      el('td', { className: 'num', text: r.row_count }),
      el('td', { className: 'num', 'data-hours': r.hours.payable, text: fmtNumber(r.hours.payable) }),
      el('td', { className: r.on_time ? 'status ok' : 'status bad' },
        el('span', { className: 'mark', 'aria-hidden': 'true', text: r.on_time ? '✓' : '✗' }), ' ', t(r.on_time ? 'upload.yes' : 'upload.no_late')),
      el('td', { text: t(kind) }))))));
  const warnings = all.flatMap(({ r }) => r.csv_warnings || []);
  return [table, warnings.length ? faultsTable(warnings, 'upload.warnings_caption', 'upload.col.warning') : null];
}

/** A session that ended (401) or was replaced by a newer sign-in (403
 *  `csrf_failed`): nothing was stored; say so, and the way back. */
function sessionGone(status, body) {
  const expired = status === 401;
  if (!expired && !(status === 403 && body.code === 'csrf_failed')) return false;
  state.checked = false;
  $('confirm-button').hidden = true;
  showResult(body.title || String(status),
    el('div', { className: 'alert-box', role: 'alert', id: 'session-gone' },
      el('p', { text: t(expired ? 'upload.session_expired' : 'upload.stale_page') }),
      el('p', {}, el('a', {
        href: expired ? '/login?m=session_expired&next=/upload' : '/upload',
        id: 'session-gone-link',
        text: t(expired ? 'upload.sign_in_again' : 'upload.reload'),
      }))));
  return true;
}

function problemBox(p) {
  return el('div', { className: 'alert-box', role: 'alert' },
    el('strong', { text: p.title || '' }), ' ', el('span', { text: p.detail || '' }));
}

async function check() {
  const file = $('file').files[0];
  if (!file) {
    setStatus(t('upload.no_file'));
    $('file').focus();
    return;
  }
  if (state.reasonNeeded && !$('reason').value.trim()) {
    setStatus(t('upload.reason_needed'));
    $('reason').focus();
    return;
  }
  state.busy = true;
  $('confirm-button').hidden = true;
  setStatus(t('upload.checking'));
  try {
    const { status, body } = await send(true);
    setStatus('');
    if (sessionGone(status, body)) return;
    if (status === 200) {
      state.checked = true;
      state.key = crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + Math.random();
      const parts = await summary(body);
      const nothingNew = body.receipts.length === 0;
      showResult(t('upload.dry_run_heading'),
        el('p', { id: 'dry-run-message', text: nothingNew ? t('upload.nothing_new') : t('upload.dry_run_ok', { rows: fmtNumber(body.rows) }) }),
        ...parts);
      $('confirm-button').hidden = nothingNew;
    } else if (status === 409 && body.code === 'correction_reason_required') {
      state.reasonNeeded = true;
      $('reason-group').hidden = false;
      await loadNames((body.reports || []).map((r) => r.assistance_user_id));
      showResult(t('upload.correction_heading'),
        el('p', { text: t('upload.correction_lede') }),
        el('ul', { id: 'conflicts' }, ...(body.reports || []).map((r) => el('li', {
          text: `${nameOf(r.assistance_user_id)}, ${fmtMonth(r.month)} (${t('upload.col.line').toLowerCase()} ${r.line})`,
        }))));
      $('reason').focus();
    } else if ((status === 422 || status === 409) && Array.isArray(body.errors)) {
      showResult(t('upload.faults_heading'),
        el('p', { text: t('upload.faults_lede') }),
        faultsTable(body.errors, 'upload.faults_caption', 'upload.col.fault'),
        body.errors_omitted ? el('p', { text: t('upload.faults_omitted', { n: fmtNumber(body.errors_omitted) }) }) : null);
    } else {
      showResult(body.title || String(status), problemBox(body));
    }
  } catch {
    setStatus(t('upload.network'));
  } finally {
    state.busy = false;
  }
}

async function confirmUpload() {
  if (!state.checked || state.busy) return;
  state.busy = true;
  $('confirm-button').disabled = true;
  setStatus(t('upload.saving'));
  try {
    const { status, body } = await send(false);
    setStatus('');
    if (sessionGone(status, body)) return;
    if (status === 201 || status === 200) {
      const months = [...new Set(body.receipts.map((r) => r.month))];
      const link = el('a', { href: `/dashboard${months.length === 1 ? `#month=${months[0]}` : ''}`, id: 'to-dashboard', text: t('upload.to_dashboard') });
      const parts = await summary(body);
      showResult(t('upload.stored_heading'),
        el('p', { id: 'stored-message', className: 'form-message', text: t('upload.stored', { n: body.receipts.length }) }),
        ...parts, el('p', {}, link));
      $('confirm-button').hidden = true;
      state.checked = false;
    } else if (Array.isArray(body.errors)) {
      showResult(t('upload.faults_heading'), faultsTable(body.errors, 'upload.faults_caption', 'upload.col.fault'));
      $('confirm-button').hidden = true;
    } else {
      showResult(body.title || String(status), problemBox(body));
    }
  } catch {
    setStatus(t('upload.network'));
  } finally {
    state.busy = false;
    $('confirm-button').disabled = false;
  }
}

function reset() {
  state.checked = false;
  $('confirm-button').hidden = true;
  $('result').hidden = true;
  $('result-body').replaceChildren();
}

form.addEventListener('submit', (ev) => {
  ev.preventDefault();
  if (!state.busy) check();
});
$('file').addEventListener('change', () => {
  state.reasonNeeded = false;
  $('reason-group').hidden = true;
  reset();
});
$('reason').addEventListener('input', () => {
  if (state.checked) reset();
});
$('confirm-button').addEventListener('click', confirmUpload);
