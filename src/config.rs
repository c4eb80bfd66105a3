//! Settings, from the environment and command-line flags (see
//! `docs/configuration.md`).

use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Args;

use crate::db::{Backend, DatabaseUrl};
use crate::domain::deadline::DeadlinePolicy;
use crate::domain::late::{LateRule, DEFAULT_UNPAID_FROM};
use crate::domain::month::ReportMonth;

/// Largest employment document when nothing is configured: 10 MiB.
pub const DEFAULT_MAX_DOCUMENT_BYTES: usize = 10 * 1024 * 1024;
/// Largest CSV upload when nothing is configured: 256 MiB.
pub const DEFAULT_MAX_IMPORT_BYTES: u64 = 256 * 1024 * 1024;
/// Faults listed in a refused import when nothing is configured.
pub const DEFAULT_MAX_IMPORT_ERRORS: usize = 1000;

#[derive(Debug, Clone, Args)]
pub struct DatabaseArgs {
    /// `postgres://…`, `postgresql://…`, `sqlite://PATH` or a plain SQLite path.
    #[arg(long, env = "DATABASE_URL", default_value = "redovisa.db")]
    pub database_url: String,
}

#[derive(Debug, Clone, Args)]
pub struct SecretArgs {
    /// HS256 secret for bearer tokens. On SQLite a generated one is kept next
    /// to the database file when this is unset.
    #[arg(long, env = "REDOVISA_JWT_SECRET", hide_env_values = true)]
    pub jwt_secret: Option<String>,
}

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub db: DatabaseArgs,
    #[command(flatten)]
    pub secret: SecretArgs,
    /// Address to listen on.
    #[arg(long, env = "REDOVISA_BIND", default_value = "127.0.0.1:8080")]
    pub bind: String,
    /// Largest accepted request body, in bytes.
    #[arg(long, env = "REDOVISA_MAX_BODY_BYTES", default_value_t = 32 * 1024 * 1024)]
    pub max_body_bytes: usize,
    /// Database connections in the pool.
    #[arg(long, env = "REDOVISA_DB_POOL_SIZE", default_value_t = 8)]
    pub pool_size: u32,
    /// Move deadlines off weekends and holidays (lag 1930:173); our reading.
    #[arg(long, env = "REDOVISA_DEADLINE_WEEKDAY_RULE", default_value_t = true, action = clap::ArgAction::Set)]
    pub deadline_weekday_rule: bool,
    #[command(flatten)]
    pub late: LateArgs,
    /// Largest accepted employment document (PDF, PNG, JPEG), in bytes.
    #[arg(long, env = "REDOVISA_MAX_DOCUMENT_BYTES", default_value_t = DEFAULT_MAX_DOCUMENT_BYTES)]
    pub max_document_bytes: usize,
    /// HTTP worker threads (default: one per core).
    #[arg(long, env = "REDOVISA_WORKERS")]
    pub workers: Option<usize>,
    /// Largest accepted CSV upload (`POST /imports/time-reports`), in bytes.
    #[arg(long, env = "REDOVISA_MAX_IMPORT_BYTES", default_value_t = DEFAULT_MAX_IMPORT_BYTES)]
    pub max_import_bytes: u64,
    /// Errors listed in a refused CSV import; the rest are counted in `errors_omitted`.
    #[arg(long, env = "REDOVISA_MAX_IMPORT_ERRORS", default_value_t = DEFAULT_MAX_IMPORT_ERRORS)]
    pub max_import_errors: usize,
    /// Most pages of one month PDF (`GET /months/{month}/pdf`); above it the
    /// answer is 422 `too_large`.
    #[arg(long, env = "REDOVISA_MAX_PDF_PAGES", default_value_t = DEFAULT_MAX_PDF_PAGES)]
    pub max_pdf_pages: usize,
    #[command(flatten)]
    pub accounts: AccountArgs,
    #[command(flatten)]
    pub webhooks: WebhookArgs,
    #[command(flatten)]
    pub deadline_events: DeadlineEventArgs,
    /// Session cookies without `Secure`, for plain http on a local machine
    /// only; never in production.
    #[arg(long, env = "REDOVISA_INSECURE_COOKIES", default_value_t = false, action = clap::ArgAction::Set)]
    pub insecure_cookies: bool,
    /// How long a session lasts after sign-in, in seconds.
    #[arg(long, env = "REDOVISA_SESSION_TTL_SECONDS", default_value_t = DEFAULT_SESSION_TTL_SECONDS)]
    pub session_ttl_seconds: i64,

    #[command(flatten)]
    pub guards: Guards,
}

/// Accounts, invites and sessions of the pages (issue 16).
#[derive(Debug, Clone, Args)]
pub struct AccountArgs {
    /// The address people open, used in invite links
    /// (`https://redovisa.example.se`). Unset: the address the request came
    /// to (the API) or `http://127.0.0.1:8080` (the CLI).
    #[arg(long, env = "REDOVISA_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// How long an invite link works, in seconds (default 7 days).
    #[arg(long, env = "REDOVISA_INVITE_TTL_SECONDS", default_value_t = DEFAULT_INVITE_TTL_SECONDS)]
    pub invite_ttl_seconds: i64,
}

/// Webhook deliveries (docs/integrations.md, "Webhooks").
#[derive(Debug, Clone, Args)]
pub struct WebhookArgs {
    /// Allow webhook targets on loopback, private and link-local addresses
    /// and plain `http`: for tests and closed networks only.
    #[arg(long, env = "REDOVISA_WEBHOOK_ALLOW_PRIVATE", default_value_t = false, action = clap::ArgAction::Set)]
    pub webhook_allow_private: bool,
    /// The first wait before a failed delivery is tried again, in
    /// milliseconds; each later wait doubles, up to an hour.
    #[arg(long, env = "REDOVISA_WEBHOOK_RETRY_BASE_MS", default_value_t = 1000)]
    pub webhook_retry_base_ms: u64,
    /// How often the delivery worker looks for new events, in milliseconds.
    #[arg(long, env = "REDOVISA_WEBHOOK_POLL_MS", default_value_t = 1000)]
    pub webhook_poll_ms: u64,
}

/// How webhooks are checked and delivered.
#[derive(Debug, Clone)]
pub struct WebhookSettings {
    /// Targets on non-public addresses and plain `http` are allowed.
    pub allow_private: bool,
    /// The wait after a delivery's first failed attempt.
    pub retry_base: std::time::Duration,
    /// How long a failing delivery is retried before it is given up: a day
    /// (`domain::webhook::RETRY_FOR`); not configurable, tests shorten it.
    pub retry_for: std::time::Duration,
    /// How often the worker looks for new events.
    pub poll: std::time::Duration,
}

impl Default for WebhookSettings {
    fn default() -> Self {
        Self {
            allow_private: false,
            retry_base: std::time::Duration::from_millis(1000),
            retry_for: crate::domain::webhook::RETRY_FOR,
            poll: std::time::Duration::from_millis(1000),
        }
    }
}

impl WebhookArgs {
    pub fn settings(&self) -> anyhow::Result<WebhookSettings> {
        if self.webhook_retry_base_ms == 0 {
            anyhow::bail!("REDOVISA_WEBHOOK_RETRY_BASE_MS must be positive");
        }
        if self.webhook_poll_ms == 0 {
            anyhow::bail!("REDOVISA_WEBHOOK_POLL_MS must be positive");
        }
        Ok(WebhookSettings {
            allow_private: self.webhook_allow_private,
            retry_base: std::time::Duration::from_millis(self.webhook_retry_base_ms),
            poll: std::time::Duration::from_millis(self.webhook_poll_ms),
            ..WebhookSettings::default()
        })
    }
}

/// The `deadline.approaching` emitter (docs/integrations.md).
#[derive(Debug, Clone, Args)]
pub struct DeadlineEventArgs {
    /// Record `deadline.approaching` events (once a day per reminder item
    /// due within 7 days).
    #[arg(long, env = "REDOVISA_DEADLINE_EVENTS", default_value_t = true, action = clap::ArgAction::Set)]
    pub deadline_events: bool,
    /// How often the emitter looks for approaching items, in seconds; an
    /// item is announced at most once per Stockholm day whatever this is.
    #[arg(
        long,
        env = "REDOVISA_DEADLINE_EVENTS_INTERVAL_SECONDS",
        default_value_t = 3600
    )]
    pub deadline_events_interval_seconds: u64,
}

/// Whether and how often `deadline.approaching` events are looked for.
#[derive(Debug, Clone)]
pub struct DeadlineEventSettings {
    pub enabled: bool,
    pub interval: std::time::Duration,
}

impl DeadlineEventSettings {
    /// No emitter (tests, unless one turns it on).
    pub fn off() -> Self {
        Self {
            enabled: false,
            interval: std::time::Duration::from_secs(3600),
        }
    }
}

impl DeadlineEventArgs {
    pub fn settings(&self) -> anyhow::Result<DeadlineEventSettings> {
        if self.deadline_events_interval_seconds == 0 {
            anyhow::bail!("REDOVISA_DEADLINE_EVENTS_INTERVAL_SECONDS must be positive");
        }
        Ok(DeadlineEventSettings {
            enabled: self.deadline_events,
            interval: std::time::Duration::from_secs(self.deadline_events_interval_seconds),
        })
    }
}

/// An invite link works for 7 days.
pub const DEFAULT_INVITE_TTL_SECONDS: i64 = 7 * 24 * 3600;
/// A session lasts 8 hours from sign-in (a working day).
pub const DEFAULT_SESSION_TTL_SECONDS: i64 = 8 * 3600;

/// What the pages' sign-in needs to know.
#[derive(Debug, Clone)]
pub struct AccountSettings {
    /// Session cookies without `Secure`, for plain http on one's own
    /// machine. Never in production.
    pub insecure_cookies: bool,
    pub session_ttl: chrono::Duration,
    pub invite_ttl: chrono::Duration,
    /// Without a trailing `/`.
    pub public_url: Option<String>,
}

impl Default for AccountSettings {
    fn default() -> Self {
        Self {
            insecure_cookies: false,
            session_ttl: chrono::Duration::seconds(DEFAULT_SESSION_TTL_SECONDS),
            invite_ttl: chrono::Duration::seconds(DEFAULT_INVITE_TTL_SECONDS),
            public_url: None,
        }
    }
}

impl AccountArgs {
    pub fn invite_ttl(&self) -> anyhow::Result<chrono::Duration> {
        if self.invite_ttl_seconds <= 0 {
            anyhow::bail!("REDOVISA_INVITE_TTL_SECONDS must be positive");
        }
        Ok(chrono::Duration::seconds(self.invite_ttl_seconds))
    }

    pub fn public_url(&self) -> Option<String> {
        self.public_url
            .as_deref()
            .map(|u| u.trim().trim_end_matches('/').to_string())
            .filter(|u| !u.is_empty())
    }
}

/// The 2027 rule: from which month a report that arrives after FK's
/// deadline is not paid (see `docs/deadlines.md`).
#[derive(Debug, Clone, Args)]
pub struct LateArgs {
    /// First month (YYYY-MM) for which a late report is expected not to be
    /// paid; earlier months are only flagged late.
    #[arg(long, env = "REDOVISA_LATE_REPORTS_UNPAID_FROM", default_value = DEFAULT_UNPAID_FROM, value_parser = parse_month)]
    pub late_reports_unpaid_from: ReportMonth,
}

impl LateArgs {
    pub fn rule(&self) -> LateRule {
        LateRule {
            unpaid_from: self.late_reports_unpaid_from,
        }
    }
}

fn parse_month(s: &str) -> Result<ReportMonth, String> {
    ReportMonth::parse(s.trim()).map_err(|_| format!("`{s}` is not a month (YYYY-MM)"))
}

/// Default page limit of a month PDF: a mid-sized provider's month (about
/// 40 users with 5 assistants each) fits; memory stays a few MiB.
pub const DEFAULT_MAX_PDF_PAGES: usize = 500;

/// Read entries of the audit trail are kept ten years and a little: FK may
/// reclaim assistansersättning paid on wrong grounds for ten years (the
/// general limitation period), and who read the records behind a claim is
/// part of answering for it. The trail of changes is kept with the records.
pub const DEFAULT_AUDIT_RETENTION_DAYS: u32 = 3660;

/// Issue 15's protections (docs/security.md): how long reads stay audited,
/// the per-credential rate limits, and the alarm on `overlaps_other_employer`.
#[derive(Debug, Clone, clap::Args)]
pub struct Guards {
    /// Days a read entry of the audit trail is kept (0: for ever).
    #[arg(long, env = "REDOVISA_AUDIT_RETENTION_DAYS", default_value_t = DEFAULT_AUDIT_RETENTION_DAYS)]
    pub audit_retention_days: u32,
    /// Writes and imports per second per credential (0: no limit).
    #[arg(long, env = "REDOVISA_RATE_LIMIT_PER_SECOND", default_value_t = 5000)]
    pub rate_limit_per_second: u32,
    /// Writes a credential may make at once above the rate (0: no limit).
    #[arg(long, env = "REDOVISA_RATE_LIMIT_BURST", default_value_t = 10000)]
    pub rate_limit_burst: u32,
    /// `overlaps_other_employer` refusals per hour per credential before
    /// its writes are refused and an alarm is logged (0: no limit).
    #[arg(long, env = "REDOVISA_OVERLAP_REFUSALS_PER_HOUR", default_value_t = 60)]
    pub overlap_refusals_per_hour: u32,
}

impl Default for Guards {
    fn default() -> Self {
        Guards {
            audit_retention_days: DEFAULT_AUDIT_RETENTION_DAYS,
            rate_limit_per_second: 5000,
            rate_limit_burst: 10000,
            overlap_refusals_per_hour: 60,
        }
    }
}

/// Everything the application needs to start.
#[derive(Debug, Clone)]
pub struct Settings {
    pub database: DatabaseUrl,
    pub bind: String,
    pub jwt_secret: String,
    pub max_body_bytes: usize,
    pub pool_size: u32,
    pub deadline_policy: DeadlinePolicy,
    /// From which month a late report is not paid.
    pub late_rule: LateRule,
    /// Largest accepted employment document, in bytes (default 10 MiB).
    pub max_document_bytes: usize,
    pub workers: Option<usize>,
    /// Largest accepted CSV upload, in bytes.
    pub max_import_bytes: u64,
    /// Errors listed in a refused CSV import.
    pub max_import_errors: usize,
    /// Most pages of one month PDF.
    pub max_pdf_pages: usize,
    /// Sign-in on the pages.
    pub accounts: AccountSettings,
    /// Webhook targets and deliveries.
    pub webhooks: WebhookSettings,
    /// The `deadline.approaching` emitter.
    pub deadline_events: DeadlineEventSettings,
    /// Audit retention and rate limits.
    pub guards: Guards,
}

impl Settings {
    pub fn from_args(args: &ServeArgs) -> anyhow::Result<Self> {
        let database = DatabaseUrl::parse(&args.db.database_url)?;
        let jwt_secret = resolve_secret(&database, args.secret.jwt_secret.as_deref(), true)?;
        Ok(Self {
            database,
            bind: args.bind.clone(),
            jwt_secret,
            max_body_bytes: args.max_body_bytes,
            pool_size: args.pool_size.max(1),
            deadline_policy: DeadlinePolicy {
                weekday_rule: args.deadline_weekday_rule,
            },
            late_rule: args.late.rule(),
            workers: args.workers,
            max_document_bytes: args.max_document_bytes,
            max_import_bytes: args.max_import_bytes,
            max_import_errors: args.max_import_errors,
            max_pdf_pages: args.max_pdf_pages.max(1),
            accounts: AccountSettings {
                insecure_cookies: args.insecure_cookies,
                session_ttl: {
                    if args.session_ttl_seconds <= 0 {
                        anyhow::bail!("REDOVISA_SESSION_TTL_SECONDS must be positive");
                    }
                    chrono::Duration::seconds(args.session_ttl_seconds)
                },
                invite_ttl: args.accounts.invite_ttl()?,
                public_url: args.accounts.public_url(),
            },
            webhooks: args.webhooks.settings()?,
            deadline_events: args.deadline_events.settings()?,
            guards: args.guards.clone(),
        })
    }
}

/// Where the generated secret of a SQLite installation lives.
pub fn secret_file(sqlite_path: &str) -> PathBuf {
    PathBuf::from(format!("{sqlite_path}.jwt-secret"))
}

/// The JWT secret: the configured one, or on SQLite the one kept next to the
/// database file (created when `create` and missing). PostgreSQL
/// installations run several instances, which must share one configured
/// secret, so there it is required.
pub fn resolve_secret(
    db: &DatabaseUrl,
    configured: Option<&str>,
    create: bool,
) -> anyhow::Result<String> {
    if let Some(s) = configured.filter(|s| !s.is_empty()) {
        if s.len() < 16 {
            anyhow::bail!("REDOVISA_JWT_SECRET must be at least 16 characters");
        }
        return Ok(s.to_string());
    }
    match db.backend {
        Backend::Postgres => anyhow::bail!(
            "REDOVISA_JWT_SECRET is required with PostgreSQL (every instance must share it)"
        ),
        Backend::Sqlite => {
            let path = secret_file(&db.target);
            if path.exists() {
                let s = std::fs::read_to_string(&path)
                    .with_context(|| format!("reading {}", path.display()))?;
                return Ok(s.trim().to_string());
            }
            if !create {
                anyhow::bail!(
                    "no REDOVISA_JWT_SECRET and no {} yet: start `redovisa serve` once or set the variable",
                    path.display()
                );
            }
            let secret = generate_secret();
            write_private(&path, &secret)?;
            tracing::warn!(
                file = %path.display(),
                "REDOVISA_JWT_SECRET not set: generated a secret and stored it next to the database (mode 0600)"
            );
            Ok(secret)
        }
    }
}

fn generate_secret() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

fn write_private(path: &Path, contents: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut f = options
        .open(path)
        .with_context(|| format!("creating {}", path.display()))?;
    f.write_all(contents.as_bytes())?;
    f.sync_all()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_secret_is_generated_once_with_0600() {
        let dir = std::env::temp_dir().join(format!("redovisa-secret-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let db = DatabaseUrl::parse(dir.join("r.db").to_str().unwrap()).unwrap();
        assert!(resolve_secret(&db, None, false).is_err());
        let a = resolve_secret(&db, None, true).unwrap();
        let b = resolve_secret(&db, None, false).unwrap();
        assert_eq!(a, b);
        assert_eq!(a.len(), 64);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(secret_file(&db.target))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn postgres_requires_a_secret() {
        let db = DatabaseUrl::parse("postgres://localhost/x").unwrap();
        assert!(resolve_secret(&db, None, true).is_err());
        assert!(resolve_secret(&db, Some("short"), true).is_err());
        assert_eq!(
            resolve_secret(&db, Some("0123456789abcdef"), true).unwrap(),
            "0123456789abcdef"
        );
    }
}
