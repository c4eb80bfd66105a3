//! One assistant's part of a time-report version, laid out like FK's form
//! 3059: heading, month, the user, the assistant, the organisation, every
//! row, totals per kind, payable hours and the signature block.

use super::{field, signature_block, SignatureLine, TooLarge, Weight, Writer, BODY, LINE, MARGIN};
use crate::domain::document::{kind_heading, TimeReportDoc, TIME_REPORT_TITLE};
use crate::domain::format::{self, minutes_as_hours, units_as_hours, yes_no};
use crate::domain::shift::ShiftKind;
use crate::domain::signing::Role;

/// Column x positions (mm) of the row table; numbers are right-aligned.
const DATE: f32 = MARGIN;
const FROM: f32 = MARGIN + 26.0;
const TO: f32 = MARGIN + 41.0;
const KIND: f32 = MARGIN + 56.0;
const DOUBLE: f32 = MARGIN + 92.0;
const HOSPITAL: f32 = MARGIN + 110.0;
const HOURS_RIGHT: f32 = MARGIN + 146.0;
const PAYABLE: f32 = MARGIN + 152.0;

fn table_header(w: &mut Writer) {
    for (x, label) in [
        (DATE, "Datum"),
        (FROM, "Från"),
        (TO, "Till"),
        (KIND, "Slag"),
        (DOUBLE, "Dubbel"),
        (HOSPITAL, "Sjukhus"),
        (PAYABLE, "Ersätts"),
    ] {
        w.text(x, label, BODY, Weight::Bold);
    }
    w.text_right(HOURS_RIGHT, "Timmar", BODY, Weight::Bold);
    w.rule(1.5, 0.4);
    w.down(LINE + 0.5);
}

/// Lays out one time report; `signatures` are the version's for this assistant.
pub fn time_report(
    w: &mut Writer,
    d: &TimeReportDoc,
    signatures: &[SignatureLine],
) -> Result<(), TooLarge> {
    w.begin_document(format!(
        "Tidsredovisning {} version {}\nInnehållets SHA-256: {}",
        d.report_id, d.version, d.content_hash
    ))?;
    w.text(MARGIN, TIME_REPORT_TITLE, 15.0, Weight::Bold);
    w.down(LINE + 1.0);
    w.text(
        MARGIN,
        "Tidsredovisning per assistent (motsvarar Försäkringskassans blankett 3059)",
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
    w.rule(2.0, 0.6);
    w.down(LINE + 2.0);
    for (heading, name, number_label, number) in [
        (
            "Assistansberättigad",
            d.user.name.as_str(),
            "Personnummer:",
            format::personnummer(&d.user.personnummer),
        ),
        (
            "Assistent",
            d.assistant.name.as_str(),
            "Personnummer:",
            format::personnummer(&d.assistant.personnummer),
        ),
        (
            "Anordnare (arbetsgivare)",
            d.organisation.name.as_str(),
            "Organisationsnummer:",
            format::personnummer(&d.organisation.identity_number),
        ),
    ] {
        w.text(MARGIN, heading, BODY, Weight::Bold);
        w.down(LINE);
        field(w, MARGIN, "Namn:", name);
        field(w, MARGIN + 85.0, number_label, &number);
        w.down(LINE * 1.5);
    }

    w.text(MARGIN, "Rader", 11.0, Weight::Bold);
    w.down(LINE + 1.0);
    table_header(w);
    for r in &d.rows {
        if w.ensure(LINE)? {
            w.text(MARGIN, "Rader (forts.)", 11.0, Weight::Bold);
            w.down(LINE + 1.0);
            table_header(w);
        }
        w.text(DATE, &r.date.to_string(), BODY, Weight::Regular);
        w.text(FROM, &r.start, BODY, Weight::Regular);
        w.text(TO, &r.end, BODY, Weight::Regular);
        w.text(KIND, format::kind(r.kind), BODY, Weight::Regular);
        w.text(DOUBLE, yes_no(r.double), BODY, Weight::Regular);
        w.text(HOSPITAL, yes_no(r.hospital), BODY, Weight::Regular);
        w.text_right(
            HOURS_RIGHT,
            &minutes_as_hours(r.minutes),
            BODY,
            Weight::Regular,
        );
        w.text(PAYABLE, yes_no(r.payable), BODY, Weight::Regular);
        w.down(LINE);
    }

    let t = d.totals();
    w.ensure(LINE * 8.0)?;
    w.down(2.0);
    w.text(MARGIN, "Summa per slag (faktisk tid)", 11.0, Weight::Bold);
    w.rule(1.5, 0.6);
    w.down(LINE + 1.5);
    for (k, minutes) in [
        (ShiftKind::Active, t.minutes.active),
        (ShiftKind::Waiting, t.minutes.waiting),
        (ShiftKind::Standby, t.minutes.standby),
    ] {
        w.text(MARGIN, &kind_heading(k), BODY, Weight::Regular);
        w.text_right(
            HOURS_RIGHT,
            &format!("{} h", minutes_as_hours(minutes)),
            BODY,
            Weight::Regular,
        );
        w.down(LINE);
    }
    // A rule between the kinds and their sum.
    w.down(1.5);
    let y = w.y() + 3.8;
    w.line(MARGIN, y, HOURS_RIGHT, y, 0.3);
    w.text(MARGIN, "Timmar att ersätta (omräknade)", BODY, Weight::Bold);
    w.text_right(
        HOURS_RIGHT,
        &format!("{} h", units_as_hours(t.payable)),
        BODY,
        Weight::Bold,
    );
    w.down(LINE);
    w.text(
        MARGIN,
        "Timmar som inte ersätts (assistenten inte anmäld till FK)",
        BODY,
        Weight::Regular,
    );
    w.text_right(
        HOURS_RIGHT,
        &format!("{} h", units_as_hours(t.not_payable)),
        BODY,
        Weight::Regular,
    );
    w.down(LINE);

    let roles = [Role::Assistant.swedish(), Role::Employer.swedish()];
    signature_block(w, &roles, signatures)?;
    Ok(())
}
