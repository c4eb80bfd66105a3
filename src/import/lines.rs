//! Where the reader is in the file: bytes read (for progress) and the
//! physical line of each CSV record, as a spreadsheet numbers it.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::io::{self, Read};
use std::rc::Rc;

/// Counts bytes read from the file, for progress.
pub(super) struct Counting<R> {
    pub(super) inner: R,
    pub(super) read: Rc<Cell<u64>>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read.set(self.read.get() + n as u64);
        Ok(n)
    }
}

/// Physical line numbers. The csv crate's own line count is off after
/// CRLF line ends and skipped empty lines, so lines are counted here from
/// the bytes it reads: a record's byte position is where the previous record
/// ended (before any empty lines the reader skipped), so its line is one
/// plus the line feeds before that position plus those in the run of CR/LF
/// bytes that follows. Only the bytes between the last record and the
/// reader's read-ahead are kept.
#[derive(Debug, Default)]
pub(super) struct Lines {
    window: VecDeque<u8>,
    /// Offset of `window[0]` in the text.
    start: u64,
    /// Line feeds before `start`.
    newlines: u64,
}

impl Lines {
    pub(super) fn line_at(&mut self, byte: u64) -> u64 {
        let skip = usize::try_from(byte.saturating_sub(self.start))
            .unwrap_or(usize::MAX)
            .min(self.window.len());
        self.newlines += self.window.drain(..skip).filter(|&b| b == b'\n').count() as u64;
        self.start += skip as u64;
        let run = self
            .window
            .iter()
            .take_while(|&&b| b == b'\r' || b == b'\n')
            .filter(|&&b| b == b'\n')
            .count() as u64;
        1 + self.newlines + run
    }
}

/// Feeds what the CSV reader reads into [`Lines`].
pub(super) struct Tap<R> {
    pub(super) inner: R,
    pub(super) lines: Rc<RefCell<Lines>>,
}

impl<R: Read> Read for Tap<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.lines.borrow_mut().window.extend(&buf[..n]);
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Lines of the records of `data`, counted as `prepare` counts them.
    fn record_lines(data: &str) -> Vec<(String, u64)> {
        let lines = Rc::new(RefCell::new(Lines::default()));
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(b';')
            .has_headers(false)
            .flexible(true)
            .from_reader(Tap {
                inner: data.as_bytes(),
                lines: lines.clone(),
            });
        let mut out = Vec::new();
        let mut record = csv::StringRecord::new();
        while reader.read_record(&mut record).unwrap() {
            let line = lines
                .borrow_mut()
                .line_at(record.position().unwrap().byte());
            out.push((record.get(0).unwrap().to_string(), line));
        }
        out
    }

    #[test]
    fn physical_line_numbers_with_crlf_empty_lines_and_quoted_newlines() {
        let got = record_lines("h;a\r\n1;2\r\n;;\r\n\r\n\"x\ny\";3\r\n4;4\r\n");
        let want = [("h", 1), ("1", 2), ("", 3), ("x\ny", 5), ("4", 7)];
        assert_eq!(got, want.map(|(s, l)| (s.to_string(), l)).to_vec(), "CRLF");
        let got = record_lines("h;a\n1;2\n\n\n3;4\n");
        assert_eq!(got[2], ("3".to_string(), 5));
        let got = record_lines(";;\n\nh;a\n1;2");
        assert_eq!(got[1], ("h".to_string(), 3));
        assert_eq!(got[2], ("1".to_string(), 4));
        // Far beyond the reader's buffer.
        let mut big = String::from("h;a\r\n");
        for i in 0..5000 {
            big.push_str(&format!("{i};x\r\n\r\n"));
        }
        let got = record_lines(&big);
        assert_eq!(got[5000], ("4999".to_string(), 2 + 2 * 4999));
    }
}
