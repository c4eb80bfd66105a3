//! The month's documents as plain data, and the canonical text a signer
//! signs (*userVisibleData* in BankID's words): one assistant's part of a
//! time-report version (FK 3059), or an invoice version (FK 3057).
//!
//! The text is a pure function of the document: the same document gives
//! byte-identical text, and `payload_hash` is the lowercase hex SHA-256 of
//! its UTF-8 bytes. Swedish, with the numbers of [`crate::domain::format`].
//! The PDFs lay out the same documents.

use chrono::{DateTime, NaiveDate, Utc};
use sha2::{Digest, Sha256};

use crate::domain::format::{self, hundredths, kronor, minutes_as_hours, units_as_hours};
use crate::domain::invoice::{Costs, KindMinutes};
use crate::domain::month::ReportMonth;
use crate::domain::quantity::{Ore, PayableUnits};
use crate::domain::shift::ShiftKind;

/// The heading of a time report, as on FK's form.
pub const TIME_REPORT_TITLE: &str = "Tidsredovisning – Assistansersättning";
/// The heading of an invoice, as on FK's form.
pub const INVOICE_TITLE: &str = "Räkning – Assistansersättning";
/// What a signature means, the last line of every payload.
pub const ATTESTATION: &str =
    "Genom att underteckna intygar jag att uppgifterna ovan är riktiga och fullständiga.";

/// A person named on a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    pub name: String,
    /// 12 digits.
    pub personnummer: String,
}

/// The provider: name and organisationsnummer (or a self-employer's personnummer).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Party {
    pub name: String,
    pub identity_number: String,
}

impl Party {
    fn line(&self) -> String {
        format!(
            "{}, {}",
            self.name,
            format::personnummer(&self.identity_number)
        )
    }
}

/// One row of a time report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub date: NaiveDate,
    /// `HH:MM`.
    pub start: String,
    /// `HH:MM`; at or before `start` means the next day.
    pub end: String,
    pub kind: ShiftKind,
    pub double: bool,
    pub hospital: bool,
    /// Real elapsed minutes (DST included).
    pub minutes: i64,
    pub payable: bool,
    /// Of a payable row's minutes, those not paid (unmarked double
    /// assistance without a grant).
    pub unpaid_minutes: i64,
}

/// One assistant's part of a time-report version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimeReportDoc {
    pub report_id: String,
    pub version: i32,
    pub received_at: DateTime<Utc>,
    /// The version's `content_hash` (all its rows).
    pub content_hash: String,
    pub month: ReportMonth,
    pub organisation: Party,
    pub user: Person,
    pub assistant: Person,
    /// In date and start order.
    pub rows: Vec<Row>,
}

/// Totals of a part: elapsed minutes per kind and converted payable time.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Totals {
    pub minutes: KindMinutes,
    pub payable: PayableUnits,
    pub not_payable: PayableUnits,
}

impl TimeReportDoc {
    pub fn totals(&self) -> Totals {
        let mut t = Totals::default();
        for r in &self.rows {
            match r.kind {
                ShiftKind::Active => t.minutes.active += r.minutes,
                ShiftKind::Waiting => t.minutes.waiting += r.minutes,
                ShiftKind::Standby => t.minutes.standby += r.minutes,
            }
            let units = PayableUnits::of(r.kind, r.minutes);
            if r.payable {
                let paid = PayableUnits::of(r.kind, r.minutes - r.unpaid_minutes);
                t.payable += paid;
                t.not_payable += units - paid;
            } else {
                t.not_payable += units;
            }
        }
        t
    }
}

/// What each kind counts for, as the documents say it.
pub fn kind_factor(kind: ShiftKind) -> &'static str {
    match kind {
        ShiftKind::Active => "räknas fullt",
        ShiftKind::Waiting => "räknas 1/4",
        ShiftKind::Standby => "räknas 1/7",
    }
}

/// A row's marks in words: double assistance, hospital stay, not payable.
pub fn row_marks(r: &Row) -> Vec<&'static str> {
    let mut marks = Vec::new();
    if r.double {
        marks.push("dubbelassistans");
    }
    if r.hospital {
        marks.push("sjukhusvistelse");
    }
    if !r.payable {
        marks.push("ej ersättningsgill");
    } else if r.unpaid_minutes > 0 {
        marks.push("överlapp ej ersättningsgill");
    }
    marks
}

fn kind_minutes(m: &KindMinutes, kind: ShiftKind) -> i64 {
    match kind {
        ShiftKind::Active => m.active,
        ShiftKind::Waiting => m.waiting,
        ShiftKind::Standby => m.standby,
    }
}

fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// Heading line of a kind with its factor: `Väntetid (räknas 1/4)`.
pub fn kind_heading(kind: ShiftKind) -> String {
    format!(
        "{} ({})",
        capitalised(format::kind(kind)),
        kind_factor(kind)
    )
}

fn month_line(m: ReportMonth) -> String {
    format!("Månad: {m} ({})", format::month_name(m.year(), m.month()))
}

fn instant(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// The canonical text of one assistant's part of a time-report version.
pub fn time_report_text(d: &TimeReportDoc) -> String {
    let mut out = Vec::new();
    out.push(TIME_REPORT_TITLE.to_string());
    out.push(month_line(d.month));
    out.push(format!(
        "Tidsredovisning {} version {}, mottagen {}",
        d.report_id,
        d.version,
        instant(d.received_at)
    ));
    out.push(format!("Anordnare: {}", d.organisation.line()));
    out.push(format!(
        "Assistansberättigad: {}, {}",
        d.user.name,
        format::personnummer(&d.user.personnummer)
    ));
    out.push(format!(
        "Assistent: {}, {}",
        d.assistant.name,
        format::personnummer(&d.assistant.personnummer)
    ));
    out.push(String::new());
    out.push(format!("Rader ({}):", d.rows.len()));
    for r in &d.rows {
        let mut line = format!(
            "{} {}–{} {} {} h",
            r.date,
            r.start,
            r.end,
            format::kind(r.kind),
            minutes_as_hours(r.minutes)
        );
        for m in row_marks(r) {
            line.push_str(", ");
            line.push_str(m);
        }
        out.push(line);
    }
    let t = d.totals();
    out.push(String::new());
    out.push("Summa per slag (faktisk tid):".to_string());
    for k in ShiftKind::ALL {
        out.push(format!(
            "{}: {} h",
            kind_heading(k),
            minutes_as_hours(kind_minutes(&t.minutes, k))
        ));
    }
    out.push(format!(
        "Timmar att ersätta (omräknade): {} h",
        units_as_hours(t.payable)
    ));
    out.push(format!(
        "Timmar som inte ersätts: {} h",
        units_as_hours(t.not_payable)
    ));
    out.push(String::new());
    out.push(format!("Innehållets SHA-256: {}", d.content_hash));
    out.push(ATTESTATION.to_string());
    let mut text = out.join("\n");
    text.push('\n');
    text
}

/// One line of an invoice: days with one rate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvoiceLine {
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// `standard`, `higher` or `no_decision`.
    pub rate_basis: String,
    pub rate: Ore,
    /// Converted hours, hundredths.
    pub payable_hundredths: i64,
    pub amount: Ore,
}

impl InvoiceLine {
    pub fn basis_words(&self) -> &'static str {
        match self.rate_basis.as_str() {
            "higher" => "förhöjt timbelopp",
            "no_decision" => "schablonbelopp (inget beslut)",
            _ => "schablonbelopp",
        }
    }
}

/// An invoice version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvoiceDoc {
    pub invoice_id: String,
    pub version: i32,
    pub received_at: DateTime<Utc>,
    pub content_hash: String,
    pub invoice_number: Option<String>,
    pub month: ReportMonth,
    pub organisation: Party,
    pub user: Person,
    /// Who FK pays, in words.
    pub payee: String,
    pub time_report_version: i32,
    /// Elapsed minutes per kind (payable rows), DST included.
    pub minutes: KindMinutes,
    pub payable_hundredths: i64,
    /// The month's rate; None when the lines have several.
    pub rate: Option<Ore>,
    pub amount: Ore,
    pub lines: Vec<InvoiceLine>,
    pub hospital_days: Vec<NaiveDate>,
    /// A self-employer's actual costs.
    pub costs: Option<Costs>,
}

/// The cost categories of a self-employer, as FK names them.
pub fn cost_lines(c: &Costs) -> [(&'static str, Ore); 4] {
    [
        ("Lön och sociala avgifter", Ore(c.wages_and_social_fees)),
        ("Assistansomkostnader", Ore(c.assistance_expenses)),
        ("Utbildning", Ore(c.training)),
        (
            "Arbetsmiljö och personal",
            Ore(c.work_environment_and_staff),
        ),
    ]
}

/// The hospital days in words.
pub fn hospital_days_line(days: &[NaiveDate]) -> String {
    if days.is_empty() {
        "inga".to_string()
    } else {
        days.iter()
            .map(|d| d.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The canonical text of an invoice version.
pub fn invoice_text(d: &InvoiceDoc) -> String {
    let mut out = Vec::new();
    out.push(INVOICE_TITLE.to_string());
    out.push(month_line(d.month));
    out.push(format!(
        "Räkning {} version {}, mottagen {}",
        d.invoice_id,
        d.version,
        instant(d.received_at)
    ));
    if let Some(n) = &d.invoice_number {
        out.push(format!("Fakturanummer: {n}"));
    }
    out.push(format!("Anordnare: {}", d.organisation.line()));
    out.push(format!(
        "Assistansberättigad: {}, {}",
        d.user.name,
        format::personnummer(&d.user.personnummer)
    ));
    out.push(format!("Betalningsmottagare: {}", d.payee));
    out.push(format!(
        "Grund: tidsredovisningen version {}",
        d.time_report_version
    ));
    out.push(String::new());
    out.push("Timmar per slag (faktisk tid, sommartid och vintertid medräknade):".to_string());
    for k in ShiftKind::ALL {
        out.push(format!(
            "{}: {} h",
            kind_heading(k),
            minutes_as_hours(kind_minutes(&d.minutes, k))
        ));
    }
    out.push(format!(
        "Summa faktisk tid: {} h",
        minutes_as_hours(d.minutes.active + d.minutes.waiting + d.minutes.standby)
    ));
    out.push(format!(
        "Omräknade timmar att ersätta: {} h",
        hundredths(d.payable_hundredths)
    ));
    out.push(match d.rate {
        Some(r) => format!("Timbelopp: {} kr", kronor(r)),
        None => "Timbelopp: flera, se raderna".to_string(),
    });
    out.push(format!("Rader ({}):", d.lines.len()));
    for l in &d.lines {
        out.push(format!(
            "{}–{} {} {} kr × {} h = {} kr",
            l.from,
            l.to,
            l.basis_words(),
            kronor(l.rate),
            hundredths(l.payable_hundredths),
            kronor(l.amount)
        ));
    }
    out.push(format!(
        "Dagar med sjukhusvistelse: {}",
        hospital_days_line(&d.hospital_days)
    ));
    if let Some(c) = &d.costs {
        out.push("Faktiska kostnader (egen arbetsgivare):".to_string());
        for (label, ore) in cost_lines(c) {
            out.push(format!("{label}: {} kr", kronor(ore)));
        }
    }
    out.push(format!("Belopp: {} kr", kronor(d.amount)));
    out.push(String::new());
    out.push(format!("Innehållets SHA-256: {}", d.content_hash));
    out.push(ATTESTATION.to_string());
    let mut text = out.join("\n");
    text.push('\n');
    text
}

/// Lowercase hex SHA-256 of the UTF-8 bytes of `text`.
pub fn payload_hash(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    pub fn doc() -> TimeReportDoc {
        TimeReportDoc {
            report_id: "r-1".into(),
            version: 2,
            received_at: "2026-11-01T10:00:00Z".parse().unwrap(),
            content_hash: "ab".repeat(32),
            month: ReportMonth::parse("2026-10").unwrap(),
            organisation: Party {
                name: "Exempel Assistans AB".into(),
                identity_number: "559900-0022".into(),
            },
            user: Person {
                name: "Åsa Öberg".into(),
                personnummer: "194503121206".into(),
            },
            assistant: Person {
                name: "Anna Assistent".into(),
                personnummer: "198507141409".into(),
            },
            rows: vec![
                Row {
                    date: "2026-10-01".parse().unwrap(),
                    start: "07:00".into(),
                    end: "15:00".into(),
                    kind: ShiftKind::Active,
                    double: false,
                    hospital: false,
                    minutes: 480,
                    payable: true,
                    unpaid_minutes: 0,
                },
                Row {
                    date: "2026-10-24".parse().unwrap(),
                    start: "22:00".into(),
                    end: "07:00".into(),
                    kind: ShiftKind::Standby,
                    double: true,
                    hospital: true,
                    minutes: 600,
                    payable: true,
                    unpaid_minutes: 0,
                },
                Row {
                    date: "2026-10-25".parse().unwrap(),
                    start: "22:00".into(),
                    end: "07:00".into(),
                    kind: ShiftKind::Waiting,
                    double: false,
                    hospital: false,
                    minutes: 540,
                    payable: false,
                    unpaid_minutes: 0,
                },
            ],
        }
    }

    #[test]
    fn the_time_report_text_names_everything_a_signer_signs() {
        let text = time_report_text(&doc());
        let expected = "\
Tidsredovisning – Assistansersättning
Månad: 2026-10 (oktober 2026)
Tidsredovisning r-1 version 2, mottagen 2026-11-01T10:00:00Z
Anordnare: Exempel Assistans AB, 559900-0022
Assistansberättigad: Åsa Öberg, 19450312-1206
Assistent: Anna Assistent, 19850714-1409

Rader (3):
2026-10-01 07:00–15:00 aktiv assistans 8,00 h
2026-10-24 22:00–07:00 beredskap 10,00 h, dubbelassistans, sjukhusvistelse
2026-10-25 22:00–07:00 väntetid 9,00 h, ej ersättningsgill

Summa per slag (faktisk tid):
Aktiv assistans (räknas fullt): 8,00 h
Väntetid (räknas 1/4): 9,00 h
Beredskap (räknas 1/7): 10,00 h
Timmar att ersätta (omräknade): 9,43 h
Timmar som inte ersätts: 2,25 h

Innehållets SHA-256: abababababababababababababababababababababababababababababababab
Genom att underteckna intygar jag att uppgifterna ovan är riktiga och fullständiga.
";
        assert_eq!(text, expected);
        // Deterministic, and the hash is of exactly these bytes.
        assert_eq!(time_report_text(&doc()), text);
        assert_eq!(
            payload_hash(&text),
            hex::encode(Sha256::digest(text.as_bytes()))
        );
        assert_eq!(payload_hash(&text).len(), 64);
        assert_eq!(payload_hash(&text), payload_hash(&text).to_lowercase());
    }

    #[test]
    fn any_change_changes_the_hash() {
        let base = payload_hash(&time_report_text(&doc()));
        let mut d = doc();
        d.rows[0].end = "15:01".into();
        assert_ne!(payload_hash(&time_report_text(&d)), base);
        let mut d = doc();
        d.version = 3;
        assert_ne!(payload_hash(&time_report_text(&d)), base);
    }

    #[test]
    fn the_invoice_text_has_totals_rate_amount_and_payee() {
        let d = InvoiceDoc {
            invoice_id: "i-1".into(),
            version: 1,
            received_at: "2026-11-02T08:00:00Z".parse().unwrap(),
            content_hash: "cd".repeat(32),
            invoice_number: Some("F-2026-10".into()),
            month: ReportMonth::parse("2026-10").unwrap(),
            organisation: Party {
                name: "Exempel Assistans AB".into(),
                identity_number: "559900-0022".into(),
            },
            user: Person {
                name: "Åsa Öberg".into(),
                personnummer: "194503121206".into(),
            },
            payee: "Anordnaren".into(),
            time_report_version: 2,
            minutes: KindMinutes {
                active: 465 * 60,
                waiting: 280 * 60,
                standby: 0,
            },
            payable_hundredths: 53_500,
            rate: Some(Ore(34_000)),
            amount: Ore(18_190_000),
            lines: vec![InvoiceLine {
                from: "2026-10-01".parse().unwrap(),
                to: "2026-10-31".parse().unwrap(),
                rate_basis: "standard".into(),
                rate: Ore(34_000),
                payable_hundredths: 53_500,
                amount: Ore(18_190_000),
            }],
            hospital_days: vec!["2026-10-05".parse().unwrap()],
            costs: None,
        };
        let text = invoice_text(&d);
        for needle in [
            "Räkning – Assistansersättning\n",
            "Fakturanummer: F-2026-10\n",
            "Betalningsmottagare: Anordnaren\n",
            "Aktiv assistans (räknas fullt): 465,00 h\n",
            "Väntetid (räknas 1/4): 280,00 h\n",
            "Summa faktisk tid: 745,00 h\n",
            "Omräknade timmar att ersätta: 535,00 h\n",
            "Timbelopp: 340,00 kr\n",
            "2026-10-01–2026-10-31 schablonbelopp 340,00 kr × 535,00 h = 181 900,00 kr\n",
            "Dagar med sjukhusvistelse: 2026-10-05\n",
            "Belopp: 181 900,00 kr\n",
        ] {
            assert!(text.contains(needle), "{needle:?} missing from\n{text}");
        }
        assert_eq!(invoice_text(&d), text);
    }
}
