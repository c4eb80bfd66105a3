// "Att göra": the reminders (GET /api/v1/reminders) at the top of the
// dashboard, with the days left. FK sends no reminders from 2027, so this is
// where a provider sees what is due. Kept apart from app.js, whose helpers
// (api, el, $, loadNames, nameOf, fmtDate, fmtMonth, relative, state) it
// uses. See docs/deadlines.md#reminders.
'use strict';

const REMINDER_KINDS = {
  time_report_missing: 'Time report missing',
  invoice_missing: 'Invoice missing',
  invoice_stale: 'Invoice out of date',
  change_notice: 'Change notice to FK',
  turns_18: 'Turns 18',
  turns_66: 'Turns 66',
};

const REMINDER_SEVERITY = {
  overdue: { mark: '✗', text: 'Overdue' },
  due_soon: { mark: '!', text: 'Due soon' },
  upcoming: { mark: '◷', text: 'Upcoming' },
};

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

function renderReminders(list) {
  const section = $('todo-section');
  section.hidden = false;
  if (list.length === 0) {
    $('todo').replaceChildren(el('p', { className: 'hint', text: 'Nothing is due within 7 days, and nothing is overdue.' }));
    return;
  }
  const table = el('table', { id: 'todo-table' },
    el('caption', { text: `${plural(list.length, 'open obligation')}, by due date` }),
    el('thead', {}, el('tr', {},
      el('th', { scope: 'col', text: 'Due' }),
      el('th', { scope: 'col', text: 'Days left' }),
      el('th', { scope: 'col', text: 'What' }),
      el('th', { scope: 'col', text: 'Assistance user' }),
      el('th', { scope: 'col', text: 'Month' }))),
    el('tbody', {}, ...list.map(reminderRow)));
  $('todo').replaceChildren(table);
}

function reminderRow(r) {
  const sev = REMINDER_SEVERITY[r.severity] || REMINDER_SEVERITY.upcoming;
  const due = r.internal_due_date
    ? `${fmtDate(r.due_date)} (internal ${fmtDate(r.internal_due_date)})`
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
    el('th', { scope: 'row', text: REMINDER_KINDS[r.kind] || r.kind }),
    el('td', { text: nameOf(r.assistance_user_id) }),
    el('td', { text: r.month ? fmtMonth(r.month) : '' }));
}
