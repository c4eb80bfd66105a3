//! `/organisations`: providers (*anordnare*) and self-employers.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::extract::{Json, Query};
use super::idempotent::Reply;
use super::pagination::{self, PageParams, Paginated};
use super::records::Record;
use super::{new_id, nullable, utc_string, AppState, Faults};
use crate::db::register::{self as repo, OrganisationChanges, OrganisationRow};
use crate::domain::deadline::DEFAULT_INTERNAL_CUTOFF_DAY;
use crate::domain::paxml::{PaxmlCodes, PaxmlCodesPatch};
use crate::domain::register::{
    check_cutoff_day, check_name, organisation_identity, OrganisationKind,
};
use crate::error::{ApiError, ApiResult};
use crate::http::auth::Caller;

/// Organisations as handlers read and change them by id.
const ORGANISATION: Record<OrganisationRow> = Record {
    what: "Organisation",
    read: repo::get_organisation,
};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/organisations", web::post().to(create))
        .route("/organisations", web::get().to(list))
        .route("/organisations/{id}", web::get().to(get))
        .route("/organisations/{id}", web::patch().to(patch));
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateOrganisation {
    pub kind: OrganisationKind,
    /// *Organisationsnummer*, or personnummer for sole traders and self-employers.
    pub identity_number: String,
    pub name: String,
    /// Holds a permit from IVO (*tillstånd*).
    pub ivo_permit: Option<bool>,
    /// Approved for *F-skatt*.
    pub f_tax: Option<bool>,
    /// Day of the month after the reported month when the organisation's own
    /// cut-off falls (1–28, default 5).
    pub internal_cutoff_day: Option<i64>,
    /// The PAXml code (*tidkod*) of each kind of time; default
    /// `{"active": "ARB", "waiting": "JR1", "standby": "BE1"}`.
    pub paxml_codes: Option<PaxmlCodes>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PatchOrganisation {
    #[serde(default, deserialize_with = "super::extract::present")]
    #[schema(value_type = String)]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<bool>)]
    pub ivo_permit: Option<Option<bool>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<bool>)]
    pub f_tax: Option<Option<bool>>,
    #[serde(default, deserialize_with = "super::extract::present")]
    #[schema(value_type = i64)]
    pub internal_cutoff_day: Option<i64>,
    /// Codes to change; the others are kept.
    #[serde(default, deserialize_with = "super::extract::present")]
    #[schema(value_type = PaxmlCodesPatch)]
    pub paxml_codes: Option<PaxmlCodesPatch>,
}

/// A warning about a setting that is accepted as it is.
#[derive(Debug, Serialize, ToSchema)]
pub struct SettingWarning {
    pub pointer: String,
    pub code: String,
    pub message: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Organisation {
    pub id: String,
    pub kind: String,
    pub identity_number: String,
    pub name: String,
    pub ivo_permit: Option<bool>,
    pub f_tax: Option<bool>,
    pub internal_cutoff_day: i32,
    /// The PAXml code (*tidkod*) of each kind of time, for PAXml export and
    /// import (`docs/paxml.md`).
    pub paxml_codes: PaxmlCodes,
    /// `code_not_in_paxml_2_0` for each code outside PAXml 2.0's list: the
    /// export is then no longer valid against the standard's schema.
    pub warnings: Vec<SettingWarning>,
    pub created_at: String,
    pub updated_at: String,
}

impl From<OrganisationRow> for Organisation {
    fn from(r: OrganisationRow) -> Self {
        let paxml_codes = PaxmlCodes::from_json(&r.paxml_codes);
        let warnings = paxml_codes
            .warnings()
            .into_iter()
            .map(|w| SettingWarning {
                pointer: format!("/paxml_codes/{}", w.kind.as_str()),
                code: w.code.to_string(),
                message: w.message,
            })
            .collect();
        Self {
            id: r.id,
            kind: r.kind,
            identity_number: r.identity_number,
            name: r.name,
            ivo_permit: r.ivo_permit,
            f_tax: r.f_tax,
            internal_cutoff_day: r.internal_cutoff_day,
            paxml_codes,
            warnings,
            created_at: utc_string(r.created_at),
            updated_at: utc_string(r.updated_at),
        }
    }
}

/// Create an organisation (admin).
#[utoipa::path(post, path = "/api/v1/organisations", operation_id = "createOrganisation", tag = "register", request_body = CreateOrganisation,
    responses((status = 201, body = Organisation), (status = 409, body = crate::error::Problem, description = "Identity number already registered"),
              (status = 422, body = crate::error::Problem)), security(("bearer" = [])))]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    body: Json<CreateOrganisation>,
) -> ApiResult<HttpResponse> {
    caller.require_admin()?;
    let b = body.0;
    let mut faults = Faults::default();
    let identity = match organisation_identity(b.kind, &b.identity_number) {
        Ok(v) => Some(v),
        Err(v) => {
            faults.rule("/identity_number", v);
            None
        }
    };
    let name = faults.check("/name", check_name(&b.name));
    let cutoff = match b.internal_cutoff_day {
        None => Some(DEFAULT_INTERNAL_CUTOFF_DAY),
        Some(d) => faults.check("/internal_cutoff_day", check_cutoff_day(d)),
    };
    let codes = check_codes(&b.paxml_codes.unwrap_or_default(), &mut faults);
    faults.finish()?;
    let now = state.now().naive_utc();
    let row = OrganisationRow {
        id: new_id(),
        kind: b.kind.as_str().to_string(),
        identity_number: identity.unwrap_or_default(),
        name: name.unwrap_or_default(),
        ivo_permit: b.ivo_permit,
        f_tax: b.f_tax,
        internal_cutoff_day: cutoff.unwrap_or(DEFAULT_INTERNAL_CUTOFF_DAY) as i32,
        created_at: now,
        updated_at: now,
        paxml_codes: codes.unwrap_or_default().to_json(),
    };
    super::idempotent::write(&state, &caller, &req, move |conn| {
        repo::insert_organisation(conn, &row).map_err(|e| {
            super::assistance_users::duplicate(
                e,
                "An organisation with this identity number already exists.",
            )
        })?;
        tracing::info!(organisation_id = %row.id, "organisation created");
        Ok(Reply::created(
            format!("/api/v1/organisations/{}", row.id),
            &Organisation::from(row),
        ))
    })
    .await
}

/// List organisations (a provider sees its own).
#[utoipa::path(get, path = "/api/v1/organisations", operation_id = "listOrganisations", tag = "register", params(PageParams),
    responses((status = 200, body = Paginated<Organisation>)), security(("bearer" = [])))]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    q: Query<PageParams>,
) -> ApiResult<HttpResponse> {
    let page = q.validated()?;
    let scope = caller.scope();
    pagination::respond(
        &state,
        page,
        move |conn, p| repo::list_organisations(conn, &scope, p),
        |r| r.id.clone(),
        Organisation::from,
    )
    .await
}

/// Read an organisation.
#[utoipa::path(get, path = "/api/v1/organisations/{id}", operation_id = "getOrganisation", tag = "register",
    responses((status = 200, body = Organisation), (status = 404, body = crate::error::Problem)), security(("bearer" = [])))]
pub async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let row = ORGANISATION.get(&state, caller.scope(), id).await?;
    Ok(HttpResponse::Ok().json(Organisation::from(row)))
}

/// A code table checked, its faults at `/paxml_codes/<kind>`.
fn check_codes(codes: &PaxmlCodes, faults: &mut Faults) -> Option<PaxmlCodes> {
    codes
        .checked()
        .map_err(|errs| {
            for (kind, v) in errs {
                faults.rule(&format!("/paxml_codes/{}", kind.as_str()), v);
            }
        })
        .ok()
}

/// Change an organisation's settings (its provider, or an admin).
#[utoipa::path(patch, path = "/api/v1/organisations/{id}", operation_id = "updateOrganisation", tag = "register", request_body = PatchOrganisation,
    responses((status = 200, body = Organisation), (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn patch(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    body: Json<PatchOrganisation>,
) -> ApiResult<HttpResponse> {
    // Read-only roles never get here (`auth::Caller`).
    let b = body.0;
    let mut faults = Faults::default();
    let name = faults.check_some("/name", b.name.as_deref(), check_name);
    let cutoff = faults.check_some(
        "/internal_cutoff_day",
        b.internal_cutoff_day,
        check_cutoff_day,
    );
    faults.finish()?;
    let mut changes = OrganisationChanges {
        name,
        ivo_permit: b.ivo_permit,
        f_tax: b.f_tax,
        internal_cutoff_day: cutoff.map(|d| d as i32),
        updated_at: Some(state.now().naive_utc()),
        paxml_codes: None,
    };
    let codes_patch = b.paxml_codes;
    let scope = caller.scope();
    let id = id.into_inner();
    let actor = caller.actor();
    let now = state.now().naive_utc();
    let row = state
        .db(move |conn| {
            conn.write_transaction(&[format!("org:{id}")], |conn| {
                let current = repo::get_organisation(conn, &scope, &id)?
                    .ok_or_else(|| ApiError::not_found("Organisation"))?;
                if let Some(patch) = &codes_patch {
                    // A partial table is merged with the stored one under
                    // the `org:` lock, then checked as a whole.
                    let mut faults = Faults::default();
                    let codes = PaxmlCodes::from_json(&current.paxml_codes).patched(patch);
                    let codes = check_codes(&codes, &mut faults);
                    faults.finish()?;
                    changes.paxml_codes = codes.map(|c| c.to_json());
                }
                repo::update_organisation(conn, &id, &changes)?;
                super::records::audit_change(
                    conn,
                    &id,
                    &actor,
                    "update",
                    "organisation",
                    &id,
                    now,
                )?;
                repo::get_organisation(conn, &scope, &id)?
                    .ok_or_else(|| ApiError::not_found("Organisation"))
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(Organisation::from(row)))
}
