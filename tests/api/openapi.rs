//! The OpenAPI document as a snapshot: every change to the API contract is a
//! visible diff of `docs/openapi.json`.

use std::path::Path;

/// The command that rewrites the snapshot, named in the failure message.
const UPDATE: &str = "REDOVISA_UPDATE_OPENAPI=1 cargo test --test api openapi::snapshot";

#[test]
fn snapshot() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/openapi.json");
    let now = redovisa::http::openapi::pretty_json();
    if std::env::var("REDOVISA_UPDATE_OPENAPI").is_ok_and(|v| v == "1") {
        std::fs::write(&path, &now).expect("write docs/openapi.json");
        return;
    }
    let stored = std::fs::read_to_string(&path).unwrap_or_default();
    if stored != now {
        let line = stored
            .lines()
            .zip(now.lines())
            .position(|(a, b)| a != b)
            .unwrap_or_else(|| stored.lines().count().min(now.lines().count()));
        panic!(
            "The OpenAPI document differs from docs/openapi.json (first at line {}: now `{}`). \
             If the API change is intended, update the snapshot with `{UPDATE}` \
             (or `cargo run -- openapi > docs/openapi.json`) and commit it.",
            line + 1,
            now.lines().nth(line).unwrap_or("<end>").trim()
        );
    }
}
