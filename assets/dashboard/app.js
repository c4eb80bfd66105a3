// The compliance dashboard page. Plain JavaScript, no libraries, no build
// step: it reads the JSON API with the bearer token kept in this tab's
// session storage and builds every element with DOM APIs (no HTML strings),
// so the strict Content-Security-Policy holds. See docs/dashboard.md.
'use strict';

const API = '/api/v1';
const TOKEN_KEY = 'redovisa.dashboard.token';
const MONTH_RE = /^\d{4}-(0[1-9]|1[0-2])$/;
const SVG_NS = 'http://www.w3.org/2000/svg';
/** Months shown in the chart, ending with the selected month. */
const CHART_MONTHS = 12;
/** Up to this many users, names are read one by one; above, page by page. */
const NAMES_ONE_BY_ONE = 40;

const REPORT_STATUS = {
  on_time: { text: 'On time', tone: 'ok', mark: '✓' },
  late: { text: 'Late', tone: 'bad', mark: '✗' },
  corrected_after_deadline: { text: 'Corrected after deadline', tone: 'warn', mark: '!' },
  missing: { text: 'Missing', tone: 'bad', mark: '✗' },
};
const INVOICE_STATUS = {
  current: { text: 'Up to date', tone: 'ok', mark: '✓' },
  stale: { text: 'Out of date', tone: 'warn', mark: '!' },
  missing: { text: 'Missing', tone: 'bad', mark: '✗' },
};
const MONTH_STATE = {
  open: { text: 'Open', tone: 'pending', mark: '…' },
  ready: { text: 'Ready to close', tone: 'ok', mark: '✓' },
  closed: { text: 'Closed', tone: 'ok', mark: '■' },
};
const WARNING_LABELS = {
  working_time_exceeded: 'Working time exceeded',
  assistant_under_18: 'Assistant under 18',
  assistant_outside_eea: 'Assistant outside the EEA',
  hospital_stay: 'Hospital stay',
  over_grant: 'Over the grant',
  assistant_not_registered_with_fk: 'Assistant not registered with FK',
};

const state = {
  month: null,
  user: null,
  names: new Map(),
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

const longDate = new Intl.DateTimeFormat('en-GB', {
  weekday: 'long', day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC',
});
const monthLong = new Intl.DateTimeFormat('en-GB', { month: 'long', year: 'numeric', timeZone: 'UTC' });
const monthShort = new Intl.DateTimeFormat('en-GB', { month: 'short', timeZone: 'UTC' });

function utcDate(iso) {
  const [y, m, d] = iso.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d || 1));
}
const fmtDate = (iso) => longDate.format(utcDate(iso));
const fmtMonth = (ym) => monthLong.format(utcDate(ym));
const daysBetween = (a, b) => Math.round((utcDate(b) - utcDate(a)) / 86400000);

function addMonths(ym, n) {
  const [y, m] = ym.split('-').map(Number);
  const t = y * 12 + (m - 1) + n;
  return `${Math.floor(t / 12)}-${String((t % 12) + 1).padStart(2, '0')}`;
}

const plural = (n, word) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** "27 days left", "today", "passed 5 days ago". */
function relative(days) {
  if (days > 0) return `${plural(days, 'day')} left`;
  if (days === 0) return 'today';
  return `passed ${plural(-days, 'day')} ago`;
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
  const t = params.get('token');
  if (t) sessionStorage.setItem(TOKEN_KEY, cleanToken(t));
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
  const t = token();
  if (!t) throw new NeedToken('');
  let res;
  try {
    res = await fetch(API + path, {
      headers: { Authorization: `Bearer ${t}`, Accept: 'application/json' },
      cache: 'no-store',
      credentials: 'omit',
    });
  } catch (e) {
    throw new ApiError(0, { title: 'Network error', detail: `The server could not be reached (${e.message}).` });
  }
  let body = null;
  try {
    body = await res.json();
  } catch {
    body = null;
  }
  if (res.status === 401) {
    sessionStorage.removeItem(TOKEN_KEY);
    throw new NeedToken((body && body.detail) || 'The token was not accepted.');
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

const nameOf = (id) => state.names.get(id) || `Unknown user (${id.slice(0, 8)})`;

// ---- messages --------------------------------------------------------------------

function clearAlert() {
  $('alert').replaceChildren();
}

function showAlert(err) {
  const p = err.problem || {};
  const box = el('div', { className: 'alert-box' },
    el('strong', { text: p.title || 'Something went wrong' }), ' ',
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
    showTokenForm(err.message
      ? `Your token was not accepted: ${err.message} Please enter a valid token.`
      : null);
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
  $('sign-out').hidden = false;
}

// ---- loading ---------------------------------------------------------------------

async function load() {
  if (!token()) {
    showTokenForm(null);
    return;
  }
  showDashboard();
  const seq = ++state.loadSeq;
  clearAlert();
  setStatus('Loading…');
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
    ]);
    if (seq !== state.loadSeq) return;
    renderDeadlines(compliance, deadline);
    renderSummary(compliance);
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
    setStatus(`${plural(compliance.rows.length, 'assistance user')}, ${fmtMonth(compliance.month)}.`);
    await loadChart();
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

  const fk = card('fk', 'Försäkringskassan’s deadline', fkDays,
    `The report for ${month} must have reached Försäkringskassan by ${fmtDate(c.due_date)}.`,
    fkDays < 0 ? 'Reports that arrive now are late.' : 'A report that arrives after this day is late.');
  if (d && d.weekday_rule && d.nominal_due_date !== d.due_date) {
    fk.append(el('p', { className: 'note', text: `The 5th (${fmtDate(d.nominal_due_date)}) is not a weekday, so the deadline moves to the next weekday.` }));
  }
  const internal = card('internal', 'Internal cut-off', internalDays,
    `Your organisation collects the ${month} reports by ${fmtDate(internalDate)}.`,
    cutoffs.size > 1 ? 'Organisations set their own cut-off; the row of each user shows its own.' : null);
  $('deadline-cards').replaceChildren(fk, internal);
}

function card(kind, title, days, text, note) {
  const t = tone(days);
  const countdown = days > 0 ? `${plural(days, 'day')} left`
    : days === 0 ? 'Due today' : `Passed ${plural(-days, 'day')} ago`;
  return el('div', { className: `deadline ${t}`, 'data-deadline': kind, 'data-days': days },
    el('h3', { text: title }),
    el('p', { className: 'countdown' }, el('span', { className: 'mark', 'aria-hidden': 'true', text: t === 'past' ? '✗' : t === 'soon' ? '!' : '◷' }), ' ', countdown),
    el('p', { text }),
    note ? el('p', { className: 'note', text: note }) : null);
}

// ---- summary -----------------------------------------------------------------------

function renderSummary(c) {
  const t = c.totals;
  const items = [
    ['Assistance users', t.users],
    ['Reports on time', t.reports_on_time],
    ['Reports late', t.reports_late],
    ['Corrected after deadline', t.reports_corrected_after_deadline],
    ['Reports missing', t.reports_missing],
    ['Invoices missing', t.invoices_missing],
    ['Invoices out of date', t.invoices_stale],
    ['Months ready to close', t.ready],
    ['Months closed', t.closed],
    ['Granted hours', t.granted_hours],
    ['Reported payable hours', t.reported_payable_hours],
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
  if (list.length === 0) return el('td', { className: 'warnings none', text: 'None' });
  return el('td', { className: 'warnings' },
    el('ul', {}, ...list.map(([code, n]) => el('li', { 'data-warning': code, text: `${WARNING_LABELS[code] || code.replaceAll('_', ' ')}: ${n}` }))));
}

function renderTable(c) {
  const multiOrg = new Set(c.rows.map((r) => r.organisation_id)).size > 1;
  const rows = [...c.rows].sort((a, b) => nameOf(a.assistance_user_id).localeCompare(nameOf(b.assistance_user_id), 'sv'));
  const head = el('tr', {},
    el('th', { scope: 'col', text: 'Assistance user' }),
    multiOrg ? el('th', { scope: 'col', text: 'Organisation' }) : null,
    el('th', { scope: 'col', className: 'num', text: 'Granted hours' }),
    el('th', { scope: 'col', className: 'num', text: 'Reported payable hours' }),
    el('th', { scope: 'col', text: 'Time report' }),
    el('th', { scope: 'col', text: 'Invoice' }),
    el('th', { scope: 'col', text: 'Month' }),
    el('th', { scope: 'col', text: 'Internal cut-off' }),
    el('th', { scope: 'col', text: 'Warnings' }));
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
    const reportExtra = r.report_version > 1 ? `version ${r.report_version}` : null;
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
      : el('td', { className: 'due done', text: 'Report received' });
    body.append(el('tr', {
      className: selected ? 'selected' : null, 'data-user-id': id, 'data-report-status': r.report_status,
    },
    el('th', { scope: 'row' }, button),
    multiOrg ? el('td', { className: 'org', title: r.organisation_id, text: r.organisation_id.slice(0, 8) }) : null,
    el('td', { className: 'num', text: r.granted_hours }),
    el('td', { className: 'num', text: r.reported_payable_hours }),
    report,
    statusCell(INVOICE_STATUS, r.invoice_status, null),
    statusCell(MONTH_STATE, r.month_state, null),
    cutoff,
    warningsCell(r.warnings)));
  }
  const table = el('table', { className: 'users', id: 'users-table' },
    el('caption', { text: `Reports for ${fmtMonth(c.month)}: ${plural(rows.length, 'assistance user')} with a decision covering the month` }),
    el('thead', {}, head), body);
  if (rows.length === 0) {
    body.append(el('tr', {}, el('td', { colspan: multiOrg ? 9 : 8, text: 'No assistance user has a decision covering this month.' })));
  }
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
    el('caption', { text: 'Assistants whose average weekly hours, across all employers, exceed their working-time limit' }),
    el('thead', {}, el('tr', {},
      el('th', { scope: 'col', text: 'Assistant' }),
      el('th', { scope: 'col', text: 'Rule' }),
      el('th', { scope: 'col', text: 'Period' }),
      el('th', { scope: 'col', className: 'num', text: 'Hours per week' }),
      el('th', { scope: 'col', className: 'num', text: 'Limit' }))),
    el('tbody', {}, ...breaches.map((b) => el('tr', {},
      el('th', { scope: 'row', title: b.assistant_id, text: b.assistant_id.slice(0, 8) }),
      el('td', { text: b.rule.replaceAll('_', ' ') }),
      el('td', { text: `${b.period_start} – ${b.period_end}` }),
      el('td', { className: 'num', text: b.hours_per_week }),
      el('td', { className: 'num', text: b.limit_hours_per_week })))));
  $('breaches').replaceChildren(table);
}

// ---- the selected user's chart ---------------------------------------------------------

function selectUser(id) {
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
    setStatus(`Showing the hours of ${nameOf(id)} below the table.`);
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
  $('chart-heading').textContent = `Hours of ${name}, ${range}`;

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

  const titleText = `Granted and reported payable hours per month, ${name}, ${range}`;
  const chart = svg('svg', {
    viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': titleText,
    className: 'chart', id: 'hours-chart', 'data-user-id': id, preserveAspectRatio: 'xMidYMid meet',
  });
  chart.append(svg('title', { text: titleText }),
    svg('desc', { text: 'Two bars per month: granted hours (hatched) and reported payable hours (solid). The same figures are in the table below.' }),
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
    svg('text', { x: 16, y: m.top + ph / 2, className: 'axis-label', 'text-anchor': 'middle', transform: `rotate(-90 16 ${m.top + ph / 2})`, text: 'Hours' }),
    svg('text', { x: m.left + pw / 2, y: H - 8, className: 'axis-label', 'text-anchor': 'middle', text: 'Month reported' }));
  chart.append(axes);

  const bars = svg('g', { className: 'bars' });
  months.forEach((x, i) => {
    const cx = m.left + group * i + group / 2;
    const series = [
      ['granted', x.granted_hours, cx - barW - 1, 'Granted'],
      ['reported', x.reported_payable_hours, cx + 1, 'Reported payable'],
    ];
    for (const [kind, hours, bx, label] of series) {
      const barTop = y(Number(hours));
      bars.append(svg('rect', {
        x: bx.toFixed(1), y: barTop.toFixed(1), width: barW.toFixed(1), height: Math.max(0, m.top + ph - barTop).toFixed(1),
        className: `bar bar-${kind}`, 'data-month': x.month, 'data-series': kind, 'data-hours': hours,
      }, svg('title', { text: `${fmtMonth(x.month)}: ${label.toLowerCase()} ${hours} hours` })));
    }
    if (x.over_grant_period) {
      bars.append(svg('text', { x: cx, y: m.top + 12, className: 'over', 'text-anchor': 'middle', text: '!' },
        svg('title', { text: `${fmtMonth(x.month)}: the grant period's hours were exceeded` })));
    }
    const first = i === 0 || x.month.endsWith('-01');
    bars.append(svg('text', { x: cx, y: m.top + ph + 18, className: 'tick', 'text-anchor': 'middle', 'aria-hidden': 'true', text: monthShort.format(utcDate(x.month)) }));
    if (first) {
      bars.append(svg('text', { x: cx, y: m.top + ph + 34, className: 'tick year', 'text-anchor': 'middle', 'aria-hidden': 'true', text: x.month.slice(0, 4) }));
    }
  });
  chart.append(bars);

  const legend = el('ul', { className: 'legend', 'aria-label': 'Legend' },
    el('li', {}, swatch('granted'), ' Granted hours (hatched)'),
    el('li', {}, swatch('reported'), ' Reported payable hours (solid)'));

  const table = el('table', { className: 'figures', id: 'figures-table', 'data-user-id': id },
    el('caption', { text: `Figures of the chart: ${name}, ${range} (hours; difference = granted − reported)` }),
    el('thead', {}, el('tr', {},
      el('th', { scope: 'col', text: 'Month' }),
      el('th', { scope: 'col', className: 'num', text: 'Granted hours' }),
      el('th', { scope: 'col', className: 'num', text: 'Reported payable hours' }),
      el('th', { scope: 'col', className: 'num', text: 'Difference' }),
      el('th', { scope: 'col', className: 'num', text: 'Cumulative granted' }),
      el('th', { scope: 'col', className: 'num', text: 'Cumulative reported' }),
      el('th', { scope: 'col', className: 'num', text: 'Amount (SEK)' }),
      el('th', { scope: 'col', text: 'Over grant period' }))),
    el('tbody', {}, ...months.map((x) => el('tr', { 'data-month': x.month },
      el('th', { scope: 'row', text: fmtMonth(x.month) }),
      el('td', { className: 'num', 'data-series': 'granted', text: x.granted_hours }),
      el('td', { className: 'num', 'data-series': 'reported', text: x.reported_payable_hours }),
      el('td', { className: 'num', text: x.difference_hours }),
      el('td', { className: 'num', text: x.cumulative_granted_hours }),
      el('td', { className: 'num', text: x.cumulative_reported_hours }),
      el('td', { className: 'num', text: x.amount_sek === null ? 'No rate' : x.amount_sek }),
      x.over_grant_period
        ? el('td', { className: 'status bad' }, el('span', { className: 'mark', 'aria-hidden': 'true', text: '!' }), ' Yes')
        : el('td', { text: 'No' })))));

  const periods = b.periods.length ? el('ul', { className: 'periods' }, ...b.periods.map((p) => el('li', {},
    el('strong', { text: `Grant period ${p.start} – ${p.end}: ` }),
    `granted ${p.granted_hours} h, reported ${p.reported_payable_hours} h, remaining ${p.remaining_hours} h`,
    p.projected_hours ? `; at the current pace ${p.projected_hours} h by the end of the period${p.projected_to_exceed ? ' — more than granted' : ''}` : '',
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
    const t = cleanToken($('token-input').value);
    if (!t) return;
    sessionStorage.setItem(TOKEN_KEY, t);
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
      showAlert({ problem: { title: 'Invalid month', detail: 'Write the month as YYYY-MM, e.g. 2026-10.' } });
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
