// The compliance dashboard page. Plain JavaScript, no libraries, no build
// step: it reads the JSON API with the session cookie of a signed-in
// person (or a bearer token kept in this tab's session storage) and builds
// every element with DOM APIs (no HTML strings), so the strict
// Content-Security-Policy holds. Its words come from the server's
// catalogue (`data-messages`), Swedish unless English is chosen. See
// docs/dashboard.md and docs/pages.md.
'use strict';

const LANG = document.body.dataset.lang === 'en' ? 'en' : 'sv';
const SIGNED_IN = document.body.dataset.signedIn === 'true';
const MESSAGES = JSON.parse(document.body.dataset.messages || '{}');

/** A text of the catalogue, `{name}` filled in. */
function t(key, values = {}) {
  let text = MESSAGES[key] || key;
  for (const [k, v] of Object.entries(values)) text = text.replaceAll(`{${k}}`, String(v));
  return text;
}

/** "1 dag" / "3 dagar": the catalogue's `<key>_one` or `<key>_other`. */
const countOf = (n, key) => t(`${key}_${Math.abs(n) === 1 ? 'one' : 'other'}`, { n: fmtInt(n) });

const API = '/api/v1';
const TOKEN_KEY = 'redovisa.dashboard.token';
const MONTH_RE = /^\d{4}-(0[1-9]|1[0-2])$/;
const SVG_NS = 'http://www.w3.org/2000/svg';
/** Months shown in the chart, ending with the selected month. */
const CHART_MONTHS = 12;
/** Up to this many users, names are read one by one; above, page by page. */
const NAMES_ONE_BY_ONE = 40;

const REPORT_STATUS = {
  on_time: { text: t('dash.report.on_time'), tone: 'ok', mark: '✓' },
  late: { text: t('dash.report.late'), tone: 'bad', mark: '✗' },
  corrected_after_deadline: { text: t('dash.report.corrected_after_deadline'), tone: 'warn', mark: '!' },
  missing: { text: t('dash.report.missing'), tone: 'bad', mark: '✗' },
};
const INVOICE_STATUS = {
  current: { text: t('dash.invoice.current'), tone: 'ok', mark: '✓' },
  stale: { text: t('dash.invoice.stale'), tone: 'warn', mark: '!' },
  not_yet_due: { text: t('dash.invoice.not_yet_due'), tone: 'pending', mark: '…' },
  missing: { text: t('dash.invoice.missing'), tone: 'bad', mark: '✗' },
};
const MONTH_STATE = {
  open: { text: t('dash.month.open'), tone: 'pending', mark: '…' },
  ready: { text: t('dash.month.ready'), tone: 'ok', mark: '✓' },
  closed: { text: t('dash.month.closed'), tone: 'ok', mark: '■' },
};
const warningLabel = (code) => (MESSAGES[`dash.warning.${code}`] || code.replaceAll('_', ' '));

const state = {
  month: null,
  user: null,
  names: new Map(),
  orgNames: new Map(),
  compliance: null,
  loadSeq: 0,
  chartSeq: 0,
};

// ---- small DOM helpers -------------------------------------------------------

const $ = (id) => document.getElementById(id);

function setAttrs(node, attrs) {
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'text') node.textContent = String(v);
    else node.setAttribute(k === 'className' ? 'class' : k, v === true ? '' : String(v));
  }
  return node;
}

function el(tag, attrs = {}, ...children) {
  const node = setAttrs(document.createElement(tag), attrs);
  node.append(...children.filter((c) => c !== null && c !== undefined && c !== false));
  return node;
}

function svg(tag, attrs = {}, ...children) {
  const node = setAttrs(document.createElementNS(SVG_NS, tag), attrs);
  node.append(...children.filter((c) => c !== null && c !== undefined && c !== false));
  return node;
}

// ---- formatting ----------------------------------------------------------------

const LOCALE = LANG === 'sv' ? 'sv-SE' : 'en-GB';
const longDate = new Intl.DateTimeFormat(LOCALE, {
  weekday: 'long', day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC',
});
const monthLong = new Intl.DateTimeFormat(LOCALE, { month: 'long', year: 'numeric', timeZone: 'UTC' });
const monthShort = new Intl.DateTimeFormat(LOCALE, { month: 'short', timeZone: 'UTC' });
/** Names compared as people read them: "Brukare 2" before "Brukare 10". */
const byName = new Intl.Collator(LOCALE, { numeric: true, sensitivity: 'base' });

/** A decimal string as the language writes it, exactly (no floats):
 *  `1234.50` → `1 234,50` in Swedish, `1,234.50` in English. */
function fmtNumber(decimal) {
  if (decimal === null || decimal === undefined) return '';
  const s = String(decimal);
  const negative = s.startsWith('-');
  const [whole, frac] = s.replace('-', '').split('.');
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, LANG === 'sv' ? '\u00a0' : ',');
  const out = frac === undefined ? grouped : `${grouped}${LANG === 'sv' ? ',' : '.'}${frac}`;
  return (negative ? '\u2212' : '') + out;
}
const fmtInt = (n) => fmtNumber(String(n));

function utcDate(iso) {
  const [y, m, d] = iso.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d || 1));
}
const fmtDate = (iso) => longDate.format(utcDate(iso));
const fmtMonth = (ym) => monthLong.format(utcDate(ym));
const daysBetween = (a, b) => Math.round((utcDate(b) - utcDate(a)) / 86400000);

function addMonths(ym, n) {
  const [y, m] = ym.split('-').map(Number);
  const total = y * 12 + (m - 1) + n;
  return `${Math.floor(total / 12)}-${String((total % 12) + 1).padStart(2, '0')}`;
}

/** English counted words (the reminders section's). */
const plural = (n, word) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** "27 dagar kvar", "i dag", "passerades för 5 dagar sedan". */
function relative(days) {
  if (days > 0) return countOf(days, 'dash.days_left');
  if (days === 0) return t('dash.today');
  return countOf(-days, 'dash.days_ago');
}

function tone(days) {
  if (days < 0) return 'past';
  if (days <= 7) return 'soon';
  return 'ok';
}

// ---- token and URL fragment ----------------------------------------------------

const token = () => sessionStorage.getItem(TOKEN_KEY);

/** Takes `token`, `month` and `user` from the fragment; the token moves to
 *  session storage and leaves the address bar (and the history). */
function readFragment() {
  const params = new URLSearchParams(location.hash.slice(1));
  const fragmentToken = params.get('token');
  if (fragmentToken) sessionStorage.setItem(TOKEN_KEY, cleanToken(fragmentToken));
  const month = params.get('month');
  if (month && MONTH_RE.test(month)) state.month = month;
  state.user = params.get('user') || null;
  writeFragment();
}

function writeFragment() {
  const params = new URLSearchParams();
  if (state.month) params.set('month', state.month);
  if (state.user) params.set('user', state.user);
  const hash = params.toString();
  history.replaceState(null, '', location.pathname + location.search + (hash ? `#${hash}` : ''));
}

function cleanToken(t) {
  return t.trim().replace(/^Bearer\s+/i, '');
}

// ---- API -----------------------------------------------------------------------

class NeedToken extends Error {}

class ApiError extends Error {
  constructor(status, problem) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
  }
}

async function api(path) {
  const bearer = token();
  if (!bearer && !SIGNED_IN) throw new NeedToken('');
  const headers = { Accept: 'application/json', 'Accept-Language': LANG };
  if (bearer) headers.Authorization = `Bearer ${bearer}`;
  let res;
  try {
    res = await fetch(API + path, {
      headers,
      cache: 'no-store',
      credentials: bearer ? 'omit' : 'same-origin',
    });
  } catch (e) {
    throw new ApiError(0, { title: t('dash.network_title'), detail: t('dash.network', { reason: e.message }) });
  }
  let body = null;
  try {
    body = await res.json();
  } catch {
    body = null;
  }
  if (res.status === 401) {
    if (!bearer) {
      // The session ended: sign in again.
      location.assign('/login?m=session_expired');
      throw new NeedToken('');
    }
    sessionStorage.removeItem(TOKEN_KEY);
    throw new NeedToken((body && body.detail) || t('dash.token_refused'));
  }
  if (!res.ok) throw new ApiError(res.status, body || { title: `HTTP ${res.status}` });
  return body;
}

/** Runs `fn` over `items` with at most `limit` requests in flight. */
async function eachLimited(items, limit, fn) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++];
      await fn(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

async function loadNames(ids) {
  const wanted = [...new Set(ids)].filter((id) => !state.names.has(id));
  if (wanted.length === 0) return;
  if (wanted.length <= NAMES_ONE_BY_ONE) {
    await eachLimited(wanted, 6, async (id) => {
      try {
        const u = await api(`/assistance-users/${encodeURIComponent(id)}`);
        state.names.set(id, u.name);
      } catch (e) {
        if (e instanceof NeedToken) throw e;
      }
    });
    return;
  }
  const missing = new Set(wanted);
  let cursor = '';
  do {
    const page = await api(`/assistance-users?limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    for (const u of page.items) {
      state.names.set(u.id, u.name);
      missing.delete(u.id);
    }
    cursor = page.next_cursor;
  } while (cursor && missing.size > 0);
}

const nameOf = (id) => state.names.get(id) || t('dash.unknown_user', { id: id.slice(0, 8) });

/** Reads the `name` of each record `${path}/{id}` not yet in `names`, four
 *  at a time; one that cannot be read keeps its short id. */
async function loadNamesInto(names, path, ids) {
  await eachLimited([...new Set(ids)].filter((id) => !names.has(id)), 4, async (id) => {
    try {
      const o = await api(`${path}/${encodeURIComponent(id)}`);
      names.set(id, o.name);
    } catch (e) {
      if (e instanceof NeedToken) throw e;
    }
  });
}

/** Organisation names (a provider reads its own; admins and auditors all). */
const loadOrgNames = (ids) => loadNamesInto(state.orgNames, '/organisations', ids);
const orgNameOf = (id) => state.orgNames.get(id) || id.slice(0, 8);

// ---- messages --------------------------------------------------------------------

function clearAlert() {
  $('alert').replaceChildren();
}

function showAlert(err) {
  const p = err.problem || {};
  const box = el('div', { className: 'alert-box' },
    el('strong', { text: p.title || t('dash.error') }), ' ',
    el('span', { text: p.detail || err.message || '' }));
  if (Array.isArray(p.errors) && p.errors.length) {
    box.append(el('ul', {}, ...p.errors.map((e) => el('li', { text: e.message || e.code }))));
  }
  $('alert').replaceChildren(box);
}

function setStatus(text) {
  $('status').textContent = text;
}

function handleError(err) {
  if (err instanceof NeedToken) {
    showTokenForm(err.message ? t('dash.token_not_accepted', { reason: err.message }) : null);
  } else {
    showAlert(err);
  }
}

// ---- token form ------------------------------------------------------------------

const DEFAULT_TOKEN_REASON = $('token-reason') ? $('token-reason').textContent : '';

function showTokenForm(reason) {
  $('main').hidden = true;
  $('sign-out').hidden = true;
  $('token-section').hidden = false;
  $('token-reason').textContent = reason || DEFAULT_TOKEN_REASON;
  if (reason) $('token-reason').classList.add('problem');
  else $('token-reason').classList.remove('problem');
  $('token-input').value = '';
  $('token-input').focus();
}

function showDashboard() {
  $('token-section').hidden = true;
  $('main').hidden = false;
  // A token can be forgotten; a session ends with "Logga ut".
  $('sign-out').hidden = !token();
}

// ---- loading ---------------------------------------------------------------------

async function load() {
  if (!token() && !SIGNED_IN) {
    showTokenForm(null);
    return;
  }
  showDashboard();
  const seq = ++state.loadSeq;
  clearAlert();
  setStatus(t('dash.loading'));
  $('table-wrap').setAttribute('aria-busy', 'true');
  if (typeof loadReminders === 'function') loadReminders(seq); // reminders.js
  try {
    const query = state.month ? `?month=${state.month}` : '';
    const compliance = await api(`/dashboard/compliance${query}`);
    if (seq !== state.loadSeq) return;
    // Rows come in pages of 500; the totals already cover every page.
    for (let cursor = compliance.next_cursor; cursor;) {
      const more = await api(`/dashboard/compliance?month=${compliance.month}&cursor=${encodeURIComponent(cursor)}`);
      if (seq !== state.loadSeq) return;
      compliance.rows.push(...more.rows);
      cursor = more.next_cursor;
    }
    state.month = compliance.month;
    $('month-input').value = compliance.month;
    writeFragment();
    const [deadline] = await Promise.all([
      api(`/deadlines/${compliance.month}`).catch((e) => {
        if (e instanceof NeedToken) throw e;
        return null;
      }),
      loadNames(compliance.rows.map((r) => r.assistance_user_id)),
      loadOrgNames(compliance.rows.map((r) => r.organisation_id)),
    ]);
    if (seq !== state.loadSeq) return;
    renderDeadlines(compliance, deadline);
    renderSummary(compliance);
    state.compliance = compliance;
    renderTable(compliance);
    // Breaches are computed per organisation; shown when the view is one.
    const orgs = compliance.totals_by_organisation;
    const breaches = orgs.length === 1
      ? await api(`/dashboard/working-time?month=${compliance.month}&organisation_id=${orgs[0].organisation_id}`)
        .then((w) => w.breaches)
        .catch((e) => {
          if (e instanceof NeedToken) throw e;
          return null;
        })
      : null;
    if (seq !== state.loadSeq) return;
    renderBreaches(breaches);
    setStatus(`${countOf(compliance.rows.length, 'dash.n_users')}, ${fmtMonth(compliance.month)}.`);
    await Promise.all([loadChart(), loadMonthStatus()]);
  } catch (err) {
    if (seq !== state.loadSeq) return;
    setStatus('');
    handleError(err);
  } finally {
    $('table-wrap').removeAttribute('aria-busy');
  }
}

// ---- deadlines -------------------------------------------------------------------

function renderDeadlines(c, d) {
  const month = fmtMonth(c.month);
  const fkDays = c.days_until_due;
  const internalDays = d ? d.days_until_internal_due
    : fkDays - daysBetween(c.internal_due_date, c.due_date);
  const internalDate = d ? d.internal_due_date : c.internal_due_date;
  const cutoffs = new Set(c.rows.map((r) => r.internal_due_date));

  const fk = card('fk', t('dash.fk_deadline'), fkDays,
    t('dash.fk_text', { month, date: fmtDate(c.due_date) }),
    fkDays < 0 ? t('dash.fk_passed') : t('dash.fk_ahead'));
  if (d && d.weekday_rule && d.nominal_due_date !== d.due_date) {
    fk.append(el('p', { className: 'note', text: t('dash.fk_weekday', { date: fmtDate(d.nominal_due_date) }) }));
  }
  const internal = card('internal', t('dash.internal_cutoff'), internalDays,
    t('dash.internal_text', { month, date: fmtDate(internalDate) }),
    cutoffs.size > 1 ? t('dash.internal_many') : null);
  $('deadline-cards').replaceChildren(fk, internal);
}

function card(kind, title, days, text, note) {
  const tn = tone(days);
  const countdown = days > 0 ? countOf(days, 'dash.days_left')
    : days === 0 ? t('dash.due_today') : countOf(-days, 'dash.passed_ago');
  return el('div', { className: `deadline ${tn}`, 'data-deadline': kind, 'data-days': days },
    el('h3', { text: title }),
    el('p', { className: 'countdown' }, el('span', { className: 'mark', 'aria-hidden': 'true', text: tn === 'past' ? '✗' : tn === 'soon' ? '!' : '◷' }), ' ', countdown),
    el('p', { text }),
    note ? el('p', { className: 'note', text: note }) : null);
}

// ---- summary -----------------------------------------------------------------------

function renderSummary(c) {
  const tot = c.totals;
  const items = [
    [t('dash.sum.users'), fmtInt(tot.users)],
    [t('dash.sum.on_time'), fmtInt(tot.reports_on_time)],
    [t('dash.sum.late'), fmtInt(tot.reports_late)],
    [t('dash.sum.corrected'), fmtInt(tot.reports_corrected_after_deadline)],
    [t('dash.sum.missing'), fmtInt(tot.reports_missing)],
    [t('dash.sum.invoices_missing'), fmtInt(tot.invoices_missing)],
    [t('dash.sum.invoices_not_yet_due'), fmtInt(tot.invoices_not_yet_due ?? 0)],
    [t('dash.sum.invoices_stale'), fmtInt(tot.invoices_stale)],
    [t('dash.sum.ready'), fmtInt(tot.ready)],
    [t('dash.sum.closed'), fmtInt(tot.closed)],
    [t('dash.sum.granted'), fmtNumber(tot.granted_hours)],
    [t('dash.sum.reported'), fmtNumber(tot.reported_payable_hours)],
  ];
  $('summary').replaceChildren(...items.map(([k, v]) => el('div', {}, el('dt', { text: k }), el('dd', { text: v }))));
}

// ---- the per-user table --------------------------------------------------------------

function statusCell(map, value, extra) {
  const s = map[value] || { text: value, tone: 'neutral', mark: '?' };
  return el('td', { className: `status ${s.tone}`, 'data-status': value },
    el('span', { className: 'mark', 'aria-hidden': 'true', text: s.mark }), ' ', s.text,
    extra ? el('span', { className: 'sub', text: extra }) : null);
}

function warningsCell(warnings) {
  const list = Object.entries(warnings || {}).filter(([, n]) => n > 0);
  if (list.length === 0) return el('td', { className: 'warnings none', text: t('dash.none') });
  return el('td', { className: 'warnings' },
    el('ul', {}, ...list.map(([code, n]) => el('li', { 'data-warning': code, text: `${warningLabel(code)}: ${fmtInt(n)}` }))));
}

/** Whether a row passes the search box and the filter. */
function shown(r) {
  const q = $('search-input').value.trim().toLocaleLowerCase(LOCALE);
  if (q && !`${nameOf(r.assistance_user_id)} ${orgNameOf(r.organisation_id)}`.toLocaleLowerCase(LOCALE).includes(q)) return false;
  switch ($('filter-select').value) {
    case 'late': return r.report_status === 'late' || r.report_status === 'corrected_after_deadline';
    case 'missing': return r.report_status === 'missing' || r.invoice_status === 'missing';
    case 'stale': return r.invoice_status === 'stale';
    case 'warnings': return Object.values(r.warnings || {}).some((n) => n > 0);
    case 'not_ready': return r.month_state === 'open';
    default: return true;
  }
}

/** Links from a user's row: the month's status, and the month's PDF (the
 *  user's time reports, one per assistant, and invoice) once a report or an
 *  invoice is stored. A single report's PDF is per assistant, which the
 *  row does not name, so it is reached through the month's. */
function linksCell(c, r) {
  const q = `assistance_user_id=${encodeURIComponent(r.assistance_user_id)}&organisation_id=${encodeURIComponent(r.organisation_id)}`;
  const status = el('a', { href: `${API}/months/${c.month}/status?${q}`, 'data-link': 'status', text: t('dash.link.status') });
  // A plain click shows the status on the page, in words; the link itself
  // (new tab, copy) stays the API's JSON for those who want it.
  status.addEventListener('click', (ev) => {
    if (ev.button !== 0 || ev.ctrlKey || ev.metaKey || ev.shiftKey || ev.altKey) return;
    ev.preventDefault();
    selectUser(r.assistance_user_id, 'month-status-section');
  });
  const links = [status];
  if (r.report_id || r.invoice_status === 'current' || r.invoice_status === 'stale') {
    links.push(el('a', { href: `${API}/months/${c.month}/pdf?${q}`, 'data-link': 'month-pdf', text: t('dash.link.month_pdf') }));
  }
  const name = nameOf(r.assistance_user_id);
  return el('td', { className: 'links' }, el('ul', { 'aria-label': t('dash.links_of', { name }) }, ...links.map((a) => el('li', {}, a))));
}

function renderTable(c) {
  const multiOrg = new Set(c.rows.map((r) => r.organisation_id)).size > 1;
  const all = [...c.rows].sort((a, b) => byName.compare(nameOf(a.assistance_user_id), nameOf(b.assistance_user_id))
    || a.assistance_user_id.localeCompare(b.assistance_user_id));
  const rows = all.filter(shown);
  const cols = multiOrg ? 10 : 9;
  const head = el('tr', {},
    el('th', { scope: 'col', text: t('dash.col.user') }),
    multiOrg ? el('th', { scope: 'col', text: t('dash.col.organisation') }) : null,
    el('th', { scope: 'col', className: 'num', text: t('dash.col.granted') }),
    el('th', { scope: 'col', className: 'num', text: t('dash.col.reported') }),
    el('th', { scope: 'col', text: t('dash.col.report') }),
    el('th', { scope: 'col', text: t('dash.col.invoice') }),
    el('th', { scope: 'col', text: t('dash.col.month') }),
    el('th', { scope: 'col', text: t('dash.col.cutoff') }),
    el('th', { scope: 'col', text: t('dash.col.warnings') }),
    el('th', { scope: 'col', text: t('dash.col.links') }));
  const body = el('tbody');
  for (const r of rows) {
    const id = r.assistance_user_id;
    const name = nameOf(id);
    const selected = state.user === id;
    const button = el('button', {
      type: 'button', className: 'select', 'aria-pressed': String(selected), 'data-user-id': id,
    }, el('span', { className: 'mark', 'aria-hidden': 'true', text: selected ? '▾' : '▸' }), el('span', { className: 'name', text: name }));
    button.addEventListener('click', () => selectUser(state.user === id ? null : id));
    const missing = r.report_status === 'missing';
    const reportExtra = r.report_version > 1 ? t('dash.version', { n: r.report_version }) : null;
    const report = statusCell(REPORT_STATUS, r.report_status, reportExtra);
    if (missing && r.days_until_due >= 0) {
      // Not late yet: still "Missing", in a milder tone: past the internal
      // cut-off a warning, before it pending.
      const past = r.days_until_internal_due < 0;
      report.classList.replace('bad', past ? 'warn' : 'pending');
      report.firstChild.textContent = past ? '!' : '…';
    }
    const cutoff = missing
      ? el('td', { className: `due ${tone(r.days_until_internal_due)}` },
        `${fmtDate(r.internal_due_date)} `, el('span', { className: 'sub', text: `(${relative(r.days_until_internal_due)})` }))
      : el('td', { className: 'due done', text: t('dash.report_received') });
    body.append(el('tr', {
      className: selected ? 'selected' : null, 'data-user-id': id, 'data-report-status': r.report_status,
      'data-invoice-status': r.invoice_status,
    },
    el('th', { scope: 'row' }, button),
    multiOrg ? el('td', { className: 'org', 'data-organisation-id': r.organisation_id, text: orgNameOf(r.organisation_id) }) : null,
    el('td', { className: 'num', 'data-hours': r.granted_hours, text: fmtNumber(r.granted_hours) }),
    el('td', { className: 'num', 'data-hours': r.reported_payable_hours, text: fmtNumber(r.reported_payable_hours) }),
    report,
    statusCell(INVOICE_STATUS, r.invoice_status, null),
    statusCell(MONTH_STATE, r.month_state, null),
    cutoff,
    warningsCell(r.warnings),
    linksCell(c, r)));
  }
  const orgs = [...new Set(c.rows.map((r) => r.organisation_id))].map(orgNameOf);
  const table = el('table', { className: 'users', id: 'users-table' },
    el('caption', { text: t('dash.caption', { month: fmtMonth(c.month), users: countOf(all.length, 'dash.n_users'), orgs: orgs.join(', ') }) }),
    el('thead', {}, head), body);
  if (all.length === 0) {
    body.append(el('tr', {}, el('td', { colspan: cols, text: t('dash.no_users') })));
  } else if (rows.length === 0) {
    body.append(el('tr', {}, el('td', { colspan: cols, text: t('dash.no_match') })));
  }
  $('filter-count').textContent = rows.length === all.length ? '' : t('dash.showing', { shown: fmtInt(rows.length), all: fmtInt(all.length) });
  $('table-wrap').replaceChildren(table);
}

function renderBreaches(breaches) {
  const section = $('breaches-section');
  if (!breaches || breaches.length === 0) {
    section.hidden = true;
    $('breaches').replaceChildren();
    return;
  }
  section.hidden = false;
  const table = el('table', {},
    el('caption', { text: t('dash.breaches_caption') }),
    el('thead', {}, el('tr', {},
      el('th', { scope: 'col', text: t('dash.col.assistant') }),
      el('th', { scope: 'col', text: t('dash.col.rule') }),
      el('th', { scope: 'col', text: t('dash.col.period') }),
      el('th', { scope: 'col', className: 'num', text: t('dash.col.hours_per_week') }),
      el('th', { scope: 'col', className: 'num', text: t('dash.col.limit') }))),
    el('tbody', {}, ...breaches.map((b) => el('tr', {},
      el('th', { scope: 'row', title: b.assistant_id, text: b.assistant_id.slice(0, 8) }),
      el('td', { text: b.rule.replaceAll('_', ' ') }),
      el('td', { text: `${b.period_start} – ${b.period_end}` }),
      el('td', { className: 'num', text: fmtNumber(b.hours_per_week) }),
      el('td', { className: 'num', text: fmtNumber(b.limit_hours_per_week) })))));
  $('breaches').replaceChildren(table);
}

// ---- the selected user's chart ---------------------------------------------------------

function selectUser(id, focus) {
  state.user = id;
  writeFragment();
  for (const b of document.querySelectorAll('button.select')) {
    const on = b.dataset.userId === id;
    b.setAttribute('aria-pressed', String(on));
    b.querySelector('.mark').textContent = on ? '▾' : '▸';
    b.closest('tr').classList.toggle('selected', on);
  }
  clearAlert();
  loadChart().catch(handleError);
  loadMonthStatus().then(() => {
    if (focus && state.user === id && !$(focus).hidden) $(focus).focus();
  }).catch(handleError);
}

// ---- the selected user's month status -----------------------------------------------------

/** Assistant names for the month status (read one by one, as few as a
 *  month has; each read is audited like any other). */
const assistantNames = new Map();
const loadAssistantNames = (ids) => loadNamesInto(assistantNames, '/assistants', ids);
const assistantNameOf = (id) => assistantNames.get(id) || t('dash.unknown_assistant', { id: id.slice(0, 8) });

/** One missing thing in words: the catalogue's text for its code (and
 *  role), else the API's own message. */
function missingText(m) {
  const key = m.code === 'signature_missing' ? `dash.missing.signature_missing.${m.role}` : `dash.missing.${m.code}`;
  if (!MESSAGES[key]) return m.message;
  return t(key, { assistant: m.assistant_id ? assistantNameOf(m.assistant_id) : '' });
}

async function loadMonthStatus() {
  const section = $('month-status-section');
  const id = state.user;
  const month = state.month;
  if (!id || !month) {
    section.hidden = true;
    $('month-status').replaceChildren();
    return;
  }
  section.hidden = false;
  section.setAttribute('aria-busy', 'true');
  try {
    const st = await api(`/months/${month}/status?assistance_user_id=${encodeURIComponent(id)}`);
    await Promise.all([
      loadAssistantNames(st.missing.map((m) => m.assistant_id).filter(Boolean)),
      loadNames([id]),
    ]);
    if (state.user !== id || state.month !== month) return;
    renderMonthStatus(id, st);
  } catch (err) {
    if (state.user === id) section.hidden = true;
    throw err;
  } finally {
    section.removeAttribute('aria-busy');
  }
}

function renderMonthStatus(id, st) {
  const name = nameOf(id);
  $('month-status-heading').textContent = t('dash.status_heading', { name, month: fmtMonth(st.month) });
  const s = MONTH_STATE[st.state] || { text: st.state, tone: 'neutral', mark: '?' };
  const parts = [el('p', { className: `status ${s.tone}`, id: 'month-state', 'data-state': st.state },
    el('span', { className: 'mark', 'aria-hidden': 'true', text: s.mark }), ' ', t('dash.status_state', { state: s.text }))];
  if (st.closing) {
    parts.push(el('p', { text: t('dash.status_closed_at', { date: fmtDate(st.closing.closed_at.slice(0, 10)), actor: st.closing.closed_by }) }));
  }
  if (st.missing.length === 0) {
    if (st.state !== 'closed') parts.push(el('p', { text: t('dash.status_nothing_missing') }));
  } else {
    parts.push(el('h3', { text: t('dash.status_missing_heading') }),
      el('ul', { id: 'month-missing' }, ...st.missing.map((m) => el('li', {
        'data-code': m.code, 'data-role': m.role || null, 'data-assistant-id': m.assistant_id || null, text: missingText(m),
      }))));
  }
  $('month-status').replaceChildren(...parts);
}

async function loadChart() {
  const section = $('chart-section');
  const id = state.user;
  const seq = ++state.chartSeq;
  if (!id || !state.month) {
    section.hidden = true;
    $('chart-body').replaceChildren();
    return;
  }
  section.hidden = false;
  section.setAttribute('aria-busy', 'true');
  try {
    const from = addMonths(state.month, -(CHART_MONTHS - 1));
    const [balance] = await Promise.all([
      api(`/assistance-users/${encodeURIComponent(id)}/balance?from=${from}&to=${state.month}`),
      loadNames([id]),
    ]);
    if (seq !== state.chartSeq) return;
    renderChart(id, balance);
    setStatus(t('dash.chart_status', { name: nameOf(id) }));
  } catch (err) {
    if (seq !== state.chartSeq) return;
    if (err instanceof ApiError && err.status === 404) {
      state.user = null;
      writeFragment();
      section.hidden = true;
    }
    throw err;
  } finally {
    section.removeAttribute('aria-busy');
  }
}

function niceStep(max, ticks) {
  const raw = max / ticks;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const n = raw / mag;
  return (n <= 1 ? 1 : n <= 2 ? 2 : n <= 2.5 ? 2.5 : n <= 5 ? 5 : 10) * mag;
}

function renderChart(id, b) {
  const name = nameOf(id);
  const months = b.months;
  const range = `${fmtMonth(b.from)} – ${fmtMonth(b.to)}`;
  $('chart-heading').textContent = t('dash.chart_heading', { name, range });

  const W = 760, H = 340;
  const m = { top: 20, right: 16, bottom: 64, left: 64 };
  const pw = W - m.left - m.right, ph = H - m.top - m.bottom;
  const values = months.flatMap((x) => [Number(x.granted_hours), Number(x.reported_payable_hours)]);
  const max = Math.max(10, ...values);
  const step = niceStep(max, 5);
  const top = Math.ceil(max / step) * step;
  const y = (v) => m.top + ph - (Math.max(0, v) / top) * ph;
  const group = pw / Math.max(1, months.length);
  const barW = Math.min(28, group * 0.36);

  const titleText = t('dash.chart_title', { name, range });
  const chart = svg('svg', {
    viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': titleText,
    className: 'chart', id: 'hours-chart', 'data-user-id': id, preserveAspectRatio: 'xMidYMid meet',
  });
  chart.append(svg('title', { text: titleText }),
    svg('desc', { text: t('dash.chart_desc') }),
    svg('defs', {}, svg('pattern', { id: 'hatch', width: 6, height: 6, patternUnits: 'userSpaceOnUse', patternTransform: 'rotate(45)' },
      svg('rect', { width: 6, height: 6, className: 'hatch-bg' }),
      svg('line', { x1: 0, y1: 0, x2: 0, y2: 6, className: 'hatch-line' }))));

  const axes = svg('g', { className: 'axes', 'aria-hidden': 'true' });
  for (let v = 0; v <= top + 1e-9; v += step) {
    const yy = y(v);
    axes.append(svg('line', { x1: m.left, x2: W - m.right, y1: yy, y2: yy, className: v === 0 ? 'axis' : 'grid' }),
      svg('text', { x: m.left - 8, y: yy + 4, className: 'tick', 'text-anchor': 'end', text: String(Math.round(v * 100) / 100) }));
  }
  axes.append(svg('line', { x1: m.left, x2: m.left, y1: m.top, y2: m.top + ph, className: 'axis' }),
    svg('text', { x: 16, y: m.top + ph / 2, className: 'axis-label', 'text-anchor': 'middle', transform: `rotate(-90 16 ${m.top + ph / 2})`, text: t('dash.hours') }),
    svg('text', { x: m.left + pw / 2, y: H - 8, className: 'axis-label', 'text-anchor': 'middle', text: t('dash.month_label') }));
  chart.append(axes);

  const bars = svg('g', { className: 'bars' });
  months.forEach((x, i) => {
    const cx = m.left + group * i + group / 2;
    const series = [
      ['granted', x.granted_hours, cx - barW - 1, t('dash.series.granted')],
      ['reported', x.reported_payable_hours, cx + 1, t('dash.series.reported')],
    ];
    for (const [kind, hours, bx, label] of series) {
      const barTop = y(Number(hours));
      bars.append(svg('rect', {
        x: bx.toFixed(1), y: barTop.toFixed(1), width: barW.toFixed(1), height: Math.max(0, m.top + ph - barTop).toFixed(1),
        className: `bar bar-${kind}`, 'data-month': x.month, 'data-series': kind, 'data-hours': hours,
      }, svg('title', { text: `${fmtMonth(x.month)}: ${label} ${fmtNumber(hours)} h` })));
    }
    if (x.over_grant_period) {
      bars.append(svg('text', { x: cx, y: m.top + 12, className: 'over', 'text-anchor': 'middle', text: '!' },
        svg('title', { text: t('dash.over_grant_mark', { month: fmtMonth(x.month) }) })));
    }
    const first = i === 0 || x.month.endsWith('-01');
    bars.append(svg('text', { x: cx, y: m.top + ph + 18, className: 'tick', 'text-anchor': 'middle', 'aria-hidden': 'true', text: monthShort.format(utcDate(x.month)) }));
    if (first) {
      bars.append(svg('text', { x: cx, y: m.top + ph + 34, className: 'tick year', 'text-anchor': 'middle', 'aria-hidden': 'true', text: x.month.slice(0, 4) }));
    }
  });
  chart.append(bars);

  const legend = el('ul', { className: 'legend', 'aria-label': t('dash.legend') },
    el('li', {}, swatch('granted'), ` ${t('dash.legend.granted')}`),
    el('li', {}, swatch('reported'), ` ${t('dash.legend.reported')}`));

  const table = el('table', { className: 'figures', id: 'figures-table', 'data-user-id': id },
    el('caption', { text: t('dash.figures_caption', { name, range }) }),
    el('thead', {}, el('tr', {},
      el('th', { scope: 'col', text: t('dash.col.month') }),
      el('th', { scope: 'col', className: 'num', text: t('dash.col.granted') }),
      el('th', { scope: 'col', className: 'num', text: t('dash.col.reported') }),
      el('th', { scope: 'col', className: 'num', text: t('dash.col.difference') }),
      el('th', { scope: 'col', className: 'num', text: t('dash.col.cum_granted') }),
      el('th', { scope: 'col', className: 'num', text: t('dash.col.cum_reported') }),
      el('th', { scope: 'col', className: 'num', text: t('dash.col.amount') }),
      el('th', { scope: 'col', text: t('dash.col.over_grant') }))),
    el('tbody', {}, ...months.map((x) => el('tr', { 'data-month': x.month },
      el('th', { scope: 'row', text: fmtMonth(x.month) }),
      el('td', { className: 'num', 'data-series': 'granted', text: fmtNumber(x.granted_hours) }),
      el('td', { className: 'num', 'data-series': 'reported', text: fmtNumber(x.reported_payable_hours) }),
      el('td', { className: 'num', text: fmtNumber(x.difference_hours) }),
      el('td', { className: 'num', text: fmtNumber(x.cumulative_granted_hours) }),
      el('td', { className: 'num', text: fmtNumber(x.cumulative_reported_hours) }),
      el('td', { className: 'num', text: x.amount_sek === null ? t('dash.no_rate') : fmtNumber(x.amount_sek) }),
      x.over_grant_period
        ? el('td', { className: 'status bad' }, el('span', { className: 'mark', 'aria-hidden': 'true', text: '!' }), ` ${t('dash.yes')}`)
        : el('td', { text: t('dash.no') })))));

  const periods = b.periods.length ? el('ul', { className: 'periods' }, ...b.periods.map((p) => el('li', {},
    el('strong', { text: t('dash.period', { start: p.start, end: p.end }) }),
    t('dash.period_figures', { granted: fmtNumber(p.granted_hours), reported: fmtNumber(p.reported_payable_hours), remaining: fmtNumber(p.remaining_hours) }),
    p.projected_hours ? t(p.projected_to_exceed ? 'dash.period_projected_over' : 'dash.period_projected', { hours: fmtNumber(p.projected_hours) }) : '',
    '.'))) : null;
  const warnings = b.warnings.length ? el('ul', { className: 'notes' }, ...b.warnings.map((w) => el('li', { text: w.message }))) : null;

  $('chart-body').replaceChildren(...[legend, el('div', { className: 'chart-wrap' }, chart), periods, warnings,
    el('div', { className: 'table-wrap' }, table)].filter(Boolean));
}

function swatch(kind) {
  return svg('svg', { width: 18, height: 14, viewBox: '0 0 18 14', 'aria-hidden': 'true', className: 'swatch' },
    svg('rect', { x: 1, y: 1, width: 16, height: 12, className: `bar bar-${kind}` }));
}

// ---- wiring ------------------------------------------------------------------------------

function init() {
  readFragment();
  $('token-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const typed = cleanToken($('token-input').value);
    if (!typed) return;
    sessionStorage.setItem(TOKEN_KEY, typed);
    $('token-input').value = '';
    load().then(() => {
      if (!$('main').hidden) $('main').focus();
    });
  });
  $('sign-out').addEventListener('click', () => {
    sessionStorage.removeItem(TOKEN_KEY);
    state.names.clear();
    clearAlert();
    showTokenForm(null);
  });
  $('month-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const v = $('month-input').value.trim();
    if (!MONTH_RE.test(v)) {
      showAlert({ problem: { title: t('dash.invalid_month'), detail: t('dash.invalid_month_detail') } });
      $('month-input').focus();
      return;
    }
    state.month = v;
    load();
  });
  const shift = (n) => () => {
    const v = $('month-input').value.trim();
    const base = MONTH_RE.test(v) ? v : state.month;
    if (!base) return;
    state.month = addMonths(base, n);
    load();
  };
  const refilter = () => {
    if (state.compliance) renderTable(state.compliance);
  };
  $('search-input').addEventListener('input', refilter);
  $('filter-select').addEventListener('change', refilter);
  $('filter-form').addEventListener('submit', (ev) => ev.preventDefault());
  $('prev-month').addEventListener('click', shift(-1));
  $('next-month').addEventListener('click', shift(1));
  // The skip link moves focus without touching the fragment (which holds state).
  document.querySelector('.skip').addEventListener('click', (ev) => {
    ev.preventDefault();
    ($('main').hidden ? $('token-input') : $('main')).focus();
  });
  window.addEventListener('hashchange', () => {
    if (!location.hash.includes('=')) return;
    readFragment();
    load();
  });
  load();
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
else init();
