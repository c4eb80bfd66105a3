//! `redovisa import FILE --org ORG_ID [--dry-run] [--correction-reason ..]`:
//! the same import as `POST /api/v1/imports/time-reports`, straight against
//! the configured database. Prints the same JSON as the API to stdout (the
//! result, or the problem with every error) and a summary to stderr, with a
//! progress bar when stderr is a terminal.

use std::fs::File;
use std::io::IsTerminal;
use std::path::PathBuf;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};

use super::{import, ImportFailure, Options, Progress, DEFAULT_MAX_ERRORS};
use crate::config::DatabaseArgs;
use crate::db::Scope;
use crate::db::{self, register as reg, DatabaseUrl};
use crate::domain::deadline::DeadlinePolicy;
use crate::error::ApiError;
use crate::service::submission::Env;

#[derive(Debug, Clone, clap::Args)]
pub struct ImportArgs {
    #[command(flatten)]
    pub db: DatabaseArgs,
    /// The CSV file (format: docs/csv-format.md).
    pub file: PathBuf,
    /// Id of the organisation that reports.
    #[arg(long)]
    pub org: String,
    /// Check everything and store nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Needed when the file replaces stored months with other rows.
    #[arg(long)]
    pub correction_reason: Option<String>,
    /// Errors listed at most; the rest are counted.
    #[arg(long, env = "REDOVISA_MAX_IMPORT_ERRORS", default_value_t = DEFAULT_MAX_ERRORS)]
    pub max_errors: usize,
    /// Move deadlines off weekends and holidays (lag 1930:173); our reading.
    #[arg(long, env = "REDOVISA_DEADLINE_WEEKDAY_RULE", default_value_t = true, action = clap::ArgAction::Set)]
    pub deadline_weekday_rule: bool,
    #[command(flatten)]
    pub late: crate::config::LateArgs,
    /// Recorded as the submitter in the audit trail.
    #[arg(long, default_value = "cli")]
    pub actor: String,
}

/// Draws progress on a terminal; does nothing otherwise.
struct Bar {
    bar: ProgressBar,
    checking: bool,
}

impl Bar {
    fn styled(len: u64, template: &str, message: &'static str) -> ProgressBar {
        if !std::io::stderr().is_terminal() {
            return ProgressBar::hidden();
        }
        let b = ProgressBar::new(len);
        b.set_style(
            ProgressStyle::with_template(template)
                .expect("valid template")
                .progress_chars("=> "),
        );
        b.set_message(message);
        b
    }

    fn new(bytes: u64) -> Self {
        Self {
            bar: Self::styled(
                bytes,
                "{msg:>9} [{bar:40}] {bytes}/{total_bytes} ({eta})",
                "reading",
            ),
            checking: false,
        }
    }

    fn update(&mut self, p: Progress) {
        match p {
            Progress::Reading { bytes, .. } => self.bar.set_position(bytes),
            Progress::Checking { done, total } => {
                if !self.checking {
                    self.checking = true;
                    self.bar.finish_and_clear();
                    self.bar = Self::styled(
                        total as u64,
                        "{msg:>9} [{bar:40}] {pos}/{len} reports ({eta})",
                        "checking",
                    );
                }
                self.bar.set_position(done as u64);
            }
        }
    }
}

pub fn run(args: ImportArgs) -> anyhow::Result<()> {
    let url = DatabaseUrl::parse(&args.db.database_url)?;
    db::run_migrations(&url)?;
    let mut conn = db::Manager::new(url)
        .connect_now()
        .context("connecting to the database")?;
    if reg::get_organisation(&mut conn, &Scope::All, &args.org)?.is_none() {
        anyhow::bail!("no organisation with id {}", args.org);
    }
    let file =
        File::open(&args.file).with_context(|| format!("opening {}", args.file.display()))?;
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    let env = Env {
        org_id: args.org.clone(),
        actor: args.actor.clone(),
        now: chrono::Utc::now(),
        policy: DeadlinePolicy {
            weekday_rule: args.deadline_weekday_rule,
        },
        late: args.late.rule(),
        probes: Default::default(),
    };
    let opts = Options {
        dry_run: args.dry_run,
        correction_reason: args.correction_reason.clone(),
        max_errors: args.max_errors,
    };
    let mut bar = Bar::new(size);
    let outcome = import(&mut conn, &env, file, &opts, &mut |p| bar.update(p));
    bar.bar.finish_and_clear();
    match outcome {
        Ok(result) => {
            println!("{}", serde_json::to_string_pretty(&result)?);
            let verb = if result.dry_run {
                "would create"
            } else {
                "created"
            };
            eprintln!(
                "{} rows: {verb} {} report version(s), {} unchanged{}",
                result.rows,
                result.receipts.len(),
                result.unchanged.len(),
                if result.dry_run {
                    " (dry run: nothing stored)"
                } else {
                    ""
                }
            );
            Ok(())
        }
        Err(ImportFailure::Io(e)) => {
            Err(anyhow::Error::new(e).context(format!("reading {}", args.file.display())))
        }
        Err(ImportFailure::Db(e)) => Err(anyhow::Error::new(e).context("database")),
        Err(failure) => {
            let problem = ApiError::from(failure).problem();
            println!("{}", serde_json::to_string_pretty(&problem)?);
            for e in &problem.errors {
                let at = match (e.extra.get("line"), e.extra.get("column")) {
                    (Some(l), Some(serde_json::Value::String(c))) => format!("line {l}, {c}"),
                    (Some(l), _) => format!("line {l}"),
                    _ => String::new(),
                };
                let related = e
                    .extra
                    .get("related_lines")
                    .and_then(|r| r.as_array())
                    .map(|r| {
                        let lines: Vec<String> = r.iter().map(|l| l.to_string()).collect();
                        format!(" (see line {})", lines.join(", "))
                    })
                    .unwrap_or_default();
                eprintln!("{at}: {}: {}{related}", e.code, e.message);
            }
            if let Some(n) = problem.extra.get("errors_omitted").and_then(|v| v.as_u64()) {
                if n > 0 {
                    eprintln!("… and {n} more errors");
                }
            }
            anyhow::bail!("{}", problem.detail)
        }
    }
}
