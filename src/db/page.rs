//! Keyset pagination as storage sees it: at most `limit` records after the
//! cursor, ordered by id, so that pages stay stable while records are added.

/// One page to read: `limit` items after the record with id `after`.
#[derive(Debug, Clone)]
pub struct Page {
    pub limit: i64,
    pub after: Option<String>,
}
