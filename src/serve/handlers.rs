//! One function per endpoint: read and check the request, hand the routing
//! to the routing thread, write the answer.

use super::app::{body_error, App};
use super::error::ApiError;
use super::rules::Rules;
use super::state::{CsvAnswer, CsvJob, Job, LeadAnswer, LeadJob};
use crate::run::Encoding;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::json;
use std::sync::Arc;
use std::time::Instant;
use tokio::sync::oneshot;

/// Rejected rows listed one per `route-reject` header; all are counted.
const LISTED_REJECTS: usize = 100;

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RouteParams {
    #[serde(default)]
    explain: bool,
    #[serde(default)]
    dry_run: bool,
    why_not: Option<String>,
}

/// What the body holds, by its Content-Type.
enum BodyKind {
    Lead,
    Csv(Encoding),
}

/// `POST /v1/route`.
pub async fn route(
    State(app): State<App>,
    params: Result<Query<RouteParams>, QueryRejection>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let start = Instant::now();
    let Query(params) = params.map_err(|e| {
        ApiError::bad_request(
            "bad-parameter",
            format!("the query string is not understood: {}", e.body_text()),
            "the parameters are explain=true|false, dry_run=true|false and why_not=QUEUE",
        )
    })?;
    let kind = body_kind(&headers)?;
    let body = body.map_err(|e| body_error(e.status(), app.max_body, e.body_text()))?;
    let rules = app.rules();
    match kind {
        BodyKind::Lead => route_lead(&app, rules, params, &body, start).await,
        BodyKind::Csv(encoding) => route_csv(&app, rules, params, body, encoding, start).await,
    }
}

async fn route_lead(
    app: &App,
    rules: Arc<Rules>,
    params: RouteParams,
    body: &[u8],
    start: Instant,
) -> Result<Response, ApiError> {
    if let Some(queue) = &params.why_not {
        if !params.explain {
            return Err(ApiError::bad_request(
                "bad-parameter",
                "why_not is part of the explain trace",
                "add explain=true",
            ));
        }
        rules.check_queue(queue).map_err(|message| {
            ApiError::bad_request(
                "unknown-queue",
                message,
                "name a queue the rules declare (or a table whose cells name owners)",
            )
        })?;
    }
    let cells = super::lead::cells(&rules.program, body)?;
    let (reply, answer) = oneshot::channel();
    app.worker.send(Job::Lead(LeadJob {
        rules,
        cells,
        explain: params.explain,
        why_not: params.why_not,
        dry_run: params.dry_run,
        reply,
    }))?;
    let answer = answer.await.map_err(|_| ApiError::internal())??;
    if !params.dry_run {
        let a = &answer.assignment;
        app.metrics.lead(&a.queue, &a.rule, &answer.unreadable);
    }
    Ok(Json(lead_json(answer, params.dry_run, start)).into_response())
}

fn lead_json(answer: LeadAnswer, dry_run: bool, start: Instant) -> serde_json::Value {
    let a = &answer.assignment;
    let or_null = |s: &str| (!s.is_empty()).then(|| s.to_string());
    let mut doc = json!({
        "queue": or_null(&a.queue),
        "owner": or_null(&a.owner),
        "rule": or_null(&a.rule),
        "decision_id": answer.decision_id,
        "elapsed_us": elapsed_us(start),
        "repeated": answer.repeated,
        "dry_run": dry_run,
        "unreadable": answer.unreadable,
    });
    if let Some(explain) = answer.explain {
        doc["explain"] = explain;
    }
    doc
}

async fn route_csv(
    app: &App,
    rules: Arc<Rules>,
    params: RouteParams,
    body: Bytes,
    encoding: Encoding,
    start: Instant,
) -> Result<Response, ApiError> {
    if params.explain || params.why_not.is_some() {
        return Err(ApiError::bad_request(
            "bad-parameter",
            "explain is for one lead, sent as JSON",
            "send the lead as a JSON object with explain=true, or leave explain out",
        ));
    }
    let (reply, answer) = oneshot::channel();
    app.worker.send(Job::Csv(CsvJob {
        rules: rules.clone(),
        body,
        encoding,
        dry_run: params.dry_run,
        reply,
    }))?;
    let answer = answer.await.map_err(|_| ApiError::internal())??;
    if !params.dry_run {
        app.metrics.batch(&rules.program, &answer.summary);
    }
    Ok(csv_response(answer, start))
}

/// The routed CSV, with the counts and the rejected rows in headers.
fn csv_response(answer: CsvAnswer, start: Instant) -> Response {
    let CsvAnswer {
        csv,
        summary,
        rejects,
    } = answer;
    let mut response = csv.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    let counts = [
        ("route-leads-in", summary.rows_in),
        ("route-routed", summary.routed),
        ("route-rejected", summary.rejected),
        ("route-elapsed-us", elapsed_us(start)),
    ];
    for (name, n) in counts {
        headers.insert(name, HeaderValue::from(n));
    }
    for (line, reason) in rejects.iter().take(LISTED_REJECTS) {
        // Reasons are ASCII text we wrote; a value that is not a valid
        // header is left out rather than failing the answer.
        if let Ok(value) = HeaderValue::from_str(&format!("{line}: {reason}")) {
            headers.append("route-reject", value);
        }
    }
    response
}

fn elapsed_us(start: Instant) -> u64 {
    u64::try_from(start.elapsed().as_micros()).unwrap_or(u64::MAX)
}

/// JSON for one lead (also when no Content-Type is given), CSV for many.
fn body_kind(headers: &HeaderMap) -> Result<BodyKind, ApiError> {
    let Some(value) = headers.get(header::CONTENT_TYPE) else {
        return Ok(BodyKind::Lead);
    };
    let text = value.to_str().unwrap_or_default().to_ascii_lowercase();
    let mut parts = text.split(';').map(str::trim);
    let mime = parts.next().unwrap_or_default();
    if mime == "application/json" || mime.ends_with("+json") {
        return Ok(BodyKind::Lead);
    }
    if mime != "text/csv" {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported-media-type",
            format!("the body is `{text}`, which this endpoint does not read"),
            "send one lead with Content-Type: application/json (curl: --json), or many with Content-Type: text/csv",
        ));
    }
    let charset = parts
        .filter_map(|p| p.strip_prefix("charset="))
        .next()
        .unwrap_or("utf-8")
        .trim_matches('"');
    Encoding::from_label(charset)
        .map(BodyKind::Csv)
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported-media-type",
                format!("the CSV's charset `{charset}` is not one route reads"),
                "use charset=utf-8 (the default), windows-1252 or latin1",
            )
        })
}

/// `GET /v1/health`.
pub async fn health(State(app): State<App>) -> Json<serde_json::Value> {
    let mut doc = app.setup.clone();
    doc["rules"] = app.rules().health();
    Json(doc)
}

/// `GET /metrics`.
pub async fn metrics(State(app): State<App>) -> Response {
    let mut response = app.metrics.render().into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    response
}

/// `GET /v1/openapi.json`.
pub async fn openapi(State(app): State<App>) -> Json<serde_json::Value> {
    Json(super::openapi::document(&app.rules().program))
}

pub async fn not_found() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "not-found",
        "there is no such endpoint",
        "the endpoints are POST /v1/route, POST /v1/queues/QUEUE/claim, POST /v1/leads/KEY/outcome, GET /v1/health, GET /metrics and GET /v1/openapi.json",
    )
}

pub async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method-not-allowed",
        "this endpoint does not take that method",
        "POST to /v1/route, /v1/queues/QUEUE/claim and /v1/leads/KEY/outcome; GET the others (see /v1/openapi.json)",
    )
}
