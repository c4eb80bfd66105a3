//! Benchmarks for redovisa (issue 7): what the report rules, the submission
//! pipeline and the compliance dashboard cost, each printed as a ratio
//! against a baseline measured in the same run, on the same machine and
//! the same database.
//!
//! ```sh
//! cargo bench --bench redovisa                       # full scale, SQLite
//! cargo bench --bench redovisa -- --quick            # short run (smaller sizes)
//! cargo bench --bench redovisa -- --postgres         # also PostgreSQL
//! cargo bench --bench redovisa -- validate submit    # only the named cases
//! ```
//!
//! PostgreSQL is reached at `REDOVISA_TEST_PG_URL` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`); the benchmark creates its
//! own databases there and drops them when it ends. SQLite files go to a
//! temporary directory under `target/`. What each case measures and why its
//! baseline: `docs/benchmarks.md`.

use std::collections::HashMap;
use std::hint::black_box;
use std::time::{Duration, Instant};

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};
use diesel::prelude::*;
use diesel::r2d2::{Pool, PooledConnection};

use redovisa::db::register::{
    insert_organisation, AssistanceUserRow, AssistantRow, DecisionRow, EmploymentRow,
    OrganisationRow,
};
use redovisa::db::schema::{
    assistance_users, assistants, decisions, employments, time_report_days, time_report_versions,
    time_reports,
};
use redovisa::db::time_reports::{DayRow, ReportRow, RowRow, VersionRow};
use redovisa::db::{build_pool, run_migrations, Backend, DatabaseUrl, DbConn, Manager};
use redovisa::domain::deadline::{fk_due_date, internal_due_date, DeadlinePolicy};
use redovisa::domain::month::ReportMonth;
use redovisa::domain::quantity::PayableUnits;
use redovisa::domain::register::WorkingTimeRule;
use redovisa::domain::report::{
    check_report, parse_report, AssistantFacts, Context, DecisionFacts, EmploymentFacts, ParsedRow,
    RawRow, StoredShift,
};
use redovisa::domain::shift::ShiftKind;
use redovisa::http::auth::Scope;
use redovisa::http::time_reports::{CreateTimeReport, RowInput};
use redovisa::service::dashboard::{compliance, InvoiceStatuses};
use redovisa::service::late::LateContext;
use redovisa::service::submission::{lock_keys, submit, Env, Outcome, Submission};

// ---- configuration ---------------------------------------------------------

struct Config {
    quick: bool,
    postgres: bool,
    /// Case-name prefixes to run; empty runs all.
    only: Vec<String>,
}

impl Config {
    fn from_args() -> Self {
        let mut cfg = Config {
            quick: false,
            postgres: false,
            only: Vec::new(),
        };
        for arg in std::env::args().skip(1) {
            match arg.as_str() {
                "--quick" => cfg.quick = true,
                "--postgres" => cfg.postgres = true,
                // `cargo bench` passes `--bench`; other flags are ignored too.
                a if a.starts_with('-') => {}
                a => cfg.only.push(a.to_string()),
            }
        }
        cfg
    }

    fn wants(&self, case: &str) -> bool {
        self.only.is_empty() || self.only.iter().any(|o| case.starts_with(o.as_str()))
    }

    fn backends(&self) -> Vec<Backend> {
        let mut b = vec![Backend::Sqlite];
        if self.postgres {
            b.push(Backend::Postgres);
        }
        b
    }

    fn pick<T>(&self, quick: T, full: T) -> T {
        if self.quick {
            quick
        } else {
            full
        }
    }
}

// ---- results ---------------------------------------------------------------

/// One printed result: a measured operation and its baseline.
struct Line {
    case: String,
    db: &'static str,
    n: String,
    median: Duration,
    throughput: String,
    baseline: String,
    baseline_median: Duration,
}

impl Line {
    fn ratio(&self) -> f64 {
        self.median.as_secs_f64() / self.baseline_median.as_secs_f64().max(1e-12)
    }

    fn print(&self) {
        println!(
            "  {:<44} {:<10} {:>20} {:>10} {:>20}   vs {:<34} {:>10} {:>9}",
            self.case,
            self.db,
            self.n,
            fmt_duration(self.median),
            self.throughput,
            self.baseline,
            fmt_duration(self.baseline_median),
            format!("{:.1}x", self.ratio()),
        );
    }
}

fn median(mut v: Vec<Duration>) -> Duration {
    assert!(!v.is_empty(), "no samples");
    v.sort_unstable();
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2
    }
}

fn fmt_duration(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s >= 1.0 {
        format!("{s:.2} s")
    } else if s >= 1e-3 {
        format!("{:.2} ms", s * 1e3)
    } else {
        format!("{:.1} µs", s * 1e6)
    }
}

fn fmt_rate(per_second: f64, unit: &str) -> String {
    if per_second >= 1e6 {
        format!("{:.2} M {unit}/s", per_second / 1e6)
    } else if per_second >= 1e3 {
        format!("{:.1} k {unit}/s", per_second / 1e3)
    } else {
        format!("{per_second:.1} {unit}/s")
    }
}

/// Thousands separated by a space, as in the docs (20 000).
fn fmt_count(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(' ');
        }
        out.push(c);
    }
    out
}

fn timed<T>(f: impl FnOnce() -> T) -> (T, Duration) {
    let start = Instant::now();
    let out = f();
    (out, start.elapsed())
}

/// Most time spent on one measured operation; past it, fewer iterations
/// (at least three) are run.
const TIME_BUDGET: Duration = Duration::from_secs(8);

/// Times `measured` and `baseline` alternately on the same state, after one
/// untimed run of each, so that drift (frequency scaling, caches, a
/// neighbour's build) affects both alike. Runs `iterations` pairs, or fewer
/// (at least three) once `measured` has used [`TIME_BUDGET`]. Returns the
/// medians and the number of pairs.
fn paired<S: ?Sized>(
    state: &mut S,
    iterations: usize,
    mut measured: impl FnMut(&mut S),
    mut baseline: impl FnMut(&mut S),
) -> (Duration, Duration, usize) {
    measured(state);
    baseline(state);
    let (mut m, mut b) = (Vec::new(), Vec::new());
    while m.len() < iterations {
        b.push(timed(|| baseline(state)).1);
        m.push(timed(|| measured(state)).1);
        if m.len() >= 3 && m.iter().sum::<Duration>() > TIME_BUDGET {
            break;
        }
    }
    let n = m.len();
    (median(m), median(b), n)
}

// ---- test data -------------------------------------------------------------

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
}

fn month(y: i32, m: u32) -> ReportMonth {
    ReportMonth::new(y, m).expect("valid month")
}

/// The month the benchmarks report, and when they do it (before FK's
/// deadline, 2026-11-05).
fn bench_month() -> ReportMonth {
    month(2026, 9)
}

fn bench_now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 10, 20, 10, 0, 0)
        .single()
        .expect("valid instant")
}

fn bench_today() -> NaiveDate {
    date(2026, 10, 20)
}

fn seed_time() -> NaiveDateTime {
    bench_now().naive_utc()
}

fn luhn_digit(nine: &str) -> u32 {
    redovisa::domain::identity::luhn_check_digit(nine.as_bytes())
}

/// A valid 12-digit personnummer, distinct for each `i` below 365 000;
/// `base_year` keeps users and assistants apart.
fn pnr(base_year: i32, i: usize) -> String {
    let born = date(base_year, 1, 1) + chrono::Duration::days((i / 1000) as i64);
    let serial = i % 1000;
    let ymd = born.format("%Y%m%d").to_string();
    let nine = format!("{}{serial:03}", &ymd[2..]);
    format!("{ymd}{serial:03}{}", luhn_digit(&nine))
}

/// A valid organisationsnummer `556NNN-NNNC`.
fn orgnr(i: usize) -> String {
    let nine = format!("556{:06}", i);
    format!("{}-{}{}", &nine[..6], &nine[6..], luhn_digit(&nine))
}

fn id() -> String {
    uuid::Uuid::new_v4().to_string()
}

fn hhmm(minutes: u32) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

/// A dense report for case 1: `per_assistant` rows for each assistant, up
/// to 17 shifts of 75 minutes a day (day rows in `(date, slot, assistant)`
/// order), active, waiting or standby by slot. With `double`, each day's
/// first slot is double assistance (all assistants work it together).
fn dense_rows(m: ReportMonth, assistants: &[String], total: usize, double: bool) -> Vec<RawRow> {
    let mut rows = Vec::with_capacity(total);
    'days: for d in m.iter_days() {
        for slot in 0..17u32 {
            for a in assistants {
                if rows.len() == total {
                    break 'days;
                }
                let start = slot * 80;
                let kind = match slot {
                    0..=11 => None,
                    12..=13 => Some("waiting".to_string()),
                    _ => Some("standby".to_string()),
                };
                rows.push(RawRow {
                    assistant_id: a.clone(),
                    date: d.to_string(),
                    start: hhmm(start),
                    end: hhmm(start + 75),
                    kind,
                    double: double && slot == 0,
                    hospital: false,
                    clock_assumed: false,
                });
            }
        }
    }
    assert_eq!(rows.len(), total, "month too short for {total} rows");
    rows
}

/// One assistance user's ordinary month (cases 2 and 3): every day a day
/// shift 07–17 and an evening shift 17–22 of active assistance and a night
/// 22–07 on standby, rotating over the user's assistants: 3 rows a day.
fn month_shifts(m: ReportMonth) -> impl Iterator<Item = (NaiveDate, usize, u32, u32, ShiftKind)> {
    static SHIFTS: [(u32, u32, ShiftKind); 3] = [
        (7 * 60, 17 * 60, ShiftKind::Active),
        (17 * 60, 22 * 60, ShiftKind::Active),
        (22 * 60, 7 * 60, ShiftKind::Standby),
    ];
    m.iter_days().enumerate().flat_map(|(d, day)| {
        SHIFTS
            .iter()
            .enumerate()
            .map(move |(i, &(s, e, k))| (day, d + i, s, e, k))
    })
}

fn shift_minutes(start: u32, end: u32) -> i64 {
    i64::from(if end > start {
        end - start
    } else {
        end + 1440 - start
    })
}

fn ordinary_rows(m: ReportMonth, assistants: &[String]) -> Vec<RawRow> {
    month_shifts(m)
        .map(|(day, turn, s, e, kind)| RawRow {
            assistant_id: assistants[turn % assistants.len()].clone(),
            date: day.to_string(),
            start: hhmm(s),
            end: hhmm(e),
            kind: (kind != ShiftKind::Active).then(|| kind.as_str().to_string()),
            double: false,
            hospital: false,
            clock_assumed: false,
        })
        .collect()
}

/// The day totals the pipeline would store for [`ordinary_rows`].
fn ordinary_days(m: ReportMonth, version_id: &str, assistants: &[String]) -> (Vec<DayRow>, i64) {
    let mut days: HashMap<(usize, NaiveDate), DayRow> = HashMap::new();
    let mut total = 0;
    for (day, turn, s, e, kind) in month_shifts(m) {
        let a = turn % assistants.len();
        let minutes = shift_minutes(s, e);
        let units = PayableUnits::of(kind, minutes).0;
        total += units;
        let t = days.entry((a, day)).or_insert_with(|| DayRow {
            version_id: version_id.to_string(),
            assistant_id: assistants[a].clone(),
            work_date: day,
            payable_units: 0,
            not_payable_units: 0,
            double_units: 0,
            working_minutes: 0,
        });
        t.payable_units += units;
        if kind != ShiftKind::Standby {
            t.working_minutes += minutes;
        }
    }
    let mut days: Vec<DayRow> = days.into_values().collect();
    days.sort_by(|a, b| (a.work_date, &a.assistant_id).cmp(&(b.work_date, &b.assistant_id)));
    (days, total)
}

fn row_rows(version_id: &str, rows: &[ParsedRow]) -> Vec<RowRow> {
    rows.iter()
        .map(|r| RowRow {
            version_id: version_id.to_string(),
            row_index: r.index as i32,
            assistant_id: r.assistant_id.clone(),
            work_date: r.date,
            start_time: r.start.to_string(),
            end_time: r.end.to_string(),
            kind: r.kind.as_str().to_string(),
            is_double: r.double,
            hospital: r.hospital,
            start_utc: r.shift.start_utc.naive_utc(),
            end_utc: r.shift.end_utc.naive_utc(),
            minutes: r.minutes(),
            payable: true,
            // Benchmarks read no postids; unique within the report only.
            postid: r.index as i32 + 1,
            clock_assumed: false,
            unpaid_minutes: 0,
        })
        .collect()
}

fn version_row(
    report_id: &str,
    version: i32,
    m: ReportMonth,
    on_time: bool,
    row_count: i32,
    payable_units: i64,
    warning_counts: &str,
) -> VersionRow {
    let policy = DeadlinePolicy::default();
    VersionRow {
        id: id(),
        report_id: report_id.to_string(),
        version,
        received_at: seed_time(),
        submitted_by: "bench".into(),
        correction_reason: (version > 1).then(|| "bench correction".to_string()),
        content_hash: format!("{:064x}", version),
        due_date: fk_due_date(m, policy),
        internal_due_date: internal_due_date(m, 5, policy),
        on_time,
        row_count,
        active_minutes: 0,
        waiting_minutes: 0,
        standby_minutes: 0,
        payable_units,
        not_payable_units: 0,
        warnings: "[]".into(),
        warning_counts: warning_counts.into(),
        voided_at: None,
        void_reason: None,
    }
}

fn report_row(org: &str, user: &str, m: ReportMonth, current_version: i32) -> ReportRow {
    ReportRow {
        id: id(),
        organisation_id: org.to_string(),
        assistance_user_id: user.to_string(),
        month: m.to_string(),
        current_version,
        created_at: seed_time(),
        updated_at: seed_time(),
    }
}

// ---- databases -------------------------------------------------------------

fn pg_admin_url() -> String {
    std::env::var("REDOVISA_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// A fresh database that is removed when dropped.
struct BenchDb {
    label: &'static str,
    url: String,
    pool: Pool<Manager>,
    cleanup: Cleanup,
}

enum Cleanup {
    /// Removed with the directory.
    Dir {
        _dir: tempfile::TempDir,
    },
    Postgres {
        admin: String,
        name: String,
    },
}

impl Drop for BenchDb {
    fn drop(&mut self) {
        if let Cleanup::Postgres { admin, name } = &self.cleanup {
            if let Ok(mut c) = diesel::PgConnection::establish(admin) {
                let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&mut c);
            }
        }
    }
}

impl BenchDb {
    fn create(backend: Backend, tag: &str) -> BenchDb {
        Self::create_sized(backend, tag, 2)
    }

    /// [`BenchDb::create`] with a pool of `pool` connections.
    fn create_sized(backend: Backend, tag: &str, pool: u32) -> BenchDb {
        let (url, label, cleanup) = match backend {
            Backend::Sqlite => {
                let dir = tempfile::Builder::new()
                    .prefix("redovisa-bench-")
                    .tempdir_in(env!("CARGO_TARGET_TMPDIR"))
                    .expect("temporary directory");
                let path = dir.path().join(format!("{tag}.db"));
                (
                    path.to_string_lossy().into_owned(),
                    "SQLite",
                    Cleanup::Dir { _dir: dir },
                )
            }
            Backend::Postgres => {
                let admin = pg_admin_url();
                let mut c = diesel::PgConnection::establish(&admin).unwrap_or_else(|e| {
                    panic!("--postgres: PostgreSQL is not reachable at {admin}: {e}")
                });
                let name = format!("redovisa_bench_{tag}_{}", uuid::Uuid::new_v4().simple());
                diesel::sql_query(format!("CREATE DATABASE {name}"))
                    .execute(&mut c)
                    .expect("CREATE DATABASE");
                let base = admin
                    .rsplit_once('/')
                    .map(|(b, _)| b.to_string())
                    .expect("REDOVISA_TEST_PG_URL ends in /DATABASE");
                (
                    format!("{base}/{name}"),
                    "PostgreSQL",
                    Cleanup::Postgres { admin, name },
                )
            }
        };
        let parsed = DatabaseUrl::parse(&url).expect("database URL");
        run_migrations(&parsed).expect("migrations");
        Self::open(label, url, cleanup, pool)
    }

    fn open(label: &'static str, url: String, cleanup: Cleanup, pool: u32) -> BenchDb {
        let parsed = DatabaseUrl::parse(&url).expect("database URL");
        let pool = build_pool(&parsed, pool).expect("pool");
        BenchDb {
            label,
            url,
            pool,
            cleanup,
        }
    }

    /// A copy of the database as it is now, with the same tables, indexes
    /// and rows (SQLite: the files; PostgreSQL: `CREATE DATABASE …
    /// TEMPLATE`, after closing this one's connections).
    fn copy(&self, tag: &str) -> BenchDb {
        match &self.cleanup {
            Cleanup::Dir { .. } => {
                {
                    let mut c = self.conn();
                    if let DbConn::Sqlite(s) = &mut *c {
                        use diesel::connection::SimpleConnection;
                        s.batch_execute("PRAGMA wal_checkpoint(TRUNCATE)")
                            .expect("checkpoint");
                    }
                }
                let dir = tempfile::Builder::new()
                    .prefix("redovisa-bench-")
                    .tempdir_in(env!("CARGO_TARGET_TMPDIR"))
                    .expect("temporary directory");
                let path = dir.path().join(format!("{tag}.db"));
                std::fs::copy(&self.url, &path).expect("database file copied");
                let wal = format!("{}-wal", self.url);
                if std::path::Path::new(&wal).exists() {
                    std::fs::copy(&wal, format!("{}-wal", path.display())).expect("WAL copied");
                }
                let url = path.to_string_lossy().into_owned();
                Self::open(self.label, url, Cleanup::Dir { _dir: dir }, 2)
            }
            Cleanup::Postgres { admin, name } => {
                let mut c = diesel::PgConnection::establish(admin).expect("PostgreSQL");
                // The pool's connections are replaced when next checked out.
                diesel::sql_query(format!(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                     WHERE datname = '{name}' AND pid <> pg_backend_pid()"
                ))
                .execute(&mut c)
                .expect("connections closed");
                let copy = format!("redovisa_bench_{tag}_{}", uuid::Uuid::new_v4().simple());
                diesel::sql_query(format!("CREATE DATABASE {copy} TEMPLATE {name}"))
                    .execute(&mut c)
                    .expect("CREATE DATABASE … TEMPLATE");
                let base = self.url.rsplit_once('/').map(|(b, _)| b).expect("URL");
                Self::open(
                    self.label,
                    format!("{base}/{copy}"),
                    Cleanup::Postgres {
                        admin: admin.clone(),
                        name: copy,
                    },
                    2,
                )
            }
        }
    }

    fn conn(&self) -> PooledConnection<Manager> {
        self.pool.get().expect("connection")
    }
}

/// Batch inserts `rows` in chunks under both backends' bind-parameter limits
/// (SQLite 32 766, PostgreSQL 65 535); `MultiConnection` has no batch insert,
/// so each backend does its own.
macro_rules! insert_batches {
    ($conn:expr, $table:expr, $rows:expr, $columns:expr) => {{
        let per = (30_000 / $columns).max(1);
        for chunk in $rows.chunks(per) {
            let q = diesel::insert_into($table).values(chunk);
            match &mut *$conn {
                DbConn::Sqlite(c) => q.execute(c),
                DbConn::Postgres(c) => q.execute(c),
            }?;
        }
    }};
}

/// Statistics as a long-running PostgreSQL would have them (autovacuum
/// analyses after bulk changes). SQLite is left as the server leaves it.
fn analyze(conn: &mut DbConn) {
    if let DbConn::Postgres(c) = conn {
        diesel::sql_query("ANALYZE").execute(c).expect("ANALYZE");
    }
}

fn count_days(conn: &mut DbConn) -> i64 {
    time_report_days::table
        .count()
        .get_result(conn)
        .expect("count")
}

// ---- the register ----------------------------------------------------------

struct SeedUser {
    id: String,
    org: usize,
    /// Index over all users; drives the status mix.
    index: usize,
    assistants: Vec<String>,
}

struct World {
    orgs: Vec<OrganisationRow>,
    users: Vec<SeedUser>,
    assistance_users: Vec<AssistanceUserRow>,
    decisions: Vec<DecisionRow>,
    assistants: Vec<AssistantRow>,
    employments: Vec<EmploymentRow>,
}

impl World {
    /// Organisations of the given sizes; each user has a decision from
    /// 2026-03-01 (six-month grant periods) and `assistants_of(user index)`
    /// assistants of their own, employed and registered with FK since 2025.
    fn build(org_sizes: &[usize], assistants_of: impl Fn(usize) -> usize) -> World {
        let now = seed_time();
        let mut w = World {
            orgs: Vec::new(),
            users: Vec::new(),
            assistance_users: Vec::new(),
            decisions: Vec::new(),
            assistants: Vec::new(),
            employments: Vec::new(),
        };
        for (o, &size) in org_sizes.iter().enumerate() {
            let org_id = id();
            w.orgs.push(OrganisationRow {
                id: org_id.clone(),
                kind: if o % 10 == 0 {
                    "municipality"
                } else {
                    "company"
                }
                .into(),
                identity_number: orgnr(o),
                name: format!("Bench provider {o}"),
                ivo_permit: Some(true),
                f_tax: Some(true),
                internal_cutoff_day: 5,
                created_at: now,
                updated_at: now,
                paxml_codes: redovisa::domain::paxml::PaxmlCodes::default().to_json(),
            });
            for _ in 0..size {
                let index = w.users.len();
                let user_id = id();
                w.assistance_users.push(AssistanceUserRow {
                    id: user_id.clone(),
                    organisation_id: org_id.clone(),
                    personnummer: pnr(1940, index),
                    name: format!("User {index}"),
                    created_at: now,
                });
                // A few users with a tiny grant, so that `over_grant` shows.
                let hours = if index % 50 == 7 { 1_000 } else { 12_000 };
                w.decisions.push(DecisionRow {
                    id: id(),
                    organisation_id: org_id.clone(),
                    assistance_user_id: user_id.clone(),
                    hours_per_week_centi: hours,
                    valid_from: date(2026, 3, 1),
                    valid_to: None,
                    grant_period_months: 6,
                    rate_kind: "standard".into(),
                    higher_rate_ore: None,
                    double_hours_per_week_centi: None,
                    created_at: now,
                    updated_at: now,
                });
                let mut mine = Vec::new();
                for _ in 0..assistants_of(index) {
                    let a = w.assistants.len();
                    let assistant_id = id();
                    w.assistants.push(AssistantRow {
                        id: assistant_id.clone(),
                        organisation_id: org_id.clone(),
                        personnummer: pnr(1965, a),
                        name: format!("Assistant {a}"),
                        lives_in_eea: true,
                        created_at: now,
                        updated_at: now,
                    });
                    w.employments.push(EmploymentRow {
                        id: id(),
                        organisation_id: org_id.clone(),
                        assistant_id: assistant_id.clone(),
                        assistance_user_id: user_id.clone(),
                        start_date: date(2025, 1, 1),
                        end_date: None,
                        registered_with_fk_on: Some(date(2025, 1, 1)),
                        shares_household: false,
                        working_time_rule: WorkingTimeRule::WorkingHoursAct.as_str().into(),
                        created_at: now,
                        updated_at: now,
                        working_time_limit_centi: None,
                        working_time_reference_days: None,
                    });
                    mine.push(assistant_id);
                }
                w.users.push(SeedUser {
                    id: user_id,
                    org: o,
                    index,
                    assistants: mine,
                });
            }
        }
        w
    }

    fn seed(&self, conn: &mut DbConn) {
        conn.transaction::<_, diesel::result::Error, _>(|conn| {
            for o in &self.orgs {
                insert_organisation(conn, o)?;
            }
            insert_batches!(conn, assistance_users::table, self.assistance_users, 5);
            insert_batches!(conn, decisions::table, self.decisions, 12);
            insert_batches!(conn, assistants::table, self.assistants, 7);
            insert_batches!(conn, employments::table, self.employments, 13);
            Ok(())
        })
        .expect("seed register");
    }
}

// ---- case 1: validation ----------------------------------------------------

fn validation_context(persons: &[(String, String)], stored: Vec<StoredShift>) -> Context {
    let assistants = persons
        .iter()
        .map(|(assistant_id, person)| {
            let rule = WorkingTimeRule::WorkingHoursAct;
            (
                assistant_id.clone(),
                AssistantFacts {
                    person: person.clone(),
                    birth_date: date(1985, 6, 1),
                    lives_in_eea: true,
                    employments: vec![EmploymentFacts {
                        start: date(2025, 1, 1),
                        end: None,
                        registered_with_fk_on: Some(date(2025, 1, 1)),
                        rule,
                    }],
                    working_time: Some((rule, rule.limit())),
                },
            )
        })
        .collect();
    Context {
        today: Some(bench_today()),
        assistants,
        decisions: vec![DecisionFacts {
            valid_from: date(2026, 3, 1),
            valid_to: None,
            double_centi: Some(2_000),
        }],
        stored,
        ..Context::default()
    }
}

/// The four months before the report (what `submit` loads for overlap and
/// working-time checks), as stored shifts of the same people.
fn stored_history(persons: &[(String, String)], per_month: usize) -> Vec<StoredShift> {
    let ids: Vec<String> = persons.iter().map(|(a, _)| a.clone()).collect();
    let person_of: HashMap<&str, &str> = persons
        .iter()
        .map(|(a, p)| (a.as_str(), p.as_str()))
        .collect();
    let mut out = Vec::new();
    for back in 1..=4 {
        let m = bench_month().add_months(-back);
        let raws = dense_rows(
            m,
            &ids,
            per_month.min(ids.len() * 17 * m.days() as usize),
            false,
        );
        let parsed = parse_report(&m.to_string(), &raws, bench_today());
        assert!(parsed.errors.is_empty(), "history rows parse");
        out.extend(parsed.rows.iter().map(|r| StoredShift {
            person: person_of[r.assistant_id.as_str()].to_string(),
            same_org: true,
            start_utc: r.shift.start_utc,
            end_utc: r.shift.end_utc,
            date: r.date,
            kind: r.kind,
            minutes: r.minutes(),
            report_month: m.to_string(),
            clock_assumed: false,
        }));
    }
    out
}

fn bench_validation(cfg: &Config, out: &mut Vec<Line>) {
    const ROWS: usize = 10_000;
    const ASSISTANTS: usize = 20;
    let iterations = cfg.pick(5, 25);
    let m = bench_month();
    let persons: Vec<(String, String)> = (0..ASSISTANTS).map(|i| (id(), pnr(1965, i))).collect();
    let ids: Vec<String> = persons.iter().map(|(a, _)| a.clone()).collect();

    let variants: [(&str, bool, bool); 3] = [
        ("validate 10k-row month", false, false),
        ("validate 10k-row month + 4 months stored", false, true),
        ("validate 10k-row month, 6% double", true, false),
    ];
    for (name, double, with_history) in variants {
        let raws = dense_rows(m, &ids, ROWS, double);
        let stored = if with_history {
            stored_history(&persons, ROWS)
        } else {
            Vec::new()
        };
        let stored_n = stored.len();
        let ctx = validation_context(&persons, stored);
        let body = serde_json::to_vec(&CreateTimeReport {
            assistance_user_id: id(),
            month: m.to_string(),
            rows: raws
                .iter()
                .map(|r| RowInput {
                    assistant_id: r.assistant_id.clone(),
                    date: r.date.clone(),
                    start: r.start.clone(),
                    end: r.end.clone(),
                    kind: r.kind.clone(),
                    double: r.double,
                    hospital: r.hospital,
                })
                .collect(),
            correction_reason: None,
        })
        .expect("body serialises");

        // The input is valid: the measured work is the work of an accepted report.
        let parsed = parse_report(&m.to_string(), &raws, bench_today());
        assert!(parsed.errors.is_empty(), "{:?}", parsed.errors.first());
        let checked = check_report(parsed.month.expect("month"), &parsed.rows, &ctx);
        assert!(checked.errors.is_empty(), "{:?}", checked.errors.first());

        let month_str = m.to_string();
        let (med, base, _) = paired(
            &mut (),
            iterations,
            |_| {
                let p = parse_report(&month_str, black_box(&raws), bench_today());
                let c = check_report(p.month.expect("month"), &p.rows, black_box(&ctx));
                black_box((p, c));
            },
            |_| {
                let v: CreateTimeReport = serde_json::from_slice(black_box(&body)).expect("json");
                black_box(v);
            },
        );
        let line = Line {
            case: name.to_string(),
            db: "-",
            n: if stored_n > 0 {
                format!(
                    "{} rows + {} stored",
                    fmt_count(ROWS as u64),
                    fmt_count(stored_n as u64)
                )
            } else {
                format!("{} rows", fmt_count(ROWS as u64))
            },
            median: med,
            throughput: fmt_rate(ROWS as f64 / med.as_secs_f64(), "rows"),
            baseline: format!("serde_json parse ({} KiB)", body.len() / 1024),
            baseline_median: base,
        };
        line.print();
        out.push(line);
    }
}

// ---- case 2: the submission pipeline ---------------------------------------

/// Months reported before the benchmark month (the decisions start in March).
const HISTORY_MONTHS: i32 = 6;

/// Commits without waiting for the disk (SQLite `synchronous = NORMAL` in
/// WAL mode, PostgreSQL `synchronous_commit = off`), for this connection only.
fn without_commit_flush(conn: &mut DbConn) {
    let sql = match conn.backend() {
        Backend::Sqlite => "PRAGMA synchronous = NORMAL",
        Backend::Postgres => "SET synchronous_commit = off",
    };
    diesel::sql_query(sql)
        .execute(conn)
        .expect("commit setting");
}

/// `durable`: commits as the server makes them (flushed to disk). Without
/// it, both sides skip the flush, so that the ratio shows the pipeline's own
/// work rather than the disk's flush latency.
fn bench_submit(
    cfg: &Config,
    backend: Backend,
    durable: bool,
    out: &mut Vec<Line>,
    notes: &mut Vec<String>,
) {
    let users = cfg.pick(40, 300);
    let chunk = 10;
    // Two databases seeded alike: the pipeline writes to one, the bare
    // insert to the other, so that neither sees the other's rows.
    let pipeline_db = BenchDb::create(backend, "submit");
    let insert_db = BenchDb::create(backend, "insert");
    let label = pipeline_db.label;
    // 2–3 assistants per user.
    let world = World::build(&[users], |u| if u % 3 == 2 { 2 } else { 3 });
    let org = world.orgs[0].id.clone();
    let env = Env {
        org_id: org.clone(),
        actor: "bench".into(),
        now: bench_now(),
        policy: DeadlinePolicy::default(),
        late: Default::default(),
        probes: Default::default(),
    };
    let mut pc = pipeline_db.conn();
    let mut ic = insert_db.conn();
    if !durable {
        without_commit_flush(&mut pc);
        without_commit_flush(&mut ic);
    }
    world.seed(&mut pc);
    world.seed(&mut ic);

    let submission = |u: &SeedUser, m: ReportMonth| Submission {
        assistance_user_id: u.id.clone(),
        month: m.to_string(),
        rows: ordinary_rows(m, &u.assistants),
        correction_reason: None,
    };
    let run_pipeline = |conn: &mut DbConn, sub: &Submission| {
        let keys = lock_keys(conn, &org, std::slice::from_ref(sub)).expect("lock keys");
        match conn.write_transaction(&keys, |c| submit(c, &env, sub)) {
            Ok(Outcome::Created(_)) => {}
            Ok(other) => panic!("expected a new version, got {other:?}"),
            Err(e) => panic!("submission refused: {e:?}"),
        }
    };
    // The same rows as the pipeline stores them, under a version made
    // beforehand (untimed): the baseline is the row insert alone.
    let prepare_bare = |conn: &mut DbConn, u: &SeedUser, sub: &Submission| -> Vec<RowRow> {
        let m = ReportMonth::parse(&sub.month).expect("month");
        let parsed = parse_report(&sub.month, &sub.rows, bench_today());
        let report = report_row(&org, &u.id, m, 1);
        let version = version_row(&report.id, 1, m, true, parsed.rows.len() as i32, 0, "{}");
        conn.transaction::<_, diesel::result::Error, _>(|c| {
            insert_batches!(c, time_reports::table, [report], 7);
            insert_batches!(c, time_report_versions::table, [version.clone()], 18);
            Ok(())
        })
        .expect("baseline version");
        row_rows(&version.id, &parsed.rows)
    };
    let run_bare = |conn: &mut DbConn, rows: &[RowRow]| {
        conn.transaction::<_, diesel::result::Error, _>(|c| {
            insert_batches!(c, redovisa::db::schema::time_report_rows::table, rows, 13);
            Ok(())
        })
        .expect("bare insert");
    };

    // History: the six months since the decisions began (March-August), so
    // that overlap and working-time checks read stored shifts as they would
    // in production (untimed; the pipeline reads the last four).
    let history_started = Instant::now();
    for back in (1..=HISTORY_MONTHS).rev() {
        let previous = bench_month().add_months(-back);
        for u in &world.users {
            let sub = submission(u, previous);
            run_pipeline(&mut pc, &sub);
            let rows = prepare_bare(&mut ic, u, &sub);
            run_bare(&mut ic, &rows);
        }
        analyze(&mut pc);
        analyze(&mut ic);
    }
    let history_took = history_started.elapsed();
    let subs: Vec<Submission> = world
        .users
        .iter()
        .map(|u| submission(u, bench_month()))
        .collect();
    let bare: Vec<Vec<RowRow>> = world
        .users
        .iter()
        .zip(&subs)
        .map(|(u, s)| prepare_bare(&mut ic, u, s))
        .collect();
    analyze(&mut pc);
    analyze(&mut ic);

    let total_rows: usize = subs.iter().map(|s| s.rows.len()).sum();
    let (mut m, mut b) = (Vec::new(), Vec::new());
    for (subs, bare) in subs.chunks(chunk).zip(bare.chunks(chunk)) {
        for rows in bare {
            b.push(timed(|| run_bare(&mut ic, rows)).1);
        }
        for sub in subs {
            m.push(timed(|| run_pipeline(&mut pc, sub)).1);
        }
    }
    let (m_total, b_total): (Duration, Duration) = (m.iter().sum(), b.iter().sum());
    let stored: i64 = time_reports::table
        .filter(time_reports::month.eq(bench_month().to_string()))
        .count()
        .get_result(&mut *pc)
        .expect("count");
    assert_eq!(stored as usize, users, "every submission stored");
    let rows_in_db: i64 = redovisa::db::schema::time_report_rows::table
        .count()
        .get_result(&mut *pc)
        .expect("count");
    notes.push(format!(
        "submit{}, {}: {users} users with 2-3 assistants each, {HISTORY_MONTHS} months reported before (seeded through both paths in {}); time_report_rows after the run: {}",
        if durable { "" } else { " (no commit flush)" },
        pipeline_db.label,
        fmt_duration(history_took),
        fmt_count(rows_in_db as u64)
    ));

    let per_sub = total_rows as f64 / users as f64;
    let line = Line {
        case: format!(
            "submit month (~{per_sub:.0} rows){}",
            if durable { "" } else { ", no commit flush" }
        ),
        db: label,
        n: format!("{users} users, {} rows", fmt_count(total_rows as u64)),
        median: median(m),
        throughput: fmt_rate(total_rows as f64 / m_total.as_secs_f64(), "rows"),
        baseline: format!(
            "bare row insert in tx ({})",
            fmt_rate(total_rows as f64 / b_total.as_secs_f64(), "rows")
        ),
        baseline_median: median(b),
    };
    line.print();
    out.push(line);
}

// ---- case 3: the compliance dashboard --------------------------------------

/// Organisation sizes: one large provider with a tenth of the users, the
/// rest spread evenly over 99 others.
fn org_sizes(users: usize) -> Vec<usize> {
    let large = users / 10;
    let rest = users - large;
    let k = 99;
    let mut sizes = vec![large];
    sizes.extend((0..k).map(|i| rest / k + usize::from(i < rest % k)));
    sizes
}

struct DashboardSeed {
    reports: usize,
    versions: usize,
    days: usize,
}

/// Reports for the benchmark month and the six before it (all users; the
/// dashboard reads up to 24 months of monthly totals for `over_grant`), day
/// totals for the benchmark month (all users) and for the four months
/// before it for `timed_orgs` (the working-time check reads 120 days back).
/// Status mix in the month: 4 % missing, 4 % late, 2 % corrected after the
/// deadline, the rest on time; some warnings.
fn seed_dashboard(conn: &mut DbConn, world: &World, timed_orgs: &[usize]) -> DashboardSeed {
    let m = bench_month();
    let mut stats = DashboardSeed {
        reports: 0,
        versions: 0,
        days: 0,
    };
    for o in 0..world.orgs.len() {
        let org = &world.orgs[o].id;
        let with_history_days = timed_orgs.contains(&o);
        let (mut reports, mut versions, mut days) = (Vec::new(), Vec::new(), Vec::new());
        for u in world.users.iter().filter(|u| u.org == o) {
            for back in (1..=6).rev() {
                let hm = m.add_months(-back);
                let r = report_row(org, &u.id, hm, 1);
                let mut v = version_row(&r.id, 1, hm, true, 3 * hm.days() as i32, 0, "{}");
                let (d, units) = ordinary_days(hm, &v.id, &u.assistants);
                v.payable_units = units;
                if with_history_days && back <= 4 {
                    days.extend(d);
                }
                reports.push(r);
                versions.push(v);
            }
            let k = u.index;
            if k % 25 == 0 {
                continue; // missing
            }
            let corrected = k % 50 == 2;
            let late = k % 25 == 1;
            let counts = match k % 10 {
                3 => r#"{"working_time_exceeded":1}"#,
                4 => r#"{"assistant_not_registered_with_fk":3}"#,
                _ => "{}",
            };
            let r = report_row(org, &u.id, m, if corrected { 2 } else { 1 });
            let rows = 3 * m.days() as i32;
            let mut v1 = version_row(&r.id, 1, m, !late, rows, 0, counts);
            let (d, units) = ordinary_days(m, &v1.id, &u.assistants);
            v1.payable_units = units;
            days.extend(d);
            if corrected {
                let mut v2 = version_row(&r.id, 2, m, false, rows, units, counts);
                v2.received_at = NaiveDate::from_ymd_opt(2026, 11, 10)
                    .and_then(|d| d.and_hms_opt(9, 0, 0))
                    .expect("instant");
                let (d, _) = ordinary_days(m, &v2.id, &u.assistants);
                days.extend(d);
                versions.push(v2);
            }
            reports.push(r);
            versions.push(v1);
        }
        stats.reports += reports.len();
        stats.versions += versions.len();
        stats.days += days.len();
        conn.transaction::<_, diesel::result::Error, _>(|c| {
            insert_batches!(c, time_reports::table, reports, 7);
            insert_batches!(c, time_report_versions::table, versions, 18);
            insert_batches!(c, time_report_days::table, days, 7);
            Ok(())
        })
        .expect("seed reports");
    }
    stats
}

fn count_current(conn: &mut DbConn, scope: &Scope, m: ReportMonth) -> i64 {
    let mut q = time_reports::table
        .inner_join(time_report_versions::table)
        .filter(time_reports::current_version.eq(time_report_versions::version))
        .filter(time_reports::month.eq(m.to_string()))
        .into_boxed();
    if let Some(org) = scope.org() {
        q = q.filter(time_reports::organisation_id.eq(org.to_string()));
    }
    q.count().get_result(conn).expect("count")
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

/// The dashboard's answer as one plain SQL query: each user in scope with
/// a decision in the month, their current version's status, payable units
/// and warning counts, and the payable units of their 24 months (what
/// `over_grant` weighs). Counted, so that no rows travel.
fn raw_aggregate(conn: &mut DbConn, scope: &Scope, m: ReportMonth) -> i64 {
    let org = scope.org().map_or("1 = 1".to_string(), |o| {
        format!("u.organisation_id = '{o}'")
    });
    let from = m.add_months(-23);
    let sql = format!(
        "SELECT COUNT(*) AS n FROM (
           SELECT u.id, v.on_time, v.payable_units, v.warning_counts,
             (SELECT COALESCE(SUM(v2.payable_units), 0)
                FROM time_reports r2
                JOIN time_report_versions v2
                  ON v2.report_id = r2.id AND v2.version = r2.current_version
               WHERE r2.organisation_id = u.organisation_id
                 AND r2.assistance_user_id = u.id
                 AND r2.month >= '{from}' AND r2.month <= '{m}') AS used
           FROM assistance_users u
           JOIN decisions d ON d.assistance_user_id = u.id
            AND d.valid_from <= '{last}'
            AND (d.valid_to IS NULL OR d.valid_to >= '{first}')
           LEFT JOIN time_reports r ON r.organisation_id = u.organisation_id
            AND r.assistance_user_id = u.id AND r.month = '{m}'
           LEFT JOIN time_report_versions v
             ON v.report_id = r.id AND v.version = r.current_version
           WHERE {org}) t WHERE t.used >= 0",
        first = m.first_day(),
        last = m.last_day(),
    );
    diesel::sql_query(sql)
        .get_result::<Count>(conn)
        .expect("aggregate")
        .n
}

fn bench_dashboard(cfg: &Config, backend: Backend, out: &mut Vec<Line>, notes: &mut Vec<String>) {
    let users = cfg.pick(2_000, 20_000);
    let iterations = cfg.pick(3, 9);
    let db = BenchDb::create(backend, "dashboard");
    let mut conn = db.conn();
    let sizes = org_sizes(users);
    let ((world, seed), took) = timed(|| {
        // 5 assistants per user: 100 000 at full scale.
        let world = World::build(&sizes, |_| 5);
        world.seed(&mut conn);
        let seed = seed_dashboard(&mut conn, &world, &[0, 1]);
        analyze(&mut conn);
        (world, seed)
    });
    let days = count_days(&mut conn);
    assert_eq!(days as usize, seed.days);
    let note = format!(
        "dashboard, {}: seeded {} organisations (largest {} users, typical {}), {} users, {} assistants, {} reports, {} versions, {} time_report_days rows in {}",
        db.label,
        world.orgs.len(),
        fmt_count(sizes[0] as u64),
        fmt_count(sizes[1] as u64),
        fmt_count(world.users.len() as u64),
        fmt_count(world.assistants.len() as u64),
        fmt_count(seed.reports as u64),
        fmt_count(seed.versions as u64),
        fmt_count(days as u64),
        fmt_duration(took),
    );
    println!("  {note}");
    notes.push(note);

    let m = bench_month();
    let invoices = InvoiceStatuses::new();
    let scopes = [
        (
            "dashboard: largest provider".to_string(),
            Scope::Org(world.orgs[0].id.clone()),
            sizes[0],
        ),
        (
            "dashboard: typical provider".to_string(),
            Scope::Org(world.orgs[1].id.clone()),
            sizes[1],
        ),
        ("dashboard: auditor, all".to_string(), Scope::All, users),
    ];
    for (name, scope, in_scope) in scopes {
        let c: &mut DbConn = &mut conn;
        let late = LateContext {
            rule: Default::default(),
            policy: DeadlinePolicy::default(),
            today: bench_today(),
        };
        let result = compliance(c, &scope, m, &late, &invoices).expect("compliance");
        assert_eq!(
            result.rows.len(),
            in_scope,
            "one row per user with a decision"
        );
        let missing = result.totals.reports_missing as usize;
        let current = count_current(c, &scope, m) as usize;
        assert_eq!(missing + current, in_scope, "missing + reported = users");
        assert_eq!(
            raw_aggregate(c, &scope, m) as usize,
            in_scope,
            "a row per user"
        );
        let (med, base, runs) = paired(
            c,
            iterations,
            |c| {
                let r = compliance(c, &scope, m, &late, &invoices).expect("compliance");
                black_box(r);
            },
            |c| {
                black_box(raw_aggregate(c, &scope, m));
            },
        );
        let line = Line {
            case: name,
            db: db.label,
            n: format!("{} users, {runs} runs", fmt_count(in_scope as u64)),
            median: med,
            throughput: fmt_rate(in_scope as f64 / med.as_secs_f64(), "users"),
            baseline: "one SQL aggregate, same answer".to_string(),
            baseline_median: base,
        };
        line.print();
        out.push(line);
    }
    // Working-time breaches (their own endpoint): every assistant's day
    // totals over the reference period, across employers.
    for (idx, name) in [
        (0usize, "working time: largest provider"),
        (1, "working time: typical provider"),
    ] {
        let org = world.orgs[idx].id.clone();
        let c: &mut DbConn = &mut conn;
        let (med, base, runs) = paired(
            c,
            iterations,
            |c| {
                black_box(
                    redovisa::service::dashboard::working_time(c, &org, m).expect("working time"),
                );
            },
            |c| {
                black_box(count_current(c, &Scope::Org(org.clone()), m));
            },
        );
        let line = Line {
            case: name.to_string(),
            db: db.label,
            n: format!("{} users, {runs} runs", fmt_count(sizes[idx] as u64)),
            median: med,
            throughput: fmt_rate(sizes[idx] as f64 / med.as_secs_f64(), "users"),
            baseline: "SELECT COUNT(*) current versions".to_string(),
            baseline_median: base,
        };
        line.print();
        out.push(line);
    }
}

// ---- main ------------------------------------------------------------------

fn machine() -> String {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let mem = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("MemTotal:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or("? GiB".to_string(), |kb| {
            format!("{:.1} GiB", kb / 1024.0 / 1024.0)
        });
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    format!("{cores} cores, {mem} RAM, {cpu}")
}

#[path = "redovisa/csv.rs"]
mod csv;
#[path = "redovisa/json.rs"]
mod json;
#[path = "redovisa/national.rs"]
mod national;

fn main() {
    let cfg = Config::from_args();
    let started = Instant::now();
    println!(
        "redovisa benchmarks ({} run) on {}",
        if cfg.quick { "quick" } else { "full" },
        machine()
    );
    println!("each line: case, database, N, median, throughput, then its baseline from this run and the ratio median/baseline\n");
    let mut lines = Vec::new();
    let mut notes = Vec::new();
    if cfg.wants("validate") {
        bench_validation(&cfg, &mut lines);
    }
    for backend in cfg.backends() {
        if cfg.wants("submit") {
            bench_submit(&cfg, backend, true, &mut lines, &mut notes);
            bench_submit(&cfg, backend, false, &mut lines, &mut notes);
        }
        if cfg.wants("dashboard") {
            bench_dashboard(&cfg, backend, &mut lines, &mut notes);
        }
        if cfg.wants("csv") {
            csv::bench_csv(&cfg, backend, &mut lines, &mut notes);
        }
        if cfg.wants("json") {
            json::bench_json(&cfg, backend, &mut lines, &mut notes);
        }
        if cfg.wants("national") {
            national::bench_national(&cfg, backend, &mut lines, &mut notes);
        }
    }
    println!(
        "\n| case | db | N | median | throughput | baseline (same run) | baseline median | ratio |"
    );
    println!("|---|---|---|---:|---:|---|---:|---:|");
    for l in &lines {
        println!(
            "| {} | {} | {} | {} | {} | {} | {} | {:.1}x |",
            l.case,
            l.db,
            l.n,
            fmt_duration(l.median),
            l.throughput,
            l.baseline,
            fmt_duration(l.baseline_median),
            l.ratio()
        );
    }
    println!();
    for n in &notes {
        println!("- {n}");
    }
    println!("\ntotal time {}", fmt_duration(started.elapsed()));
}
