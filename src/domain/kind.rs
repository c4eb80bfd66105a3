//! The kind of time a row reports, and the one vocabulary for it.
//!
//! Two vocabularies, on purpose:
//! - **Codes** (`active`, `waiting`, `standby`): the JSON API and storage.
//!   A machine contract: exact and case-sensitive, so that a client's typo
//!   is refused instead of guessed, and one value has one spelling.
//! - **File words**: what people write in a spreadsheet or a payroll file
//!   (CSV today; xlsx and PAXml read it the same way). The codes plus the
//!   Swedish words `aktiv` (also `aktiv tid`, `aktiv assistans`), `väntetid`,
//!   its old name `jour`, and `beredskap`, in any case, with surrounding
//!   whitespace ignored.
//!
//! In both, a blank value means active. Both refuse with the same error,
//! [`KindError`] (`invalid_kind`), whose message lists what that channel
//! accepts.

use std::fmt;

/// What kind of time a row reports; decides how much of it is payable.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum ShiftKind {
    /// *Aktiv assistans*: counts in full.
    Active,
    /// *Väntetid* (formerly *jour*): the assistant is at the workplace but
    /// not working; counts as 1/4.
    Waiting,
    /// *Beredskap*: on call away from the workplace; counts as 1/7.
    Standby,
}

/// The codes, as a refusal lists them.
const CODES: &str = "active, waiting or standby";
/// The file words, as a refusal lists them.
const FILE_WORDS: &str = "aktiv, väntetid or beredskap (or active, waiting, standby)";

impl ShiftKind {
    /// All kinds, in canonical order.
    pub const ALL: [ShiftKind; 3] = [ShiftKind::Active, ShiftKind::Waiting, ShiftKind::Standby];

    /// The code: `"active"`, `"waiting"` or `"standby"` (JSON and storage).
    pub fn as_str(&self) -> &'static str {
        match self {
            ShiftKind::Active => "active",
            ShiftKind::Waiting => "waiting",
            ShiftKind::Standby => "standby",
        }
    }

    /// The Swedish word people write, for files made for people (exports).
    pub fn swedish_word(&self) -> &'static str {
        match self {
            ShiftKind::Active => "aktiv",
            ShiftKind::Waiting => "väntetid",
            ShiftKind::Standby => "beredskap",
        }
    }

    /// Whether it is working time (*arbetstid*) under the working-time
    /// rules: active and waiting time are, standby (*beredskap*) is not.
    pub fn is_working_time(&self) -> bool {
        !matches!(self, ShiftKind::Standby)
    }

    /// A stored code; exact, case-sensitive (inverse of [`ShiftKind::as_str`]).
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// A value of the JSON API: a code, exact and case-sensitive, around
    /// which whitespace is ignored; blank means active.
    pub fn from_code(value: &str) -> Result<Self, KindError> {
        match value.trim() {
            "" => Ok(ShiftKind::Active),
            code => Self::parse(code).ok_or_else(|| KindError::new(value, CODES)),
        }
    }

    /// A cell of a file (CSV, xlsx, PAXml): a code or a Swedish word, in any
    /// case, around which whitespace is ignored; blank means active.
    pub fn from_file_word(value: &str) -> Result<Self, KindError> {
        match value.trim().to_lowercase().as_str() {
            "" | "aktiv" | "aktiv tid" | "aktiv assistans" | "active" => Ok(ShiftKind::Active),
            "väntetid" | "jour" | "waiting" => Ok(ShiftKind::Waiting),
            "beredskap" | "standby" => Ok(ShiftKind::Standby),
            _ => Err(KindError::new(value, FILE_WORDS)),
        }
    }
}

impl fmt::Display for ShiftKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A value that is no kind of time, with what the channel accepts.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{value}` is not a kind of time; write {accepted}.")]
pub struct KindError {
    value: String,
    accepted: &'static str,
}

impl KindError {
    fn new(value: &str, accepted: &'static str) -> Self {
        Self {
            value: value.trim().to_string(),
            accepted,
        }
    }

    /// The stable code of the refusal.
    pub fn code(&self) -> &'static str {
        "invalid_kind"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kind_round_trip() {
        for k in ShiftKind::ALL {
            assert_eq!(ShiftKind::parse(k.as_str()), Some(k));
            assert_eq!(k.to_string(), k.as_str());
        }
        assert_eq!(ShiftKind::parse("Active"), None);
        assert_eq!(ShiftKind::parse("jour"), None);
        assert_eq!(ShiftKind::parse(""), None);
    }

    #[test]
    fn kind_serde_names_match_as_str() {
        // The derived snake_case names must agree with as_str().
        use serde::de::{value, Deserialize, IntoDeserializer};
        for k in ShiftKind::ALL {
            let de: value::StrDeserializer<value::Error> = k.as_str().into_deserializer();
            assert_eq!(ShiftKind::deserialize(de), Ok(k));
        }
        let de: value::StrDeserializer<value::Error> = "jour".into_deserializer();
        assert!(ShiftKind::deserialize(de).is_err());
    }

    #[test]
    fn json_takes_codes_only() {
        for k in ShiftKind::ALL {
            assert_eq!(ShiftKind::from_code(k.as_str()), Ok(k));
            assert_eq!(ShiftKind::from_code(&format!(" {} ", k.as_str())), Ok(k));
        }
        assert_eq!(ShiftKind::from_code(""), Ok(ShiftKind::Active));
        assert_eq!(ShiftKind::from_code("  "), Ok(ShiftKind::Active));
        for bad in [
            "Active",
            "WAITING",
            "jour",
            "väntetid",
            "aktiv",
            "beredskap",
        ] {
            let e = ShiftKind::from_code(bad).unwrap_err();
            assert_eq!(e.code(), "invalid_kind", "{bad}");
            assert_eq!(
                e.to_string(),
                format!("`{bad}` is not a kind of time; write active, waiting or standby.")
            );
        }
    }

    #[test]
    fn files_take_the_words_people_write() {
        let cases = [
            ("", ShiftKind::Active),
            ("Aktiv", ShiftKind::Active),
            ("aktiv tid", ShiftKind::Active),
            ("Aktiv assistans", ShiftKind::Active),
            ("ACTIVE", ShiftKind::Active),
            ("VÄNTETID", ShiftKind::Waiting),
            (" jour ", ShiftKind::Waiting),
            ("Jour", ShiftKind::Waiting),
            ("waiting", ShiftKind::Waiting),
            ("beredskap", ShiftKind::Standby),
            ("Standby\t", ShiftKind::Standby),
        ];
        for (word, kind) in cases {
            assert_eq!(ShiftKind::from_file_word(word), Ok(kind), "{word:?}");
        }
        // Every code and every Swedish word of output reads back.
        for k in ShiftKind::ALL {
            assert_eq!(ShiftKind::from_file_word(k.as_str()), Ok(k));
            assert_eq!(ShiftKind::from_file_word(k.swedish_word()), Ok(k));
        }
        let e = ShiftKind::from_file_word(" vila ").unwrap_err();
        assert!(ShiftKind::Active.is_working_time() && ShiftKind::Waiting.is_working_time());
        assert!(!ShiftKind::Standby.is_working_time());
        assert_eq!(e.code(), "invalid_kind");
        assert_eq!(
            e.to_string(),
            "`vila` is not a kind of time; write aktiv, väntetid or beredskap (or active, waiting, standby)."
        );
    }
}
