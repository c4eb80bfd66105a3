//! How to import, and the progress an import reports while it runs.

/// Defaults of the configurable limits (see `config.rs`).
pub use crate::config::{
    DEFAULT_MAX_IMPORT_BYTES as DEFAULT_MAX_BYTES, DEFAULT_MAX_IMPORT_ERRORS as DEFAULT_MAX_ERRORS,
};

/// How to import.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Check everything, store nothing.
    pub dry_run: bool,
    /// Needed when the file replaces a stored month with other rows.
    pub correction_reason: Option<String>,
    /// Errors listed at most; the rest are counted.
    pub max_errors: usize,
}

/// Reported while a file is read and its reports checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    /// Bytes of the file read so far, of `total`.
    Reading { bytes: u64, total: u64 },
    /// Reports (user, month) submitted so far, of `total`.
    Checking { done: usize, total: usize },
}
