//! Writing a PAXml 2.0 document with quick-xml (never by concatenating
//! strings): `<paxml>` with `header` and `tidtransaktioner`, in the order and
//! with the types of the standard's schema.

use std::io;

use chrono::NaiveDateTime;
use quick_xml::events::{BytesDecl, BytesText, Event};
use quick_xml::Writer;

use super::text::{to_latin1, XmlEncoding};

/// What the program writes as `header/programnamn`.
pub const PROGRAM_NAME: &str = "redovisa";

/// `header`.
#[derive(Debug, Clone)]
pub struct Header {
    /// The export time, local (Europe/Stockholm) `xs:dateTime` without offset.
    pub datum: NaiveDateTime,
    pub foretagorgnr: String,
    pub foretagnamn: String,
}

/// One `tidtrans`: a worked shift.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimeTrans {
    pub postid: i32,
    /// 12 digits, no hyphen.
    pub persnr: String,
    pub tidkod: String,
    /// Local date-times; a shift across midnight ends on the next day.
    pub start: NaiveDateTime,
    pub end: NaiveDateTime,
    /// The assistance user's id.
    pub kundnr: String,
    /// The markers of the row (`dubbel`, `sjukhus`), if any.
    pub info: Option<String>,
}

/// `xs:dateTime` without offset, to the second.
pub fn date_time(t: NaiveDateTime) -> String {
    t.format("%Y-%m-%dT%H:%M:%S").to_string()
}

/// Characters XML 1.0 cannot carry even as references (most C0 controls,
/// U+FFFE, U+FFFF) become U+FFFD; everything else is kept.
fn xml_text(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\t' | '\n' | '\r' => c,
            '\u{0}'..='\u{1F}' | '\u{FFFE}' | '\u{FFFF}' => '\u{FFFD}',
            _ => c,
        })
        .collect()
}

fn leaf<W: io::Write>(w: &mut Writer<W>, name: &str, text: &str) -> io::Result<()> {
    w.create_element(name)
        .write_text_content(BytesText::new(&xml_text(text)))?;
    Ok(())
}

/// The whole document, encoded as `encoding` says, with a declaration that
/// names it. ISO-8859-1 output carries characters outside Latin-1 as
/// numeric character references.
pub fn document(header: &Header, trans: &[TimeTrans], encoding: XmlEncoding) -> Vec<u8> {
    let mut w = Writer::new_with_indent(Vec::new(), b' ', 2);
    write_all(&mut w, header, trans, encoding).expect("writing to memory");
    let mut xml = w.into_inner();
    xml.push(b'\n');
    match encoding {
        XmlEncoding::Utf8 { bom } => {
            if bom {
                xml.splice(0..0, [0xEF, 0xBB, 0xBF]);
            }
            xml
        }
        XmlEncoding::Latin1 => {
            to_latin1(std::str::from_utf8(&xml).expect("quick-xml writes what it is given"))
        }
        XmlEncoding::Windows1252 => unreachable!("exports are ISO-8859-1 or UTF-8"),
    }
}

fn write_all<W: io::Write>(
    w: &mut Writer<W>,
    header: &Header,
    trans: &[TimeTrans],
    encoding: XmlEncoding,
) -> io::Result<()> {
    w.write_event(Event::Decl(BytesDecl::new(
        "1.0",
        Some(encoding.label()),
        None,
    )))?;
    w.create_element("paxml")
        .with_attribute(("xmlns:xsi", "http://www.w3.org/2001/XMLSchema-instance"))
        .with_attribute((
            "xsi:noNamespaceSchemaLocation",
            "http://www.paxml.se/2.0/paxml.xsd",
        ))
        .write_inner_content(|w| {
            w.create_element("header").write_inner_content(|w| {
                leaf(w, "format", "LÖNIN")?;
                leaf(w, "version", "2.0")?;
                leaf(w, "datum", &date_time(header.datum))?;
                leaf(w, "foretagorgnr", &header.foretagorgnr)?;
                leaf(w, "foretagnamn", &header.foretagnamn)?;
                leaf(w, "programnamn", PROGRAM_NAME)
            })?;
            if trans.is_empty() {
                // The schema wants at least one tidtrans in tidtransaktioner.
                return Ok(());
            }
            w.create_element("tidtransaktioner")
                .write_inner_content(|w| {
                    for t in trans {
                        w.create_element("tidtrans")
                            .with_attribute(("postid", t.postid.to_string().as_str()))
                            .with_attribute(("persnr", t.persnr.as_str()))
                            .write_inner_content(|w| {
                                leaf(w, "tidkod", &t.tidkod)?;
                                leaf(w, "starttid", &date_time(t.start))?;
                                leaf(w, "sluttid", &date_time(t.end))?;
                                leaf(w, "kundnr", &t.kundnr)?;
                                if let Some(info) = &t.info {
                                    leaf(w, "info", info)?;
                                }
                                Ok(())
                            })?;
                    }
                    Ok(())
                })?;
            Ok(())
        })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn at(d: u32, h: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 2, d)
            .unwrap()
            .and_hms_opt(h, 0, 0)
            .unwrap()
    }

    fn sample() -> (Header, Vec<TimeTrans>) {
        (
            Header {
                datum: at(28, 9),
                foretagorgnr: "556677-8899".into(),
                foretagnamn: "Åsa & Öberg <Assistans> AB €".into(),
            },
            vec![TimeTrans {
                postid: 7,
                persnr: "195804121233".into(),
                tidkod: "ARB".into(),
                start: at(1, 22),
                end: at(2, 6),
                kundnr: "u-1".into(),
                info: Some("dubbel".into()),
            }],
        )
    }

    #[test]
    fn latin1_by_default_with_a_matching_declaration() {
        let (h, t) = sample();
        let bytes = document(&h, &t, XmlEncoding::Latin1);
        let head = b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<paxml";
        assert!(bytes.starts_with(head));
        let text: String = bytes.iter().map(|&b| b as char).collect();
        assert!(text.contains("<format>L\u{d6}NIN</format>"));
        assert!(
            text.contains(
                "<foretagnamn>\u{c5}sa &amp; \u{d6}berg &lt;Assistans&gt; AB &#8364;</foretagnamn>"
            ),
            "{text}"
        );
        assert!(text.contains("<tidtrans postid=\"7\" persnr=\"195804121233\">"));
        assert!(text.contains("<starttid>2026-02-01T22:00:00</starttid>"));
        assert!(
            text.contains("<sluttid>2026-02-02T06:00:00</sluttid>"),
            "the real end"
        );
        assert!(text.contains("<datum>2026-02-28T09:00:00</datum>"));
    }

    #[test]
    fn utf8_on_request() {
        let (h, t) = sample();
        let bytes = document(&h, &t, XmlEncoding::Utf8 { bom: false });
        let s = String::from_utf8(bytes).unwrap();
        assert!(s.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"));
        assert!(s.contains("Åsa &amp; Öberg &lt;Assistans&gt; AB €"));
        assert!(s.contains("<format>LÖNIN</format>"));
    }

    #[test]
    fn no_transactions_no_empty_section() {
        let (h, _) = sample();
        let s = String::from_utf8(document(&h, &[], XmlEncoding::Utf8 { bom: false })).unwrap();
        assert!(!s.contains("tidtransaktioner"));
        assert_eq!(xml_text("a\u{1}b"), "a\u{FFFD}b");
    }
}
