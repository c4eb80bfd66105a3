//! Layers only look down. Every file under `src/` belongs to one layer of
//! [`LAYERS`]; a file may name modules of its own layer and of the layers
//! below it, never one above. The check reads the source as text (no
//! database, no app), so it is fast and runs with every `cargo test`.
//!
//! A reference is a path that starts at the crate root: `crate::x…`,
//! `crate::{x…, y…}`, `$crate::x…`, `redovisa::x…` (the binary naming the
//! library) and a `super::` chain that climbs to the crate root. Comments
//! and string literals are not references.

use std::fmt;
use std::path::{Path, PathBuf};

/// The layers, top to bottom, and the files of `src/` each one holds (a
/// name ending in `/` is a directory and everything under it). See
/// `docs/architecture.md`.
const LAYERS: &[(&str, &[&str])] = &[
    // The binary, its commands and start-up: they put the layers together.
    (
        "entry",
        &[
            "main.rs",
            "lib.rs",
            "cli.rs",
            "startup.rs",
            "demo.rs",
            "telemetry.rs",
        ],
    ),
    // Handlers and what only requests have: bearer tokens and the caller.
    ("http", &["http/"]),
    // Files in, files out.
    ("import", &["import/"]),
    // Use cases shared by every channel.
    ("service", &["service/"]),
    // Settings and their defaults.
    ("config", &["config.rs"]),
    // Storage.
    ("db", &["db/"]),
    // Pure rules.
    ("domain", &["domain/"]),
    // Errors and the clock, which every layer uses.
    ("shared", &["error.rs", "clock.rs"]),
];

/// The layer (index into [`LAYERS`]) of a path relative to `src/`.
fn layer_of_path(rel: &str) -> Option<usize> {
    LAYERS.iter().position(|(_, members)| {
        members.iter().any(|m| {
            if m.ends_with('/') {
                rel.starts_with(m)
            } else {
                rel == *m
            }
        })
    })
}

/// The layer of a top-level module of the crate (`http`, `auth`, …).
fn layer_of_module(name: &str) -> Option<usize> {
    layer_of_path(&format!("{name}/")).or_else(|| layer_of_path(&format!("{name}.rs")))
}

/// A file naming a module of a layer above its own.
#[derive(Debug, PartialEq, Eq)]
struct Violation {
    file: String,
    line: usize,
    module: String,
    from_layer: &'static str,
    to_layer: &'static str,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "src/{}:{}: names `crate::{}` ({}), a layer above its own ({})",
            self.file, self.line, self.module, self.to_layer, self.from_layer
        )
    }
}

/// The source with comments and the contents of string and character
/// literals blanked out (newlines kept, so line numbers stay right).
fn code_only(src: &str) -> String {
    let chars: Vec<char> = src.chars().collect();
    let mut out = String::with_capacity(src.len());
    let blank = |c: char| if c == '\n' { '\n' } else { ' ' };
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                out.push(' ');
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < chars.len() {
                if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                    depth += 1;
                    out.push_str("  ");
                    i += 2;
                } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    out.push_str("  ");
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    out.push(blank(chars[i]));
                    i += 1;
                }
            }
        } else if c == 'r'
            && matches!(next, Some('"') | Some('#'))
            && (i == 0 || !is_ident(chars[i - 1]))
        {
            // A raw string r"…", r#"…"#: ends at '"' followed by as many '#'.
            let mut j = i + 1;
            let mut hashes = 0;
            while chars.get(j) == Some(&'#') {
                hashes += 1;
                j += 1;
            }
            if chars.get(j) != Some(&'"') {
                out.push(c);
                i += 1;
                continue;
            }
            out.extend(std::iter::repeat_n(' ', j + 1 - i));
            i = j + 1;
            while i < chars.len() {
                if chars[i] == '"' && (1..=hashes).all(|k| chars.get(i + k) == Some(&'#')) {
                    out.extend(std::iter::repeat_n(' ', hashes + 1));
                    i += hashes + 1;
                    break;
                }
                out.push(blank(chars[i]));
                i += 1;
            }
        } else if c == '"' {
            out.push(' ');
            i += 1;
            while i < chars.len() {
                match chars[i] {
                    '\\' => {
                        out.push(' ');
                        if let Some(&e) = chars.get(i + 1) {
                            out.push(blank(e));
                        }
                        i += 2;
                    }
                    '"' => {
                        out.push(' ');
                        i += 1;
                        break;
                    }
                    other => {
                        out.push(blank(other));
                        i += 1;
                    }
                }
            }
        } else if c == '\'' {
            // A character literal ('x', '\n', '\u{7f}'); else a lifetime.
            let end = if next == Some('\\') {
                (i + 2..chars.len()).find(|&k| chars[k] == '\'')
            } else if chars.get(i + 2) == Some(&'\'') {
                Some(i + 2)
            } else {
                None
            };
            match end {
                Some(end) => {
                    out.extend(std::iter::repeat_n(' ', end + 1 - i));
                    i = end + 1;
                }
                None => {
                    out.push(c);
                    i += 1;
                }
            }
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// How deep a file's module is below the crate root: `lib.rs` 0,
/// `http/mod.rs` and `config.rs` 1, `http/imports.rs` 2.
fn module_depth(rel: &str) -> usize {
    let parts: Vec<&str> = rel.split('/').collect();
    let last = *parts.last().unwrap_or(&"");
    match last {
        "lib.rs" | "main.rs" if parts.len() == 1 => 0,
        "mod.rs" => parts.len() - 1,
        _ => parts.len(),
    }
}

/// The top-level modules a file names from the crate root, with the line
/// of each mention.
fn crate_references(rel: &str, src: &str) -> Vec<(usize, String)> {
    let code: Vec<char> = code_only(src).chars().collect();
    let depth = module_depth(rel);
    let mut found = Vec::new();
    let line_at = |pos: usize| 1 + code[..pos].iter().filter(|&&c| c == '\n').count();
    let starts_with = |pos: usize, word: &str| {
        word.chars()
            .enumerate()
            .all(|(k, w)| code.get(pos + k) == Some(&w))
    };
    let skip_ws = |mut pos: usize| {
        while code.get(pos).is_some_and(|c| c.is_whitespace()) {
            pos += 1;
        }
        pos
    };
    let ident_at = |pos: usize| -> String {
        code[pos..]
            .iter()
            .take_while(|&&c| is_ident(c))
            .collect::<String>()
    };
    let mut i = 0;
    while i < code.len() {
        let boundary = i == 0 || !(is_ident(code[i - 1]) || matches!(code[i - 1], ':' | '$'));
        if !boundary {
            i += 1;
            continue;
        }
        // Where the path below the crate root starts, if this is one.
        let mut root = None;
        for prefix in ["crate", "$crate", "redovisa"] {
            if starts_with(i, prefix) && starts_with(skip_ws(i + prefix.len()), "::") {
                root = Some(skip_ws(i + prefix.len()) + 2);
            }
        }
        if root.is_none() && starts_with(i, "super") {
            let mut pos = i;
            let mut climbs = 0;
            while starts_with(pos, "super") && starts_with(skip_ws(pos + 5), "::") {
                climbs += 1;
                pos = skip_ws(skip_ws(pos + 5) + 2);
            }
            if climbs > 0 && climbs >= depth {
                root = Some(pos);
            }
        }
        let Some(start) = root else {
            i += 1;
            continue;
        };
        let start = skip_ws(start);
        if code.get(start) == Some(&'{') {
            // `crate::{a::b, c}`: the first name of each item at the top of
            // the group.
            let mut level = 0;
            let mut item_start = true;
            let mut k = start;
            while k < code.len() {
                match code[k] {
                    '{' => {
                        level += 1;
                        item_start = level == 1;
                    }
                    '}' => {
                        level -= 1;
                        if level == 0 {
                            break;
                        }
                    }
                    ',' if level == 1 => item_start = true,
                    c if item_start && level == 1 && is_ident(c) => {
                        found.push((line_at(k), ident_at(k)));
                        item_start = false;
                    }
                    _ => {}
                }
                k += 1;
            }
            i = k.max(i + 1);
        } else {
            let name = ident_at(start);
            if !name.is_empty() {
                found.push((line_at(start), name));
            }
            i = start.max(i + 1);
        }
    }
    found
}

/// Every reference of `src` (the text of `src/<rel>`) to a layer above
/// the file's own. A file in no layer is an error: add it to [`LAYERS`].
fn check_file(rel: &str, src: &str) -> Result<Vec<Violation>, String> {
    let own = layer_of_path(rel).ok_or_else(|| {
        format!("src/{rel} is in no layer; add it to LAYERS in tests/layering.rs")
    })?;
    Ok(crate_references(rel, src)
        .into_iter()
        .filter_map(|(line, module)| {
            let theirs = layer_of_module(&module)?;
            (theirs < own).then(|| Violation {
                file: rel.to_string(),
                line,
                module,
                from_layer: LAYERS[own].0,
                to_layer: LAYERS[theirs].0,
            })
        })
        .collect())
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("readable directory") {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn layers_only_look_down() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    assert!(
        files.len() > 20,
        "read the source tree at {}",
        src.display()
    );
    let mut faults = Vec::new();
    for path in &files {
        let rel = path
            .strip_prefix(&src)
            .expect("under src/")
            .to_string_lossy()
            .replace('\\', "/");
        let text = std::fs::read_to_string(path).expect("UTF-8 source");
        match check_file(&rel, &text) {
            Ok(v) => faults.extend(v.iter().map(ToString::to_string)),
            Err(e) => faults.push(e),
        }
    }
    assert!(
        faults.is_empty(),
        "{} reference(s) against the layering (docs/architecture.md, \"Layers\"):\n{}",
        faults.len(),
        faults.join("\n")
    );
}

#[test]
fn every_top_level_module_has_a_layer() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let lib = std::fs::read_to_string(src.join("lib.rs")).expect("src/lib.rs");
    for line in lib.lines() {
        if let Some(name) = line.trim().strip_prefix("pub mod ") {
            let name = name.trim_end_matches(';');
            assert!(
                layer_of_module(name).is_some(),
                "module `{name}` is in no layer; add it to LAYERS in tests/layering.rs"
            );
        }
    }
}

#[test]
fn the_checker_catches_a_file_naming_a_layer_above() {
    let src = "//! Storage.\nuse diesel::prelude::*;\n\nuse crate::http::pagination::Page;\n";
    let v = check_file("db/things.rs", src).unwrap();
    assert_eq!(
        v,
        [Violation {
            file: "db/things.rs".into(),
            line: 4,
            module: "http".into(),
            from_layer: "db",
            to_layer: "http",
        }]
    );
    assert_eq!(
        v[0].to_string(),
        "src/db/things.rs:4: names `crate::http` (http), a layer above its own (db)"
    );
}

#[test]
fn the_checker_reads_groups_paths_in_code_and_super_chains() {
    let src = r#"
use crate::{
    domain::month::ReportMonth,
    service::submission::Env,
};
fn f() -> crate :: http::auth::Scope { todo!() }
use super::super::import::Options;
use super::time_reports as store;
"#;
    let modules: Vec<(usize, String)> = check_file("db/things.rs", src)
        .unwrap()
        .into_iter()
        .map(|v| (v.line, v.module))
        .collect();
    assert_eq!(
        modules,
        [
            (4, "service".to_string()),
            (6, "http".to_string()),
            (7, "import".to_string()),
        ]
    );
}

#[test]
fn the_checker_allows_looking_down_and_ignores_comments_and_strings() {
    let src = r##"
//! Called by `crate::http::imports`.
use crate::db::Scope;
use crate::domain::report::RawRow;
use crate::error::ApiError;
/* crate::http::x */
const A: &str = "crate::http::time_reports";
const B: &str = r#"crate::http"#;
const C: char = '"';
fn g<'a>(x: &'a str) -> &'a str { x } // crate::http
"##;
    assert_eq!(check_file("service/things.rs", src).unwrap(), []);
    assert_eq!(
        check_file("http/things.rs", "use crate::http::AppState;\n").unwrap(),
        []
    );
}

#[test]
fn the_checker_refuses_a_file_in_no_layer() {
    assert!(check_file("newthing.rs", "").is_err());
    assert!(check_file("newdir/x.rs", "").is_err());
}
