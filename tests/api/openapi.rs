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

/// Every `$ref` names a schema the document defines: a type used only in
/// query parameters is not collected by utoipa on its own, and a dangling
/// reference makes the document invalid (openapi-spec-validator in CI).
#[test]
fn every_reference_resolves() {
    let doc: serde_json::Value =
        serde_json::from_str(&redovisa::http::openapi::pretty_json()).expect("JSON");
    let defined = doc["components"]["schemas"].as_object().expect("schemas");
    let mut dangling = Vec::new();
    let mut stack = vec![&doc];
    while let Some(v) = stack.pop() {
        match v {
            serde_json::Value::Object(m) => {
                if let Some(r) = m.get("$ref").and_then(|r| r.as_str()) {
                    match r.strip_prefix("#/components/schemas/") {
                        Some(name) if defined.contains_key(name) => {}
                        _ => dangling.push(r.to_owned()),
                    }
                }
                stack.extend(m.values());
            }
            serde_json::Value::Array(a) => stack.extend(a),
            _ => {}
        }
    }
    dangling.sort();
    dangling.dedup();
    assert!(dangling.is_empty(), "dangling references: {dangling:?}");
}

/// No two `ToSchema` types share a name: utoipa keys components by the
/// type's name and keeps one of them, so the other operation's responses
/// would be documented with the wrong shape (caught by schemathesis once).
#[test]
fn schema_names_are_unique() {
    fn visit(dir: &Path, out: &mut Vec<(String, String)>) {
        for entry in std::fs::read_dir(dir).expect("read src") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                visit(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).expect("read file");
                let mut derives_schema = false;
                for line in text.lines().map(str::trim) {
                    if line.starts_with("#[derive(") && line.contains("ToSchema") {
                        derives_schema = true;
                    } else if line.starts_with("#[schema(as") {
                        derives_schema = false; // renamed explicitly
                    } else if derives_schema && !line.starts_with("#[") && !line.starts_with("///")
                    {
                        let name = line
                            .split_whitespace()
                            .skip_while(|w| !matches!(*w, "struct" | "enum"))
                            .nth(1)
                            .map(|n| {
                                n.trim_end_matches(['{', ';', '('])
                                    .split('<')
                                    .next()
                                    .unwrap_or(n)
                                    .to_owned()
                            });
                        if let Some(name) = name {
                            out.push((name, path.display().to_string()));
                        }
                        derives_schema = false;
                    }
                }
            }
        }
    }
    let mut found = Vec::new();
    visit(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut found,
    );
    assert!(
        found.len() > 50,
        "the scan found too few schemas: {}",
        found.len()
    );
    found.sort();
    let clashes: Vec<_> = found
        .windows(2)
        .filter(|w| w[0].0 == w[1].0)
        .map(|w| format!("{} in {} and {}", w[0].0, w[0].1, w[1].1))
        .collect();
    assert!(clashes.is_empty(), "schema names used twice: {clashes:?}");
}
