//! `/organisations/{id}/signatories`: the people who may sign time reports
//! as the employer for a provider, and on which days.

use actix_web::{web, HttpRequest, HttpResponse};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::extract::{Json, Query};
use super::idempotent::Reply;
use super::pagination::{PageParams, Paginated};
use super::representatives::check_period;
use super::{new_id, utc_string, AppState, Faults};
use crate::db::register as reg;
use crate::db::signers::{self as store, SignatoryRow};
use crate::domain::identity::{IdentityError, PersonalNumber};
use crate::domain::register::check_name;
use crate::error::{ApiError, ApiResult};
use crate::http::auth::{Caller, Scope};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/organisations/{id}/signatories", web::post().to(create))
        .route("/organisations/{id}/signatories", web::get().to(list))
        .route(
            "/organisations/{id}/signatories/{sid}",
            web::patch().to(patch),
        );
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateSignatory {
    /// 10 or 12 digits.
    pub personnummer: String,
    pub name: String,
    #[serde(deserialize_with = "super::extract::date::required")]
    pub valid_from: NaiveDate,
    /// Last day (inclusive); null or left out: until further notice.
    #[serde(default, deserialize_with = "super::extract::date::optional")]
    pub valid_to: Option<NaiveDate>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PatchSignatory {
    #[serde(default, deserialize_with = "super::extract::present")]
    #[schema(value_type = String)]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "super::extract::date::present")]
    #[schema(value_type = NaiveDate)]
    pub valid_from: Option<NaiveDate>,
    /// `null` makes it open-ended.
    #[serde(default, deserialize_with = "super::extract::date::nullable")]
    #[schema(value_type = Option<NaiveDate>)]
    pub valid_to: Option<Option<NaiveDate>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Signatory {
    pub id: String,
    pub organisation_id: String,
    /// 12 digits.
    pub personnummer: String,
    pub name: String,
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
    pub created_at: String,
    pub updated_at: String,
}

impl From<SignatoryRow> for Signatory {
    fn from(r: SignatoryRow) -> Self {
        Self {
            id: r.id,
            organisation_id: r.organisation_id,
            personnummer: r.personnummer,
            name: r.name,
            valid_from: r.valid_from,
            valid_to: r.valid_to,
            created_at: utc_string(r.created_at),
            updated_at: utc_string(r.updated_at),
        }
    }
}

/// The provider's own organisation, or 404 (another organisation's is not
/// revealed).
fn own_org(caller: &Caller, id: &str) -> ApiResult<String> {
    let org = caller.writer_org()?;
    if org != id {
        return Err(ApiError::not_found("Organisation"));
    }
    Ok(org.to_string())
}

/// Register a person who may sign for the organisation.
#[utoipa::path(post, path = "/api/v1/organisations/{id}/signatories", operation_id = "createSignatory", tag = "signatures",
    request_body = CreateSignatory,
    responses((status = 201, body = Signatory), (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: web::Path<String>,
    body: Json<CreateSignatory>,
) -> ApiResult<HttpResponse> {
    let org = own_org(&caller, &id)?;
    let b = body.0;
    let mut faults = Faults::default();
    let pnr = faults.take(
        "/personnummer",
        |e: &IdentityError| e.code(),
        PersonalNumber::parse(&b.personnummer),
    );
    let name = check_name(&b.name)
        .map_err(|v| faults.rule("/name", v))
        .ok();
    check_period(&mut faults, b.valid_from, b.valid_to);
    faults.finish()?;
    let now = state.now().naive_utc();
    let actor = caller.actor();
    let row = SignatoryRow {
        id: new_id(),
        organisation_id: org,
        personnummer: pnr.map(|p| p.as_str().to_string()).unwrap_or_default(),
        name: name.unwrap_or_default(),
        valid_from: b.valid_from,
        valid_to: b.valid_to,
        created_at: now,
        updated_at: now,
    };
    super::idempotent::write(&state, &caller, &req, move |conn| {
            reg::get_organisation(conn, &Scope::All, &row.organisation_id)?
                .ok_or_else(|| ApiError::not_found("Organisation"))?;
            store::insert_signatory(conn, &row)?;
            super::records::audit_change(conn, &row.organisation_id, &actor, "create", "signatory", &row.id, now)?;
        tracing::info!(signatory_id = %row.id, organisation_id = %row.organisation_id, "signatory created");
            Ok(Reply::created(format!("/api/v1/organisations/{}/signatories/{}", row.organisation_id, row.id), &Signatory::from(row)))
        })
        .await
}

/// The organisation's signatories.
#[utoipa::path(get, path = "/api/v1/organisations/{id}/signatories", operation_id = "listSignatories", tag = "signatures",
    params(PageParams),
    responses((status = 200, body = Paginated<Signatory>), (status = 404, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    q: Query<PageParams>,
) -> ApiResult<HttpResponse> {
    let page = q.validated()?;
    let scope = caller.scope();
    let org = id.into_inner();
    let p = page.clone();
    let rows = state
        .db(move |conn| {
            let o = reg::get_organisation(conn, &scope, &org)?
                .ok_or_else(|| ApiError::not_found("Organisation"))?;
            Ok(store::list_signatories(conn, &o.id, &p)?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(Paginated::from_rows(
        rows,
        &page,
        |r| r.id.clone(),
        Signatory::from,
    )))
}

/// Change a signatory: name, or the days they may sign (e.g. `valid_to`
/// when they leave).
#[utoipa::path(patch, path = "/api/v1/organisations/{id}/signatories/{sid}", operation_id = "updateSignatory", tag = "signatures",
    request_body = PatchSignatory,
    responses((status = 200, body = Signatory), (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn patch(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
    body: Json<PatchSignatory>,
) -> ApiResult<HttpResponse> {
    let (id, sid) = path.into_inner();
    let org = own_org(&caller, &id)?;
    let b = body.0;
    let now = state.now().naive_utc();
    let actor = caller.actor();
    let row = state
        .db(move |conn| {
            conn.write_transaction(&[format!("record:{sid}")], |conn| {
                let mut row = store::get_signatory(conn, &org, &sid)?
                    .ok_or_else(|| ApiError::not_found("Signatory"))?;
                let mut faults = Faults::default();
                if let Some(n) = &b.name {
                    match check_name(n) {
                        Ok(n) => row.name = n,
                        Err(v) => faults.rule("/name", v),
                    }
                }
                if let Some(d) = b.valid_from {
                    row.valid_from = d;
                }
                if let Some(d) = b.valid_to {
                    row.valid_to = d;
                }
                check_period(&mut faults, row.valid_from, row.valid_to);
                faults.finish()?;
                row.updated_at = now;
                store::save_signatory(conn, &row)?;
                super::records::audit_change(
                    conn,
                    &row.organisation_id,
                    &actor,
                    "update",
                    "signatory",
                    &row.id,
                    now,
                )?;
                Ok(row)
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(Signatory::from(row)))
}
