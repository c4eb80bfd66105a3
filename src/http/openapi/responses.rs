//! Responses shared by every operation (401, 403, 404, 422, 500, ...) and
//! the bearer security scheme.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::Modify;

/// The bearer security scheme, and the problem responses every operation
/// can give, declared once here instead of on each handler.
pub struct CommonResponses;

impl Modify for CommonResponses {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
        // Every authenticated operation can answer 401 and 403 (and any
        // operation 500); declare them once here instead of on each handler.
        let problem = |description: &str| {
            utoipa::openapi::ResponseBuilder::new()
                .description(description)
                .content(
                    crate::error::PROBLEM_JSON,
                    utoipa::openapi::content::Content::new(Some(
                        utoipa::openapi::Ref::from_schema_name("Problem"),
                    )),
                )
                .build()
        };
        for (path, item) in openapi.paths.paths.iter_mut() {
            let has_path_params = path.contains('{');
            for op in [
                &mut item.get,
                &mut item.post,
                &mut item.put,
                &mut item.patch,
                &mut item.delete,
            ]
            .into_iter()
            .flatten()
            {
                let takes_input = op.request_body.is_some()
                    || op.parameters.as_ref().is_some_and(|p| !p.is_empty())
                    || has_path_params;
                let responses = &mut op.responses.responses;
                if takes_input {
                    responses.entry("422".into()).or_insert_with(|| {
                        problem("Invalid input: every fault with its pointer or field").into()
                    });
                }
                if op.request_body.is_some() {
                    for (code, what) in [
                        ("400", "The body is not valid JSON"),
                        ("413", "The body is larger than the configured limit"),
                        ("415", "Unsupported Content-Type"),
                    ] {
                        responses
                            .entry(code.into())
                            .or_insert_with(|| problem(what).into());
                    }
                }
                if has_path_params {
                    responses.entry("404".into()).or_insert_with(|| {
                        problem("No such record (or another organisation's)").into()
                    });
                }
                if op.security.as_ref().is_some_and(|s| !s.is_empty()) {
                    responses.entry("401".into()).or_insert_with(|| {
                        problem("Missing, malformed, expired or wrongly signed bearer token").into()
                    });
                    responses.entry("403".into()).or_insert_with(|| {
                        problem("The role may not do this (e.g. auditors are read-only)").into()
                    });
                }
                responses.entry("500".into()).or_insert_with(|| {
                    problem("Internal error; the cause is logged, not sent").into()
                });
                // Handlers declare `body = Problem`, which utoipa files under
                // application/json; errors are sent as application/problem+json.
                for response in responses.values_mut() {
                    if let utoipa::openapi::RefOr::T(r) = response {
                        let is_problem = |c: &utoipa::openapi::content::Content| matches!(&c.schema, Some(utoipa::openapi::RefOr::Ref(r)) if r.ref_location.ends_with("/Problem"));
                        if r.content.get("application/json").is_some_and(is_problem) {
                            if let Some(c) = r.content.shift_remove("application/json") {
                                r.content.insert(crate::error::PROBLEM_JSON.to_string(), c);
                            }
                        }
                    }
                }
            }
        }
    }
}
