//! Case 4 (issue 14): CSV import of one provider's month, against the raw
//! bulk load of the very rows the import stored, into the same tables with
//! the same indexes, in a second database seeded alike.
//!
//! The import runs as `redovisa import` runs it (`import::import`: both
//! phases, one write transaction). Each run imports another month into the
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
struct Stored {
    reports: Vec<ReportRow>,
    versions: Vec<VersionRow>,
    rows: Vec<RowRow>,
    days: Vec<DayRow>,
}

fn stored_month(conn: &mut DbConn, org: &str, m: ReportMonth) -> Stored {
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

/// One file size: `runs` months imported one after another (median).
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
    };
    let opts = Options {
        max_errors: 100,
        ..Options::default()
    };
    let (mut m, mut b) = (Vec::new(), Vec::new());
    let mut rows = 0;
    for k in 0..runs {
        // Months before the benchmark's, oldest first, so that later runs
        // find earlier months stored.
        let mon = bench_month().add_months(k as i32 + 1 - runs as i32);
        let (file, n) = month_file(&world, mon);
        rows = n;
        let (result, took) = timed(|| {
            import(&mut ic, &env, Cursor::new(file), &opts, &mut |_| {})
                .unwrap_or_else(|e| panic!("import refused: {e:?}"))
        });
        assert_eq!(result.receipts.len(), users, "every month stored");
        m.push(took);
        let stored = stored_month(&mut ic, &org, mon);
        assert_eq!(stored.rows.len(), n, "every row stored");
        b.push(timed(|| raw_load(&mut rc, &stored)).1);
    }
    let line = Line {
        case: format!("csv import {} rows, one file", fmt_count(rows as u64)),
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
    notes.push(format!(
        "csv import {} rows, {}: peak RSS of the benchmark process so far {}",
        fmt_count(rows as u64),
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
        bench_size(backend, n, 3, out, notes);
    }
}
