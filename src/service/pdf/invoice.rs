//! An invoice version, laid out like FK's form 3057: totals per kind (real
//! time, DST included), converted hours, rate(s), amount, hospital days,
//! payee and the signature block.

use super::{field, signature_block, SignatureLine, TooLarge, Weight, Writer, BODY, LINE, MARGIN};
use crate::domain::document::{
    cost_lines, hospital_days_line, kind_heading, InvoiceDoc, INVOICE_TITLE,
};
use crate::domain::format::{self, hundredths, kronor, minutes_as_hours};
use crate::domain::shift::ShiftKind;
use crate::domain::signing::Role;

const RIGHT: f32 = MARGIN + 174.0;
const LINE_RATE: f32 = MARGIN + 108.0;
const LINE_HOURS: f32 = MARGIN + 138.0;

/// Lays out one invoice; `signatures` are the version's.
pub fn invoice(
    w: &mut Writer,
    d: &InvoiceDoc,
    signatures: &[SignatureLine],
) -> Result<(), TooLarge> {
    w.begin_document(format!(
        "Räkning {} version {}\nInnehållets SHA-256: {}",
        d.invoice_id, d.version, d.content_hash
    ))?;
    w.text(MARGIN, INVOICE_TITLE, 15.0, Weight::Bold);
    w.down(LINE + 1.0);
    w.text(
        MARGIN,
        "Räkning för assistansersättning (motsvarar Försäkringskassans blankett 3057)",
        8.0,
        Weight::Regular,
    );
    w.down(LINE * 1.6);
    field(
        w,
        MARGIN,
        "Månad:",
        &format!(
            "{} ({})",
            d.month,
            format::month_name(d.month.year(), d.month.month())
        ),
    );
    field(
        w,
        MARGIN + 85.0,
        "Version:",
        &format!(
            "{}, mottagen {}",
            d.version,
            d.received_at
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        ),
    );
    w.down(LINE);
    if let Some(n) = &d.invoice_number {
        field(w, MARGIN, "Fakturanummer:", n);
    }
    field(
        w,
        MARGIN + 85.0,
        "Grund:",
        &format!("tidsredovisningen version {}", d.time_report_version),
    );
    w.rule(2.0, 0.6);
    w.down(LINE + 2.0);
    w.text(MARGIN, "Assistansberättigad", BODY, Weight::Bold);
    w.down(LINE);
    field(w, MARGIN, "Namn:", &d.user.name);
    field(
        w,
        MARGIN + 85.0,
        "Personnummer:",
        &format::personnummer(&d.user.personnummer),
    );
    w.down(LINE * 1.5);
    w.text(MARGIN, "Anordnare", BODY, Weight::Bold);
    w.down(LINE);
    field(w, MARGIN, "Namn:", &d.organisation.name);
    field(
        w,
        MARGIN + 85.0,
        "Organisationsnummer:",
        &format::personnummer(&d.organisation.identity_number),
    );
    w.down(LINE * 1.5);
    field(w, MARGIN, "Betalningsmottagare:", &d.payee);
    w.down(LINE * 1.8);

    w.text(
        MARGIN,
        "Timmar per slag (faktisk tid, sommartid och vintertid medräknade)",
        11.0,
        Weight::Bold,
    );
    w.rule(1.5, 0.6);
    w.down(LINE + 1.5);
    for (k, m) in [
        (ShiftKind::Active, d.minutes.active),
        (ShiftKind::Waiting, d.minutes.waiting),
        (ShiftKind::Standby, d.minutes.standby),
    ] {
        w.text(MARGIN, &kind_heading(k), BODY, Weight::Regular);
        w.text_right(
            RIGHT,
            &format!("{} h", minutes_as_hours(m)),
            BODY,
            Weight::Regular,
        );
        w.down(LINE);
    }
    let total = d.minutes.active + d.minutes.waiting + d.minutes.standby;
    w.text(MARGIN, "Summa faktisk tid", BODY, Weight::Regular);
    w.text_right(
        RIGHT,
        &format!("{} h", minutes_as_hours(total)),
        BODY,
        Weight::Regular,
    );
    w.down(LINE);
    w.text(MARGIN, "Omräknade timmar att ersätta", BODY, Weight::Bold);
    w.text_right(
        RIGHT,
        &format!("{} h", hundredths(d.payable_hundredths)),
        BODY,
        Weight::Bold,
    );
    w.down(LINE);
    w.text(MARGIN, "Timbelopp", BODY, Weight::Regular);
    let rate = match d.rate {
        Some(r) => format!("{} kr", kronor(r)),
        None => "flera, se raderna".into(),
    };
    w.text_right(RIGHT, &rate, BODY, Weight::Regular);
    w.down(LINE * 1.8);

    w.text(MARGIN, "Rader", 11.0, Weight::Bold);
    w.down(LINE + 0.5);
    w.text(MARGIN, "Period", BODY, Weight::Bold);
    w.text(MARGIN + 48.0, "Grund", BODY, Weight::Bold);
    w.text_right(LINE_RATE, "Timbelopp", BODY, Weight::Bold);
    w.text_right(LINE_HOURS, "Timmar", BODY, Weight::Bold);
    w.text_right(RIGHT, "Belopp", BODY, Weight::Bold);
    w.rule(1.5, 0.4);
    w.down(LINE + 0.5);
    for l in &d.lines {
        w.ensure(LINE)?;
        w.text(
            MARGIN,
            &format!("{}–{}", l.from, l.to),
            BODY,
            Weight::Regular,
        );
        w.text(MARGIN + 48.0, l.basis_words(), BODY, Weight::Regular);
        w.text_right(
            LINE_RATE,
            &format!("{} kr", kronor(l.rate)),
            BODY,
            Weight::Regular,
        );
        w.text_right(
            LINE_HOURS,
            &format!("{} h", hundredths(l.payable_hundredths)),
            BODY,
            Weight::Regular,
        );
        w.text_right(
            RIGHT,
            &format!("{} kr", kronor(l.amount)),
            BODY,
            Weight::Regular,
        );
        w.down(LINE);
    }
    w.down(2.0);
    w.ensure(LINE * 3.0)?;
    field(
        w,
        MARGIN,
        "Dagar med sjukhusvistelse:",
        &hospital_days_line(&d.hospital_days),
    );
    w.down(LINE * 1.5);
    if let Some(c) = &d.costs {
        w.ensure(LINE * 6.0)?;
        w.text(
            MARGIN,
            "Faktiska kostnader (egen arbetsgivare)",
            11.0,
            Weight::Bold,
        );
        w.down(LINE + 0.5);
        for (label, ore) in cost_lines(c) {
            w.text(MARGIN, label, BODY, Weight::Regular);
            w.text_right(RIGHT, &format!("{} kr", kronor(ore)), BODY, Weight::Regular);
            w.down(LINE);
        }
        w.down(1.0);
    }
    w.ensure(LINE * 2.0)?;
    w.down(2.0);
    let y = w.y() + 4.8;
    w.line(MARGIN, y, RIGHT, y, 0.6);
    w.text(MARGIN, "Belopp att betala", 11.0, Weight::Bold);
    w.text_right(
        RIGHT,
        &format!("{} kr", kronor(d.amount)),
        11.0,
        Weight::Bold,
    );
    w.down(LINE);

    signature_block(w, &[Role::AssistanceUser.swedish()], signatures)
}
