//! Case 6 (issue 14): the national month. A seeded register at national
//! scale (about 1 000 providers of Zipf-like sizes, 13 000 assistance
//! users, 3–5 assistants each), the four months before stored, and then
//! every provider's file of the month (about 2 M rows in all) imported one
//! after the other, as `redovisa import` runs it. The largest provider's
//! file (about 150 k rows) goes through the real binary in a child
//! process, so that its peak memory is the import's alone.
//!
//! Baseline: the very rows the imports stored, provider by provider (one
//! transaction each), loaded into a copy of the database taken before the
//! month was imported: the same tables, indexes and history.

use std::io::Cursor;
use std::process::{Command, Stdio};

use redovisa::domain::report::day_totals;
use redovisa::import::{import, Options};

use super::csv::{raw_load, stored_month};
use super::*;

/// Provider sizes (assistance users): `users` over `providers` by a
/// Zipf-like law (weight 1/rank^0.85), every provider at least one user.
/// At 1 000 providers and 13 000 users the largest has about 1 000 users
/// (5 000 assistants, 150 k rows a month); half have fewer than 8.
fn national_sizes(providers: usize, users: usize) -> Vec<usize> {
    let weights: Vec<f64> = (1..=providers).map(|r| (r as f64).powf(-0.85)).collect();
    let sum: f64 = weights.iter().sum();
    weights
        .iter()
        .map(|w| ((users as f64 * w / sum).round() as usize).max(1))
        .collect()
}

/// Five shifts a day: four of active assistance (07–11, 11–15, 15–19,
/// 19–22) and a night on standby (22–07), rotating over the user's
/// assistants: about 152 rows a month, so 13 000 users report ≈ 2 M.
static SHIFTS: [(u32, u32, ShiftKind); 5] = [
    (7 * 60, 11 * 60, ShiftKind::Active),
    (11 * 60, 15 * 60, ShiftKind::Active),
    (15 * 60, 19 * 60, ShiftKind::Active),
    (19 * 60, 22 * 60, ShiftKind::Active),
    (22 * 60, 7 * 60, ShiftKind::Standby),
];

fn national_rows(m: ReportMonth, assistants: &[String]) -> Vec<RawRow> {
    m.iter_days()
        .enumerate()
        .flat_map(|(d, day)| {
            SHIFTS.iter().enumerate().map(move |(i, &(s, e, kind))| {
                (
                    day,
                    assistants[(d + i) % assistants.len()].clone(),
                    s,
                    e,
                    kind,
                )
            })
        })
        .map(|(day, assistant_id, s, e, kind)| RawRow {
            assistant_id,
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

/// One provider's file of the month, as its payroll system writes it.
fn provider_file(world: &World, person: &HashMap<&str, &str>, o: usize, m: ReportMonth) -> Vec<u8> {
    let mut out = String::from("brukare;assistent;datum;start;slut;typ\n");
    for (u, au) in world.users.iter().zip(&world.assistance_users) {
        if u.org != o {
            continue;
        }
        for r in national_rows(m, &u.assistants) {
            out.push_str(&au.personnummer);
            out.push(';');
            out.push_str(person[r.assistant_id.as_str()]);
            out.push(';');
            out.push_str(&r.date);
            out.push(';');
            out.push_str(&r.start);
            out.push(';');
            out.push_str(&r.end);
            out.push(';');
            out.push_str(r.kind.as_deref().unwrap_or("aktiv"));
            out.push('\n');
        }
    }
    out.into_bytes()
}

/// Stores `months` before the benchmark month for every user, as the
/// pipeline would have stored them (rows, day totals, versions), with
/// bulk inserts (`COPY` on PostgreSQL): one transaction per provider.
/// Returns the rows stored.
fn seed_history(conn: &mut DbConn, world: &World, months: i32) -> usize {
    let m = bench_month();
    let mut total = 0;
    for (o, org) in world.orgs.iter().enumerate() {
        let mut s = super::csv::Stored {
            reports: Vec::new(),
            versions: Vec::new(),
            rows: Vec::new(),
            days: Vec::new(),
        };
        for u in world.users.iter().filter(|u| u.org == o) {
            for back in 1..=months {
                let hm = m.add_months(-back);
                let raw = national_rows(hm, &u.assistants);
                let parsed = parse_report(&hm.to_string(), &raw, bench_today());
                assert!(parsed.errors.is_empty(), "history parses");
                let payable = vec![true; parsed.rows.len()];
                let r = report_row(&org.id, &u.id, hm, 1);
                let mut v = version_row(&r.id, 1, hm, true, raw.len() as i32, 0, "{}");
                for t in day_totals(&parsed.rows, &payable, &[], &[]) {
                    v.payable_units += t.payable.0;
                    s.days.push(DayRow {
                        version_id: v.id.clone(),
                        assistant_id: t.assistant_id.to_string(),
                        work_date: t.date,
                        payable_units: t.payable.0,
                        not_payable_units: t.not_payable.0,
                        double_units: t.double.0,
                        working_minutes: t.working_minutes,
                    });
                }
                s.rows.extend(row_rows(&v.id, &parsed.rows));
                s.reports.push(r);
                s.versions.push(v);
            }
        }
        total += s.rows.len();
        raw_load(conn, &s);
    }
    total
}

/// Peak resident memory of a child process, polled from `/proc` while it
/// runs (`VmHWM` only grows, so the last reading is the peak, give or take
/// the last few milliseconds).
fn run_and_watch(cmd: &mut Command) -> (std::process::Output, u64) {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the redovisa binary starts");
    let status = format!("/proc/{}/status", child.id());
    // Drain the pipes on their own threads, so the child never blocks.
    let mut out_pipe = child.stdout.take().expect("stdout");
    let mut err_pipe = child.stderr.take().expect("stderr");
    let out = std::thread::spawn(move || {
        let mut v = Vec::new();
        std::io::Read::read_to_end(&mut out_pipe, &mut v).ok();
        v
    });
    let err = std::thread::spawn(move || {
        let mut v = Vec::new();
        std::io::Read::read_to_end(&mut err_pipe, &mut v).ok();
        v
    });
    let mut peak_kb = 0u64;
    loop {
        if let Some(kb) = std::fs::read_to_string(&status).ok().and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<u64>().ok())
        }) {
            peak_kb = peak_kb.max(kb);
        }
        if child.try_wait().expect("child").is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let status = child.wait().expect("child");
    (
        std::process::Output {
            status,
            stdout: out.join().expect("stdout"),
            stderr: err.join().expect("stderr"),
        },
        peak_kb,
    )
}

pub(crate) fn bench_national(
    cfg: &Config,
    backend: Backend,
    out: &mut Vec<Line>,
    notes: &mut Vec<String>,
) {
    let (providers, users) = cfg.pick((60, 800), (1_000, 13_000));
    let history = 4;
    let sizes = national_sizes(providers, users);
    let world = World::build(&sizes, |i| 3 + i % 3);
    let db = BenchDb::create(backend, "national");
    let (seeded, took) = timed(|| {
        let mut c = db.conn();
        world.seed(&mut c);
        let n = seed_history(&mut c, &world, history);
        analyze(&mut c);
        n
    });
    let raw_db = db.copy("nationalraw");
    let note = format!(
        "national month, {}: {} providers (largest {} users, median {}), {} users, {} assistants; {} months before stored ({} rows) in {}",
        db.label,
        fmt_count(sizes.len() as u64),
        fmt_count(sizes[0] as u64),
        sizes[sizes.len() / 2],
        fmt_count(world.users.len() as u64),
        fmt_count(world.assistants.len() as u64),
        history,
        fmt_count(seeded as u64),
        fmt_duration(took),
    );
    println!("  {note}");
    notes.push(note);

    let m = bench_month();
    let person: HashMap<&str, &str> = world
        .assistants
        .iter()
        .map(|a| (a.id.as_str(), a.personnummer.as_str()))
        .collect();
    let env_of = |org: &str| Env {
        org_id: org.to_string(),
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
    let dir = tempfile::Builder::new()
        .prefix("redovisa-bench-national-")
        .tempdir_in(env!("CARGO_TARGET_TMPDIR"))
        .expect("temporary directory");
    let mut total = Duration::ZERO;
    let mut rows = 0usize;
    let mut largest: Option<(Duration, u64, usize)> = None;
    let mut conn = db.conn();
    for (o, org) in world.orgs.iter().enumerate() {
        let file = provider_file(&world, &person, o, m);
        let n = file.iter().filter(|&&b| b == b'\n').count() - 1;
        rows += n;
        if o == 0 {
            // The largest provider: the real binary, to see its memory.
            let path = dir.path().join("largest.csv");
            std::fs::write(&path, &file).expect("file written");
            let ((output, peak_kb), t) = timed(|| {
                run_and_watch(
                    Command::new(env!("CARGO_BIN_EXE_redovisa"))
                        .arg("import")
                        .arg(&path)
                        .arg("--org")
                        .arg(&org.id)
                        .arg("--actor")
                        .arg("bench")
                        .env("DATABASE_URL", &db.url),
                )
            });
            assert!(
                output.status.success(),
                "largest provider's import: {}",
                String::from_utf8_lossy(&output.stderr)
            );
            total += t;
            largest = Some((t, peak_kb, n));
        } else {
            let (r, t) = timed(|| {
                import(
                    &mut conn,
                    &env_of(&org.id),
                    Cursor::new(file),
                    &opts,
                    &mut |_| {},
                )
            });
            let r = r.unwrap_or_else(|e| panic!("import refused: {e:?}"));
            assert_eq!(r.receipts.len(), sizes[o], "every month stored");
            total += t;
        }
    }
    drop(conn);
    // Baseline: the stored month, provider by provider, into the copy.
    let mut base = Duration::ZERO;
    let mut stored_rows = 0;
    {
        let (mut ic, mut rc) = (db.conn(), raw_db.conn());
        for org in &world.orgs {
            let s = stored_month(&mut ic, &org.id, m);
            stored_rows += s.rows.len();
            base += timed(|| raw_load(&mut rc, &s)).1;
        }
    }
    assert_eq!(stored_rows, rows, "every row stored");
    let line = Line {
        case: "national month, every provider's file".into(),
        db: db.label,
        n: format!(
            "{} files, {} rows",
            fmt_count(world.orgs.len() as u64),
            fmt_count(rows as u64)
        ),
        median: total,
        throughput: fmt_rate(rows as f64 / total.as_secs_f64(), "rows"),
        baseline: format!(
            "raw bulk load ({})",
            fmt_rate(rows as f64 / base.as_secs_f64(), "rows")
        ),
        baseline_median: base,
    };
    line.print();
    out.push(line);
    if let Some((t, peak_kb, n)) = largest {
        let note = format!(
            "national month, {}: the largest provider's file ({} rows) by `redovisa import` in a child process: {} ({}), peak RSS {} MB; all {} files in {} (target on SQLite: 30 s)",
            db.label,
            fmt_count(n as u64),
            fmt_duration(t),
            fmt_rate(n as f64 / t.as_secs_f64(), "rows"),
            peak_kb / 1024,
            fmt_count(world.orgs.len() as u64),
            fmt_duration(total),
        );
        println!("  {note}");
        notes.push(note);
    }
}
