//! Logging. Personal data never reaches a log line (`docs/security.md`):
//! handlers log record ids only, the access log redacts paths, query
//! strings and request ids (`http::middleware`), and, as the last word,
//! every formatted line from every crate at every level passes through
//! [`domain::redact`](crate::domain::redact) on its way to stderr, so a
//! personnummer-shaped number is replaced whatever logged it.

use std::io::{self, Write};

use tracing_subscriber::fmt::{time::SystemTime, MakeWriter};
use tracing_subscriber::{fmt, EnvFilter};

use crate::domain::redact::redact;

/// Installs the global subscriber once. `REDOVISA_LOG_FORMAT=json` gives one
/// JSON object per line; `RUST_LOG` filters (default `info`). Timestamps are
/// RFC 3339 in UTC (`2026-12-02T17:32:57.123456Z`) in both formats.
pub fn init() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let json = std::env::var("REDOVISA_LOG_FORMAT").is_ok_and(|v| v.eq_ignore_ascii_case("json"));
    let builder = fmt()
        .with_env_filter(filter)
        .with_timer(SystemTime)
        .with_ansi(false)
        .with_writer(Redacting);
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

/// Makes one [`Line`] per event.
#[derive(Clone, Copy)]
pub struct Redacting;

impl<'a> MakeWriter<'a> for Redacting {
    type Writer = Line;

    fn make_writer(&'a self) -> Line {
        Line(Vec::with_capacity(256))
    }
}

/// One formatted event, collected whole and redacted when it is dropped,
/// so a number split across two writes is still seen.
pub struct Line(Vec<u8>);

impl Write for Line {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Drop for Line {
    fn drop(&mut self) {
        if self.0.is_empty() {
            return;
        }
        let text = String::from_utf8_lossy(&self.0);
        let _ = io::stderr().lock().write_all(redact(&text).as_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_is_redacted_whole() {
        // The rule itself is tested in domain::redact; here, that the
        // writer collects before it redacts.
        let mut line = Redacting.make_writer();
        line.write_all(b"path=/x/19450312").unwrap();
        line.write_all(b"-1206 done\n").unwrap();
        assert_eq!(
            redact(&String::from_utf8_lossy(&line.0)),
            "path=/x/[redacted] done\n"
        );
        line.0.clear();
    }
}
