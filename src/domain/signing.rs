//! Who may sign what (FK forms 3059 and 3057; domain brief "Signatures and
//! forms"), as plain rules over plain facts.
//!
//! - Time report (3059), per assistant: the **assistant attests** (role
//!   `assistant`: that assistant and nobody else) and the **employer signs**
//!   (role `employer`: a signatory of the organisation valid that day; for a
//!   self-employer also whoever may sign the invoice that day, by the same
//!   rules of age and representation).
//! - Invoice (3057): role `assistance_user`: the user when 18 or older on
//!   the day of signing, else a guardian (*vårdnadshavare*) valid that day;
//!   a trustee (*god man*), administrator (*förvaltare*) or agent (*ombud*)
//!   valid that day for a user of any age.
//!
//! "That day" is the Stockholm date of `signed_at`.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::identity::PersonalNumber;

/// The largest `evidence` accepted, in bytes after base64 decoding. A
/// BankID signature with its OCSP response is typically 10–20 KiB.
pub const MAX_EVIDENCE_BYTES: usize = 64 * 1024;

/// What a signature stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[schema(as = SignatureRole)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// The assistant attests their own part of the time report.
    Assistant,
    /// The employer (the provider, or the self-employer) signs the time report.
    Employer,
    /// The assistance user (or someone for them) signs the invoice.
    AssistanceUser,
}

impl Role {
    pub fn as_str(&self) -> &'static str {
        match self {
            Role::Assistant => "assistant",
            Role::Employer => "employer",
            Role::AssistanceUser => "assistance_user",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        serde_json::from_value(serde_json::Value::String(s.to_string())).ok()
    }

    /// The role in the words of the forms.
    pub fn swedish(&self) -> &'static str {
        match self {
            Role::Assistant => "Assistent (intygar)",
            Role::Employer => "Arbetsgivare (undertecknar)",
            Role::AssistanceUser => "Assistansberättigad",
        }
    }

    /// The two roles of a time report, in the order the form has them.
    pub const TIME_REPORT: [Role; 2] = [Role::Assistant, Role::Employer];
}

/// How the signature was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    Bankid,
    Freja,
    Paper,
    Other,
}

impl Method {
    pub fn as_str(&self) -> &'static str {
        match self {
            Method::Bankid => "bankid",
            Method::Freja => "freja",
            Method::Paper => "paper",
            Method::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        serde_json::from_value(serde_json::Value::String(s.to_string())).ok()
    }

    pub fn swedish(&self) -> &'static str {
        match self {
            Method::Bankid => "BankID",
            Method::Freja => "Freja eID",
            Method::Paper => "papper",
            Method::Other => "annat",
        }
    }
}

/// Who acts for an assistance user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RepresentativeKind {
    /// *Vårdnadshavare*: acts for a child (under 18) only.
    Guardian,
    /// *God man*.
    Trustee,
    /// *Förvaltare*.
    Administrator,
    /// *Ombud* with power of attorney (*fullmakt*).
    Agent,
}

impl RepresentativeKind {
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Guardian => "guardian",
            Self::Trustee => "trustee",
            Self::Administrator => "administrator",
            Self::Agent => "agent",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        serde_json::from_value(serde_json::Value::String(s.to_string())).ok()
    }

    pub fn swedish(&self) -> &'static str {
        match self {
            Self::Guardian => "vårdnadshavare",
            Self::Trustee => "god man",
            Self::Administrator => "förvaltare",
            Self::Agent => "ombud",
        }
    }
}

/// In what capacity the signer signed (stored with the signature).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Capacity {
    /// The assistant of the time report.
    Assistant,
    /// A registered signatory of the organisation.
    Signatory,
    /// The assistance user in person.
    AssistanceUser,
    Guardian,
    Trustee,
    Administrator,
    Agent,
}

impl Capacity {
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Assistant => "assistant",
            Self::Signatory => "signatory",
            Self::AssistanceUser => "assistance_user",
            Self::Guardian => "guardian",
            Self::Trustee => "trustee",
            Self::Administrator => "administrator",
            Self::Agent => "agent",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        serde_json::from_value(serde_json::Value::String(s.to_string())).ok()
    }

    pub fn swedish(&self) -> &'static str {
        match self {
            Self::Assistant => "assistent",
            Self::Signatory => "firmatecknare",
            Self::AssistanceUser => "assistansberättigad",
            Self::Guardian => "vårdnadshavare",
            Self::Trustee => "god man",
            Self::Administrator => "förvaltare",
            Self::Agent => "ombud",
        }
    }
}

impl From<RepresentativeKind> for Capacity {
    fn from(k: RepresentativeKind) -> Self {
        match k {
            RepresentativeKind::Guardian => Capacity::Guardian,
            RepresentativeKind::Trustee => Capacity::Trustee,
            RepresentativeKind::Administrator => Capacity::Administrator,
            RepresentativeKind::Agent => Capacity::Agent,
        }
    }
}

/// Days from `from` to `to` (open-ended when `to` is None), inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Validity {
    pub from: NaiveDate,
    pub to: Option<NaiveDate>,
}

impl Validity {
    pub fn covers(&self, day: NaiveDate) -> bool {
        self.from <= day && self.to.is_none_or(|t| day <= t)
    }
}

/// A person who may sign for someone, with the days they may.
#[derive(Debug, Clone)]
pub struct Agent {
    /// 12-digit personnummer.
    pub personnummer: String,
    pub name: String,
    pub validity: Validity,
}

/// Everything the signer rules need to know about one document.
#[derive(Debug, Clone)]
pub struct SignerFacts<'a> {
    /// The assistant of a time report: (12-digit personnummer, name).
    pub assistant: Option<(&'a str, &'a str)>,
    /// The assistance user: (12-digit personnummer, name).
    pub user: (&'a str, &'a str),
    pub self_employer: bool,
    pub signatories: &'a [Agent],
    pub representatives: &'a [(RepresentativeKind, Agent)],
}

/// A signer the rules accept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signer {
    pub capacity: Capacity,
    pub name: String,
}

/// Whether `signer` (12-digit personnummer) may sign in `role` on `day`;
/// the refusal says why in a sentence.
pub fn allowed_signer(
    role: Role,
    signer: &str,
    day: NaiveDate,
    f: &SignerFacts<'_>,
) -> Result<Signer, String> {
    match role {
        Role::Assistant => match f.assistant {
            Some((pnr, name)) if pnr == signer => Ok(Signer {
                capacity: Capacity::Assistant,
                name: name.to_string(),
            }),
            Some(_) => {
                Err("Only the assistant of this part of the time report may attest it.".into())
            }
            None => Err("The assistant role belongs to time reports.".into()),
        },
        Role::Employer => {
            if f.assistant.is_none() {
                return Err("The employer role belongs to time reports.".into());
            }
            if let Some(s) = f
                .signatories
                .iter()
                .find(|s| s.personnummer == signer && s.validity.covers(day))
            {
                return Ok(Signer {
                    capacity: Capacity::Signatory,
                    name: s.name.clone(),
                });
            }
            if !f.self_employer {
                return Err(format!(
                    "On {day} the signer is not a signatory of the organisation (POST /organisations/{{id}}/signatories)."
                ));
            }
            // A self-employer is the user: they sign as employer as they
            // sign the invoice, by the same rules of age and representation.
            for_user(signer, day, f).map_err(|why| {
                why.unwrap_or_else(|| format!(
                    "On {day} the signer is neither a signatory of the organisation, the assistance user nor one of their representatives."
                ))
            })
        }
        Role::AssistanceUser => {
            if f.assistant.is_some() {
                return Err("The assistance_user role belongs to invoices.".into());
            }
            for_user(signer, day, f).map_err(|why| {
                why.unwrap_or_else(|| {
                    format!(
                        "On {day} the signer is neither the assistance user nor a representative of theirs."
                    )
                })
            })
        }
    }
}

/// The user in person when 18 or older on `day`, else a guardian valid
/// that day; a trustee, administrator or agent valid that day at any age
/// (domain brief: at 18 the user signs their own documents). `Err(None)`
/// when the signer is none of them; `Err(Some(why))` when the age says no.
fn for_user(signer: &str, day: NaiveDate, f: &SignerFacts<'_>) -> Result<Signer, Option<String>> {
    let rep = |pred: &dyn Fn(RepresentativeKind) -> bool| {
        f.representatives
            .iter()
            .find(|(k, a)| pred(*k) && a.personnummer == signer && a.validity.covers(day))
            .map(|(k, a)| Signer {
                capacity: (*k).into(),
                name: a.name.clone(),
            })
    };
    let adult = PersonalNumber::parse_on(f.user.0, day)
        .map(|p| p.age_on(day) >= 18)
        // An unreadable stored number cannot prove an age: treat as adult,
        // so guardians do not sign for them either way by mistake.
        .unwrap_or(true);
    if f.user.0 == signer {
        return if adult {
            Ok(Signer {
                capacity: Capacity::AssistanceUser,
                name: f.user.1.to_string(),
            })
        } else {
            Err(Some(format!(
                "The assistance user is under 18 on {day}; a guardian, trustee, administrator or agent signs for them."
            )))
        };
    }
    if let Some(s) = rep(&|k| k != RepresentativeKind::Guardian) {
        return Ok(s);
    }
    match rep(&|k| k == RepresentativeKind::Guardian) {
        Some(_) if adult => Err(Some(format!(
            "The assistance user is 18 or older on {day}; a guardian no longer signs for them."
        ))),
        Some(s) => Ok(s),
        None => Err(None),
    }
}

/// `signed_at` may not be in the future nor before the version arrived
/// (compared to the second, as `received_at` is shown).
pub fn check_signed_at(
    signed_at: DateTime<Utc>,
    received_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(), String> {
    if signed_at > now {
        return Err("`signed_at` is in the future.".into());
    }
    if signed_at.timestamp() < received_at.timestamp() {
        return Err(format!(
            "`signed_at` is before the version was received ({}).",
            received_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        ));
    }
    Ok(())
}

/// Why `evidence` was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EvidenceError {
    NotBase64,
    TooLarge,
}

impl EvidenceError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotBase64 => "invalid_evidence",
            Self::TooLarge => "evidence_too_large",
        }
    }

    pub fn message(&self) -> String {
        match self {
            Self::NotBase64 => {
                "`evidence` must be standard base64 (RFC 4648, with padding).".into()
            }
            Self::TooLarge => {
                format!("`evidence` may be at most {MAX_EVIDENCE_BYTES} bytes once decoded.")
            }
        }
    }
}

/// Checks that `evidence` is base64 of at most [`MAX_EVIDENCE_BYTES`]; it is
/// stored as sent, never interpreted.
pub fn check_evidence(evidence: &str) -> Result<(), EvidenceError> {
    use base64::Engine;
    // Cheap bound before decoding: 4 characters per 3 bytes.
    if evidence.len() > MAX_EVIDENCE_BYTES.div_ceil(3) * 4 {
        return Err(EvidenceError::TooLarge);
    }
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(evidence)
        .map_err(|_| EvidenceError::NotBase64)?;
    if bytes.is_empty() {
        return Err(EvidenceError::NotBase64);
    }
    if bytes.len() > MAX_EVIDENCE_BYTES {
        return Err(EvidenceError::TooLarge);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn agent(pnr: &str, from: &str, to: Option<&str>) -> Agent {
        Agent {
            personnummer: pnr.into(),
            name: "Namn".into(),
            validity: Validity {
                from: d(from),
                to: to.map(d),
            },
        }
    }

    // Valid numbers: 19450312-1206 (adult), 20100101-0006? computed below.
    const ADULT: &str = "194503121206";
    const ASSISTANT: &str = "198507141409";
    const OTHER: &str = "199203030300";

    fn child() -> String {
        // Born 2010-06-15: 17 until 2028-06-14.
        let nine = "100615123";
        let digit = crate::domain::identity::luhn_check_digit(nine.as_bytes());
        format!("20{nine}{digit}")
    }

    fn facts<'a>(
        user: &'a str,
        assistant: Option<(&'a str, &'a str)>,
        self_employer: bool,
        sigs: &'a [Agent],
        reps: &'a [(RepresentativeKind, Agent)],
    ) -> SignerFacts<'a> {
        SignerFacts {
            assistant,
            user: (user, "Brukare"),
            self_employer,
            signatories: sigs,
            representatives: reps,
        }
    }

    #[test]
    fn the_assistant_attests_only_their_own_part() {
        let f = facts(ADULT, Some((ASSISTANT, "Anna")), false, &[], &[]);
        let day = d("2026-11-10");
        let s = allowed_signer(Role::Assistant, ASSISTANT, day, &f).unwrap();
        assert_eq!(s.capacity, Capacity::Assistant);
        assert_eq!(s.name, "Anna");
        assert!(allowed_signer(Role::Assistant, OTHER, day, &f).is_err());
        assert!(allowed_signer(Role::AssistanceUser, ADULT, day, &f).is_err());
    }

    #[test]
    fn the_employer_is_a_signatory_valid_that_day() {
        let sigs = [agent(OTHER, "2026-01-01", Some("2026-10-31"))];
        let f = facts(ADULT, Some((ASSISTANT, "Anna")), false, &sigs, &[]);
        assert_eq!(
            allowed_signer(Role::Employer, OTHER, d("2026-10-31"), &f)
                .unwrap()
                .capacity,
            Capacity::Signatory
        );
        assert!(allowed_signer(Role::Employer, OTHER, d("2026-11-01"), &f).is_err());
        assert!(allowed_signer(Role::Employer, OTHER, d("2025-12-31"), &f).is_err());
        // A provider's user is not its employer.
        assert!(allowed_signer(Role::Employer, ADULT, d("2026-10-31"), &f).is_err());
    }

    #[test]
    fn a_self_employer_signs_as_employer_in_person_or_by_a_representative() {
        let reps = [(
            RepresentativeKind::Trustee,
            agent(OTHER, "2026-01-01", None),
        )];
        let f = facts(ADULT, Some((ASSISTANT, "Anna")), true, &[], &reps);
        let day = d("2026-11-10");
        assert_eq!(
            allowed_signer(Role::Employer, ADULT, day, &f)
                .unwrap()
                .capacity,
            Capacity::AssistanceUser
        );
        assert_eq!(
            allowed_signer(Role::Employer, OTHER, day, &f)
                .unwrap()
                .capacity,
            Capacity::Trustee
        );
        assert!(allowed_signer(Role::Employer, OTHER, d("2025-12-31"), &f).is_err());
        assert!(allowed_signer(Role::Employer, ASSISTANT, day, &f).is_err());
    }

    #[test]
    fn a_self_employer_signs_as_employer_by_the_invoice_rules_of_age() {
        let kid = child();
        let day = d("2027-01-10");
        let guardian = [(
            RepresentativeKind::Guardian,
            agent(OTHER, "2010-06-15", None),
        )];
        // A child self-employer: the guardian signs as employer, not the child.
        let f = facts(&kid, Some((ASSISTANT, "Anna")), true, &[], &guardian);
        assert_eq!(
            allowed_signer(Role::Employer, OTHER, day, &f)
                .unwrap()
                .capacity,
            Capacity::Guardian
        );
        let err = allowed_signer(Role::Employer, &kid, day, &f).unwrap_err();
        assert!(err.contains("under 18"), "{err}");
        // An adult: the user signs; a guardian no longer does.
        let f = facts(ADULT, Some((ASSISTANT, "Anna")), true, &[], &guardian);
        let err = allowed_signer(Role::Employer, OTHER, day, &f).unwrap_err();
        assert!(err.contains("18 or older"), "{err}");
        assert_eq!(
            allowed_signer(Role::Employer, ADULT, day, &f)
                .unwrap()
                .capacity,
            Capacity::AssistanceUser
        );
        // The same guardian as a signatory of the organisation signs as such.
        let sigs = [agent(OTHER, "2026-01-01", None)];
        let f = facts(ADULT, Some((ASSISTANT, "Anna")), true, &sigs, &guardian);
        assert_eq!(
            allowed_signer(Role::Employer, OTHER, day, &f)
                .unwrap()
                .capacity,
            Capacity::Signatory
        );
    }

    #[test]
    fn the_invoice_is_signed_by_an_adult_user_or_a_guardian_of_a_child() {
        let kid = child();
        let guardian = [(
            RepresentativeKind::Guardian,
            agent(OTHER, "2010-06-15", None),
        )];
        // 17 years old: the guardian signs, the child does not.
        let f = facts(&kid, None, false, &[], &guardian);
        let before = d("2028-06-14");
        assert_eq!(
            allowed_signer(Role::AssistanceUser, OTHER, before, &f)
                .unwrap()
                .capacity,
            Capacity::Guardian
        );
        assert!(allowed_signer(Role::AssistanceUser, &kid, before, &f).is_err());
        // From the 18th birthday: the user signs, the guardian no longer does.
        let on = d("2028-06-15");
        assert_eq!(
            allowed_signer(Role::AssistanceUser, &kid, on, &f)
                .unwrap()
                .capacity,
            Capacity::AssistanceUser
        );
        let err = allowed_signer(Role::AssistanceUser, OTHER, on, &f).unwrap_err();
        assert!(err.contains("18"), "{err}");
        // Not a time-report role.
        assert!(allowed_signer(Role::Employer, OTHER, before, &f).is_err());
    }

    #[test]
    fn trustees_administrators_and_agents_sign_at_any_age() {
        let kid = child();
        for kind in [
            RepresentativeKind::Trustee,
            RepresentativeKind::Administrator,
            RepresentativeKind::Agent,
        ] {
            let reps = [(kind, agent(OTHER, "2020-01-01", Some("2030-12-31")))];
            for user in [ADULT, kid.as_str()] {
                let f = facts(user, None, false, &[], &reps);
                let s = allowed_signer(Role::AssistanceUser, OTHER, d("2027-01-01"), &f).unwrap();
                assert_eq!(s.capacity, kind.into());
                assert!(allowed_signer(Role::AssistanceUser, OTHER, d("2031-01-01"), &f).is_err());
            }
        }
    }

    #[test]
    fn signed_at_is_between_receipt_and_now() {
        let at = |s: &str| s.parse::<DateTime<Utc>>().unwrap();
        let received = at("2026-11-01T10:00:00.600Z");
        let now = at("2026-11-10T10:00:00Z");
        assert!(check_signed_at(at("2026-11-01T10:00:00Z"), received, now).is_ok());
        assert!(check_signed_at(now, received, now).is_ok());
        assert!(check_signed_at(at("2026-11-10T10:00:01Z"), received, now).is_err());
        assert!(check_signed_at(at("2026-11-01T09:59:59Z"), received, now).is_err());
    }

    #[test]
    fn evidence_is_bounded_base64() {
        assert!(check_evidence("aGVsbG8=").is_ok());
        assert_eq!(check_evidence("not base64!"), Err(EvidenceError::NotBase64));
        assert_eq!(check_evidence(""), Err(EvidenceError::NotBase64));
        use base64::Engine;
        let max = base64::engine::general_purpose::STANDARD.encode(vec![7u8; MAX_EVIDENCE_BYTES]);
        assert!(check_evidence(&max).is_ok());
        let over =
            base64::engine::general_purpose::STANDARD.encode(vec![7u8; MAX_EVIDENCE_BYTES + 1]);
        assert_eq!(check_evidence(&over), Err(EvidenceError::TooLarge));
    }

    #[test]
    fn vocabularies_round_trip() {
        for r in [Role::Assistant, Role::Employer, Role::AssistanceUser] {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
        for m in [Method::Bankid, Method::Freja, Method::Paper, Method::Other] {
            assert_eq!(Method::parse(m.as_str()), Some(m));
        }
        assert_eq!(
            RepresentativeKind::parse("trustee"),
            Some(RepresentativeKind::Trustee)
        );
        assert_eq!(Capacity::parse("signatory"), Some(Capacity::Signatory));
        assert_eq!(Role::parse("Employer"), None);
    }
}
