//! The `redovisa` command line.

use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand};

use crate::auth::{Claims, JwtKeys, Role};
use crate::clock::SystemClock;
use crate::config::{resolve_secret, DatabaseArgs, SecretArgs, ServeArgs, Settings};
use crate::db::{self, DatabaseUrl};

#[derive(Debug, Parser)]
#[command(
    name = "redovisa",
    version,
    about = "Monthly reports of assistansersättning to Försäkringskassan"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the HTTP server (applies migrations first).
    Serve(ServeArgs),
    /// Apply database migrations and exit.
    Migrate(DatabaseArgs),
    /// Print a signed bearer token (HS256) for bootstrapping and scripts.
    Token(TokenArgs),
}

#[derive(Debug, clap::Args)]
pub struct TokenArgs {
    #[command(flatten)]
    pub db: DatabaseArgs,
    #[command(flatten)]
    pub secret: SecretArgs,
    /// admin, provider or auditor.
    #[arg(long, value_enum)]
    pub role: Role,
    /// Organisation id (required for provider).
    #[arg(long)]
    pub org: Option<String>,
    /// Lifetime in seconds.
    #[arg(long, default_value_t = 3600)]
    pub ttl: i64,
    /// Subject recorded in the audit trail.
    #[arg(long, default_value = "cli")]
    pub sub: String,
}

pub fn main() -> ExitCode {
    crate::telemetry::init();
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve(args) => {
            let settings = Settings::from_args(&args)?;
            let workers = settings.workers;
            let mut rt = actix_web::rt::System::new();
            let _ = &mut rt;
            let _ = workers;
            rt.block_on(async move {
                let app = crate::startup::Application::build(&settings, Arc::new(SystemClock))?;
                app.run_until_stopped().await?;
                Ok(())
            })
        }
        Command::Migrate(args) => {
            let url = DatabaseUrl::parse(&args.database_url)?;
            db::run_migrations(&url)
        }
        Command::Token(args) => {
            let url = DatabaseUrl::parse(&args.db.database_url)?;
            if args.role == Role::Provider && args.org.is_none() {
                anyhow::bail!("--org is required for --role provider");
            }
            if args.ttl <= 0 {
                anyhow::bail!("--ttl must be positive");
            }
            let secret = resolve_secret(&url, args.secret.jwt_secret.as_deref(), false)?;
            let now = chrono::Utc::now().timestamp();
            let claims = Claims {
                sub: args.sub,
                role: args.role,
                org: args.org,
                exp: now + args.ttl,
                iat: Some(now),
            };
            println!(
                "{}",
                JwtKeys::from_secret(secret.as_bytes()).issue(&claims)?
            );
            Ok(())
        }
    }
}
