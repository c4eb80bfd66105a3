//! The month's documents as PDF (A4, printpdf, DejaVu Sans embedded so that
//! å ä ö print and copy correctly): a time report per assistant (as FK form
//! 3059 lays it out), an invoice (3057), and a whole month in one file.
//!
//! [`Writer`] is a small page layout on top of printpdf: a cursor that moves
//! down the page, text at a column (left- or right-aligned by the font's own
//! advance widths), rules, and a new page when the next block does not fit.
//! Each document's pages get its footer (the content hash) and "Sida i av n".

mod invoice;
mod time_report;

use std::sync::OnceLock;

use printpdf::{
    FontId, Line, LinePoint, Mm, Op, ParsedFont, PdfDocument, PdfFontHandle, PdfPage,
    PdfSaveOptions, Point, Pt, TextItem,
};

pub use invoice::invoice;
pub use time_report::time_report;

/// DejaVu Sans (Bitstream Vera licence: embedding and redistribution
/// allowed; `assets/fonts/LICENSE`).
static REGULAR_TTF: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSans.ttf");
static BOLD_TTF: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSans-Bold.ttf");

fn fonts() -> &'static (ParsedFont, ParsedFont) {
    static FONTS: OnceLock<(ParsedFont, ParsedFont)> = OnceLock::new();
    FONTS.get_or_init(|| {
        let mut warnings = Vec::new();
        (
            ParsedFont::from_bytes(REGULAR_TTF, 0, &mut warnings).expect("embedded font parses"),
            ParsedFont::from_bytes(BOLD_TTF, 0, &mut warnings).expect("embedded font parses"),
        )
    })
}

/// A4, in millimetres.
pub const PAGE_WIDTH: f32 = 210.0;
pub const PAGE_HEIGHT: f32 = 297.0;
/// Left and right margin.
pub const MARGIN: f32 = 18.0;
const TOP: f32 = PAGE_HEIGHT - 16.0;
/// Nothing but the footer goes below this line.
const BOTTOM: f32 = 22.0;
const FOOTER_Y: f32 = 11.0;

/// Plain or bold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Weight {
    Regular,
    Bold,
}

/// Millimetres per point.
const MM_PER_PT: f32 = 25.4 / 72.0;

/// Lays out pages; see the module documentation.
pub struct Writer {
    doc: PdfDocument,
    regular: FontId,
    bold: FontId,
    pages: Vec<Vec<Op>>,
    /// The footer of each page (the document it belongs to).
    footers: Vec<String>,
    /// The first page of each document.
    starts: Vec<usize>,
    y: f32,
    footer: String,
    /// Stop with [`TooLarge`] past this many pages.
    max_pages: usize,
}

/// More pages than allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TooLarge {
    pub max_pages: usize,
}

impl Writer {
    pub fn new(title: &str, max_pages: usize) -> Self {
        let (regular, bold) = fonts();
        let mut doc = PdfDocument::new(title);
        let regular = doc.add_font(regular);
        let bold = doc.add_font(bold);
        Self {
            doc,
            regular,
            bold,
            pages: Vec::new(),
            footers: Vec::new(),
            starts: Vec::new(),
            y: TOP,
            footer: String::new(),
            max_pages,
        }
    }

    /// Starts a document on a new page; `footer` (one or two lines) goes on
    /// each of its pages.
    pub fn begin_document(&mut self, footer: String) -> Result<(), TooLarge> {
        self.footer = footer;
        self.starts.push(self.pages.len());
        self.new_page()
    }

    fn new_page(&mut self) -> Result<(), TooLarge> {
        if self.pages.len() >= self.max_pages {
            return Err(TooLarge {
                max_pages: self.max_pages,
            });
        }
        self.pages.push(Vec::new());
        self.footers.push(self.footer.clone());
        self.y = TOP;
        Ok(())
    }

    /// Pages laid out so far.
    pub fn page_count(&self) -> usize {
        self.pages.len()
    }

    /// Makes room for `height` mm, on a new page if needed; returns whether
    /// a page was started (so that a table can repeat its header).
    pub fn ensure(&mut self, height: f32) -> Result<bool, TooLarge> {
        if self.y - height < BOTTOM {
            self.new_page()?;
            return Ok(true);
        }
        Ok(false)
    }

    /// Moves the cursor down.
    pub fn down(&mut self, mm: f32) {
        self.y -= mm;
    }

    /// Width of `s` in mm at `size` pt.
    pub fn width(&self, s: &str, size: f32, weight: Weight) -> f32 {
        let (regular, bold) = fonts();
        let font = if weight == Weight::Bold {
            bold
        } else {
            regular
        };
        let upem = f32::from(font.font_metrics.units_per_em.max(1));
        let units: f32 = s
            .chars()
            .map(|c| {
                font.lookup_glyph_index(c as u32)
                    .map(|g| f32::from(font.get_horizontal_advance(g)))
                    .unwrap_or(upem / 2.0)
            })
            .sum();
        units / upem * size * MM_PER_PT
    }

    fn put(&mut self, x: f32, y: f32, s: &str, size: f32, weight: Weight) {
        let page = self.pages.len() - 1;
        self.put_on(page, x, y, s, size, weight);
    }

    fn put_on(&mut self, page: usize, x: f32, y: f32, s: &str, size: f32, weight: Weight) {
        if s.is_empty() {
            return;
        }
        let font = if weight == Weight::Bold {
            self.bold.clone()
        } else {
            self.regular.clone()
        };
        self.pages[page].extend([
            Op::StartTextSection,
            Op::SetFont {
                font: PdfFontHandle::External(font),
                size: Pt(size),
            },
            Op::SetTextCursor {
                pos: Point {
                    x: Mm(x).into(),
                    y: Mm(y).into(),
                },
            },
            Op::ShowText {
                items: vec![TextItem::Text(s.to_string())],
            },
            Op::EndTextSection,
        ]);
    }

    /// Text with its left edge at `x` (mm) on the current line.
    pub fn text(&mut self, x: f32, s: &str, size: f32, weight: Weight) {
        let y = self.y;
        self.put(x, y, s, size, weight);
    }

    /// Text with its right edge at `x` (mm) on the current line.
    pub fn text_right(&mut self, x: f32, s: &str, size: f32, weight: Weight) {
        let w = self.width(s, size, weight);
        let y = self.y;
        self.put(x - w, y, s, size, weight);
    }

    /// A horizontal rule across the text area, `gap` mm below the cursor.
    pub fn rule(&mut self, gap: f32, thickness: f32) {
        let y = self.y - gap;
        self.line(MARGIN, y, PAGE_WIDTH - MARGIN, y, thickness);
    }

    /// A line from (x1, y1) to (x2, y2), in mm.
    pub fn line(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, thickness: f32) {
        let page = self.pages.len() - 1;
        self.line_on(page, x1, y1, x2, y2, thickness);
    }

    fn line_on(&mut self, page: usize, x1: f32, y1: f32, x2: f32, y2: f32, thickness: f32) {
        let point = |x: f32, y: f32| LinePoint {
            p: Point {
                x: Mm(x).into(),
                y: Mm(y).into(),
            },
            bezier: false,
        };
        self.pages[page].extend([
            Op::SetOutlineThickness { pt: Pt(thickness) },
            Op::DrawLine {
                line: Line {
                    points: vec![point(x1, y1), point(x2, y2)],
                    is_closed: false,
                },
            },
        ]);
    }

    /// The current line's height position (mm from the bottom).
    pub fn y(&self) -> f32 {
        self.y
    }

    /// The PDF: footers and page numbers (per document) added.
    pub fn finish(mut self) -> Vec<u8> {
        let n = self.pages.len();
        let ends: Vec<usize> = self.starts.iter().skip(1).copied().chain([n]).collect();
        for (start, end) in self.starts.clone().into_iter().zip(ends) {
            for page in start..end {
                let footer = self.footers[page].clone();
                let label = format!("Sida {} av {}", page - start + 1, end - start);
                let w = self.width(&label, 7.5, Weight::Regular);
                // Footer rule; the document's lines on the left, the page
                // number on the right of the first.
                let top = FOOTER_Y + 3.4 * footer.lines().count().saturating_sub(1) as f32;
                self.line_on(page, MARGIN, top + 4.0, PAGE_WIDTH - MARGIN, top + 4.0, 0.4);
                for (i, l) in footer.lines().enumerate() {
                    self.put_on(page, MARGIN, top - 3.4 * i as f32, l, 7.0, Weight::Regular);
                }
                self.put_on(
                    page,
                    PAGE_WIDTH - MARGIN - w,
                    top,
                    &label,
                    7.5,
                    Weight::Regular,
                );
            }
        }
        let pages = self
            .pages
            .into_iter()
            .map(|ops| PdfPage::new(Mm(PAGE_WIDTH), Mm(PAGE_HEIGHT), ops))
            .collect();
        let mut warnings = Vec::new();
        self.doc
            .with_pages(pages)
            .save(&PdfSaveOptions::default(), &mut warnings)
    }
}

/// A signature as the documents show it.
#[derive(Debug, Clone)]
pub struct SignatureLine {
    /// The role, as on the form (e.g. "Assistent (intygar)").
    pub role: String,
    pub name: String,
    /// In what capacity, e.g. "firmatecknare", "god man".
    pub capacity: String,
    /// Stockholm date of signing, `YYYY-MM-DD`.
    pub date: String,
    /// e.g. "BankID".
    pub method: String,
}

/// Body text size (pt) and line height (mm).
pub const BODY: f32 = 9.0;
pub const LINE: f32 = 4.8;

/// "Label: value" on one line; the label bold.
pub fn field(w: &mut Writer, x: f32, label: &str, value: &str) {
    w.text(x, label, BODY, Weight::Bold);
    let lw = w.width(label, BODY, Weight::Bold);
    w.text(x + lw + 1.5, value, BODY, Weight::Regular);
}

/// The signature block: each signature with name, role, capacity, date and
/// method; a role without one gets empty lines to sign on paper.
pub fn signature_block(
    w: &mut Writer,
    roles: &[&str],
    signatures: &[SignatureLine],
) -> Result<(), TooLarge> {
    w.ensure(12.0)?;
    w.down(3.0);
    w.text(MARGIN, "Underskrifter", 11.0, Weight::Bold);
    w.rule(1.5, 0.6);
    w.down(LINE + 1.5);
    for role in roles {
        let mine: Vec<&SignatureLine> = signatures.iter().filter(|s| s.role == *role).collect();
        if mine.is_empty() {
            w.ensure(LINE * 4.0)?;
            w.text(MARGIN, role, BODY, Weight::Bold);
            w.down(LINE * 1.8);
            let y = w.y();
            w.line(MARGIN, y, MARGIN + 80.0, y, 0.4);
            w.line(MARGIN + 90.0, y, MARGIN + 130.0, y, 0.4);
            w.down(3.5);
            w.text(
                MARGIN,
                "Namnteckning och namnförtydligande",
                7.5,
                Weight::Regular,
            );
            w.text(MARGIN + 90.0, "Datum", 7.5, Weight::Regular);
            w.down(LINE * 1.4);
        }
        for s in mine {
            w.ensure(LINE * 3.0)?;
            w.text(MARGIN, role, BODY, Weight::Bold);
            w.down(LINE);
            field(w, MARGIN, "Namn:", &s.name);
            field(w, MARGIN + 85.0, "I egenskap av:", &s.capacity);
            w.down(LINE);
            field(w, MARGIN, "Datum:", &s.date);
            field(w, MARGIN + 85.0, "Metod:", &s.method);
            w.down(LINE * 1.5);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_follow_the_font() {
        let w = Writer::new("t", 10);
        let one = w.width("0", 10.0, Weight::Regular);
        assert!(one > 1.5 && one < 3.0, "{one}");
        // Digits are tabular: columns of numbers line up.
        assert_eq!(w.width("1", 10.0, Weight::Regular), one);
        assert!((w.width("00", 10.0, Weight::Regular) - 2.0 * one).abs() < 1e-4);
        assert!(w.width("00", 10.0, Weight::Bold) > 2.0 * one);
    }

    #[test]
    fn pages_are_bounded() {
        let mut w = Writer::new("t", 2);
        w.begin_document("f".into()).unwrap();
        w.begin_document("g".into()).unwrap();
        assert_eq!(w.begin_document("h".into()), Err(TooLarge { max_pages: 2 }));
        assert_eq!(w.page_count(), 2);
    }
}
