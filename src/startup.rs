//! Building and running the HTTP server.

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::{middleware::from_fn, web, App, HttpServer};

use crate::clock::{Clock, SystemClock};
use crate::config::Settings;
use crate::db;
use crate::http::auth::{JwtKeys, KnownOrganisations};
use crate::http::{self, extract::BodyLimit, AppState};
use crate::service::deadline_events::{self, EmitterHandle};
use crate::service::webhooks::worker::{self, WorkerHandle};

pub struct Application {
    port: u16,
    server: Server,
    /// The webhook delivery worker, stopped after the server.
    webhooks: WorkerHandle,
    /// The `deadline.approaching` emitter, stopped with the server.
    deadline_events: EmitterHandle,
}

impl Application {
    /// Applies migrations, builds the pool and binds the listener. Binding
    /// port 0 picks a free port (tests do this); [`Application::port`] tells which.
    pub fn build(settings: &Settings, clock: Arc<dyn Clock>) -> anyhow::Result<Self> {
        db::run_migrations(&settings.database)?;
        let pool = db::build_pool(&settings.database, settings.pool_size)?;
        let listener = TcpListener::bind(&settings.bind)
            .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", settings.bind))?;
        let port = listener.local_addr()?.port();
        let group_commit =
            http::group_commit::GroupCommit::start(pool.clone(), settings.database.backend);
        let state_clock = clock.clone();
        let state = AppState {
            group_commit,
            pool: pool.clone(),
            clock,
            deadline_policy: settings.deadline_policy,
            late_rule: settings.late_rule,
            audit_retention: http::read_audit::Retention::days(
                settings.guards.audit_retention_days,
            ),
        };
        let keys = JwtKeys::from_secret(settings.jwt_secret.as_bytes());
        let limit = settings.max_body_bytes;
        let document_limit = http::documents::DocumentLimit(settings.max_document_bytes);
        let import_limits = http::imports::ImportLimits {
            max_bytes: settings.max_import_bytes,
            max_errors: settings.max_import_errors,
        };
        let pdf_limit = http::pdfs::PdfLimit(settings.max_pdf_pages);
        let webhook_policy = http::webhooks::WebhookPolicy {
            allow_private: settings.webhooks.allow_private,
        };
        let accounts = settings.accounts.clone();
        // One cache for every worker, so a negative answer is shared.
        let known_orgs = web::Data::new(KnownOrganisations::default());
        let limits = web::Data::new(http::rate_limit::Limits::new(&settings.guards));
        let mut server = HttpServer::new(move || {
            App::new()
                .wrap(from_fn(http::i18n::problems_in_language))
                .wrap(from_fn(http::i18n::remember_language))
                .wrap(from_fn(http::read_audit::record_reads))
                .wrap(from_fn(http::middleware::request_context))
                .app_data(web::Data::new(state.clone()))
                .app_data(web::Data::new(keys.clone()))
                .app_data(known_orgs.clone())
                .app_data(limits.clone())
                .app_data(web::Data::new(BodyLimit(limit)))
                .app_data(web::Data::new(document_limit))
                .app_data(web::Data::new(import_limits))
                .app_data(web::Data::new(pdf_limit))
                .app_data(web::Data::new(webhook_policy))
                .app_data(web::Data::new(accounts.clone()))
                .app_data(web::PayloadConfig::new(limit))
                .app_data(web::QueryConfig::default().error_handler(http::query_error))
                .app_data(web::PathConfig::default().error_handler(http::path_error))
                .configure(http::configure)
        })
        .listen(listener)?;
        if let Some(w) = settings.workers {
            server = server.workers(w.max(1));
        }
        // Deliveries wait and sign by the machine's real time, whatever
        // clock the requests are served with (tests pin that one).
        let webhooks = worker::start(
            pool.clone(),
            settings.webhooks.clone(),
            Arc::new(SystemClock),
        )?;
        // Which day it is, and so what is approaching, is the app's clock.
        let deadline_events = deadline_events::start(
            pool,
            settings.deadline_events.clone(),
            state_clock,
            settings.deadline_policy,
        );
        tracing::info!(port, backend = ?settings.database.backend, "listening");
        Ok(Self {
            port,
            server: server.run(),
            webhooks,
            deadline_events,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Serves until the server is stopped (SIGTERM, SIGINT), then stops
    /// the webhook worker once its attempts in flight are recorded.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let served = self.server.await;
        self.deadline_events.stop();
        self.webhooks.stop().await;
        served
    }

    /// The server future, to spawn on a runtime; the webhook worker runs
    /// until that runtime ends.
    pub fn into_server(self) -> Server {
        self.server
    }
}
