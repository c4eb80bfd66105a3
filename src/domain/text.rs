//! Text a client sends (names, reasons, notes, file names, any string of a
//! JSON body, a query parameter or a cell of a file): which characters it
//! may hold. Control characters (Unicode category Cc) other than tab, CR
//! and LF are refused everywhere, so that a NUL or an escape sequence is
//! never stored (PostgreSQL cannot store NUL at all; SQLite would keep it)
//! and both databases answer alike.

/// The fault code of a refused character.
pub const INVALID_CHARACTER: &str = "invalid_character";

/// Whether `c` may not appear in client text.
pub fn is_forbidden(c: char) -> bool {
    c.is_control() && !matches!(c, '\t' | '\r' | '\n')
}

/// The first forbidden character of `s`, if any.
pub fn first_forbidden(s: &str) -> Option<char> {
    s.chars().find(|&c| is_forbidden(c))
}

/// Whether `s` holds no forbidden character.
pub fn is_clean(s: &str) -> bool {
    first_forbidden(s).is_none()
}

/// The sentence of the fault: names the character by code point only.
pub fn message(c: char) -> String {
    format!(
        "Texten innehåller styrtecknet U+{:04X}; bara tab, CR och LF är tillåtna. \
         The text holds the control character U+{:04X}; only tab, CR and LF are allowed.",
        c as u32, c as u32
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_but_tab_cr_lf_are_forbidden() {
        for c in ['\0', '\u{1}', '\u{1b}', '\u{7f}', '\u{80}', '\u{9f}'] {
            assert!(is_forbidden(c), "{c:?}");
        }
        for c in ['\t', '\r', '\n', ' ', 'å', '\u{a0}', '\u{200b}', '\u{2028}'] {
            assert!(!is_forbidden(c), "{c:?}");
        }
        assert_eq!(first_forbidden("Anna\u{0}Berg"), Some('\0'));
        assert!(is_clean("rad 1\r\nrad 2\tslut"));
        assert!(message('\0').contains("U+0000"));
    }
}
