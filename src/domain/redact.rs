//! What a log line may never show: a number shaped like a personnummer,
//! samordningsnummer or organisationsnummer. The rule is by shape, not by
//! checksum, so a mistyped number is hidden too: 10 or 12 digits, written
//! together or as 6 or 8 digits, `-` or `+`, and 4 digits. A number that is
//! part of a longer alphanumeric run (a hash, `abc1945031212069`) or a
//! group of a UUID is not such a number and is left alone.

use std::borrow::Cow;

/// What a redacted number is replaced with.
pub const REDACTED: &str = "[redacted]";

/// `s` with every personnummer-shaped number replaced by [`REDACTED`].
pub fn redact(s: &str) -> Cow<'_, str> {
    let spans = number_spans(s);
    if spans.is_empty() {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut last = 0;
    for (start, end) in spans {
        out.push_str(&s[last..start]);
        out.push_str(REDACTED);
        last = end;
    }
    out.push_str(&s[last..]);
    Cow::Owned(out)
}

/// Whether `s` holds a personnummer-shaped number.
pub fn holds_number(s: &str) -> bool {
    !number_spans(s).is_empty()
}

/// Byte ranges of the personnummer-shaped numbers of `s`, in order.
fn number_spans(s: &str) -> Vec<(usize, usize)> {
    let b = s.as_bytes();
    // Maximal runs of ASCII letters and digits. Any other byte (including
    // every byte of a multi-byte character) ends a run.
    let mut runs: Vec<(usize, usize)> = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i].is_ascii_alphanumeric() {
            let start = i;
            while i < b.len() && b[i].is_ascii_alphanumeric() {
                i += 1;
            }
            runs.push((start, i));
        } else {
            i += 1;
        }
    }
    let digits = |(a, z): (usize, usize)| b[a..z].iter().all(u8::is_ascii_digit);
    let mut spans = Vec::new();
    let mut k = 0;
    while k < runs.len() {
        let run = runs[k];
        let len = run.1 - run.0;
        if digits(run) && (len == 6 || len == 8) {
            if let Some(&next) = runs.get(k + 1) {
                if next.0 == run.1 + 1
                    && matches!(b[run.1], b'-' | b'+')
                    && next.1 - next.0 == 4
                    && digits(next)
                    && !in_uuid(b, &runs, k, k + 1)
                {
                    spans.push((run.0, next.1));
                    k += 2;
                    continue;
                }
            }
        }
        if digits(run) && (len == 10 || len == 12) && !in_uuid(b, &runs, k, k) {
            spans.push(run);
        }
        k += 1;
    }
    spans
}

/// Whether runs `first..=last` lie inside a UUID (five hex groups of 8, 4,
/// 4, 4 and 12 joined by `-`).
fn in_uuid(b: &[u8], runs: &[(usize, usize)], first: usize, last: usize) -> bool {
    const SHAPE: [usize; 5] = [8, 4, 4, 4, 12];
    let hex = |(a, z): (usize, usize)| b[a..z].iter().all(u8::is_ascii_hexdigit);
    (0..5).any(|offset| {
        let Some(start) = first.checked_sub(offset) else {
            return false;
        };
        let group = runs.get(start..start + 5);
        group.is_some_and(|g| {
            start + 4 >= last
                && g.iter()
                    .zip(SHAPE)
                    .all(|(&r, len)| r.1 - r.0 == len && hex(r))
                && g.windows(2)
                    .all(|w| w[1].0 == w[0].1 + 1 && b[w[0].1] == b'-')
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn personnummer_shapes_are_redacted() {
        for s in [
            "194503121206",
            "19450312-1206",
            "4503121206",
            "450312-1206",
            "450312+1206",
            "559900-0022",
            "5599000022",
        ] {
            assert_eq!(redact(s), REDACTED, "{s}");
            let framed = format!("GET /api/v1/assistance-users/{s}?x=1 \"{s}\" pnr={s}.");
            assert!(!redact(&framed).contains(s), "{framed}");
            assert!(holds_number(&framed));
        }
        assert_eq!(
            redact("a 19450312-1206 b 5599000022"),
            "a [redacted] b [redacted]"
        );
        assert_eq!(redact("id-194503121206"), "id-[redacted]");
        assert_eq!(redact("å194503121206"), "å[redacted]");
    }

    #[test]
    fn other_numbers_are_kept() {
        for s in [
            "123e4567-e89b-12d3-a456-426614174000",
            "00000000-0000-4000-8000-194503121206",
            "19450312-1206-0000-0000-000000000000",
            "a194503121206",
            "1945031212069",
            "19450312120",
            "2026-12-02T17:32:57.123Z",
            "elapsed_ms=1234 status=200",
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            "19450312-12067",
            "1945031-1206",
        ] {
            assert_eq!(redact(s), s, "{s}");
            assert!(!holds_number(s));
        }
    }
}
