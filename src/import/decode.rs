//! Turning the bytes of a spreadsheet export into UTF-8 text, as a stream:
//! which encoding (UTF-8 with or without BOM, else Windows-1252, which is
//! what Excel in Swedish writes for "CSV (semikolonavgränsad)"), and which
//! delimiter (`;` or `,`).

use std::io::{self, BufRead, Read, Seek, SeekFrom};

/// How the file's text is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// UTF-8 without a byte-order mark.
    Utf8,
    /// UTF-8 starting with the byte-order mark EF BB BF (Excel's "CSV UTF-8").
    Utf8Bom,
    /// Not valid UTF-8: read as Windows-1252 (Excel's "CSV" on Swedish Windows).
    Windows1252,
}

impl Encoding {
    pub fn as_str(&self) -> &'static str {
        match self {
            Encoding::Utf8 => "utf-8",
            Encoding::Utf8Bom => "utf-8-bom",
            Encoding::Windows1252 => "windows-1252",
        }
    }
}

/// Why the bytes cannot be read as text of a supported encoding.
#[derive(Debug)]
pub enum DecodeError {
    /// UTF-16 (Excel's "Unicode text"): refused with a clear message rather
    /// than read as garbage.
    Utf16,
    Io(io::Error),
}

impl From<io::Error> for DecodeError {
    fn from(e: io::Error) -> Self {
        DecodeError::Io(e)
    }
}

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// Decides the encoding by reading the whole input once (in chunks, so
/// memory stays flat): a UTF-8 BOM means UTF-8; otherwise the input is UTF-8
/// if every byte sequence is valid UTF-8, else Windows-1252. Every byte
/// sequence is valid Windows-1252, so the second case cannot fail. Leaves
/// the reader at the start of the text (after any BOM).
pub fn detect_encoding<R: Read + Seek>(r: &mut R) -> Result<Encoding, DecodeError> {
    r.seek(SeekFrom::Start(0))?;
    let mut head = [0u8; 3];
    let n = read_up_to(r, &mut head)?;
    if n >= 2 && (head[..2] == [0xFF, 0xFE] || head[..2] == [0xFE, 0xFF]) {
        return Err(DecodeError::Utf16);
    }
    if n == 3 && head == UTF8_BOM {
        return Ok(Encoding::Utf8Bom);
    }
    r.seek(SeekFrom::Start(0))?;
    let encoding = if is_utf8(r)? {
        Encoding::Utf8
    } else {
        Encoding::Windows1252
    };
    r.seek(SeekFrom::Start(0))?;
    Ok(encoding)
}

fn read_up_to<R: Read>(r: &mut R, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

fn is_utf8<R: Read>(r: &mut R) -> io::Result<bool> {
    Ok(scan_utf8(r)?.invalid.is_none())
}

/// What [`scan_utf8`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Utf8Scan {
    /// The first byte that is not valid UTF-8: its offset and its line
    /// (1-based). The scan stops there.
    pub invalid: Option<(u64, u64)>,
    /// Whether any byte before that is outside ASCII.
    pub non_ascii: bool,
}

/// Streams the input through the UTF-8 validator; a sequence cut by a chunk
/// boundary is carried over to the next chunk.
pub fn scan_utf8<R: Read>(r: &mut R) -> io::Result<Utf8Scan> {
    let mut buf = vec![0u8; 64 * 1024];
    let mut carry = 0usize;
    let mut scan = Utf8Scan::default();
    // Offset of buf[0] in the input, and line feeds before it.
    let (mut offset, mut newlines) = (0u64, 0u64);
    loop {
        let n = match r.read(&mut buf[carry..]) {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        let filled = carry + n;
        let (valid, bad) = match std::str::from_utf8(&buf[..filled]) {
            Ok(_) => (filled, false),
            // Incomplete sequence at the end (at most 3 bytes): carried
            // over, unless the input ends there.
            Err(e) if e.error_len().is_none() && n > 0 => (e.valid_up_to(), false),
            Err(e) => (e.valid_up_to(), true),
        };
        scan.non_ascii |= !buf[..valid].is_ascii();
        newlines += buf[..valid].iter().filter(|&&b| b == b'\n').count() as u64;
        if bad {
            scan.invalid = Some((offset + valid as u64, newlines + 1));
            return Ok(scan);
        }
        if n == 0 {
            return Ok(scan);
        }
        buf.copy_within(valid..filled, 0);
        carry = filled - valid;
        offset += valid as u64;
    }
}

/// A reader that yields the input as UTF-8: as is, or transcoded from
/// Windows-1252 chunk by chunk.
pub struct Utf8Reader<R> {
    inner: R,
    decoder: Option<encoding_rs::Decoder>,
    input: Vec<u8>,
    output: Vec<u8>,
    pos: usize,
    done: bool,
}

impl<R: Read> Utf8Reader<R> {
    /// `inner` must be positioned at the start of the text (after any BOM),
    /// as [`detect_encoding`] leaves it.
    pub fn new(inner: R, encoding: Encoding) -> Self {
        let decoder = match encoding {
            Encoding::Windows1252 => {
                Some(encoding_rs::WINDOWS_1252.new_decoder_without_bom_handling())
            }
            Encoding::Utf8 | Encoding::Utf8Bom => None,
        };
        Self {
            inner,
            decoder,
            input: vec![0u8; 32 * 1024],
            output: Vec::new(),
            pos: 0,
            done: false,
        }
    }

    fn refill(&mut self) -> io::Result<()> {
        let decoder = self.decoder.as_mut().expect("only when transcoding");
        let n = loop {
            match self.inner.read(&mut self.input) {
                Ok(n) => break n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        };
        let last = n == 0;
        let cap = decoder
            .max_utf8_buffer_length(n)
            .unwrap_or(n * 3 + 16)
            .max(16);
        self.output.clear();
        self.output.resize(cap, 0);
        let (_, read, written, _) =
            decoder.decode_to_utf8(&self.input[..n], &mut self.output, last);
        debug_assert_eq!(read, n, "the buffer is sized for the whole chunk");
        self.output.truncate(written);
        self.pos = 0;
        self.done = last;
        Ok(())
    }
}

impl<R: Read> Read for Utf8Reader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.decoder.is_none() {
            return self.inner.read(buf);
        }
        while self.pos >= self.output.len() {
            if self.done {
                return Ok(0);
            }
            self.refill()?;
        }
        let n = buf.len().min(self.output.len() - self.pos);
        buf[..n].copy_from_slice(&self.output[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

/// The field delimiter, decided from the header line: whichever of `;` and
/// `,` occurs more often outside quotes (`;` on a tie, as Excel in Swedish
/// writes it).
pub fn detect_delimiter(header_line: &[u8]) -> u8 {
    let (mut semi, mut comma, mut quoted) = (0usize, 0usize, false);
    for &b in header_line {
        match b {
            b'"' => quoted = !quoted,
            b';' if !quoted => semi += 1,
            b',' if !quoted => comma += 1,
            _ => {}
        }
    }
    if comma > semi {
        b','
    } else {
        b';'
    }
}

/// Reads lines until one has content other than delimiters and blanks (the
/// header), and returns everything read so far, so that the caller can chain
/// it in front of the rest and keep line numbers exact. The header line
/// decides the delimiter. `None` when there is no such line.
pub fn read_through_header<R: BufRead>(r: &mut R) -> io::Result<Option<(Vec<u8>, u8)>> {
    let mut consumed = Vec::new();
    let mut line = Vec::new();
    loop {
        line.clear();
        if r.read_until(b'\n', &mut line)? == 0 {
            return Ok(None);
        }
        consumed.extend_from_slice(&line);
        let has_content = line
            .iter()
            .any(|b| !matches!(b, b';' | b',' | b'"' | b' ' | b'\t' | b'\r' | b'\n'));
        if has_content {
            let delimiter = detect_delimiter(&line);
            return Ok(Some((consumed, delimiter)));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    fn decode(bytes: &[u8]) -> (Encoding, String) {
        let mut c = Cursor::new(bytes.to_vec());
        let enc = detect_encoding(&mut c).unwrap();
        let mut s = String::new();
        Utf8Reader::new(c, enc).read_to_string(&mut s).unwrap();
        (enc, s)
    }

    #[test]
    fn utf8_with_and_without_bom() {
        assert_eq!(
            decode("typ\nväntetid".as_bytes()),
            (Encoding::Utf8, "typ\nväntetid".into())
        );
        assert_eq!(
            decode(b"\xEF\xBB\xBFtyp\nv\xC3\xA4ntetid"),
            (Encoding::Utf8Bom, "typ\nväntetid".into())
        );
        assert_eq!(decode(b""), (Encoding::Utf8, String::new()));
    }

    #[test]
    fn windows_1252_is_transcoded() {
        // 0xE4 is ä in Windows-1252 and invalid on its own in UTF-8.
        assert_eq!(
            decode(b"typ;sjukhus\r\nv\xE4ntetid;ja\r\n"),
            (
                Encoding::Windows1252,
                "typ;sjukhus\r\nväntetid;ja\r\n".into()
            )
        );
        // 0x80 is the euro sign in Windows-1252.
        assert_eq!(decode(b"\x80").1, "€");
    }

    #[test]
    fn windows_1252_found_far_into_a_large_file() {
        let mut bytes = "a;b\n".repeat(50_000).into_bytes();
        bytes.extend_from_slice(b"v\xE4ntetid\n");
        let (enc, s) = decode(&bytes);
        assert_eq!(enc, Encoding::Windows1252);
        assert!(s.ends_with("väntetid\n"));
        assert_eq!(s.len(), bytes.len() + 1);
    }

    #[test]
    fn utf8_sequence_across_a_chunk_boundary_is_still_utf8() {
        // Put the two bytes of ä on both sides of the 64 KiB boundary.
        let mut bytes = vec![b'a'; 64 * 1024 - 1];
        bytes.extend_from_slice("ä".as_bytes());
        assert_eq!(decode(&bytes).0, Encoding::Utf8);
        // A truncated sequence at the very end is not UTF-8.
        let mut bytes = b"abc".to_vec();
        bytes.push(0xC3);
        assert_eq!(decode(&bytes).0, Encoding::Windows1252);
    }

    #[test]
    fn utf16_is_refused() {
        let mut c = Cursor::new(b"\xFF\xFEb\x00".to_vec());
        assert!(matches!(detect_encoding(&mut c), Err(DecodeError::Utf16)));
    }

    #[test]
    fn delimiter_from_the_header() {
        assert_eq!(
            detect_delimiter(b"brukare;assistent;datum;start;slut"),
            b';'
        );
        assert_eq!(detect_delimiter(b"assistance_user,assistant,date"), b',');
        assert_eq!(detect_delimiter(b"\"a,b\";c;d"), b';');
        assert_eq!(detect_delimiter(b"brukare"), b';');
    }

    #[test]
    fn header_after_empty_lines() {
        let mut r = Cursor::new(b";;;\r\n\r\nbrukare,datum\r\nx,y\r\n".to_vec());
        let (consumed, d) = read_through_header(&mut r).unwrap().unwrap();
        assert_eq!(d, b',');
        assert_eq!(consumed, b";;;\r\n\r\nbrukare,datum\r\n");
        assert!(read_through_header(&mut Cursor::new(b";;\n\n".to_vec()))
            .unwrap()
            .is_none());
    }
}
