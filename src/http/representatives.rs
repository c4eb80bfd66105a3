//! `/assistance-users/{id}/representatives`: who acts for an assistance
//! user (guardian, trustee, administrator, agent), and on which days. The
//! signer rules of `docs/signatures.md` read them.

use actix_web::{web, HttpRequest, HttpResponse};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::extract::{Json, Query};
use super::idempotent::Reply;
use super::pagination::{PageParams, Paginated};
use super::read_audit::kind;
use super::{new_id, utc_string, AppState, Faults};
use crate::db::register as reg;
use crate::db::signers::{self as store, RepresentativeRow};
use crate::domain::identity::{IdentityError, PersonalNumber};
use crate::domain::register::check_name;
use crate::domain::signing::RepresentativeKind;
use crate::error::{ApiError, ApiResult};
use crate::http::auth::{Caller, Scope};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/assistance-users/{id}/representatives",
        web::post().to(create),
    )
    .route(
        "/assistance-users/{id}/representatives",
        web::get().to(list),
    )
    .route(
        "/assistance-users/{id}/representatives/{rid}",
        web::get().to(get),
    )
    .route(
        "/assistance-users/{id}/representatives/{rid}",
        web::patch().to(patch),
    );
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateRepresentative {
    /// The representative's personnummer (10 or 12 digits).
    pub personnummer: String,
    pub name: String,
    /// `guardian` (*vårdnadshavare*, for a user under 18), `trustee` (*god
    /// man*), `administrator` (*förvaltare*) or `agent` (*ombud*).
    pub kind: RepresentativeKind,
    #[serde(deserialize_with = "super::extract::date::required")]
    pub valid_from: NaiveDate,
    /// Last day (inclusive); null or left out: until further notice.
    #[serde(default, deserialize_with = "super::extract::date::optional")]
    pub valid_to: Option<NaiveDate>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PatchRepresentative {
    #[serde(default, deserialize_with = "super::extract::present")]
    #[schema(value_type = String)]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "super::extract::present")]
    #[schema(value_type = RepresentativeKind)]
    pub kind: Option<RepresentativeKind>,
    #[serde(default, deserialize_with = "super::extract::date::present")]
    #[schema(value_type = NaiveDate)]
    pub valid_from: Option<NaiveDate>,
    /// `null` makes it open-ended.
    #[serde(default, deserialize_with = "super::extract::date::nullable")]
    #[schema(value_type = Option<NaiveDate>)]
    pub valid_to: Option<Option<NaiveDate>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Representative {
    pub id: String,
    pub organisation_id: String,
    pub assistance_user_id: String,
    /// 12 digits.
    pub personnummer: String,
    pub name: String,
    pub kind: String,
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
    pub created_at: String,
    pub updated_at: String,
}

impl From<RepresentativeRow> for Representative {
    fn from(r: RepresentativeRow) -> Self {
        Self {
            id: r.id,
            organisation_id: r.organisation_id,
            assistance_user_id: r.assistance_user_id,
            personnummer: r.personnummer,
            name: r.name,
            kind: r.kind,
            valid_from: r.valid_from,
            valid_to: r.valid_to,
            created_at: utc_string(r.created_at),
            updated_at: utc_string(r.updated_at),
        }
    }
}

/// `valid_to` on or after `valid_from`.
pub fn check_period(faults: &mut Faults, from: NaiveDate, to: Option<NaiveDate>) {
    if to.is_some_and(|t| t < from) {
        faults.push(
            "/valid_to",
            "invalid_period",
            "`valid_to` is before `valid_from`.",
        );
    }
}

/// Register a representative of an assistance user.
#[utoipa::path(post, path = "/api/v1/assistance-users/{id}/representatives", operation_id = "createRepresentative", tag = "signatures",
    request_body = CreateRepresentative,
    responses((status = 201, body = Representative), (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: web::Path<String>,
    body: Json<CreateRepresentative>,
) -> ApiResult<HttpResponse> {
    let org = caller.writer_org()?.to_string();
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
    let now = state.now().naive_utc();
    let actor = caller.actor();
    let user_id = id.into_inner();
    super::idempotent::write(&state, &caller, &req, move |conn| {
            let user = reg::get_assistance_user(conn, &Scope::Org(org.clone()), &user_id)?
                .ok_or_else(|| ApiError::not_found("Assistance user"))?;
            if pnr
                .as_ref()
                .is_some_and(|p| p.as_str() == user.personnummer)
            {
                faults.push(
                    "/personnummer",
                    "representative_is_user",
                    "The assistance user cannot be their own representative.",
                );
            }
            faults.finish()?;
            let row = RepresentativeRow {
                id: new_id(),
                organisation_id: org,
                assistance_user_id: user.id,
                personnummer: pnr.map(|p| p.as_str().to_string()).unwrap_or_default(),
                name: name.unwrap_or_default(),
                kind: b.kind.as_str().to_string(),
                valid_from: b.valid_from,
                valid_to: b.valid_to,
                created_at: now,
                updated_at: now,
            };
            store::insert_representative(conn, &row)?;
            super::records::audit_change(conn, &row.organisation_id, &actor, "create", "representative", &row.id, now)?;
        tracing::info!(representative_id = %row.id, assistance_user_id = %row.assistance_user_id, "representative created");
            Ok(Reply::created(format!("/api/v1/assistance-users/{}/representatives/{}", row.assistance_user_id, row.id), &Representative::from(row)))
        })
        .await
}

/// The representatives of an assistance user.
#[utoipa::path(get, path = "/api/v1/assistance-users/{id}/representatives", operation_id = "listRepresentatives", tag = "signatures",
    params(PageParams),
    responses((status = 200, body = Paginated<Representative>), (status = 404, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    q: Query<PageParams>,
) -> ApiResult<HttpResponse> {
    let page = q.validated()?;
    let scope = caller.scope();
    let user_id = id.into_inner();
    let p = page.clone();
    let (rows, user) = state
        .db(move |conn| {
            let user = reg::get_assistance_user(conn, &scope, &user_id)?
                .ok_or_else(|| ApiError::not_found("Assistance user"))?;
            Ok((store::list_representatives(conn, &user.id, &p)?, user))
        })
        .await?;
    // Who acts for the user (a trustee, an administrator) is their personal data.
    caller.read_one(kind::ASSISTANCE_USER, &user.organisation_id, &user.id);
    Ok(HttpResponse::Ok().json(Paginated::from_rows(
        rows,
        &page,
        |r| r.id.clone(),
        Representative::from,
    )))
}

/// One representative.
#[utoipa::path(get, path = "/api/v1/assistance-users/{id}/representatives/{rid}", operation_id = "getRepresentative", tag = "signatures",
    responses((status = 200, body = Representative), (status = 404, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> ApiResult<HttpResponse> {
    let scope = caller.scope();
    let (user, rid) = path.into_inner();
    let row = state
        .db(move |conn| {
            store::get_representative(conn, &scope, &user, &rid)?
                .ok_or_else(|| ApiError::not_found("Representative"))
        })
        .await?;
    caller.read_one(
        kind::ASSISTANCE_USER,
        &row.organisation_id,
        &row.assistance_user_id,
    );
    Ok(HttpResponse::Ok().json(Representative::from(row)))
}

/// Change a representative: name, kind, or the days they act (e.g. a
/// guardianship ends, a trustee is appointed from a date).
#[utoipa::path(patch, path = "/api/v1/assistance-users/{id}/representatives/{rid}", operation_id = "updateRepresentative", tag = "signatures",
    request_body = PatchRepresentative,
    responses((status = 200, body = Representative), (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn patch(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
    body: Json<PatchRepresentative>,
) -> ApiResult<HttpResponse> {
    let org = caller.writer_org()?.to_string();
    let (user, rid) = path.into_inner();
    let b = body.0;
    let now = state.now().naive_utc();
    let actor = caller.actor();
    let row = state
        .db(move |conn| {
            conn.write_transaction(&[format!("record:{rid}")], |conn| {
                let mut row = store::get_representative(conn, &Scope::Org(org), &user, &rid)?
                    .ok_or_else(|| ApiError::not_found("Representative"))?;
                let mut faults = Faults::default();
                if let Some(n) = &b.name {
                    match check_name(n) {
                        Ok(n) => row.name = n,
                        Err(v) => faults.rule("/name", v),
                    }
                }
                if let Some(k) = b.kind {
                    row.kind = k.as_str().to_string();
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
                store::save_representative(conn, &row)?;
                super::records::audit_change(
                    conn,
                    &row.organisation_id,
                    &actor,
                    "update",
                    "representative",
                    &row.id,
                    now,
                )?;
                Ok(row)
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(Representative::from(row)))
}
