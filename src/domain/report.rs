//! A month's time report (*tidsredovisning*): every rule a report must meet,
//! as plain functions over plain types. The JSON API, the CSV import and the
//! CLI all feed [`parse_report`] and [`check_report`]; they differ only in how
//! they name the place of a fault (JSON pointer, or CSV line and column).
//!
//! Two phases: [`parse_report`] needs nothing but the input (dates, clock
//! times, kinds, the month); [`check_report`] needs what the database knows
//! (employments, decisions, the same people's other shifts), gathered by the
//! caller into a [`Context`].

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Duration, NaiveDate, Utc};
use sha2::{Digest, Sha256};

use crate::domain::month::ReportMonth;
use crate::domain::quantity::{minutes_to_hours_string, PayableUnits};
use crate::domain::register::{WorkingTimeLimit, WorkingTimeRule};
use crate::domain::shift::{resolve_shift, ClockTime, ResolvedShift, ShiftError, ShiftKind};

/// A row as submitted, before any parsing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawRow {
    pub assistant_id: String,
    pub date: String,
    pub start: String,
    pub end: String,
    /// `None` means active.
    pub kind: Option<String>,
    /// *Dubbelassistans*: a second assistant at the same time.
    pub double: bool,
    /// Assistance during a hospital stay.
    pub hospital: bool,
}

/// The field of a row that a fault concerns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    AssistantId,
    Date,
    Start,
    End,
    Kind,
    Double,
    Hospital,
}

impl Field {
    /// The JSON member name.
    pub fn name(&self) -> &'static str {
        match self {
            Field::AssistantId => "assistant_id",
            Field::Date => "date",
            Field::Start => "start",
            Field::End => "end",
            Field::Kind => "kind",
            Field::Double => "double",
            Field::Hospital => "hospital",
        }
    }
}

/// Where a fault is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Month,
    Row { index: usize, field: Option<Field> },
}

/// A refusal or a warning, with a stable code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issue {
    pub code: &'static str,
    pub message: String,
    pub target: Target,
    /// Other rows involved (the other side of an overlap).
    pub related_rows: Vec<usize>,
}

impl Issue {
    fn month(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            target: Target::Month,
            related_rows: Vec::new(),
        }
    }

    fn row(
        index: usize,
        field: Option<Field>,
        code: &'static str,
        message: impl Into<String>,
    ) -> Self {
        Self {
            code,
            message: message.into(),
            target: Target::Row { index, field },
            related_rows: Vec::new(),
        }
    }

    fn related(mut self, rows: Vec<usize>) -> Self {
        self.related_rows = rows;
        self
    }
}

/// A row that parsed: real dates and times, placed on the UTC time line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedRow {
    pub index: usize,
    pub assistant_id: String,
    pub date: NaiveDate,
    pub start: ClockTime,
    pub end: ClockTime,
    pub kind: ShiftKind,
    pub double: bool,
    pub hospital: bool,
    pub shift: ResolvedShift,
}

impl ParsedRow {
    pub fn minutes(&self) -> i64 {
        self.shift.minutes()
    }
}

/// The result of the first phase.
#[derive(Debug, Clone)]
pub struct Parsed {
    pub month: Option<ReportMonth>,
    pub rows: Vec<ParsedRow>,
    pub errors: Vec<Issue>,
    /// Rows submitted (parsed or not).
    pub row_count: usize,
}

/// Parses the month and every row; collects every fault.
pub fn parse_report(month: &str, rows: &[RawRow], today: NaiveDate) -> Parsed {
    let mut errors = Vec::new();
    let month = match ReportMonth::parse(month.trim()) {
        Ok(m) => {
            if m > ReportMonth::of(today) {
                errors.push(Issue::month(
                    "month_in_future",
                    format!("{m} has not started yet; a month can be reported from its first day."),
                ));
            }
            Some(m)
        }
        Err(_) => {
            errors.push(Issue::month(
                "invalid_month",
                "The month must be written YYYY-MM, e.g. 2026-02.",
            ));
            None
        }
    };
    let mut parsed = Vec::with_capacity(rows.len());
    for (i, raw) in rows.iter().enumerate() {
        if let Some(row) = parse_row(i, raw, month, &mut errors) {
            parsed.push(row);
        }
    }
    Parsed {
        month,
        rows: parsed,
        errors,
        row_count: rows.len(),
    }
}

fn parse_row(
    i: usize,
    raw: &RawRow,
    month: Option<ReportMonth>,
    errors: &mut Vec<Issue>,
) -> Option<ParsedRow> {
    let before = errors.len();
    if raw.assistant_id.trim().is_empty() {
        errors.push(Issue::row(
            i,
            Some(Field::AssistantId),
            "missing_assistant",
            "The row names no assistant.",
        ));
    }
    let date = match NaiveDate::parse_from_str(raw.date.trim(), "%Y-%m-%d") {
        Ok(d) => {
            if let Some(m) = month {
                if !m.contains(d) {
                    errors.push(Issue::row(
                        i,
                        Some(Field::Date),
                        "date_outside_month",
                        format!("{d} is not in the reported month {m}."),
                    ));
                }
            }
            Some(d)
        }
        Err(_) => {
            errors.push(Issue::row(
                i,
                Some(Field::Date),
                "invalid_date",
                format!("`{}` is not a date; write YYYY-MM-DD.", raw.date),
            ));
            None
        }
    };
    let start = clock(i, Field::Start, &raw.start, errors);
    let end = clock(i, Field::End, &raw.end, errors);
    // JSON takes the codes only; files were read into codes before this.
    let kind = match raw.kind.as_deref().map(ShiftKind::from_code) {
        None => Some(ShiftKind::Active),
        Some(Ok(k)) => Some(k),
        Some(Err(e)) => {
            errors.push(Issue::row(i, Some(Field::Kind), e.code(), e.to_string()));
            None
        }
    };
    let (date, start, end, kind) = (date?, start?, end?, kind?);
    let shift = match resolve_shift(date, start, end) {
        Ok(s) => s,
        Err(errs) => {
            for e in errs {
                let field = match e {
                    ShiftError::NonexistentEnd { .. } => Field::End,
                    _ => Field::Start,
                };
                errors.push(Issue::row(i, Some(field), e.code(), e.to_string()));
            }
            return None;
        }
    };
    if errors.len() > before {
        return None;
    }
    Some(ParsedRow {
        index: i,
        assistant_id: raw.assistant_id.trim().to_string(),
        date,
        start,
        end,
        kind,
        double: raw.double,
        hospital: raw.hospital,
        shift,
    })
}

fn clock(i: usize, field: Field, s: &str, errors: &mut Vec<Issue>) -> Option<ClockTime> {
    match ClockTime::parse(s.trim()) {
        Ok(t) if field == Field::Start && t.is_end_of_day() => {
            let e = ShiftError::StartAtEndOfDay;
            errors.push(Issue::row(i, Some(field), e.code(), e.to_string()));
            None
        }
        Ok(t) => Some(t),
        Err(e) => {
            errors.push(Issue::row(
                i,
                Some(field),
                e.code(),
                format!("`{s}` is not a clock time; write HH:MM (00:00–24:00)."),
            ));
            None
        }
    }
}

/// One employment of an assistant for the reported user, in the reporting
/// organisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmploymentFacts {
    pub start: NaiveDate,
    pub end: Option<NaiveDate>,
    /// FK received the assistant's details (form 3066) on this date; hours
    /// before it are not payable.
    pub registered_with_fk_on: Option<NaiveDate>,
    pub rule: WorkingTimeRule,
}

impl EmploymentFacts {
    fn covers(&self, d: NaiveDate) -> bool {
        self.start <= d && self.end.is_none_or(|e| d <= e)
    }
}

/// What the reporting organisation knows about an assistant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssistantFacts {
    /// Identifies the person across organisations (the personnummer).
    pub person: String,
    pub birth_date: NaiveDate,
    pub lives_in_eea: bool,
    /// Employments for the reported assistance user only.
    pub employments: Vec<EmploymentFacts>,
    /// The working-time rule and limit of the assistant's employment with
    /// the reporting organisation (any user), for the working-time check.
    pub working_time: Option<(WorkingTimeRule, WorkingTimeLimit)>,
}

/// A decision of the reported user (*beslut*).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecisionFacts {
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
    /// Hundredths of an hour per week of *dubbelassistans*; none or 0 = not granted.
    pub double_centi: Option<i64>,
}

impl DecisionFacts {
    fn covers(&self, d: NaiveDate) -> bool {
        self.valid_from <= d && self.valid_to.is_none_or(|e| d <= e)
    }
}

/// A shift of the same person already stored (current versions of other
/// reports), possibly with another employer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredShift {
    pub person: String,
    /// Stored by the reporting organisation (else: another employer, of
    /// which nothing may be revealed).
    pub same_org: bool,
    pub start_utc: DateTime<Utc>,
    pub end_utc: DateTime<Utc>,
    pub date: NaiveDate,
    pub kind: ShiftKind,
    pub minutes: i64,
    /// For the same organisation: which report and month it is in.
    pub report_month: String,
}

/// Everything the database knows that the rules need.
#[derive(Debug, Clone, Default)]
pub struct Context {
    pub today: Option<NaiveDate>,
    /// By assistant id, for the assistants the report names that belong to
    /// the reporting organisation.
    pub assistants: HashMap<String, AssistantFacts>,
    pub decisions: Vec<DecisionFacts>,
    pub stored: Vec<StoredShift>,
}

/// Minutes per kind and the payable total.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Totals {
    pub active_minutes: i64,
    pub waiting_minutes: i64,
    pub standby_minutes: i64,
    pub payable: PayableUnits,
    /// Converted hours excluded from `payable` (assistant not yet
    /// registered with FK).
    pub not_payable: PayableUnits,
}

/// The result of the second phase.
#[derive(Debug, Clone)]
pub struct Checked {
    pub errors: Vec<Issue>,
    pub warnings: Vec<Issue>,
    /// Per parsed row (same order): whether its hours are payable.
    pub payable: Vec<bool>,
    pub totals: Totals,
}

/// Hours an assistant may start on one calendar day.
const MAX_MINUTES_PER_DAY: i64 = 24 * 60;

/// Checks parsed rows against the register and other reports.
pub fn check_report(month: ReportMonth, rows: &[ParsedRow], ctx: &Context) -> Checked {
    let mut errors = Vec::new();
    let mut warnings = Vec::new();
    if let Some(today) = ctx.today {
        if ReportMonth::of(today) == month {
            warnings.push(Issue::month(
                "month_in_progress",
                format!("{month} is still in progress; the report may need a correction when the month is over."),
            ));
        }
    }
    let mut payable = vec![true; rows.len()];
    for (k, row) in rows.iter().enumerate() {
        let i = row.index;
        let Some(a) = ctx.assistants.get(&row.assistant_id) else {
            errors.push(Issue::row(
                i,
                Some(Field::AssistantId),
                "unknown_assistant",
                "No such assistant in your organisation.",
            ));
            continue;
        };
        match a.employments.iter().find(|e| e.covers(row.date)) {
            None => errors.push(Issue::row(
                i,
                Some(Field::AssistantId),
                "not_employed",
                format!(
                    "The assistant has no employment with you for this assistance user on {}.",
                    row.date
                ),
            )),
            Some(e) => {
                if e.registered_with_fk_on.is_none_or(|r| row.date < r) {
                    payable[k] = false;
                    let when = match e.registered_with_fk_on {
                        Some(r) => format!("only from {r}"),
                        None => "not yet".to_string(),
                    };
                    warnings.push(Issue::row(
                        i,
                        Some(Field::AssistantId),
                        "assistant_not_registered_with_fk",
                        format!(
                            "FK has the assistant's details (form 3066) {when}; the {} h on {} are not payable.",
                            minutes_to_hours_string(row.minutes()),
                            row.date
                        ),
                    ));
                }
            }
        }
        if !ctx.decisions.iter().any(|d| d.covers(row.date)) {
            warnings.push(Issue::row(
                i,
                Some(Field::Date),
                "no_decision",
                format!(
                    "No decision covers {}; report it anyway if an application is pending.",
                    row.date
                ),
            ));
        }
        if age_on(a.birth_date, row.date) < 18 {
            warnings.push(Issue::row(
                i,
                Some(Field::AssistantId),
                "assistant_under_18",
                "The assistant is under 18 on this date.",
            ));
        }
        if !a.lives_in_eea {
            warnings.push(Issue::row(
                i,
                Some(Field::AssistantId),
                "assistant_outside_eea",
                "The assistant lives outside the EEA; FK pays only for special reasons.",
            ));
        }
        if row.hospital {
            warnings.push(Issue::row(
                i,
                Some(Field::Hospital),
                "hospital_stay",
                "Assistance during a hospital stay is paid only for special reasons (SFB 106 kap. 24–25 §§).",
            ));
        }
    }
    check_double(rows, ctx, &mut errors);
    check_overlaps(rows, ctx, &mut errors);
    check_day_totals(rows, ctx, &mut errors);
    check_working_time(month, rows, ctx, &mut warnings);

    let mut totals = Totals::default();
    for (row, &ok) in rows.iter().zip(&payable) {
        let m = row.minutes();
        match row.kind {
            ShiftKind::Active => totals.active_minutes += m,
            ShiftKind::Waiting => totals.waiting_minutes += m,
            ShiftKind::Standby => totals.standby_minutes += m,
        }
        let units = PayableUnits::of(row.kind, m);
        if ok {
            totals.payable += units;
        } else {
            totals.not_payable += units;
        }
    }
    Checked {
        errors,
        warnings,
        payable,
        totals,
    }
}

fn age_on(birth: NaiveDate, d: NaiveDate) -> u32 {
    d.years_since(birth).unwrap_or(0)
}

/// *Dubbelassistans* only where granted, and only alongside another
/// assistant's double row for the same user.
fn check_double(rows: &[ParsedRow], ctx: &Context, errors: &mut Vec<Issue>) {
    for row in rows.iter().filter(|r| r.double) {
        let granted = ctx
            .decisions
            .iter()
            .any(|d| d.covers(row.date) && d.double_centi.unwrap_or(0) > 0);
        if !granted {
            errors.push(Issue::row(
                row.index,
                Some(Field::Double),
                "double_not_granted",
                format!("No decision grants double assistance on {}.", row.date),
            ));
            continue;
        }
        let partner = rows.iter().any(|o| {
            o.double && o.assistant_id != row.assistant_id && o.shift.overlaps(&row.shift)
        });
        if !partner {
            errors.push(Issue::row(
                row.index,
                Some(Field::Double),
                "double_without_overlap",
                "A double-assistance row must overlap another assistant's double-assistance row for the same user; mark both.",
            ));
        }
    }
}

/// No two shifts of one person may overlap: within the report, against the
/// organisation's other reports, and against other employers' reports.
fn check_overlaps(rows: &[ParsedRow], ctx: &Context, errors: &mut Vec<Issue>) {
    let mut by_person: HashMap<&str, Vec<&ParsedRow>> = HashMap::new();
    for row in rows {
        if let Some(a) = ctx.assistants.get(&row.assistant_id) {
            by_person.entry(a.person.as_str()).or_default().push(row);
        }
    }
    let mut stored_by_person: HashMap<&str, Vec<&StoredShift>> = HashMap::new();
    for s in &ctx.stored {
        stored_by_person
            .entry(s.person.as_str())
            .or_default()
            .push(s);
    }
    for list in stored_by_person.values_mut() {
        list.sort_by_key(|s| s.start_utc);
    }
    for (person, mut list) in by_person {
        list.sort_by_key(|r| (r.shift.start_utc, r.index));
        // Sweep in start order, keeping the earlier shift that reaches
        // furthest: a shift that starts before it ends overlaps it. One fault
        // per overlapping shift keeps this O(n log n) however many shifts
        // pile up at one time.
        let mut reach: Option<&ParsedRow> = None;
        for b in &list {
            if let Some(a) = reach.filter(|a| b.shift.start_utc < a.shift.end_utc) {
                let (first, second) = if a.index < b.index { (a, *b) } else { (*b, a) };
                errors.push(
                    Issue::row(
                        second.index,
                        None,
                        "overlapping_shifts",
                        format!(
                            "This shift overlaps the same assistant's shift in row {} ({} {}–{}).",
                            first.index, first.date, first.start, first.end
                        ),
                    )
                    .related(vec![first.index]),
                );
            }
            if reach.is_none_or(|a| b.shift.end_utc > a.shift.end_utc) {
                reach = Some(b);
            }
        }
        if let Some(stored) = stored_by_person.get(person) {
            for row in &list {
                // The first stored shift it overlaps is enough to refuse it.
                // Stored shifts are sorted by start and last at most 25 h, so
                // only those starting in [start − 25 h, end) can overlap.
                let from = stored
                    .partition_point(|s| s.start_utc < row.shift.start_utc - Duration::hours(25));
                if let Some(s) = stored[from..]
                    .iter()
                    .take_while(|s| s.start_utc < row.shift.end_utc)
                    .find(|s| row.shift.start_utc < s.end_utc)
                {
                    errors.push(if s.same_org {
                        Issue::row(
                            row.index,
                            None,
                            "overlaps_stored_report",
                            format!(
                                "The assistant already has a shift at this time in your report for {} ({}).",
                                s.report_month, s.date
                            ),
                        )
                    } else {
                        Issue::row(
                            row.index,
                            None,
                            "overlaps_other_employer",
                            "The assistant is already reported as working at this time for another employer.",
                        )
                    });
                }
            }
        }
    }
}

/// An assistant's shifts that start on one calendar day total at most 24 h.
fn check_day_totals(rows: &[ParsedRow], ctx: &Context, errors: &mut Vec<Issue>) {
    struct Day {
        minutes: i64,
        rows: Vec<usize>,
        elsewhere: bool,
    }
    let mut per_day: BTreeMap<(&str, NaiveDate), Day> = BTreeMap::new();
    for row in rows {
        if let Some(a) = ctx.assistants.get(&row.assistant_id) {
            let e = per_day.entry((a.person.as_str(), row.date)).or_insert(Day {
                minutes: 0,
                rows: Vec::new(),
                elsewhere: false,
            });
            e.minutes += row.minutes();
            e.rows.push(row.index);
        }
    }
    for s in &ctx.stored {
        if let Some(e) = per_day.get_mut(&(s.person.as_str(), s.date)) {
            e.minutes += s.minutes;
            e.elsewhere |= !s.same_org;
        }
    }
    for ((_, date), day) in per_day {
        if day.minutes > MAX_MINUTES_PER_DAY {
            let last = *day.rows.iter().max().expect("at least one row");
            let others: Vec<usize> = day.rows.iter().copied().filter(|&i| i != last).collect();
            // Another employer's hours are not disclosed, only that they count.
            let message = if day.elsewhere {
                format!("The assistant's shifts starting on {date}, with those reported by another employer, add up to more than 24 h.")
            } else {
                format!(
                    "The assistant's shifts starting on {date} add up to {} h, more than 24 h.",
                    minutes_to_hours_string(day.minutes)
                )
            };
            errors
                .push(Issue::row(last, Some(Field::Date), "day_over_24h", message).related(others));
        }
    }
}

/// Working time (active and waiting time; standby is not working time) of
/// each person, averaged per week over the rule's reference period, for every
/// period that ends on a day of the reported month.
fn check_working_time(
    month: ReportMonth,
    rows: &[ParsedRow],
    ctx: &Context,
    warnings: &mut Vec<Issue>,
) {
    // Working minutes per person and day, from this report and stored
    // shifts, gathered in one pass.
    let mut persons: BTreeMap<&str, ((WorkingTimeRule, WorkingTimeLimit), usize)> = BTreeMap::new();
    let mut minutes: HashMap<&str, Vec<(NaiveDate, i64)>> = HashMap::new();
    for row in rows {
        if let Some(a) = ctx.assistants.get(&row.assistant_id) {
            let rule = a.working_time.unwrap_or((
                WorkingTimeRule::WorkingHoursAct,
                WorkingTimeRule::WorkingHoursAct.limit(),
            ));
            persons
                .entry(a.person.as_str())
                .or_insert((rule, row.index));
            if row.kind != ShiftKind::Standby {
                minutes
                    .entry(a.person.as_str())
                    .or_default()
                    .push((row.date, row.minutes()));
            }
        }
    }
    for s in &ctx.stored {
        if s.kind != ShiftKind::Standby && persons.contains_key(s.person.as_str()) {
            minutes
                .entry(s.person.as_str())
                .or_default()
                .push((s.date, s.minutes));
        }
    }
    for (person, ((rule, limit), first_row)) in persons {
        let from = month.first_day() - Duration::days(limit.reference_days - 1);
        let mut daily: BTreeMap<NaiveDate, i64> = BTreeMap::new();
        for &(date, m) in minutes.get(person).map(Vec::as_slice).unwrap_or_default() {
            if date >= from && date <= month.last_day() {
                *daily.entry(date).or_default() += m;
            }
        }
        let days = limit.reference_days;
        let worst = working_time_breach(&daily, limit, month);
        if let Some((end, total)) = worst {
            let avg_centi = weekly_average_centi(total, days);
            warnings.push(Issue::row(
                first_row,
                Some(Field::AssistantId),
                "working_time_exceeded",
                format!(
                    "The assistant works on average {} h/week over the {days} days ending {end}, above the limit of {} h/week ({}), counting all employers.",
                    crate::domain::quantity::hundredths_to_string(avg_centi),
                    crate::domain::quantity::hundredths_to_string(limit.hours_per_week_centi),
                    rule.as_str()
                ),
            ));
        }
    }
}

/// The worst reference period ending on a day of `month` whose average
/// working time per week exceeds the rule's limit: `(last day, minutes)`.
/// `daily` holds a person's working minutes (active + waiting) per day,
/// from all employers.
pub fn working_time_breach(
    daily: &BTreeMap<NaiveDate, i64>,
    limit: WorkingTimeLimit,
    month: ReportMonth,
) -> Option<(NaiveDate, i64)> {
    let days = limit.reference_days;
    let mut worst: Option<(NaiveDate, i64)> = None;
    for end in month.iter_days() {
        let start = end - Duration::days(days - 1);
        let total: i64 = daily.range(start..=end).map(|(_, m)| m).sum();
        // Over `days` days the limit is centi/100 h/week × 60 × days/7
        // minutes; compared exactly as minutes × 700 > centi × 60 × days.
        if total * 700 > limit.hours_per_week_centi * 60 * days
            && worst.is_none_or(|(_, w)| total > w)
        {
            worst = Some((end, total));
        }
    }
    worst
}

/// Average hours per week (in hundredths) of `minutes` over `days` days.
pub fn weekly_average_centi(minutes: i64, days: i64) -> i64 {
    (minutes * 700 + 30 * days) / (60 * days)
}

/// Totals of one assistant's shifts starting on one day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DayTotal<'a> {
    pub assistant_id: &'a str,
    pub date: NaiveDate,
    pub payable: PayableUnits,
    pub not_payable: PayableUnits,
    /// Payable converted time of double-assistance rows.
    pub double: PayableUnits,
    /// Active and waiting minutes (working time).
    pub working_minutes: i64,
}

/// Per assistant and day, the figures balances and dashboards need, so that
/// they never rescan rows. `payable` is [`Checked::payable`].
pub fn day_totals<'a>(rows: &'a [ParsedRow], payable: &[bool]) -> Vec<DayTotal<'a>> {
    let mut map: BTreeMap<(&str, NaiveDate), DayTotal> = BTreeMap::new();
    for (row, &ok) in rows.iter().zip(payable) {
        let t = map
            .entry((row.assistant_id.as_str(), row.date))
            .or_insert(DayTotal {
                assistant_id: &row.assistant_id,
                date: row.date,
                payable: PayableUnits::ZERO,
                not_payable: PayableUnits::ZERO,
                double: PayableUnits::ZERO,
                working_minutes: 0,
            });
        let units = PayableUnits::of(row.kind, row.minutes());
        if ok {
            t.payable += units;
            if row.double {
                t.double += units;
            }
        } else {
            t.not_payable += units;
        }
        if row.kind != ShiftKind::Standby {
            t.working_minutes += row.minutes();
        }
    }
    map.into_values().collect()
}

/// Warning counts by code.
pub fn warning_counts(warnings: &[Issue]) -> BTreeMap<&'static str, u32> {
    let mut m = BTreeMap::new();
    for w in warnings {
        *m.entry(w.code).or_default() += 1;
    }
    m
}

/// SHA-256 over the normalised rows, independent of their order and of how
/// they were written (JSON, CSV, `7:00` or `07:00:00`), so that the same
/// report gives the same hash from every channel.
pub fn content_hash(rows: &[ParsedRow]) -> String {
    let mut lines: Vec<String> = rows
        .iter()
        .map(|r| {
            format!(
                "{}|{}|{}|{}|{}|{}|{}\n",
                r.assistant_id,
                r.date,
                r.start,
                r.end,
                r.kind.as_str(),
                u8::from(r.double),
                u8::from(r.hospital)
            )
        })
        .collect();
    lines.sort_unstable();
    let mut h = Sha256::new();
    for l in &lines {
        h.update(l.as_bytes());
    }
    hex::encode(h.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(a: &str, date: &str, start: &str, end: &str, kind: &str) -> RawRow {
        RawRow {
            assistant_id: a.into(),
            date: date.into(),
            start: start.into(),
            end: end.into(),
            kind: Some(kind.into()),
            double: false,
            hospital: false,
        }
    }

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn facts(person: &str) -> AssistantFacts {
        AssistantFacts {
            person: person.into(),
            birth_date: d("1990-01-01"),
            lives_in_eea: true,
            employments: vec![EmploymentFacts {
                start: d("2020-01-01"),
                end: None,
                registered_with_fk_on: Some(d("2020-01-01")),
                rule: WorkingTimeRule::WorkingHoursAct,
            }],
            working_time: Some((
                WorkingTimeRule::WorkingHoursAct,
                WorkingTimeRule::WorkingHoursAct.limit(),
            )),
        }
    }

    fn ctx() -> Context {
        let mut assistants = HashMap::new();
        assistants.insert("a".to_string(), facts("p-a"));
        assistants.insert("b".to_string(), facts("p-b"));
        Context {
            today: Some(d("2026-11-10")),
            assistants,
            decisions: vec![DecisionFacts {
                valid_from: d("2024-01-01"),
                valid_to: None,
                double_centi: Some(1000),
            }],
            stored: Vec::new(),
        }
    }

    fn run(rows: &[RawRow], ctx: &Context) -> (Parsed, Checked) {
        let p = parse_report("2026-10", rows, d("2026-11-10"));
        let c = check_report(p.month.unwrap(), &p.rows, ctx);
        (p, c)
    }

    fn codes(issues: &[Issue]) -> Vec<&'static str> {
        issues.iter().map(|i| i.code).collect()
    }

    #[test]
    fn conversion_factors_and_dst() {
        let rows = [
            raw("a", "2026-10-24", "22:00", "07:00", "active"), // autumn change: 10 h
            raw("a", "2026-10-01", "08:00", "12:00", "waiting"), // 4 h → 1 h
            raw("a", "2026-10-02", "08:00", "15:00", "standby"), // 7 h → 1 h
        ];
        let (p, c) = run(&rows, &ctx());
        assert!(
            p.errors.is_empty() && c.errors.is_empty(),
            "{:?} {:?}",
            p.errors,
            c.errors
        );
        assert_eq!(c.totals.active_minutes, 600);
        assert_eq!(c.totals.waiting_minutes, 240);
        assert_eq!(c.totals.standby_minutes, 420);
        assert_eq!(c.totals.payable.to_hours_string(), "12.00");
    }

    #[test]
    fn parse_faults_point_at_fields() {
        let rows = [
            raw("a", "2026-11-01", "07:00", "08:00", "active"),
            raw("a", "2026-10-32", "7", "24:00", "nap"),
            raw("a", "2026-10-10", "24:00", "08:00", "active"),
        ];
        let p = parse_report("2026-10", &rows, d("2026-11-10"));
        let got: Vec<_> = p.errors.iter().map(|e| (e.code, e.target)).collect();
        assert!(got.contains(&(
            "date_outside_month",
            Target::Row {
                index: 0,
                field: Some(Field::Date)
            }
        )));
        assert!(got.contains(&(
            "invalid_date",
            Target::Row {
                index: 1,
                field: Some(Field::Date)
            }
        )));
        assert!(got.contains(&(
            "invalid_time",
            Target::Row {
                index: 1,
                field: Some(Field::Start)
            }
        )));
        assert!(got.contains(&(
            "invalid_kind",
            Target::Row {
                index: 1,
                field: Some(Field::Kind)
            }
        )));
        assert!(got.contains(&(
            "invalid_time",
            Target::Row {
                index: 2,
                field: Some(Field::Start)
            }
        )));
        assert!(p.rows.is_empty());
    }

    #[test]
    fn spring_gap_is_refused() {
        let rows = [raw("a", "2026-03-29", "02:30", "06:00", "active")];
        let p = parse_report("2026-03", &rows, d("2026-11-10"));
        assert_eq!(p.errors[0].code, "nonexistent_local_time");
        assert_eq!(
            p.errors[0].target,
            Target::Row {
                index: 0,
                field: Some(Field::Start)
            }
        );
    }

    #[test]
    fn future_month_and_month_in_progress() {
        let p = parse_report("2026-12", &[], d("2026-11-10"));
        assert_eq!(codes(&p.errors), ["month_in_future"]);
        let p = parse_report("2026-11", &[], d("2026-11-10"));
        assert!(p.errors.is_empty());
        let c = check_report(p.month.unwrap(), &p.rows, &ctx());
        assert_eq!(codes(&c.warnings), ["month_in_progress"]);
    }

    #[test]
    fn overlaps_within_and_across_reports() {
        let rows = [
            raw("a", "2026-10-05", "08:00", "16:00", "active"),
            raw("a", "2026-10-05", "15:00", "18:00", "active"),
            raw("a", "2026-10-05", "16:00", "17:00", "active"),
        ];
        let mut c = ctx();
        let (p, out) = run(&rows, &c);
        assert_eq!(
            codes(&out.errors),
            ["overlapping_shifts", "overlapping_shifts"]
        );
        assert_eq!(out.errors[0].related_rows, [0]);
        // Stored shifts of the same person elsewhere.
        let s = &p.rows[0].shift;
        c.stored.push(StoredShift {
            person: "p-a".into(),
            same_org: false,
            start_utc: s.start_utc,
            end_utc: s.start_utc + Duration::hours(1),
            date: d("2026-10-05"),
            kind: ShiftKind::Active,
            minutes: 60,
            report_month: "2026-10".into(),
        });
        let (_, out) = run(&rows[..1], &c);
        assert_eq!(codes(&out.errors), ["overlaps_other_employer"]);
        assert!(!out.errors[0].message.contains("2026-10"));
        c.stored[0].same_org = true;
        let (_, out) = run(&rows[..1], &c);
        assert_eq!(codes(&out.errors), ["overlaps_stored_report"]);
    }

    #[test]
    fn many_identical_shifts_give_one_fault_each() {
        let rows: Vec<RawRow> = (0..5000)
            .map(|_| raw("a", "2026-10-05", "08:00", "16:00", "active"))
            .collect();
        let (_, out) = run(&rows, &ctx());
        let overlaps = out
            .errors
            .iter()
            .filter(|e| e.code == "overlapping_shifts")
            .count();
        assert_eq!(overlaps, 4999);
    }

    #[test]
    fn back_to_back_shifts_do_not_overlap() {
        let rows = [
            raw("a", "2026-10-05", "08:00", "16:00", "active"),
            raw("a", "2026-10-05", "16:00", "08:00", "standby"),
        ];
        let (_, out) = run(&rows, &ctx());
        assert!(out.errors.is_empty(), "{:?}", out.errors);
    }

    #[test]
    fn more_than_24_hours_starting_one_day() {
        let rows = [
            raw("a", "2026-10-05", "00:00", "23:00", "active"),
            raw("a", "2026-10-05", "23:00", "02:00", "active"),
        ];
        let (_, out) = run(&rows, &ctx());
        assert_eq!(codes(&out.errors), ["day_over_24h"]);
        assert_eq!(out.errors[0].related_rows, [0]);
    }

    #[test]
    fn other_employers_hours_count_but_are_not_disclosed() {
        let mut c = ctx();
        let p = parse_report(
            "2026-10",
            &[raw("a", "2026-10-05", "00:00", "20:00", "active")],
            d("2026-11-10"),
        );
        let s = &p.rows[0].shift;
        c.stored.push(StoredShift {
            person: "p-a".into(),
            same_org: false,
            start_utc: s.end_utc,
            end_utc: s.end_utc + Duration::hours(5),
            date: d("2026-10-05"),
            kind: ShiftKind::Active,
            minutes: 300,
            report_month: "2026-10".into(),
        });
        let out = check_report(p.month.unwrap(), &p.rows, &c);
        assert_eq!(codes(&out.errors), ["day_over_24h"]);
        assert!(out.errors[0].message.contains("another employer"));
        assert!(
            !out.errors[0].message.contains("25.00"),
            "{}",
            out.errors[0].message
        );
    }

    #[test]
    fn double_assistance_rules() {
        let mut r1 = raw("a", "2026-10-05", "08:00", "12:00", "active");
        r1.double = true;
        let mut r2 = raw("b", "2026-10-05", "10:00", "14:00", "active");
        r2.double = true;
        let (_, out) = run(&[r1.clone(), r2.clone()], &ctx());
        assert!(out.errors.is_empty(), "{:?}", out.errors);
        // Alone: no partner.
        let (_, out) = run(&[r1.clone()], &ctx());
        assert_eq!(codes(&out.errors), ["double_without_overlap"]);
        // Not granted.
        let mut c = ctx();
        c.decisions[0].double_centi = None;
        let (_, out) = run(&[r1, r2], &c);
        assert_eq!(
            codes(&out.errors),
            ["double_not_granted", "double_not_granted"]
        );
    }

    #[test]
    fn employment_registration_and_warnings() {
        let mut c = ctx();
        let a = c.assistants.get_mut("a").unwrap();
        a.employments[0].registered_with_fk_on = Some(d("2026-10-10"));
        a.lives_in_eea = false;
        a.birth_date = d("2008-10-08"); // turns 18 on the 8th
        c.decisions[0].valid_from = d("2026-10-07");
        let mut hospital = raw("a", "2026-10-09", "08:00", "10:00", "active");
        hospital.hospital = true;
        let rows = [
            raw("a", "2026-10-06", "08:00", "12:00", "active"),
            hospital,
            raw("a", "2026-10-12", "08:00", "12:00", "active"),
        ];
        let (_, out) = run(&rows, &c);
        assert!(out.errors.is_empty(), "{:?}", out.errors);
        let w = codes(&out.warnings);
        assert_eq!(
            w.iter()
                .filter(|c| **c == "assistant_not_registered_with_fk")
                .count(),
            2
        );
        assert_eq!(w.iter().filter(|c| **c == "no_decision").count(), 1);
        assert_eq!(w.iter().filter(|c| **c == "assistant_under_18").count(), 1);
        assert_eq!(
            w.iter().filter(|c| **c == "assistant_outside_eea").count(),
            3
        );
        assert_eq!(w.iter().filter(|c| **c == "hospital_stay").count(), 1);
        assert_eq!(out.payable, [false, false, true]);
        assert_eq!(out.totals.payable.to_hours_string(), "4.00");
        assert_eq!(out.totals.not_payable.to_hours_string(), "6.00");
        // Not employed on the date; unknown assistant.
        c.assistants.get_mut("a").unwrap().employments[0].end = Some(d("2026-10-01"));
        let (_, out) = run(
            &[
                raw("a", "2026-10-06", "08:00", "12:00", "active"),
                raw("zz", "2026-10-06", "08:00", "12:00", "active"),
            ],
            &c,
        );
        assert_eq!(codes(&out.errors), ["not_employed", "unknown_assistant"]);
    }

    #[test]
    fn working_time_limit() {
        // 12 h every day of October, and of the months before with another
        // employer: 84 h/week over the four-month reference period.
        let rows: Vec<RawRow> = (1..=31)
            .map(|day| {
                raw(
                    "a",
                    &format!("2026-10-{day:02}"),
                    "08:00",
                    "20:00",
                    "active",
                )
            })
            .collect();
        let (_, out) = run(&rows, &ctx());
        assert!(
            !codes(&out.warnings).contains(&"working_time_exceeded"),
            "one month alone averages out"
        );
        let mut c = ctx();
        let mut day = d("2026-06-01");
        while day < d("2026-10-01") {
            let start = day.and_hms_opt(6, 0, 0).unwrap().and_utc();
            c.stored.push(StoredShift {
                person: "p-a".into(),
                same_org: false,
                start_utc: start,
                end_utc: start + Duration::hours(12),
                date: day,
                kind: ShiftKind::Active,
                minutes: 720,
                report_month: String::new(),
            });
            day += Duration::days(1);
        }
        let (_, out) = run(&rows, &c);
        let w: Vec<_> = out
            .warnings
            .iter()
            .filter(|w| w.code == "working_time_exceeded")
            .collect();
        assert_eq!(w.len(), 1);
        assert_eq!(
            w[0].target,
            Target::Row {
                index: 0,
                field: Some(Field::AssistantId)
            }
        );
        // 8 h on weekdays only is within 48 h/week.
        let rows: Vec<RawRow> = (1..=31)
            .map(|day| d(&format!("2026-10-{day:02}")))
            .filter(|d| chrono::Datelike::weekday(d).number_from_monday() <= 5)
            .map(|d| raw("a", &d.to_string(), "08:00", "16:00", "active"))
            .collect();
        let (_, out) = run(&rows, &ctx());
        assert!(!codes(&out.warnings).contains(&"working_time_exceeded"));
    }

    #[test]
    fn day_totals_split_payable_double_and_working_time() {
        let mut double = raw("a", "2026-10-01", "08:00", "10:00", "active");
        double.double = true;
        let rows = [
            raw("a", "2026-10-01", "12:00", "16:00", "waiting"),
            double,
            raw("a", "2026-10-01", "18:00", "01:00", "standby"),
            raw("b", "2026-10-01", "08:00", "09:00", "active"),
        ];
        let p = parse_report("2026-10", &rows, d("2026-11-10"));
        let t = day_totals(&p.rows, &[true, true, true, false]);
        assert_eq!(t.len(), 2);
        assert_eq!(t[0].assistant_id, "a");
        assert_eq!(t[0].payable.to_hours_string(), "4.00"); // 1 + 2 + 1
        assert_eq!(t[0].double.to_hours_string(), "2.00");
        assert_eq!(t[0].working_minutes, 360);
        assert_eq!(t[1].not_payable.to_hours_string(), "1.00");
    }

    #[test]
    fn hash_ignores_order_and_notation() {
        let a = parse_report(
            "2026-10",
            &[
                raw("a", "2026-10-01", "7:00", "15:30", "active"),
                raw("b", "2026-10-02", "08:00", "09:00", "waiting"),
            ],
            d("2026-11-10"),
        );
        let b = parse_report(
            "2026-10",
            &[
                raw("b", "2026-10-02", "08:00:00", "09:00", "waiting"),
                raw("a", "2026-10-01", "07:00", "15:30", "active"),
            ],
            d("2026-11-10"),
        );
        assert_eq!(content_hash(&a.rows), content_hash(&b.rows));
        let c = parse_report(
            "2026-10",
            &[raw("a", "2026-10-01", "07:00", "15:31", "active")],
            d("2026-11-10"),
        );
        assert_ne!(content_hash(&a.rows), content_hash(&c.rows));
    }
}
