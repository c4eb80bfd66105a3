//! The `redovisa` command line.

use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand};

use crate::clock::SystemClock;
use crate::config::{resolve_secret, DatabaseArgs, SecretArgs, ServeArgs, Settings};
use crate::db::{self, DatabaseUrl};
use crate::http::auth::{Claims, JwtKeys, Role};

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
    /// Import a CSV file of time reports (docs/csv-format.md) for an organisation.
    Import(crate::import::cli::ImportArgs),
    /// Fill the database with a demo provider and print its token.
    SeedDemo(SeedDemoArgs),
    /// Print the OpenAPI document (as `GET /api/v1/openapi.json` serves it).
    Openapi,
    /// People's accounts for the pages.
    #[command(subcommand)]
    User(UserCommand),
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create an account (or, for an existing one, a new link) and print
    /// the one-time link where the person chooses a password.
    Invite(InviteArgs),
}

#[derive(Debug, clap::Args)]
pub struct InviteArgs {
    #[command(flatten)]
    pub db: DatabaseArgs,
    #[command(flatten)]
    pub accounts: crate::config::AccountArgs,
    /// The address the person signs in with.
    #[arg(long)]
    pub email: String,
    /// admin, provider, provider_read or auditor.
    #[arg(long, value_enum)]
    pub role: Role,
    /// Organisation id (required for provider and provider_read).
    #[arg(long)]
    pub org: Option<String>,
    /// The person's name as the pages show it (default: the address).
    #[arg(long)]
    pub name: Option<String>,
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

#[derive(Debug, clap::Args)]
pub struct SeedDemoArgs {
    #[command(flatten)]
    pub db: DatabaseArgs,
    #[command(flatten)]
    pub secret: SecretArgs,
    /// Lifetime of the printed provider token, in seconds.
    #[arg(long, default_value_t = 8 * 3600)]
    pub ttl: i64,
    /// As for `serve`: move deadlines off weekends and holidays.
    #[arg(long, env = "REDOVISA_DEADLINE_WEEKDAY_RULE", default_value_t = true, action = clap::ArgAction::Set)]
    pub deadline_weekday_rule: bool,
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
        Command::SeedDemo(args) => seed_demo(args),
        Command::User(UserCommand::Invite(args)) => invite(args),
        Command::Openapi => {
            print!("{}", crate::http::openapi::pretty_json());
            Ok(())
        }
        Command::Import(args) => crate::import::cli::run(args),
        Command::Migrate(args) => {
            let url = DatabaseUrl::parse(&args.database_url)?;
            db::run_migrations(&url)
        }
        Command::Token(args) => {
            let url = DatabaseUrl::parse(&args.db.database_url)?;
            if args.role.needs_org() && args.org.is_none() {
                anyhow::bail!("--org is required for --role provider and provider-read");
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

/// `redovisa user invite`: prints the same `invite_url` as `POST /users`.
fn invite(args: InviteArgs) -> anyhow::Result<()> {
    use crate::domain::account::{check_account_name, normalise_email};
    use crate::service::accounts;
    let url = DatabaseUrl::parse(&args.db.database_url)?;
    db::run_migrations(&url)?;
    let email =
        normalise_email(&args.email).map_err(|v| anyhow::anyhow!("--email: {}", v.message))?;
    let name = check_account_name(args.name.as_deref().unwrap_or(&email))
        .map_err(|v| anyhow::anyhow!("--name: {}", v.message))?;
    match (args.role, &args.org) {
        (Role::Provider | Role::ProviderRead, None) => {
            anyhow::bail!("--org is required for --role provider and provider-read")
        }
        (Role::Admin | Role::Auditor, Some(_)) => {
            anyhow::bail!("--org is only for --role provider and provider-read")
        }
        _ => {}
    }
    let role = serde_json::to_value(args.role)?
        .as_str()
        .unwrap_or_default()
        .to_string();
    let ttl = args.accounts.invite_ttl()?;
    let base = args
        .accounts
        .public_url()
        .unwrap_or_else(|| "http://127.0.0.1:8080".to_string());
    let mut conn = db::Manager::new(url).connect_now()?;
    let now = chrono::Utc::now();
    let to_anyhow = |e: crate::error::ApiError| anyhow::anyhow!("{}", e.detail);
    if let Some(org) = &args.org {
        if db::register::get_organisation(&mut conn, &db::Scope::All, org)?.is_none() {
            anyhow::bail!("no organisation has the id {org}");
        }
    }
    let invited = match db::accounts::account_by_email(&mut conn, &email)? {
        Some(existing) => {
            if existing.role != role || existing.organisation_id != args.org {
                anyhow::bail!(
                    "an account with this address exists with another role or organisation"
                );
            }
            accounts::reinvite(&mut conn, existing, now, ttl).map_err(to_anyhow)?
        }
        None => accounts::create(
            &mut conn,
            accounts::NewAccount {
                email,
                name,
                role,
                organisation_id: args.org.clone(),
            },
            now,
            ttl,
        )
        .map_err(to_anyhow)?,
    };
    eprintln!(
        "Account {} ({}). The link works once, until {}; give it to the person:",
        invited.account.id,
        invited.account.role,
        db::utc_string(invited.expires_at.naive_utc())
    );
    println!("{}", accounts::invite_url(&base, &invited.token));
    Ok(())
}

fn seed_demo(args: SeedDemoArgs) -> anyhow::Result<()> {
    let url = DatabaseUrl::parse(&args.db.database_url)?;
    db::run_migrations(&url)?;
    let secret = resolve_secret(&url, args.secret.jwt_secret.as_deref(), true)?;
    let mut conn = db::Manager::new(url).connect_now()?;
    let now = chrono::Utc::now();
    let seeded = crate::demo::seed(
        &mut conn,
        now,
        crate::domain::deadline::DeadlinePolicy {
            weekday_rule: args.deadline_weekday_rule,
        },
    )?;
    let claims = Claims {
        sub: "demo".into(),
        role: Role::Provider,
        org: Some(seeded.organisation_id.clone()),
        exp: now.timestamp() + args.ttl,
        iat: Some(now.timestamp()),
    };
    let token = JwtKeys::from_secret(secret.as_bytes()).issue(&claims)?;
    let months: Vec<String> = seeded.months.iter().map(|m| m.to_string()).collect();
    eprintln!(
        "Seeded \"Demo Assistans AB\" ({}): {} assistance users, {} reports for {} (one late, one corrected, one missing), {} invoices.",
        seeded.organisation_id,
        seeded.assistance_users,
        seeded.reports,
        months.join(", "),
        seeded.invoices
    );
    if !seeded.demo_rates.is_empty() {
        eprintln!(
            "Added demo rates for {:?}, marked \"{}\".",
            seeded.demo_rates,
            crate::demo::DEMO_RATE_SOURCE
        );
    }
    eprintln!("Provider token for the demo organisation (also on stdout):");
    println!("{token}");
    eprintln!(
        "Open http://127.0.0.1:8080/dashboard#token={token}&month={} after `redovisa serve`.",
        months.last().cloned().unwrap_or_default()
    );
    Ok(())
}
