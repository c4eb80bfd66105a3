//! `/agreements`: the agreement between an assistance user and the provider
//! (*avtal*) and who FK pays (FK form 3079). The rules are
//! `domain::agreement`; what they mean for a month is `service::agreements`.

use actix_web::{web, HttpRequest, HttpResponse};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::extract::{Json, Query};
use super::idempotent::Reply;
use super::pagination::{self, PageParams, Paginated};
use super::records::Record;
use super::{new_id, utc_string, AppState, Faults};
use crate::db::agreements::{self as store, AgreementRow};
use crate::db::register as reg;
use crate::db::DbConn;
use crate::domain::agreement::Payee;
use crate::domain::deadline::stockholm_date;
use crate::error::{ApiError, ApiResult};
use crate::http::auth::{Caller, Scope};
use crate::service::agreements::is_self_employer;

/// Agreements as handlers read and change them by id.
const AGREEMENT: Record<AgreementRow> = Record {
    what: "Agreement",
    read: store::get,
};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/agreements", web::post().to(create))
        .route("/agreements", web::get().to(list))
        .route("/agreements/{id}", web::get().to(get))
        .route("/agreements/{id}", web::patch().to(patch));
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateAgreement {
    pub assistance_user_id: String,
    /// First day the agreement is valid.
    #[serde(deserialize_with = "super::extract::date::required")]
    pub valid_from: NaiveDate,
    /// Last day (inclusive); left out or null: until further notice.
    #[serde(default, deserialize_with = "super::extract::date::optional")]
    pub valid_to: Option<NaiveDate>,
    /// Who FK pays: `provider` (at the user's request) or `assistance_user`
    /// (the main rule).
    pub payee: Payee,
    /// The day the agreement was sent to FK (with form 3079 or the
    /// e-service); left out or null while not sent.
    #[serde(default, deserialize_with = "super::extract::date::optional")]
    pub sent_to_fk_on: Option<NaiveDate>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PatchAgreement {
    #[serde(default, deserialize_with = "super::extract::date::present")]
    #[schema(value_type = NaiveDate)]
    pub valid_from: Option<NaiveDate>,
    /// `null` makes it open-ended.
    #[serde(default, deserialize_with = "super::extract::date::nullable")]
    #[schema(value_type = Option<NaiveDate>)]
    pub valid_to: Option<Option<NaiveDate>>,
    #[serde(default, deserialize_with = "super::extract::present")]
    #[schema(value_type = Payee)]
    pub payee: Option<Payee>,
    /// `null`: not sent.
    #[serde(default, deserialize_with = "super::extract::date::nullable")]
    #[schema(value_type = Option<NaiveDate>)]
    pub sent_to_fk_on: Option<Option<NaiveDate>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Agreement {
    pub id: String,
    pub organisation_id: String,
    pub assistance_user_id: String,
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
    /// `provider` or `assistance_user`.
    pub payee: String,
    pub sent_to_fk_on: Option<NaiveDate>,
    pub created_at: String,
    pub updated_at: String,
}

impl From<AgreementRow> for Agreement {
    fn from(r: AgreementRow) -> Self {
        Self {
            id: r.id,
            organisation_id: r.organisation_id,
            assistance_user_id: r.assistance_user_id,
            valid_from: r.valid_from,
            valid_to: r.valid_to,
            payee: r.payee,
            sent_to_fk_on: r.sent_to_fk_on,
            created_at: utc_string(r.created_at),
            updated_at: utc_string(r.updated_at),
        }
    }
}

/// Checks a complete agreement: the user is the organisation's, the period
/// is not reversed, and it was not sent to FK after today.
fn validate(conn: &mut DbConn, row: &AgreementRow, today: NaiveDate) -> ApiResult<()> {
    let mut faults = Faults::default();
    let scope = Scope::Org(row.organisation_id.clone());
    if reg::get_assistance_user(conn, &scope, &row.assistance_user_id)?.is_none() {
        faults.push(
            "/assistance_user_id",
            "unknown_assistance_user",
            "No such assistance user in your organisation.",
        );
    }
    super::representatives::check_period(&mut faults, row.valid_from, row.valid_to);
    if row.sent_to_fk_on.is_some_and(|d| d > today) {
        faults.push(
            "/sent_to_fk_on",
            "date_in_future",
            "`sent_to_fk_on` is after today.",
        );
    }
    faults.finish()
}

/// Record an agreement (not for a self-employer, who buys no assistance).
#[utoipa::path(post, path = "/api/v1/agreements", operation_id = "createAgreement", tag = "agreements",
    request_body = CreateAgreement,
    responses((status = 201, body = Agreement),
              (status = 422, body = crate::error::Problem, description = "`not_for_self_employer`, or `validation_failed` (`unknown_assistance_user`, `invalid_period`, `date_in_future`)")),
    security(("bearer" = [])))]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    body: Json<CreateAgreement>,
) -> ApiResult<HttpResponse> {
    let org = caller.writer_org()?.to_string();
    let b = body.0;
    let now = state.now();
    let today = stockholm_date(now);
    let row = AgreementRow {
        id: new_id(),
        organisation_id: org,
        assistance_user_id: b.assistance_user_id,
        valid_from: b.valid_from,
        valid_to: b.valid_to,
        payee: b.payee.as_str().to_string(),
        sent_to_fk_on: b.sent_to_fk_on,
        created_at: now.naive_utc(),
        updated_at: now.naive_utc(),
    };
    super::idempotent::write(&state, &caller, &req, move |conn| {
            if is_self_employer(conn, &row.organisation_id)? {
                return Err(ApiError::unprocessable(
                    "not_for_self_employer",
                    "En egen arbetsgivare köper ingen assistans och har inget avtal med en anordnare. (A self-employer buys no assistance, so has no agreement with a provider.)",
                ));
            }
            validate(conn, &row, today)?;
            store::insert(conn, &row)?;
        tracing::info!(agreement_id = %row.id, assistance_user_id = %row.assistance_user_id, "agreement created");
            Ok(Reply::created(format!("/api/v1/agreements/{}", row.id), &Agreement::from(row)))
        })
        .await
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct AgreementQuery {
    pub limit: Option<i64>,
    pub cursor: Option<String>,
    pub assistance_user_id: Option<String>,
}

/// List agreements.
#[utoipa::path(get, path = "/api/v1/agreements", operation_id = "listAgreements", tag = "agreements", params(AgreementQuery),
    responses((status = 200, body = Paginated<Agreement>)), security(("bearer" = [])))]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    q: Query<AgreementQuery>,
) -> ApiResult<HttpResponse> {
    let page = PageParams::of(q.limit, &q.cursor)?;
    let scope = caller.scope();
    let user = q.assistance_user_id.clone();
    pagination::respond(
        &state,
        page,
        move |conn, p| store::list(conn, &scope, user.as_deref(), p),
        |r| r.id.clone(),
        Agreement::from,
    )
    .await
}

/// Read an agreement.
#[utoipa::path(get, path = "/api/v1/agreements/{id}", operation_id = "getAgreement", tag = "agreements",
    responses((status = 200, body = Agreement), (status = 404, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let row = AGREEMENT.get(&state, caller.scope(), id).await?;
    Ok(HttpResponse::Ok().json(Agreement::from(row)))
}

/// Change an agreement; sending it to FK is `{"sent_to_fk_on": "YYYY-MM-DD"}`.
#[utoipa::path(patch, path = "/api/v1/agreements/{id}", operation_id = "updateAgreement", tag = "agreements",
    request_body = PatchAgreement,
    responses((status = 200, body = Agreement), (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn patch(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    body: Json<PatchAgreement>,
) -> ApiResult<HttpResponse> {
    let org = caller.writer_org()?;
    let b = body.0;
    let now = state.now();
    let today = stockholm_date(now);
    let row = AGREEMENT
        .change(&state, org, id, move |conn, mut row| {
            if let Some(d) = b.valid_from {
                row.valid_from = d;
            }
            if let Some(d) = b.valid_to {
                row.valid_to = d;
            }
            if let Some(p) = b.payee {
                row.payee = p.as_str().to_string();
            }
            if let Some(d) = b.sent_to_fk_on {
                row.sent_to_fk_on = d;
            }
            row.updated_at = now.naive_utc();
            validate(conn, &row, today)?;
            store::save(conn, &row)?;
            Ok(row)
        })
        .await?;
    Ok(HttpResponse::Ok().json(Agreement::from(row)))
}
