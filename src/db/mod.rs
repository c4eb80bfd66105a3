//! Storage: one connection type over SQLite and PostgreSQL, the pool,
//! embedded migrations, and the queries (one module per aggregate).

pub mod accounts;
pub mod agreements;
pub mod api_keys;
pub mod audit;
pub mod change_notices;
pub mod dashboard;
pub mod deadline_events;
pub mod dependents;
pub mod documents;
pub mod events;
pub mod idempotency;
pub mod invoices;
pub mod late;
pub mod months;
pub mod page;
pub mod register;
pub mod reminders;
pub mod schema;
pub mod scope;
pub mod signatures;
pub mod signers;
pub mod time_reports;
pub mod webhook_deliveries;
pub mod webhooks;

pub use scope::Scope;

use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::r2d2::{ManageConnection, Pool, PooledConnection, R2D2Connection};
use diesel::{Connection, RunQueryDsl};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

/// A new record id (UUID v4, as text: ids are portable strings on both backends).
pub fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// Instants are stored as naive UTC and sent as RFC 3339 with `Z`.
pub fn utc_string(at: chrono::NaiveDateTime) -> String {
    at.and_utc()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Lowercase hex SHA-256: request hashes, blob keys, fingerprints.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(bytes))
}

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgresql");

/// One connection type for both backends; which one is decided by the URL.
#[derive(diesel::MultiConnection)]
pub enum DbConn {
    Sqlite(diesel::SqliteConnection),
    Postgres(diesel::PgConnection),
}

pub type DbPool = Pool<Manager>;
pub type PooledConn = PooledConnection<Manager>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A parsed `DATABASE_URL`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatabaseUrl {
    pub backend: Backend,
    /// What diesel connects with: the path for SQLite, the URL for PostgreSQL.
    pub target: String,
}

impl DatabaseUrl {
    /// `postgres://` and `postgresql://` select PostgreSQL; `sqlite://PATH`,
    /// `sqlite:PATH` or a plain path select SQLite. Any other scheme is refused
    /// rather than guessed at.
    pub fn parse(url: &str) -> anyhow::Result<Self> {
        let url = url.trim();
        if url.is_empty() {
            anyhow::bail!("DATABASE_URL is empty");
        }
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(Self {
                backend: Backend::Postgres,
                target: url.to_string(),
            });
        }
        if let Some(path) = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
        {
            if path.is_empty() {
                anyhow::bail!("DATABASE_URL `sqlite://` needs a file path");
            }
            return Ok(Self {
                backend: Backend::Sqlite,
                target: path.to_string(),
            });
        }
        if let Some((scheme, _)) = url.split_once("://") {
            anyhow::bail!(
                "DATABASE_URL scheme `{scheme}://` is not supported; use postgres://, postgresql://, sqlite:// or a file path"
            );
        }
        Ok(Self {
            backend: Backend::Sqlite,
            target: url.to_string(),
        })
    }

    /// The SQLite file, if this is SQLite.
    pub fn sqlite_path(&self) -> Option<&str> {
        (self.backend == Backend::Sqlite).then_some(self.target.as_str())
    }
}

/// Opens connections for the pool. diesel's own `MultiConnection::establish`
/// tries each backend in turn, which would let a PostgreSQL URL fall through to
/// a SQLite file of that name; the backend is decided once, from the URL.
#[derive(Debug, Clone)]
pub struct Manager {
    url: DatabaseUrl,
}

impl Manager {
    pub fn new(url: DatabaseUrl) -> Self {
        Self { url }
    }

    pub fn connect_now(&self) -> Result<DbConn, diesel::r2d2::Error> {
        use diesel::r2d2::Error;
        match self.url.backend {
            Backend::Sqlite => {
                let mut c = diesel::SqliteConnection::establish(&self.url.target)
                    .map_err(Error::ConnectionError)?;
                // WAL for concurrent readers, enforced foreign keys, a busy
                // timeout instead of immediate SQLITE_BUSY, and synchronous=FULL
                // so that a commit that returned survives a power cut. A page
                // cache of up to 64 MiB (the default is 2 MiB): a large import
                // touches thousands of index pages (one per assistant) and,
                // with a small cache, spills them to the WAL again and again
                // before it commits.
                c.batch_execute(
                    "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; \
                     PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000; \
                     PRAGMA cache_size = -65536;",
                )
                .map_err(Error::QueryError)?;
                Ok(DbConn::Sqlite(c))
            }
            Backend::Postgres => diesel::PgConnection::establish(&self.url.target)
                .map(DbConn::Postgres)
                .map_err(Error::ConnectionError),
        }
    }
}

impl ManageConnection for Manager {
    type Connection = DbConn;
    type Error = diesel::r2d2::Error;

    fn connect(&self) -> Result<DbConn, Self::Error> {
        self.connect_now()
    }

    fn is_valid(&self, conn: &mut DbConn) -> Result<(), Self::Error> {
        conn.ping().map_err(diesel::r2d2::Error::QueryError)
    }

    fn has_broken(&self, conn: &mut DbConn) -> bool {
        std::thread::panicking() || conn.is_broken()
    }
}

/// Advisory-lock id held while migrating ("redovisa" in ASCII).
const MIGRATION_LOCK: i64 = 0x7265_646f_7669_7361;

/// Applies the pending migrations of the URL's backend.
pub fn run_migrations(url: &DatabaseUrl) -> anyhow::Result<()> {
    let mut conn = Manager::new(url.clone()).connect_now()?;
    let applied = match &mut conn {
        DbConn::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS).map(|v| v.len()),
        DbConn::Postgres(c) => {
            // Instances starting together must not race on the same
            // migration: a session-level advisory lock serialises them.
            diesel::sql_query(format!("SELECT pg_advisory_lock({MIGRATION_LOCK})")).execute(c)?;
            let result = c
                .run_pending_migrations(POSTGRES_MIGRATIONS)
                .map(|v| v.len());
            diesel::sql_query(format!("SELECT pg_advisory_unlock({MIGRATION_LOCK})")).execute(c)?;
            result
        }
    }
    .map_err(|e| anyhow::anyhow!("migrations failed: {e}"))?;
    tracing::info!(applied, "database migrations up to date");
    Ok(())
}

/// Reverts every migration (for checking that `down.sql` undoes `up.sql`;
/// this drops all data).
pub fn revert_all_migrations(url: &DatabaseUrl) -> anyhow::Result<usize> {
    let mut conn = Manager::new(url.clone()).connect_now()?;
    let reverted = match &mut conn {
        DbConn::Sqlite(c) => c.revert_all_migrations(SQLITE_MIGRATIONS).map(|v| v.len()),
        DbConn::Postgres(c) => c
            .revert_all_migrations(POSTGRES_MIGRATIONS)
            .map(|v| v.len()),
    }
    .map_err(|e| anyhow::anyhow!("reverting migrations failed: {e}"))?;
    Ok(reverted)
}

/// Builds the pool. Migrations should have run first.
pub fn build_pool(url: &DatabaseUrl, max_size: u32) -> anyhow::Result<DbPool> {
    let pool = Pool::builder()
        .max_size(max_size)
        .connection_timeout(Duration::from_secs(10))
        .build(Manager::new(url.clone()))?;
    Ok(pool)
}

impl DbConn {
    pub fn backend(&self) -> Backend {
        match self {
            DbConn::Sqlite(_) => Backend::Sqlite,
            DbConn::Postgres(_) => Backend::Postgres,
        }
    }

    /// Runs `f` in a write transaction that first takes the locks for `keys`,
    /// and appends the events `f` recorded ([`events::record`]) at its end.
    ///
    /// SQLite has one writer: touching `write_lock` first takes the write lock
    /// up front, so a transaction never fails upgrading a read lock. PostgreSQL
    /// takes a transaction-scoped advisory lock per key, so checks that read
    /// then write (overlaps, next version) are serialised across instances.
    pub fn write_transaction<T, E, F>(&mut self, keys: &[String], f: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConn) -> Result<T, E>,
        E: From<diesel::result::Error>,
    {
        let mark = events::Mark::begin();
        let result = self.transaction(|conn| {
            match conn.backend() {
                Backend::Sqlite => {
                    diesel::sql_query("UPDATE write_lock SET n = n + 1 WHERE id = 1")
                        .execute(conn)?;
                }
                Backend::Postgres => conn.batch_execute(&pg_write_preamble(keys))?,
            }
            let out = f(conn)?;
            // Last, so that the outbox's lock is the last one taken.
            mark.flush(conn)?;
            Ok(out)
        });
        if result.is_ok() {
            mark.committed();
        }
        result
    }
}

/// What a PostgreSQL write transaction runs first, as one round trip.
///
/// Plans: diesel prepares its statements, and after five executions
/// PostgreSQL may switch to a generic plan, costed with the statistics of
/// that moment; one made while the tables were small (the first import into
/// a fresh database) goes on scanning whole tables once they are large.
/// Custom plans, made for each execution's values, stay right.
///
/// Locks: PostgreSQL's lock table is small (about 64 locks per connection).
/// A transaction with many keys (a big import) takes one exclusive lock over
/// everything instead; every other write holds that lock shared, so the two
/// never interleave.
fn pg_write_preamble(keys: &[String]) -> String {
    let mut sql = String::from("SET LOCAL plan_cache_mode = force_custom_plan;");
    if keys.len() > MAX_KEYED_LOCKS {
        sql.push_str(&format!(
            " SELECT pg_advisory_xact_lock({GLOBAL_WRITE_LOCK});"
        ));
    } else {
        sql.push_str(&format!(
            " SELECT pg_advisory_xact_lock_shared({GLOBAL_WRITE_LOCK});"
        ));
        let mut ids: Vec<i64> = keys.iter().map(|k| lock_id(k)).collect();
        ids.sort_unstable();
        ids.dedup();
        for id in ids {
            sql.push_str(&format!(" SELECT pg_advisory_xact_lock({id});"));
        }
    }
    sql
}

/// After a large import: fresh statistics, so that the planners see the
/// tables as they now are (PostgreSQL's autovacuum would get there later;
/// SQLite's `PRAGMA optimize` analyses only what needs it).
pub fn refresh_statistics(conn: &mut DbConn) -> diesel::QueryResult<()> {
    match conn.backend() {
        Backend::Sqlite => conn.batch_execute("PRAGMA optimize"),
        Backend::Postgres => conn.batch_execute(
            "ANALYZE time_reports, time_report_versions, time_report_rows, time_report_days",
        ),
    }
}

/// Above this many keys, a write transaction locks everything at once.
const MAX_KEYED_LOCKS: usize = 32;

/// Advisory-lock id shared by every write, taken exclusively by big ones.
const GLOBAL_WRITE_LOCK: i64 = 0x7265_646f_7669_7377;

/// A stable 64-bit advisory-lock id for a key.
fn lock_id(key: &str) -> i64 {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(key.as_bytes());
    i64::from_be_bytes(digest[..8].try_into().expect("8 bytes"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_schemes() {
        assert_eq!(
            DatabaseUrl::parse("postgres://u@h/db").unwrap().backend,
            Backend::Postgres
        );
        assert_eq!(
            DatabaseUrl::parse("postgresql://u@h/db").unwrap().backend,
            Backend::Postgres
        );
        let s = DatabaseUrl::parse("sqlite:///var/lib/r.db").unwrap();
        assert_eq!(
            (s.backend, s.target.as_str()),
            (Backend::Sqlite, "/var/lib/r.db")
        );
        let s = DatabaseUrl::parse("sqlite://redovisa.db").unwrap();
        assert_eq!(s.target, "redovisa.db");
        let s = DatabaseUrl::parse("data/redovisa.db").unwrap();
        assert_eq!(
            (s.backend, s.target.as_str()),
            (Backend::Sqlite, "data/redovisa.db")
        );
        let err = DatabaseUrl::parse("mysql://root@localhost/db").unwrap_err();
        assert!(err.to_string().contains("mysql://"), "{err}");
        assert!(DatabaseUrl::parse("").is_err());
        assert!(DatabaseUrl::parse("sqlite://").is_err());
    }

    #[test]
    fn lock_ids_are_stable() {
        assert_eq!(lock_id("a"), lock_id("a"));
        assert_ne!(lock_id("a"), lock_id("b"));
    }
}
