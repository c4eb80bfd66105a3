//! The bytes of a PAXml file and its text: which encoding (a UTF-8 byte-order
//! mark, else the XML declaration's `encoding`, else UTF-8 as XML says), a
//! check that the bytes match what the file declares, and decoding to UTF-8
//! as a stream. On the way out: ISO-8859-1 bytes with every character
//! outside Latin-1 as a numeric character reference, so nothing is lost.
//!
//! ISO-8859-1 is decoded here byte for byte (U+0000–U+00FF). encoding_rs
//! maps the label "ISO-8859-1" to Windows-1252, whose 0x80–0x9F are other
//! characters, so it is used only for files that declare Windows-1252.

use std::io::{self, Read, Seek, SeekFrom};

use crate::import::decode::{scan_utf8, Encoding as CsvEncoding, Utf8Reader};

/// The encoding of a PAXml file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum XmlEncoding {
    /// UTF-8, with or without a byte-order mark.
    Utf8 { bom: bool },
    /// ISO-8859-1 (Latin-1), what most Swedish payroll systems write.
    Latin1,
    /// Windows-1252, declared by some Windows programs.
    Windows1252,
}

impl XmlEncoding {
    /// The name written in the XML declaration.
    pub fn label(&self) -> &'static str {
        match self {
            XmlEncoding::Utf8 { .. } => "UTF-8",
            XmlEncoding::Latin1 => "ISO-8859-1",
            XmlEncoding::Windows1252 => "windows-1252",
        }
    }

    /// An `encoding` label of an XML declaration (case-insensitive; the
    /// IANA names and aliases of the three encodings).
    pub fn from_label(label: &str) -> Option<Self> {
        let l = label.trim().to_ascii_lowercase();
        match l.as_str() {
            "utf-8" | "utf8" | "unicode-1-1-utf-8" => Some(XmlEncoding::Utf8 { bom: false }),
            "iso-8859-1" | "iso8859-1" | "iso_8859-1" | "iso_8859-1:1987" | "latin1"
            | "latin-1" | "l1" | "iso-ir-100" | "cp819" | "ibm819" | "csisolatin1" => {
                Some(XmlEncoding::Latin1)
            }
            "windows-1252" | "cp1252" | "x-cp1252" => Some(XmlEncoding::Windows1252),
            _ => None,
        }
    }
}

/// Why the bytes cannot be read as the text they claim to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncodingFault {
    pub code: &'static str,
    pub message: String,
    pub line: u64,
}

impl EncodingFault {
    fn new(code: &'static str, line: u64, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            line,
        }
    }
}

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// The `encoding` of an XML declaration at the start of `head`; `None`
/// when there is no declaration or it names no encoding.
fn declared_encoding(head: &[u8]) -> Option<String> {
    let rest = head.strip_prefix(b"<?xml")?;
    if !rest.first().is_some_and(u8::is_ascii_whitespace) {
        return None;
    }
    let end = rest.windows(2).position(|w| w == b"?>")?;
    let decl = std::str::from_utf8(&rest[..end]).ok()?;
    let at = decl.find("encoding")?;
    let after = decl[at + "encoding".len()..].trim_start();
    let after = after.strip_prefix('=')?.trim_start();
    let quote = after.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let value = &after[1..];
    let close = value.find(quote)?;
    Some(value[..close].to_string())
}

/// Decides the encoding and checks that the bytes match it, reading the
/// whole input once (in chunks). Leaves the reader at the start of the text
/// (after any BOM).
///
/// - A UTF-8 BOM means UTF-8; a declaration naming another encoding then
///   contradicts it.
/// - UTF-16 and UTF-32 are refused.
/// - Declared (or, without a declaration, implied) UTF-8 must be valid
///   UTF-8.
/// - Declared ISO-8859-1 or Windows-1252 whose non-ASCII bytes are all
///   valid UTF-8 is UTF-8 mislabelled (`Ã¥` for `å`), and refused rather
///   than read as mojibake.
pub fn detect<R: Read + Seek>(r: &mut R) -> io::Result<Result<XmlEncoding, EncodingFault>> {
    r.seek(SeekFrom::Start(0))?;
    let mut head = Vec::with_capacity(1024);
    r.by_ref().take(1024).read_to_end(&mut head)?;
    if head.starts_with(&[0xFF, 0xFE])
        || head.starts_with(&[0xFE, 0xFF])
        || head.starts_with(&[0, 0, 0xFE, 0xFF])
        || head.starts_with(&[0x3C, 0])
        || head.starts_with(&[0, 0x3C])
    {
        return Ok(Err(EncodingFault::new(
            "unsupported_encoding",
            1,
            "The file is UTF-16 or UTF-32; save it as ISO-8859-1 or UTF-8.",
        )));
    }
    let bom = head.starts_with(UTF8_BOM);
    let text_start = if bom { UTF8_BOM.len() } else { 0 };
    let declared = declared_encoding(&head[text_start..]);
    let encoding = match declared.as_deref() {
        None => XmlEncoding::Utf8 { bom },
        Some(label) => match XmlEncoding::from_label(label) {
            Some(XmlEncoding::Utf8 { .. }) => XmlEncoding::Utf8 { bom },
            Some(e) if bom => {
                return Ok(Err(EncodingFault::new(
                    "encoding_mismatch",
                    1,
                    format!(
                        "The file starts with a UTF-8 byte-order mark but declares encoding=\"{label}\"; declare UTF-8 or save it as {} without the mark.",
                        e.label()
                    ),
                )))
            }
            Some(e) => e,
            None => {
                return Ok(Err(EncodingFault::new(
                    "unsupported_encoding",
                    1,
                    format!(
                        "The file declares encoding=\"{}\"; PAXml files are read as ISO-8859-1 or UTF-8.",
                        label.chars().take(40).collect::<String>()
                    ),
                )))
            }
        },
    };
    r.seek(SeekFrom::Start(0))?;
    let scan = scan_utf8(r)?;
    let fault = match (encoding, scan.invalid) {
        (XmlEncoding::Utf8 { .. }, Some((_, line))) => Some(EncodingFault::new(
            "encoding_mismatch",
            line,
            if declared.is_some() {
                format!("The file declares UTF-8, but line {line} is not UTF-8 (ISO-8859-1?); declare the encoding the file is saved in.")
            } else {
                format!("The file has no encoding declaration, so it must be UTF-8, but line {line} is not (ISO-8859-1?); add <?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>.")
            },
        )),
        (XmlEncoding::Latin1 | XmlEncoding::Windows1252, None) if scan.non_ascii => {
            Some(EncodingFault::new(
                "encoding_mismatch",
                1,
                format!(
                    "The file declares {}, but its bytes are UTF-8 (å would read as Ã¥); declare encoding=\"UTF-8\".",
                    encoding.label()
                ),
            ))
        }
        _ => None,
    };
    if let Some(f) = fault {
        return Ok(Err(f));
    }
    r.seek(SeekFrom::Start(text_start as u64))?;
    Ok(Ok(encoding))
}

/// The text of the input as UTF-8; `inner` positioned as [`detect`] leaves it.
pub fn decoded<'a, R: Read + 'a>(inner: R, encoding: XmlEncoding) -> Box<dyn Read + 'a> {
    match encoding {
        XmlEncoding::Utf8 { .. } => Box::new(inner),
        XmlEncoding::Windows1252 => Box::new(Utf8Reader::new(inner, CsvEncoding::Windows1252)),
        XmlEncoding::Latin1 => Box::new(Latin1Reader {
            inner,
            input: vec![0; 16 * 1024],
            output: Vec::new(),
            pos: 0,
        }),
    }
}

/// ISO-8859-1 → UTF-8: byte b is U+00bb.
struct Latin1Reader<R> {
    inner: R,
    input: Vec<u8>,
    output: Vec<u8>,
    pos: usize,
}

impl<R: Read> Read for Latin1Reader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.pos >= self.output.len() {
            let n = loop {
                match self.inner.read(&mut self.input) {
                    Ok(n) => break n,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(e),
                }
            };
            if n == 0 {
                return Ok(0);
            }
            self.output.clear();
            for &b in &self.input[..n] {
                if b < 0x80 {
                    self.output.push(b);
                } else {
                    self.output
                        .extend_from_slice(&[0xC0 | (b >> 6), 0x80 | (b & 0x3F)]);
                }
            }
            self.pos = 0;
        }
        let n = buf.len().min(self.output.len() - self.pos);
        buf[..n].copy_from_slice(&self.output[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

/// UTF-8 XML text → ISO-8859-1 bytes. Characters outside Latin-1 become
/// numeric character references (`&#8364;` for €), which XML allows in
/// text and attribute values, the only places such characters occur in
/// what [`super::write`] produces (names and markup are ASCII).
pub fn to_latin1(xml: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(xml.len());
    for c in xml.chars() {
        match u8::try_from(u32::from(c)) {
            Ok(b) => out.push(b),
            Err(_) => out.extend_from_slice(format!("&#{};", u32::from(c)).as_bytes()),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    fn read(bytes: &[u8]) -> Result<(XmlEncoding, String), EncodingFault> {
        let mut c = Cursor::new(bytes.to_vec());
        let enc = detect(&mut c).unwrap()?;
        let mut s = String::new();
        decoded(c, enc).read_to_string(&mut s).unwrap();
        Ok((enc, s))
    }

    #[test]
    fn latin1_is_read_byte_for_byte_not_as_windows_1252() {
        let (enc, s) =
            read(b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<a>G\xF6ran \xC5s\x96</a>")
                .unwrap();
        assert_eq!(enc, XmlEncoding::Latin1);
        // 0x96 is U+0096 in ISO-8859-1 (an en dash only in Windows-1252).
        assert!(s.ends_with("<a>Göran Ås\u{96}</a>"), "{s}");
        let (enc, s) = read(b"<?xml version='1.0' encoding='windows-1252'?><a>\x96</a>").unwrap();
        assert_eq!(enc, XmlEncoding::Windows1252);
        assert!(s.ends_with("<a>–</a>"));
    }

    #[test]
    fn utf8_with_bom_or_by_default() {
        let (enc, s) =
            read("\u{feff}<?xml version=\"1.0\" encoding=\"UTF-8\"?><a>å</a>".as_bytes()).unwrap();
        assert_eq!(enc, XmlEncoding::Utf8 { bom: true });
        assert!(s.starts_with("<?xml"), "the mark is skipped");
        assert_eq!(
            read("<a>ä</a>".as_bytes()).unwrap().0,
            XmlEncoding::Utf8 { bom: false }
        );
    }

    #[test]
    fn the_declared_encoding_must_match_the_bytes() {
        let e = read(b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<a>\n\xE5</a>").unwrap_err();
        assert_eq!((e.code, e.line), ("encoding_mismatch", 3));
        let e = read(b"<a>\xE5</a>").unwrap_err();
        assert_eq!(e.code, "encoding_mismatch");
        let e =
            read("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><a>å</a>".as_bytes()).unwrap_err();
        assert_eq!(e.code, "encoding_mismatch");
        let e =
            read(b"\xEF\xBB\xBF<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><a/>").unwrap_err();
        assert_eq!(e.code, "encoding_mismatch");
        // ASCII-only files match any of the three.
        assert!(read(b"<?xml version=\"1.0\" encoding=\"iso-8859-1\"?><a/>").is_ok());
    }

    #[test]
    fn other_encodings_are_refused() {
        assert_eq!(
            read(b"<?xml version=\"1.0\" encoding=\"Shift_JIS\"?><a/>")
                .unwrap_err()
                .code,
            "unsupported_encoding"
        );
        assert_eq!(
            read(b"\xFF\xFE<\x00a\x00").unwrap_err().code,
            "unsupported_encoding"
        );
    }

    #[test]
    fn latin1_output_keeps_every_character() {
        assert_eq!(
            to_latin1("<a>Åsa €😀</a>"),
            b"<a>\xC5sa &#8364;&#128512;</a>"
        );
    }
}
