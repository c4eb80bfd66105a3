//! The content hash of a report: what makes two submissions the same.

use sha2::{Digest, Sha256};

use crate::domain::report::parse::ParsedRow;

/// SHA-256 over the normalised rows, independent of their order and of how
/// they were written (JSON, CSV, `7:00` or `07:00:00`), so that the same
/// report gives the same hash from every channel.
pub fn content_hash(rows: &[ParsedRow]) -> String {
    let mut lines: Vec<String> = rows
        .iter()
        .map(|r| {
            format!(
                "{}|{}|{}|{}|{}|{}|{}\n",
                r.assistant_id,
                r.date,
                r.start,
                r.end,
                r.kind.as_str(),
                u8::from(r.double),
                u8::from(r.hospital)
            )
        })
        .collect();
    lines.sort_unstable();
    let mut h = Sha256::new();
    for l in &lines {
        h.update(l.as_bytes());
    }
    hex::encode(h.finalize())
}
