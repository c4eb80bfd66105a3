//! `GET /imports/template` (*Mall*): an empty time sheet to fill in and
//! upload, as CSV in Excel's Swedish dialect or as an `.xlsx` workbook.

use actix_web::http::header;
use actix_web::HttpResponse;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::extract::Query;
use crate::error::{ApiError, ApiResult};
use crate::http::auth::Caller;
use crate::import::xlsx;

/// The template's file format.
#[derive(Debug, Clone, Copy, Default, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum TemplateFormat {
    /// `;`-separated, CRLF, Windows-1252: what Excel in Swedish opens
    /// and saves as "CSV (semikolonavgränsad)".
    #[default]
    Csv,
    /// An Excel workbook: the header row, personnummer columns as text,
    /// and a sheet of instructions.
    Xlsx,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TemplateQuery {
    /// `csv` (default) or `xlsx`.
    #[param(inline)]
    pub format: Option<TemplateFormat>,
}

/// How to fill in the workbook (its second sheet, *Instruktioner*).
const INSTRUCTIONS: &[&str] = &[
    "Så fyller du i tidrapporten",
    "En rad per arbetspass. Rubrikraden (rad 1) ska stå kvar.",
    "brukare: personnummer för den som får assistans, t.ex. 19410101-1234.",
    "assistent: personnummer för assistenten som arbetade passet.",
    "datum: dagen passet börjar, t.ex. 2026-10-01.",
    "start och slut: klockslag, t.ex. 07:00 och 16:00. Slut 24:00 är midnatt; ett slut före start är nästa dag.",
    "typ: aktiv, väntetid eller beredskap (tomt betyder aktiv).",
    "dubbel och sjukhus: ja eller nej (tomt betyder nej).",
    "Ladda upp filen på sidan Ladda upp tidrapport. Du ser först vad som skulle sparas och alla fel med rad och kolumn; inget sparas förrän du bekräftar.",
];

/// The template (*Mall*) of a time-report file: the header row the import
/// reads, as CSV in Excel's Swedish dialect (`;`, Windows-1252) or as an
/// `.xlsx` workbook with instructions (docs/csv-format.md).
#[utoipa::path(get, path = "/api/v1/imports/template", operation_id = "getImportTemplate", tag = "imports",
    params(TemplateQuery),
    responses(
        (status = 200, description = "The template, as an attachment", content(
            (String = "text/csv"),
            (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
        (status = 422, body = crate::error::Problem, description = "`format` is neither `csv` nor `xlsx`")),
    security(("bearer" = [])))]
pub async fn template(_caller: Caller, q: Query<TemplateQuery>) -> ApiResult<HttpResponse> {
    let (body, content_type, name) = match q.format.unwrap_or_default() {
        TemplateFormat::Csv => (
            xlsx::template_csv(),
            "text/csv; charset=windows-1252",
            "mall-tidrapport.csv",
        ),
        TemplateFormat::Xlsx => (
            xlsx::template_xlsx(INSTRUCTIONS).map_err(ApiError::internal)?,
            xlsx::CONTENT_TYPE,
            "mall-tidrapport.xlsx",
        ),
    };
    Ok(HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{name}\""),
        ))
        .body(body))
}
