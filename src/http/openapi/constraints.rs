//! The constraints the server enforces, declared on the generated schemas
//! and parameters so that client generators and validators know them:
//! formats, patterns, enums and ranges. Each comes from the rule that
//! enforces it (`ReportMonth::PATTERN` next to `ReportMonth::parse`, the
//! kinds from `ShiftKind::ALL`, `limit`'s range from `pagination`), never
//! from a second copy. The tables name the schemas and parameters
//! explicitly; a test fails when an entry no longer matches anything.

use serde_json::Value;
use utoipa::openapi::path::Parameter;
use utoipa::openapi::schema::{KnownFormat, Object, Schema, SchemaFormat, SchemaType, Type};
use utoipa::openapi::{OpenApi, RefOr};
use utoipa::Modify;

use crate::domain::identity::PersonalNumber;
use crate::domain::kind::ShiftKind;
use crate::domain::month::ReportMonth;
use crate::domain::quantity::DECIMAL_PATTERN;
use crate::domain::shift::ClockTime;
use crate::http::pagination::MAX_LIMIT;

/// One constraint on a value.
#[derive(Debug, Clone, Copy)]
enum Rule {
    Pattern(&'static str),
    /// `format: date` (`YYYY-MM-DD`).
    Date,
    /// One of the shift kinds' codes.
    ShiftKind,
    /// An integer in an inclusive range.
    Range(i64, i64),
}

/// Any schema that has the property.
const ANY: &str = "*";

/// `(schemas, properties, rule)`.
const PROPERTIES: &[(&[&str], &[&str], Rule)] = &[
    (&[ANY], &["month"], Rule::Pattern(ReportMonth::PATTERN)),
    (
        &[ANY],
        &["personnummer", "signer_personnummer"],
        Rule::Pattern(PersonalNumber::PATTERN),
    ),
    (&["RowInput", "RowOutput"], &["date"], Rule::Date),
    (
        &["RowInput", "RowOutput"],
        &["start", "end"],
        Rule::Pattern(ClockTime::PATTERN),
    ),
    (&["RowInput", "RowOutput"], &["kind"], Rule::ShiftKind),
    (
        &["Receipt", "InvoiceView"],
        &["due_date", "internal_due_date"],
        Rule::Date,
    ),
    (
        &["Balance"],
        &["from", "to"],
        Rule::Pattern(ReportMonth::PATTERN),
    ),
    (
        &["CreateDecision", "PatchDecision"],
        &["hours_per_week", "double_assistance_hours_per_week"],
        Rule::Pattern(DECIMAL_PATTERN),
    ),
    (
        &["CreateEmployment", "PatchEmployment"],
        &["working_time_limit_hours_per_week"],
        Rule::Pattern(DECIMAL_PATTERN),
    ),
    (
        &["PutRate"],
        &["sek_per_hour"],
        Rule::Pattern(DECIMAL_PATTERN),
    ),
    (
        &["InvoiceInput"],
        &["payable_hours", "amount_sek", "sek_per_hour"],
        Rule::Pattern(DECIMAL_PATTERN),
    ),
    (
        &["CostsInput"],
        &[
            "wages_and_social_fees",
            "assistance_expenses",
            "training",
            "work_environment_and_staff",
        ],
        Rule::Pattern(DECIMAL_PATTERN),
    ),
];

/// `(path, parameter, rule)`: query, path and header parameters by name.
const PARAMETERS: &[(&str, &str, Rule)] = &[
    (ANY, "limit", Rule::Range(1, MAX_LIMIT)),
    (ANY, "month", Rule::Pattern(ReportMonth::PATTERN)),
    (ANY, "personnummer", Rule::Pattern(PersonalNumber::PATTERN)),
    (ANY, "version", Rule::Range(1, i32::MAX as i64)),
    (ANY, "year", Rule::Pattern("^[0-9]{4}$")),
    (
        "/api/v1/assistance-users/{id}/balance",
        "from",
        Rule::Pattern(ReportMonth::PATTERN),
    ),
    (
        "/api/v1/assistance-users/{id}/balance",
        "to",
        Rule::Pattern(ReportMonth::PATTERN),
    ),
];

pub struct Constraints;

impl Modify for Constraints {
    fn modify(&self, openapi: &mut OpenApi) {
        apply(openapi);
    }
}

/// Applies the tables; returns how many values each entry constrained
/// (properties first, then parameters), for the test that none is stale.
fn apply(openapi: &mut OpenApi) -> Vec<usize> {
    let mut counts = Vec::new();
    for (schemas, properties, rule) in PROPERTIES {
        let mut n = 0;
        if let Some(components) = openapi.components.as_mut() {
            for (name, schema) in components.schemas.iter_mut() {
                if schemas.contains(&ANY) || schemas.contains(&name.as_str()) {
                    n += constrain_properties(schema, properties, *rule);
                }
            }
        }
        counts.push(n);
    }
    for (path, name, rule) in PARAMETERS {
        let mut n = 0;
        for (p, item) in openapi.paths.paths.iter_mut() {
            if *path != ANY && path != p {
                continue;
            }
            let ops = [
                &mut item.get,
                &mut item.post,
                &mut item.put,
                &mut item.patch,
                &mut item.delete,
            ];
            for op in ops.into_iter().flatten() {
                for param in op.parameters.iter_mut().flatten() {
                    n += constrain_parameter(param, name, *rule);
                }
            }
        }
        counts.push(n);
    }
    counts
}

fn constrain_properties(schema: &mut RefOr<Schema>, properties: &[&str], rule: Rule) -> usize {
    match schema {
        RefOr::T(Schema::Object(object)) => object
            .properties
            .iter_mut()
            .filter(|(name, _)| properties.contains(&name.as_str()))
            .map(|(_, property)| match property {
                RefOr::T(Schema::Object(value)) => constrain(value, rule),
                _ => 0,
            })
            .sum(),
        // Flattened structs (`#[serde(flatten)]`) are an allOf of parts.
        RefOr::T(Schema::AllOf(all)) => all
            .items
            .iter_mut()
            .map(|part| constrain_properties(part, properties, rule))
            .sum(),
        _ => 0,
    }
}

fn constrain_parameter(param: &mut Parameter, name: &str, rule: Rule) -> usize {
    match (param.name == name, param.schema.as_mut()) {
        (true, Some(RefOr::T(Schema::Object(value)))) => constrain(value, rule),
        _ => 0,
    }
}

/// Puts `rule` on a value's schema; 1 when done.
fn constrain(value: &mut Object, rule: Rule) -> usize {
    let nullable =
        matches!(&value.schema_type, SchemaType::Array(types) if types.contains(&Type::Null));
    match rule {
        Rule::Pattern(p) => value.pattern = Some(p.to_string()),
        Rule::Date => value.format = Some(SchemaFormat::KnownFormat(KnownFormat::Date)),
        Rule::ShiftKind => {
            let mut codes: Vec<Value> = ShiftKind::ALL.iter().map(|k| k.as_str().into()).collect();
            if nullable {
                codes.push(Value::Null);
            }
            value.enum_values = Some(codes);
        }
        Rule::Range(min, max) => {
            value.minimum = Some(min.into());
            value.maximum = Some(max.into());
        }
    }
    1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_entry_constrains_something() {
        use utoipa::OpenApi as _;
        // Applying again to the finished document constrains the same values.
        let mut doc = super::super::ApiDoc::openapi();
        let counts = apply(&mut doc);
        let names = PROPERTIES
            .iter()
            .map(|(s, p, _)| format!("{s:?} {p:?}"))
            .chain(PARAMETERS.iter().map(|(p, n, _)| format!("{p} {n}")));
        for (name, n) in names.zip(counts) {
            assert!(
                n > 0,
                "the constraint on {name} matches nothing: update the table"
            );
        }
    }
}
