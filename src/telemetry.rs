//! Logging. Personal data (personnummer, names) is never logged: handlers
//! log ids only and the access log leaves out query strings.

use tracing_subscriber::{fmt, EnvFilter};

/// Installs the global subscriber once. `REDOVISA_LOG_FORMAT=json` gives one
/// JSON object per line; `RUST_LOG` filters (default `info`).
pub fn init() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let json = std::env::var("REDOVISA_LOG_FORMAT").is_ok_and(|v| v.eq_ignore_ascii_case("json"));
    let builder = fmt().with_env_filter(filter).with_writer(std::io::stderr);
    let _ = if json {
        builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .try_init()
    } else {
        builder.try_init()
    };
}
