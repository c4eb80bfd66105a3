//! Register queries: organisations, assistance users, decisions, assistants,
//! employments and rates. Every organisation-owned query takes the caller's
//! [`Scope`], so tenancy is enforced where the data is read.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::schema::{assistance_users, assistants, decisions, employments, organisations, rates};
use super::DbConn;
use crate::db::page::Page;
use crate::db::Scope;
use crate::domain::register::{WorkingTimeLimit, WorkingTimeRule};

macro_rules! scoped {
    ($query:expr, $col:expr, $scope:expr) => {{
        let mut q = $query.into_boxed();
        if let Some(org) = $scope.org() {
            q = q.filter($col.eq(org.to_string()));
        }
        q
    }};
}

macro_rules! paged {
    ($query:expr, $id:expr, $page:expr) => {{
        let mut q = $query.order($id.asc()).limit($page.limit + 1);
        if let Some(after) = &$page.after {
            q = q.filter($id.gt(after.clone()));
        }
        q
    }};
}

// ---- organisations -------------------------------------------------------

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = organisations)]
pub struct OrganisationRow {
    pub id: String,
    pub kind: String,
    pub identity_number: String,
    pub name: String,
    pub ivo_permit: Option<bool>,
    pub f_tax: Option<bool>,
    pub internal_cutoff_day: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// The PAXml code table, a JSON object (`domain::paxml::PaxmlCodes`).
    pub paxml_codes: String,
}

#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = organisations)]
pub struct OrganisationChanges {
    pub name: Option<String>,
    pub ivo_permit: Option<Option<bool>>,
    pub f_tax: Option<Option<bool>>,
    pub internal_cutoff_day: Option<i32>,
    pub updated_at: Option<NaiveDateTime>,
    pub paxml_codes: Option<String>,
}

pub fn insert_organisation(conn: &mut DbConn, row: &OrganisationRow) -> QueryResult<()> {
    diesel::insert_into(organisations::table)
        .values(row)
        .execute(conn)
        .map(drop)
}

pub fn get_organisation(
    conn: &mut DbConn,
    scope: &Scope,
    id: &str,
) -> QueryResult<Option<OrganisationRow>> {
    scoped!(organisations::table, organisations::id, scope)
        .filter(organisations::id.eq(id))
        .select(OrganisationRow::as_select())
        .first(conn)
        .optional()
}

pub fn list_organisations(
    conn: &mut DbConn,
    scope: &Scope,
    page: &Page,
) -> QueryResult<Vec<OrganisationRow>> {
    let q = scoped!(organisations::table, organisations::id, scope);
    paged!(q, organisations::id, page)
        .select(OrganisationRow::as_select())
        .load(conn)
}

pub fn update_organisation(
    conn: &mut DbConn,
    id: &str,
    changes: &OrganisationChanges,
) -> QueryResult<()> {
    diesel::update(organisations::table.filter(organisations::id.eq(id)))
        .set(changes)
        .execute(conn)
        .map(drop)
}

/// The internal cut-off day of an organisation (default when unknown).
pub fn cutoff_day(conn: &mut DbConn, org_id: &str) -> QueryResult<u32> {
    let day: Option<i32> = organisations::table
        .filter(organisations::id.eq(org_id))
        .select(organisations::internal_cutoff_day)
        .first(conn)
        .optional()?;
    Ok(
        day.map_or(crate::domain::deadline::DEFAULT_INTERNAL_CUTOFF_DAY, |d| {
            d as u32
        }),
    )
}

/// Hands out `n` PAXml `postid`s of an organisation: the first of `n`
/// consecutive numbers. The counter row is updated in the caller's
/// transaction, so a rolled-back submission (or a dry run) uses none, and
/// two transactions never get the same numbers.
pub fn reserve_postids(conn: &mut DbConn, org_id: &str, n: usize) -> QueryResult<i32> {
    let n = n as i64;
    let next: i64 = diesel::update(organisations::table.filter(organisations::id.eq(org_id)))
        .set(organisations::next_postid.eq(organisations::next_postid + n))
        .returning(organisations::next_postid)
        .get_result(conn)?;
    // `postid` is an xs:int: 2^31 − 1 rows per organisation, centuries at
    // the largest provider's pace; refuse rather than wrap.
    i32::try_from(next - 1)
        .ok()
        .and_then(|_| i32::try_from(next - n).ok())
        .ok_or_else(|| {
            diesel::result::Error::QueryBuilderError(
                "the organisation's PAXml postid counter is exhausted".into(),
            )
        })
}

/// Gives back the unused part of a reservation made in this transaction
/// ([`reserve_postids`] holds the organisation's row until it ends): the
/// counter is left where reserving row by row would have left it.
pub fn set_next_postid(conn: &mut DbConn, org_id: &str, next: i64) -> QueryResult<()> {
    diesel::update(organisations::table.filter(organisations::id.eq(org_id)))
        .set(organisations::next_postid.eq(next))
        .execute(conn)
        .map(drop)
}

// ---- assistance users ----------------------------------------------------

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = assistance_users)]
pub struct AssistanceUserRow {
    pub id: String,
    pub organisation_id: String,
    pub personnummer: String,
    pub name: String,
    pub created_at: NaiveDateTime,
}

pub fn insert_assistance_user(conn: &mut DbConn, row: &AssistanceUserRow) -> QueryResult<()> {
    diesel::insert_into(assistance_users::table)
        .values(row)
        .execute(conn)
        .map(drop)
}

pub fn get_assistance_user(
    conn: &mut DbConn,
    scope: &Scope,
    id: &str,
) -> QueryResult<Option<AssistanceUserRow>> {
    scoped!(
        assistance_users::table,
        assistance_users::organisation_id,
        scope
    )
    .filter(assistance_users::id.eq(id))
    .select(AssistanceUserRow::as_select())
    .first(conn)
    .optional()
}

/// The organisation's assistance users among `ids`, by primary key.
pub fn get_assistance_users(
    conn: &mut DbConn,
    org_id: &str,
    ids: &[String],
) -> QueryResult<Vec<AssistanceUserRow>> {
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        out.extend(
            assistance_users::table
                .filter(assistance_users::id.eq_any(chunk))
                .select(AssistanceUserRow::as_select())
                .load::<AssistanceUserRow>(conn)?
                .into_iter()
                .filter(|u| u.organisation_id == org_id),
        );
    }
    Ok(out)
}

/// Personnummer → id of each of the organisation's assistance users and
/// assistants: what a file import resolves its people with, in two queries
/// whatever the number of people it names (a provider's register is at most
/// some thousands of rows).
pub fn people_by_number(
    conn: &mut DbConn,
    org_id: &str,
) -> QueryResult<(
    std::collections::HashMap<String, String>,
    std::collections::HashMap<String, String>,
)> {
    let users = assistance_users::table
        .filter(assistance_users::organisation_id.eq(org_id))
        .select((assistance_users::personnummer, assistance_users::id))
        .load::<(String, String)>(conn)?
        .into_iter()
        .collect();
    let assistants = assistants::table
        .filter(assistants::organisation_id.eq(org_id))
        .select((assistants::personnummer, assistants::id))
        .load::<(String, String)>(conn)?
        .into_iter()
        .collect();
    Ok((users, assistants))
}

pub fn find_assistance_user_by_number(
    conn: &mut DbConn,
    org_id: &str,
    personnummer: &str,
) -> QueryResult<Option<AssistanceUserRow>> {
    assistance_users::table
        .filter(assistance_users::organisation_id.eq(org_id))
        .filter(assistance_users::personnummer.eq(personnummer))
        .select(AssistanceUserRow::as_select())
        .first(conn)
        .optional()
}

pub fn list_assistance_users(
    conn: &mut DbConn,
    scope: &Scope,
    personnummer: Option<&str>,
    page: &Page,
) -> QueryResult<Vec<AssistanceUserRow>> {
    let mut q = scoped!(
        assistance_users::table,
        assistance_users::organisation_id,
        scope
    );
    if let Some(p) = personnummer {
        q = q.filter(assistance_users::personnummer.eq(p.to_string()));
    }
    paged!(q, assistance_users::id, page)
        .select(AssistanceUserRow::as_select())
        .load(conn)
}

// ---- decisions -----------------------------------------------------------

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = decisions, treat_none_as_null = true)]
pub struct DecisionRow {
    pub id: String,
    pub organisation_id: String,
    pub assistance_user_id: String,
    pub hours_per_week_centi: i64,
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
    pub grant_period_months: i32,
    pub rate_kind: String,
    pub higher_rate_ore: Option<i64>,
    pub double_hours_per_week_centi: Option<i64>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

pub fn insert_decision(conn: &mut DbConn, row: &DecisionRow) -> QueryResult<()> {
    diesel::insert_into(decisions::table)
        .values(row)
        .execute(conn)
        .map(drop)
}

/// Replaces a decision's values (the caller merged the patch).
pub fn save_decision(conn: &mut DbConn, row: &DecisionRow) -> QueryResult<()> {
    diesel::update(decisions::table.filter(decisions::id.eq(&row.id)))
        .set(row)
        .execute(conn)
        .map(drop)
}

pub fn get_decision(
    conn: &mut DbConn,
    scope: &Scope,
    id: &str,
) -> QueryResult<Option<DecisionRow>> {
    scoped!(decisions::table, decisions::organisation_id, scope)
        .filter(decisions::id.eq(id))
        .select(DecisionRow::as_select())
        .first(conn)
        .optional()
}

pub fn list_decisions(
    conn: &mut DbConn,
    scope: &Scope,
    assistance_user_id: Option<&str>,
    page: &Page,
) -> QueryResult<Vec<DecisionRow>> {
    let mut q = scoped!(decisions::table, decisions::organisation_id, scope);
    if let Some(u) = assistance_user_id {
        q = q.filter(decisions::assistance_user_id.eq(u.to_string()));
    }
    paged!(q, decisions::id, page)
        .select(DecisionRow::as_select())
        .load(conn)
}

/// Every decision of a user, oldest first.
pub fn all_decisions_for_user(
    conn: &mut DbConn,
    org_id: &str,
    assistance_user_id: &str,
) -> QueryResult<Vec<DecisionRow>> {
    decisions::table
        .filter(decisions::organisation_id.eq(org_id))
        .filter(decisions::assistance_user_id.eq(assistance_user_id))
        .order((decisions::valid_from.asc(), decisions::id.asc()))
        .select(DecisionRow::as_select())
        .load(conn)
}

/// Every decision of these users in the organisation, oldest first per user
/// (as [`decisions_for_user`] orders them).
pub fn decisions_of_users(
    conn: &mut DbConn,
    org_id: &str,
    users: &[String],
) -> QueryResult<Vec<DecisionRow>> {
    let mut out = Vec::new();
    for chunk in users.chunks(500) {
        out.extend(
            decisions::table
                .filter(decisions::assistance_user_id.eq_any(chunk))
                .order((decisions::valid_from.asc(), decisions::id.asc()))
                .select(DecisionRow::as_select())
                .load::<DecisionRow>(conn)?
                .into_iter()
                .filter(|d| d.organisation_id == org_id),
        );
    }
    Ok(out)
}

/// Decisions of a user that overlap `[from, to]`.
pub fn decisions_for_user(
    conn: &mut DbConn,
    org_id: &str,
    assistance_user_id: &str,
    from: NaiveDate,
    to: NaiveDate,
) -> QueryResult<Vec<DecisionRow>> {
    // By the user's index only (an organisation term would let the planner
    // walk the provider's decisions); the organisation is checked here.
    Ok(decisions::table
        .filter(decisions::assistance_user_id.eq(assistance_user_id))
        .filter(decisions::valid_from.le(to))
        .filter(
            decisions::valid_to
                .is_null()
                .or(decisions::valid_to.ge(from)),
        )
        .order((decisions::valid_from.asc(), decisions::id.asc()))
        .select(DecisionRow::as_select())
        .load::<DecisionRow>(conn)?
        .into_iter()
        .filter(|d| d.organisation_id == org_id)
        .collect())
}

// ---- assistants ----------------------------------------------------------

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = assistants)]
pub struct AssistantRow {
    pub id: String,
    pub organisation_id: String,
    pub personnummer: String,
    pub name: String,
    pub lives_in_eea: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = assistants)]
pub struct AssistantChanges {
    pub name: Option<String>,
    pub lives_in_eea: Option<bool>,
    pub updated_at: Option<NaiveDateTime>,
}

pub fn insert_assistant(conn: &mut DbConn, row: &AssistantRow) -> QueryResult<()> {
    diesel::insert_into(assistants::table)
        .values(row)
        .execute(conn)
        .map(drop)
}

pub fn update_assistant(
    conn: &mut DbConn,
    id: &str,
    changes: &AssistantChanges,
) -> QueryResult<()> {
    diesel::update(assistants::table.filter(assistants::id.eq(id)))
        .set(changes)
        .execute(conn)
        .map(drop)
}

pub fn get_assistant(
    conn: &mut DbConn,
    scope: &Scope,
    id: &str,
) -> QueryResult<Option<AssistantRow>> {
    scoped!(assistants::table, assistants::organisation_id, scope)
        .filter(assistants::id.eq(id))
        .select(AssistantRow::as_select())
        .first(conn)
        .optional()
}

pub fn get_assistants(
    conn: &mut DbConn,
    org_id: &str,
    ids: &[String],
) -> QueryResult<Vec<AssistantRow>> {
    let mut out = Vec::with_capacity(ids.len());
    // By primary key only: with the organisation in the WHERE clause the
    // planners walk the `(organisation_id, personnummer)` index, that is
    // every assistant of the provider. The organisation is checked here.
    // Chunked to stay under bind-parameter limits.
    for chunk in ids.chunks(500) {
        out.extend(
            assistants::table
                .filter(assistants::id.eq_any(chunk))
                .select(AssistantRow::as_select())
                .load::<AssistantRow>(conn)?
                .into_iter()
                .filter(|a| a.organisation_id == org_id),
        );
    }
    Ok(out)
}

pub fn find_assistant_by_number(
    conn: &mut DbConn,
    org_id: &str,
    personnummer: &str,
) -> QueryResult<Option<AssistantRow>> {
    assistants::table
        .filter(assistants::organisation_id.eq(org_id))
        .filter(assistants::personnummer.eq(personnummer))
        .select(AssistantRow::as_select())
        .first(conn)
        .optional()
}

pub fn list_assistants(
    conn: &mut DbConn,
    scope: &Scope,
    personnummer: Option<&str>,
    page: &Page,
) -> QueryResult<Vec<AssistantRow>> {
    let mut q = scoped!(assistants::table, assistants::organisation_id, scope);
    if let Some(p) = personnummer {
        q = q.filter(assistants::personnummer.eq(p.to_string()));
    }
    paged!(q, assistants::id, page)
        .select(AssistantRow::as_select())
        .load(conn)
}

// ---- employments ---------------------------------------------------------

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = employments, treat_none_as_null = true)]
pub struct EmploymentRow {
    pub id: String,
    pub organisation_id: String,
    pub assistant_id: String,
    pub assistance_user_id: String,
    pub start_date: NaiveDate,
    pub end_date: Option<NaiveDate>,
    pub registered_with_fk_on: Option<NaiveDate>,
    pub shares_household: bool,
    pub working_time_rule: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// Hundredths of an hour per week; null = the rule's default.
    pub working_time_limit_centi: Option<i64>,
    /// Days in the reference period; null = the rule's default.
    pub working_time_reference_days: Option<i32>,
}

impl EmploymentRow {
    /// The rule and the limit in force for this employment.
    pub fn working_time(&self) -> (WorkingTimeRule, WorkingTimeLimit) {
        let rule = WorkingTimeRule::parse(&self.working_time_rule)
            .unwrap_or(WorkingTimeRule::WorkingHoursAct);
        let default = rule.limit();
        (
            rule,
            WorkingTimeLimit {
                hours_per_week_centi: self
                    .working_time_limit_centi
                    .unwrap_or(default.hours_per_week_centi),
                reference_days: self
                    .working_time_reference_days
                    .map_or(default.reference_days, i64::from),
            },
        )
    }
}

pub fn insert_employment(conn: &mut DbConn, row: &EmploymentRow) -> QueryResult<()> {
    diesel::insert_into(employments::table)
        .values(row)
        .execute(conn)
        .map(drop)
}

pub fn save_employment(conn: &mut DbConn, row: &EmploymentRow) -> QueryResult<()> {
    diesel::update(employments::table.filter(employments::id.eq(&row.id)))
        .set(row)
        .execute(conn)
        .map(drop)
}

pub fn get_employment(
    conn: &mut DbConn,
    scope: &Scope,
    id: &str,
) -> QueryResult<Option<EmploymentRow>> {
    scoped!(employments::table, employments::organisation_id, scope)
        .filter(employments::id.eq(id))
        .select(EmploymentRow::as_select())
        .first(conn)
        .optional()
}

pub fn list_employments(
    conn: &mut DbConn,
    scope: &Scope,
    assistant_id: Option<&str>,
    assistance_user_id: Option<&str>,
    page: &Page,
) -> QueryResult<Vec<EmploymentRow>> {
    let mut q = scoped!(employments::table, employments::organisation_id, scope);
    if let Some(a) = assistant_id {
        q = q.filter(employments::assistant_id.eq(a.to_string()));
    }
    if let Some(u) = assistance_user_id {
        q = q.filter(employments::assistance_user_id.eq(u.to_string()));
    }
    paged!(q, employments::id, page)
        .select(EmploymentRow::as_select())
        .load(conn)
}

/// All employments of these assistants, in any organisation (working-time
/// rules follow the person across employers).
pub fn employments_of_assistants(
    conn: &mut DbConn,
    assistant_ids: &[String],
) -> QueryResult<Vec<EmploymentRow>> {
    let mut out = Vec::new();
    for chunk in assistant_ids.chunks(500) {
        out.extend(
            employments::table
                .filter(employments::assistant_id.eq_any(chunk))
                .select(EmploymentRow::as_select())
                .load(conn)?,
        );
    }
    Ok(out)
}

// ---- rates ---------------------------------------------------------------

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = rates)]
pub struct RateRow {
    pub year: i32,
    pub ore_per_hour: i64,
    pub source: String,
    pub updated_at: NaiveDateTime,
}

pub fn list_rates(conn: &mut DbConn) -> QueryResult<Vec<RateRow>> {
    rates::table
        .order(rates::year.asc())
        .select(RateRow::as_select())
        .load(conn)
}

pub fn get_rate(conn: &mut DbConn, year: i32) -> QueryResult<Option<RateRow>> {
    rates::table
        .filter(rates::year.eq(year))
        .select(RateRow::as_select())
        .first(conn)
        .optional()
}

/// Inserts or replaces a year's rate; returns whether it was new. (No
/// `ON CONFLICT`: `MultiConnection` speaks only the SQL both backends share.)
pub fn put_rate(conn: &mut DbConn, row: &RateRow) -> QueryResult<bool> {
    let updated = diesel::update(rates::table.filter(rates::year.eq(row.year)))
        .set(row)
        .execute(conn)?;
    if updated == 0 {
        diesel::insert_into(rates::table)
            .values(row)
            .execute(conn)?;
        return Ok(true);
    }
    Ok(false)
}
