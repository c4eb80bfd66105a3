//! Reading a PAXml document as a stream of `tidtrans` records, each with its
//! 1-based position and the line of its start tag, plus the `header` fields
//! the import checks. Everything else (`personal`, `lonetransaktioner`,
//! `koder`, …) is skipped unread. The text arrives as UTF-8 (see
//! [`super::text`]); quick-xml does the parsing.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::io::{self, BufRead, BufReader, Read};
use std::rc::Rc;

use quick_xml::events::{BytesRef, Event};
use quick_xml::{Reader, XmlVersion};

/// A value as written in the file, and the line it is on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located {
    pub text: String,
    pub line: u64,
}

/// A child of `tidtrans` that appears more than once (the schema allows
/// each once).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repeated {
    pub child: &'static str,
    pub line: u64,
}

/// One `tidtrans` as written.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TidTrans {
    /// 1-based among the `tidtrans` of its `tidtransaktioner`.
    pub position: u32,
    /// The `tidtransaktioner` it is in (1 unless the file has several).
    pub section: u32,
    /// Line of the start tag.
    pub line: u64,
    pub persnr: Option<Located>,
    pub anstid: Option<Located>,
    pub tidkod: Option<Located>,
    pub datum: Option<Located>,
    pub datumfrom: Option<Located>,
    pub datumtom: Option<Located>,
    pub starttid: Option<Located>,
    pub sluttid: Option<Located>,
    pub timmar: Option<Located>,
    pub kundnr: Option<Located>,
    pub info: Option<Located>,
    pub repeated: Vec<Repeated>,
}

impl TidTrans {
    /// The element's path, as faults name it: `/paxml/tidtransaktioner/tidtrans[17]`.
    pub fn element(&self) -> String {
        element_path(self.section, self.position)
    }

    /// The slot of a child element this reader keeps; `None` for children
    /// the import does not use.
    fn slot(&mut self, child: &str) -> Option<(&'static str, &mut Option<Located>)> {
        Some(match child {
            "tidkod" => ("tidkod", &mut self.tidkod),
            "datum" => ("datum", &mut self.datum),
            "datumfrom" => ("datumfrom", &mut self.datumfrom),
            "datumtom" => ("datumtom", &mut self.datumtom),
            "starttid" => ("starttid", &mut self.starttid),
            "sluttid" => ("sluttid", &mut self.sluttid),
            "timmar" => ("timmar", &mut self.timmar),
            "kundnr" => ("kundnr", &mut self.kundnr),
            "info" => ("info", &mut self.info),
            _ => return None,
        })
    }
}

/// The path of the `position`th `tidtrans` of the `section`th
/// `tidtransaktioner` (both 1-based): `/paxml/tidtransaktioner/tidtrans[17]`.
pub fn element_path(section: u32, position: u32) -> String {
    let section = if section > 1 {
        format!("[{section}]")
    } else {
        String::new()
    };
    format!("/paxml/tidtransaktioner{section}/tidtrans[{position}]")
}

/// The `header` fields the import checks.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HeaderFields {
    pub version: Option<Located>,
    pub foretagorgnr: Option<Located>,
}

/// Why the document could not be read to its end.
#[derive(Debug)]
pub enum ReadError {
    Io(io::Error),
    /// Not well-formed XML, or not a PAXml document.
    Malformed {
        code: &'static str,
        line: u64,
        message: String,
    },
}

impl From<io::Error> for ReadError {
    fn from(e: io::Error) -> Self {
        ReadError::Io(e)
    }
}

/// Line numbers of byte offsets of the text, for offsets asked in
/// increasing order: the offsets of the line feeds the parser has been given
/// but not yet passed are kept, nothing more.
#[derive(Debug, Default)]
struct LineIndex {
    pending: VecDeque<u64>,
    passed: u64,
    /// Bytes seen so far.
    seen: u64,
}

impl LineIndex {
    fn line_at(&mut self, offset: u64) -> u64 {
        while self.pending.front().is_some_and(|&nl| nl < offset) {
            self.pending.pop_front();
            self.passed += 1;
        }
        self.passed + 1
    }
}

/// Records the line feeds of what the parser reads.
struct Tap<R> {
    inner: R,
    lines: Rc<RefCell<LineIndex>>,
}

impl<R: Read> Read for Tap<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        let mut idx = self.lines.borrow_mut();
        let base = idx.seen;
        for (i, &b) in buf[..n].iter().enumerate() {
            if b == b'\n' {
                idx.pending.push_back(base + i as u64);
            }
        }
        idx.seen += n as u64;
        Ok(n)
    }
}

struct Parser<R: BufRead> {
    reader: Reader<R>,
    lines: Rc<RefCell<LineIndex>>,
    buf: Vec<u8>,
}

/// An event, owned, with the line it starts on.
enum Item {
    Start(String, Vec<(String, String)>, u64),
    Empty(String, Vec<(String, String)>, u64),
    End,
    Text(String),
    Other,
    Eof,
}

fn malformed(line: u64, message: impl Into<String>) -> ReadError {
    ReadError::Malformed {
        code: "malformed_xml",
        line,
        message: message.into(),
    }
}

impl<R: BufRead> Parser<R> {
    fn line_at(&self, offset: u64) -> u64 {
        self.lines.borrow_mut().line_at(offset)
    }

    fn error(&self, e: quick_xml::Error) -> ReadError {
        let line = self.line_at(self.reader.error_position());
        match e {
            quick_xml::Error::Io(io) => ReadError::Io(io::Error::new(io.kind(), io.to_string())),
            other => malformed(
                line,
                format!("The file is not well-formed XML at line {line}: {other}."),
            ),
        }
    }

    fn next(&mut self) -> Result<Item, ReadError> {
        let start = self.reader.buffer_position();
        self.buf.clear();
        let ev = match self.reader.read_event_into(&mut self.buf) {
            Ok(ev) => ev,
            Err(e) => return Err(self.error(e)),
        };
        let line = self.lines.borrow_mut().line_at(start);
        let attrs = |e: &quick_xml::events::BytesStart| -> Result<Vec<(String, String)>, String> {
            let mut out = Vec::new();
            for a in e.attributes() {
                let a = a.map_err(|e| e.to_string())?;
                let v = a
                    .normalized_value(XmlVersion::Implicit1_0)
                    .map_err(|e| e.to_string())?;
                out.push((a.key.as_ref().to_string(), v.into_owned()));
            }
            Ok(out)
        };
        Ok(match ev {
            Event::Start(e) => {
                let name = e.name().as_ref().to_string();
                let a = attrs(&e).map_err(|m| malformed(line, format!("Line {line}: {m}.")))?;
                Item::Start(name, a, line)
            }
            Event::Empty(e) => {
                let name = e.name().as_ref().to_string();
                let a = attrs(&e).map_err(|m| malformed(line, format!("Line {line}: {m}.")))?;
                Item::Empty(name, a, line)
            }
            Event::End(_) => Item::End,
            Event::Text(t) => Item::Text(t.xml10_content().into_owned()),
            Event::CData(t) => Item::Text(t.xml10_content().into_owned()),
            Event::GeneralRef(r) => Item::Text(reference(&r).ok_or_else(|| {
                malformed(
                    line,
                    format!(
                        "Line {line}: the entity `&{};` is not defined; write characters as themselves or as &#NNN;.",
                        r.as_ref().chars().take(40).collect::<String>()
                    ),
                )
            })?),
            Event::Eof => Item::Eof,
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) | Event::DocType(_) => Item::Other,
        })
    }

    /// The text of an element whose start tag was just read, up to its end
    /// tag. Child elements in it are an error.
    fn text(&mut self, name: &str, line: u64) -> Result<String, ReadError> {
        let mut text = String::new();
        loop {
            match self.next()? {
                Item::Text(t) => text.push_str(&t),
                Item::End => return Ok(text),
                Item::Other => {}
                Item::Start(child, _, l) | Item::Empty(child, _, l) => {
                    return Err(ReadError::Malformed {
                        code: "unexpected_element",
                        line: l,
                        message: format!(
                            "Line {l}: <{name}> (line {line}) holds a value, not the element <{child}>."
                        ),
                    })
                }
                Item::Eof => return Err(malformed(line, format!("<{name}> on line {line} is never closed."))),
            }
        }
    }

    /// Skips the rest of an element whose start tag was just read.
    fn skip(&mut self, line: u64) -> Result<(), ReadError> {
        let mut depth = 1usize;
        while depth > 0 {
            match self.next()? {
                Item::Start(..) => depth += 1,
                Item::End => depth -= 1,
                Item::Eof => {
                    return Err(malformed(
                        line,
                        format!("The element on line {line} is never closed."),
                    ))
                }
                _ => {}
            }
        }
        Ok(())
    }
}

/// A predefined entity or character reference; `None` for anything else.
fn reference(r: &BytesRef) -> Option<String> {
    if r.is_char_ref() {
        return r.resolve_char_ref().ok().flatten().map(String::from);
    }
    Some(
        match r.as_ref() {
            "lt" => "<",
            "gt" => ">",
            "amp" => "&",
            "apos" => "'",
            "quot" => "\"",
            _ => return None,
        }
        .to_string(),
    )
}

/// Reads a whole document from its UTF-8 text, calling `each` for every
/// `tidtrans` in file order; returns the header fields. `each` may stop the
/// reading by returning an error.
pub fn read<R: Read>(
    text: R,
    each: &mut dyn FnMut(TidTrans) -> Result<(), ReadError>,
) -> Result<HeaderFields, ReadError> {
    let lines = Rc::new(RefCell::new(LineIndex::default()));
    let mut reader = Reader::from_reader(BufReader::with_capacity(
        64 * 1024,
        Tap {
            inner: text,
            lines: lines.clone(),
        },
    ));
    reader.config_mut().trim_text(false);
    reader.config_mut().check_end_names = true;
    let mut p = Parser {
        reader,
        lines,
        buf: Vec::new(),
    };
    // The root.
    let root_line = loop {
        match p.next()? {
            Item::Start(name, _, line) if name == "paxml" => break line,
            Item::Empty(name, _, _) if name == "paxml" => return Ok(HeaderFields::default()),
            Item::Start(name, _, line) | Item::Empty(name, _, line) => {
                return Err(ReadError::Malformed {
                    code: "not_paxml",
                    line,
                    message: format!(
                        "The document's root element is <{}>; a PAXml file starts with <paxml> (without a namespace).",
                        name.chars().take(60).collect::<String>()
                    ),
                })
            }
            Item::Text(t) if !t.trim().is_empty() => {
                return Err(malformed(1, "The file has text before its root element; it is not XML."))
            }
            Item::Eof => {
                return Err(ReadError::Malformed {
                    code: "empty_file",
                    line: 1,
                    message: "The file holds no XML element; a PAXml file starts with <paxml>.".into(),
                })
            }
            _ => {}
        }
    };
    let mut header = HeaderFields::default();
    let mut sections = 0u32;
    loop {
        match p.next()? {
            Item::Start(name, _, line) if name == "header" => {
                read_header(&mut p, &mut header, line)?
            }
            Item::Start(name, _, line) if name == "tidtransaktioner" => {
                sections += 1;
                read_section(&mut p, sections, line, each)?;
            }
            Item::Start(_, _, line) => p.skip(line)?,
            Item::End => break,
            Item::Eof => {
                return Err(malformed(
                    root_line,
                    format!("<paxml> on line {root_line} is never closed."),
                ))
            }
            _ => {}
        }
    }
    // Nothing but comments and blanks after the root.
    loop {
        match p.next()? {
            Item::Eof => return Ok(header),
            Item::Start(_, _, line) | Item::Empty(_, _, line) => {
                return Err(malformed(
                    line,
                    format!("Line {line}: a second root element after </paxml>."),
                ))
            }
            _ => {}
        }
    }
}

fn read_header<R: BufRead>(
    p: &mut Parser<R>,
    header: &mut HeaderFields,
    line: u64,
) -> Result<(), ReadError> {
    loop {
        match p.next()? {
            Item::Start(name, _, l) => {
                let slot = match name.as_str() {
                    "version" => Some(&mut header.version),
                    "foretagorgnr" => Some(&mut header.foretagorgnr),
                    _ => None,
                };
                match slot {
                    Some(slot) => {
                        let text = p.text(&name, l)?;
                        *slot = Some(Located { text, line: l });
                    }
                    None => p.skip(l)?,
                }
            }
            Item::Empty(name, _, l) if name == "foretagorgnr" => {
                header.foretagorgnr = Some(Located {
                    text: String::new(),
                    line: l,
                });
            }
            Item::End => return Ok(()),
            Item::Eof => {
                return Err(malformed(
                    line,
                    format!("<header> on line {line} is never closed."),
                ))
            }
            _ => {}
        }
    }
}

fn read_section<R: BufRead>(
    p: &mut Parser<R>,
    section: u32,
    line: u64,
    each: &mut dyn FnMut(TidTrans) -> Result<(), ReadError>,
) -> Result<(), ReadError> {
    let mut position = 0u32;
    loop {
        match p.next()? {
            Item::Start(name, attrs, l) if name == "tidtrans" => {
                position += 1;
                let mut t = new_trans(section, position, l, attrs);
                read_trans(p, &mut t)?;
                each(t)?;
            }
            Item::Empty(name, attrs, l) if name == "tidtrans" => {
                position += 1;
                each(new_trans(section, position, l, attrs))?;
            }
            Item::Start(_, _, l) => p.skip(l)?,
            Item::End => return Ok(()),
            Item::Eof => {
                return Err(malformed(
                    line,
                    format!("<tidtransaktioner> on line {line} is never closed."),
                ))
            }
            _ => {}
        }
    }
}

fn new_trans(section: u32, position: u32, line: u64, attrs: Vec<(String, String)>) -> TidTrans {
    let mut t = TidTrans {
        position,
        section,
        line,
        ..Default::default()
    };
    for (k, v) in attrs {
        let slot = match k.as_str() {
            "persnr" => &mut t.persnr,
            "anstid" => &mut t.anstid,
            _ => continue,
        };
        *slot = Some(Located { text: v, line });
    }
    t
}

fn read_trans<R: BufRead>(p: &mut Parser<R>, t: &mut TidTrans) -> Result<(), ReadError> {
    loop {
        match p.next()? {
            Item::Start(name, _, l) => {
                if t.slot(&name).is_none() {
                    p.skip(l)?;
                    continue;
                }
                let text = p.text(&name, l)?;
                let (child, slot) = t.slot(&name).expect("checked above");
                if slot.is_some() {
                    t.repeated.push(Repeated { child, line: l });
                } else {
                    *slot = Some(Located { text, line: l });
                }
            }
            Item::Empty(name, _, l) => {
                if let Some((child, slot)) = t.slot(&name) {
                    if slot.is_some() {
                        t.repeated.push(Repeated { child, line: l });
                    } else {
                        *slot = Some(Located {
                            text: String::new(),
                            line: l,
                        });
                    }
                }
            }
            Item::End => return Ok(()),
            Item::Eof => {
                return Err(malformed(
                    t.line,
                    format!("<tidtrans> on line {} is never closed.", t.line),
                ))
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(xml: &str) -> Result<(HeaderFields, Vec<TidTrans>), ReadError> {
        let mut out = Vec::new();
        let h = read(xml.as_bytes(), &mut |t| {
            out.push(t);
            Ok(())
        })?;
        Ok((h, out))
    }

    const SAMPLE: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<paxml xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <tidtransaktioner>
    <klar persnr="195804121233"/>
    <tidtrans postid="1" persnr="195804121233">
      <tidkod>ARB</tidkod>
      <starttid>2026-02-01T07:00:00</starttid>
      <sluttid>2026-02-01T16:00:00</sluttid>
      <resenheter><resenhet dim="6" id="P1"/></resenheter>
      <kundnr info="x">K&amp;1&#229;</kundnr>
    </tidtrans>
    <!-- a comment -->
    <tidtrans anstid="12"><tidkod>JR1</tidkod><datum>2026-02-02</datum><timmar>8.5</timmar><timmar>1</timmar></tidtrans>
  </tidtransaktioner>
  <personal><person anstid="12"><fornamn>Åsa</fornamn></person></personal>
  <header>
    <version>2.0</version>
    <foretagorgnr>556677-8899</foretagorgnr>
  </header>
</paxml>
"#;

    #[test]
    fn records_with_position_line_and_values() {
        let (h, t) = all(SAMPLE).unwrap();
        assert_eq!(h.version.unwrap().text, "2.0");
        assert_eq!(
            h.foretagorgnr.unwrap(),
            Located {
                text: "556677-8899".into(),
                line: 18
            }
        );
        assert_eq!(t.len(), 2);
        assert_eq!(t[0].position, 1);
        assert_eq!(t[0].line, 5);
        assert_eq!(t[0].element(), "/paxml/tidtransaktioner/tidtrans[1]");
        assert_eq!(t[0].persnr.as_ref().unwrap().text, "195804121233");
        assert_eq!(t[0].tidkod.as_ref().unwrap().line, 6);
        assert_eq!(t[0].kundnr.as_ref().unwrap().text, "K&1å");
        assert_eq!(t[1].position, 2);
        assert_eq!(t[1].line, 13);
        assert_eq!(t[1].anstid.as_ref().unwrap().text, "12");
        assert_eq!(t[1].timmar.as_ref().unwrap().text, "8.5");
        assert_eq!(
            t[1].repeated,
            vec![Repeated {
                child: "timmar",
                line: 13
            }]
        );
    }

    #[test]
    fn crlf_lines_count_too() {
        let xml = SAMPLE.replace('\n', "\r\n");
        let (_, t) = all(&xml).unwrap();
        assert_eq!((t[0].line, t[1].line), (5, 13));
    }

    #[test]
    fn not_well_formed_names_the_line() {
        let err = all("<paxml>\n<tidtransaktioner>\n<tidtrans>\n</tidtransaktioner>\n</paxml>")
            .unwrap_err();
        match err {
            ReadError::Malformed { code, line, .. } => {
                assert_eq!(code, "malformed_xml");
                assert!((3..=4).contains(&line), "{line}");
            }
            other => panic!("{other:?}"),
        }
        match all("<lonefil/>").unwrap_err() {
            ReadError::Malformed { code, .. } => assert_eq!(code, "not_paxml"),
            other => panic!("{other:?}"),
        }
        match all("<paxml>&nbsp;</paxml>").unwrap_err() {
            ReadError::Malformed { code, .. } => assert_eq!(code, "malformed_xml"),
            other => panic!("{other:?}"),
        }
        match all("").unwrap_err() {
            ReadError::Malformed { code, .. } => assert_eq!(code, "empty_file"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_value_with_an_element_inside_is_refused() {
        match all("<paxml><tidtransaktioner><tidtrans><tidkod><b/></tidkod></tidtrans></tidtransaktioner></paxml>").unwrap_err() {
            ReadError::Malformed { code, .. } => assert_eq!(code, "unexpected_element"),
            other => panic!("{other:?}"),
        }
    }
}
