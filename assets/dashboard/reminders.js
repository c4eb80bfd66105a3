// "Att göra": the reminders (GET /api/v1/reminders) at the top of the
// dashboard, with the days left. FK sends no reminders from 2027, so this is
// where a provider sees what is due. Kept apart from app.js, whose helpers
// (api, el, $, loadNames, nameOf, fmtDate, fmtMonth, relative, state) it
// uses. See docs/deadlines.md#reminders.
'use strict';

// Words from the page's catalogue (`t` of app.js, `dash.todo.*`).
const reminderKind = (kind) => MESSAGES[`dash.todo.kind.${kind}`] || kind;

// A function, not a table: this file runs before app.js defines `t`.
const reminderSeverity = (severity) => ({
  overdue: { mark: '✗', text: t('dash.todo.overdue') },
  due_soon: { mark: '!', text: t('dash.todo.due_soon') },
  upcoming: { mark: '◷', text: t('dash.todo.upcoming') },
}[severity] || { mark: '◷', text: t('dash.todo.upcoming') });

/** Loads and shows the reminders; `seq` is the dashboard load it belongs to. */
async function loadReminders(seq) {
  const section = $('todo-section');
  if (!section) return;
  let list;
  try {
    list = await api('/reminders');
    await loadNames(list.map((r) => r.assistance_user_id));
  } catch (e) {
    // The rest of the page reports errors; this section just stays hidden.
    if (seq === state.loadSeq) section.hidden = true;
    return;
  }
  if (seq !== state.loadSeq) return;
  renderReminders(list);
}

/** Rows shown until "Visa alla": an organisation of hundreds of users can
 *  have thousands, which would push the users' table out of sight. */
const TODO_SHOWN = 10;

function renderReminders(list) {
  const section = $('todo-section');
  section.hidden = false;
  if (list.length === 0) {
    $('todo').replaceChildren(el('p', { className: 'hint', text: t('dash.todo.nothing') }));
    return;
  }
  // By due date, then by name as people read it ("Brukare 2" before "Brukare 10").
  const sorted = [...list].sort((a, b) => a.due_date.localeCompare(b.due_date)
    || byName.compare(nameOf(a.assistance_user_id), nameOf(b.assistance_user_id))
    || (a.month || '').localeCompare(b.month || ''));
  const cut = sorted.length > TODO_SHOWN;
  const rows = cut && !state.todoAll ? sorted.slice(0, TODO_SHOWN) : sorted;
  const caption = countOf(list.length, 'dash.todo.caption')
    + (rows.length < sorted.length ? ` ${t('dash.todo.first', { n: fmtInt(rows.length) })}` : '');
  const table = el('table', { id: 'todo-table' },
    el('caption', { text: caption }),
    el('thead', {}, el('tr', {},
      el('th', { scope: 'col', text: t('dash.todo.col.due') }),
      el('th', { scope: 'col', text: t('dash.todo.col.days_left') }),
      el('th', { scope: 'col', text: t('dash.todo.col.what') }),
      el('th', { scope: 'col', text: t('dash.col.user') }),
      el('th', { scope: 'col', text: t('dash.col.month') }))),
    el('tbody', {}, ...rows.map(reminderRow)));
  const parts = [el('div', { className: 'table-wrap' }, table)];
  if (cut) {
    const toggle = el('button', {
      type: 'button', className: 'secondary', id: 'todo-toggle',
      'aria-expanded': String(Boolean(state.todoAll)), 'aria-controls': 'todo-table',
      text: state.todoAll ? t('dash.todo.show_first', { n: fmtInt(TODO_SHOWN) })
        : t('dash.todo.show_all', { n: fmtInt(sorted.length) }),
    });
    toggle.addEventListener('click', () => {
      state.todoAll = !state.todoAll;
      renderReminders(list);
      $('todo-toggle').focus();
    });
    parts.push(toggle);
  }
  $('todo').replaceChildren(...parts);
}

function reminderRow(r) {
  const sev = reminderSeverity(r.severity);
  const due = r.internal_due_date
    ? t('dash.todo.due_internal', { due: fmtDate(r.due_date), internal: fmtDate(r.internal_due_date) })
    : fmtDate(r.due_date);
  return el('tr', {
    className: `todo ${r.severity}`,
    'data-kind': r.kind,
    'data-severity': r.severity,
    'data-user-id': r.assistance_user_id,
    'data-month': r.month,
  },
    el('td', { text: due }),
    el('td', {},
      el('span', { className: 'mark', 'aria-hidden': 'true', text: sev.mark }), ' ',
      `${relative(r.days_left)} · ${sev.text}`),
    el('th', { scope: 'row', text: reminderKind(r.kind) }),
    el('td', { text: nameOf(r.assistance_user_id) }),
    el('td', { text: r.month ? fmtMonth(r.month) : '' }));
}
