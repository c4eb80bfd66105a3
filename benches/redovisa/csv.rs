//! Case 4 (issue 14): CSV import of one provider's month, against the raw
//! bulk load of the very rows the import stored, into the same tables with
//! the same indexes, in a second database seeded alike.
//!
//! The import runs as `redovisa import` runs it (`import::import`: both
//! phases, one write transaction), and then as an upload to a running
//! server (`POST /api/v1/imports/time-reports`, the same database). Each
//! run imports another month into the
//! same database, so run k finds the k months before it stored, as a live
//! database would. The baseline then loads exactly the rows the import
//! stored for that month (reports, versions, rows, day totals, read back
//! untimed) in one transaction: on SQLite multi-row prepared inserts, on
//! PostgreSQL `COPY` for the row tables.

use std::io::Cursor;

use redovisa::db::schema::time_report_rows;
use redovisa::import::{import, Options};

use super::*;

/// Rows of one month of `users` (≈ 90 a user: three shifts a day), as a
/// provider's payroll system writes the file: `brukare;assistent;datum;…`.
fn month_file(world: &World, m: ReportMonth) -> (Vec<u8>, usize) {
    let person: HashMap<&str, &str> = world
        .assistants
        .iter()
        .map(|a| (a.id.as_str(), a.personnummer.as_str()))
        .collect();
    let mut out = String::from("brukare;assistent;datum;start;slut;typ\n");
    let mut rows = 0;
    for (u, au) in world.users.iter().zip(&world.assistance_users) {
        for r in ordinary_rows(m, &u.assistants) {
            rows += 1;
            out.push_str(&format!(
                "{};{};{};{};{};{}\n",
                au.personnummer,
                person[r.assistant_id.as_str()],
                r.date,
                r.start,
                r.end,
                r.kind.as_deref().unwrap_or("aktiv"),
            ));
        }
    }
    (out.into_bytes(), rows)
}

/// What the import stored for a month, read back (untimed) for the baseline.
pub(crate) struct Stored {
    pub(crate) reports: Vec<ReportRow>,
    pub(crate) versions: Vec<VersionRow>,
    pub(crate) rows: Vec<RowRow>,
    pub(crate) days: Vec<DayRow>,
}

pub(crate) fn stored_month(conn: &mut DbConn, org: &str, m: ReportMonth) -> Stored {
    let reports: Vec<ReportRow> = time_reports::table
        .filter(time_reports::organisation_id.eq(org))
        .filter(time_reports::month.eq(m.to_string()))
        .select(ReportRow::as_select())
        .load(conn)
        .expect("reports");
    let ids: Vec<String> = reports.iter().map(|r| r.id.clone()).collect();
    let mut versions = Vec::new();
    for chunk in ids.chunks(500) {
        versions.extend(
            time_report_versions::table
                .filter(time_report_versions::report_id.eq_any(chunk))
                .select(VersionRow::as_select())
                .load(conn)
                .expect("versions"),
        );
    }
    let vids: Vec<String> = versions.iter().map(|v| v.id.clone()).collect();
    let (mut rows, mut days) = (Vec::new(), Vec::new());
    for chunk in vids.chunks(500) {
        rows.extend(
            time_report_rows::table
                .filter(time_report_rows::version_id.eq_any(chunk))
                .select(RowRow::as_select())
                .load(conn)
                .expect("rows"),
        );
        days.extend(
            time_report_days::table
                .filter(time_report_days::version_id.eq_any(chunk))
                .select(DayRow::as_select())
                .load(conn)
                .expect("days"),
        );
    }
    Stored {
        reports,
        versions,
        rows,
        days,
    }
}

/// The raw bulk load: one transaction; SQLite multi-row inserts (diesel
/// prepares each), PostgreSQL `COPY … FROM STDIN BINARY` for the row tables.
fn raw_load(conn: &mut DbConn, s: &Stored) {
    conn.transaction::<_, diesel::result::Error, _>(|c| {
        insert_batches!(c, time_reports::table, s.reports, 7);
        insert_batches!(c, time_report_versions::table, s.versions, 18);
        match c {
            DbConn::Postgres(pg) => {
                redovisa::db::time_reports::copy_rows_and_days(pg, &s.rows, &s.days)?;
            }
            DbConn::Sqlite(_) => {
                insert_batches!(c, time_report_rows::table, s.rows, 15);
                insert_batches!(c, time_report_days::table, s.days, 7);
            }
        }
        Ok(())
    })
    .expect("raw bulk load");
}

impl Stored {
    /// Each report with its versions, rows and day totals.
    pub(crate) fn per_report(&self) -> Vec<Stored> {
        let mut by_version: HashMap<&str, usize> = HashMap::new();
        let mut out: Vec<Stored> = Vec::new();
        let mut of_report: HashMap<&str, usize> = HashMap::new();
        for r in &self.reports {
            of_report.insert(&r.id, out.len());
            out.push(Stored {
                reports: vec![r.clone()],
                versions: Vec::new(),
                rows: Vec::new(),
                days: Vec::new(),
            });
        }
        for v in &self.versions {
            let i = of_report[v.report_id.as_str()];
            by_version.insert(&v.id, i);
            out[i].versions.push(v.clone());
        }
        for r in &self.rows {
            out[by_version[r.version_id.as_str()]].rows.push(r.clone());
        }
        for d in &self.days {
            out[by_version[d.version_id.as_str()]].days.push(d.clone());
        }
        out
    }
}

/// One report's rows in one transaction, one multi-row insert per table.
pub(crate) fn raw_load_report(conn: &mut DbConn, s: &Stored) {
    raw_load(conn, s)
}

/// Peak resident memory of this process so far (Linux `VmHWM`).
fn peak_rss() -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<u64>().ok())
        })
        .map_or("?".into(), |kb| format!("{} MB", kb / 1024))
}

/// How a file reaches the import.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Via {
    /// `import::import`, as `redovisa import` runs it.
    Cli,
    /// `POST /api/v1/imports/time-reports` to a running server.
    Http,
}

/// Uploads a file to the server on `port`; the reports it stored.
fn upload(port: u16, token: &str, file: Vec<u8>) -> usize {
    let url = format!("http://127.0.0.1:{port}/api/v1/imports/time-reports");
    actix_rt::System::new().block_on(async move {
        let client = awc::Client::builder()
            .timeout(Duration::from_secs(3600))
            .finish();
        let mut res = client
            .post(&url)
            .insert_header(("Authorization", format!("Bearer {token}")))
            .insert_header(("Content-Type", "text/csv"))
            .send_body(file)
            .await
            .expect("upload sent");
        let body = res.body().limit(1 << 30).await.expect("reply");
        assert_eq!(
            res.status().as_u16(),
            201,
            "{}",
            String::from_utf8_lossy(&body[..body.len().min(2000)])
        );
        let v: serde_json::Value = serde_json::from_slice(&body).expect("JSON reply");
        v["receipts"].as_array().map_or(0, Vec::len)
    })
}

/// One file size: `runs` months imported one after another (median), by
/// the CLI's function and then over HTTP, each beside the raw bulk load of
/// the same rows.
fn bench_size(
    backend: Backend,
    target_rows: usize,
    runs: usize,
    out: &mut Vec<Line>,
    notes: &mut Vec<String>,
) {
    // ≈ 90 rows per user and month; 3 assistants each.
    let users = target_rows.div_ceil(90).max(1);
    let world = World::build(&[users], |_| 3);
    let org = world.orgs[0].id.clone();
    let import_db = BenchDb::create(backend, "csv");
    let raw_db = BenchDb::create(backend, "csvraw");
    let mut ic = import_db.conn();
    let mut rc = raw_db.conn();
    world.seed(&mut ic);
    world.seed(&mut rc);
    analyze(&mut ic);
    analyze(&mut rc);
    let env = Env {
        org_id: org.clone(),
        actor: "bench".into(),
        now: bench_now(),
        policy: DeadlinePolicy::default(),
        late: redovisa::domain::late::LateRule::default(),
        probes: Default::default(),
    };
    let opts = Options {
        max_errors: 100,
        ..Options::default()
    };
    let port = super::json::serve(&import_db.url);
    let token = super::json::token(&org);
    for (i, via) in [Via::Cli, Via::Http].into_iter().enumerate() {
        let (mut m, mut b) = (Vec::new(), Vec::new());
        let mut rows = 0;
        for k in 0..runs {
            // Months up to the benchmark's, oldest first, so that later
            // runs find earlier months stored: the CLI's, then HTTP's.
            let back = (runs * (2 - i) - 1 - k) as i32;
            let mon = bench_month().add_months(-back);
            let (file, n) = month_file(&world, mon);
            rows = n;
            let (stored_reports, took) = timed(|| match via {
                Via::Cli => import(&mut ic, &env, Cursor::new(file), &opts, &mut |_| {})
                    .unwrap_or_else(|e| panic!("import refused: {e:?}"))
                    .receipts
                    .len(),
                Via::Http => upload(port, &token, file),
            });
            assert_eq!(stored_reports, users, "every month stored");
            m.push(took);
            let stored = stored_month(&mut ic, &org, mon);
            assert_eq!(stored.rows.len(), n, "every row stored");
            b.push(timed(|| raw_load(&mut rc, &stored)).1);
        }
        let line = Line {
            case: format!(
                "csv import {} rows, one file, {}",
                fmt_count(rows as u64),
                if via == Via::Cli { "CLI" } else { "HTTP" }
            ),
            db: import_db.label,
            n: format!("{users} users, {runs} months"),
            median: median(m.clone()),
            throughput: fmt_rate(rows as f64 / median(m).as_secs_f64(), "rows"),
            baseline: format!(
                "raw bulk load ({})",
                fmt_rate(rows as f64 / median(b.clone()).as_secs_f64(), "rows")
            ),
            baseline_median: median(b),
        };
        line.print();
        out.push(line);
    }
    notes.push(format!(
        "csv import {} users, {}: peak RSS of the benchmark process (client and server) so far {}",
        fmt_count(users as u64),
        import_db.label,
        peak_rss()
    ));
}

/// Scaling: the same provider shape at growing file sizes, rows/s each.
pub(crate) fn bench_csv(
    cfg: &Config,
    backend: Backend,
    out: &mut Vec<Line>,
    notes: &mut Vec<String>,
) {
    let sizes: &[usize] = if cfg.quick {
        &[10_000, 100_000]
    } else {
        &[10_000, 100_000, 1_000_000]
    };
    for &n in sizes {
        // --quick: one month per size above 10 000 rows.
        let runs = if n > 10_000 { cfg.pick(1, 3) } else { 3 };
        bench_size(backend, n, runs, out, notes);
    }
}
