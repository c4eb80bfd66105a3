//! What every authenticated POST shares, declared once: the
//! `Idempotency-Key` header it takes, `Location` on its 201 and
//! `Idempotent-Replayed` on a replayed reply (docs/integrations.md).

use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::path::{ParameterBuilder, ParameterIn};
use utoipa::openapi::{ObjectBuilder, RefOr, Required, Type};
use utoipa::Modify;

pub struct Idempotency;

impl Modify for Idempotency {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let string = |description: &str| {
            HeaderBuilder::new()
                .schema(ObjectBuilder::new().schema_type(Type::String))
                .description(Some(description))
                .build()
        };
        for item in openapi.paths.paths.values_mut() {
            let Some(op) = item.post.as_mut() else {
                continue;
            };
            // Sign-in and invitations are not authenticated, so not keyed.
            if op.security.as_ref().is_none_or(|s| s.is_empty()) {
                continue;
            }
            let params = op.parameters.get_or_insert_with(Vec::new);
            if !params.iter().any(|p| p.name == "Idempotency-Key") {
                params.push(
                    ParameterBuilder::new()
                        .name("Idempotency-Key")
                        .parameter_in(ParameterIn::Header)
                        .required(Required::False)
                        .description(Some(
                            "1–200 visible ASCII characters. A retry with the same key and request gets the first reply again; the key with another request is 422 `idempotency_key_reused`.",
                        ))
                        .schema(Some(
                            ObjectBuilder::new()
                                .schema_type(Type::String)
                                .min_length(Some(1))
                                .max_length(Some(200)),
                        ))
                        .build(),
                );
            }
            for (status, response) in op.responses.responses.iter_mut() {
                let RefOr::T(r) = response else { continue };
                if status == "201" {
                    r.headers
                        .insert("Location".into(), string("The URL of what was created"));
                }
                if status.starts_with('2') {
                    r.headers.insert(
                        "Idempotent-Replayed".into(),
                        string("`true` on a stored reply sent again for an `Idempotency-Key`"),
                    );
                }
            }
        }
    }
}
