//! The pool endpoints: a rep claims the oldest open lead of a shark tank,
//! and records what happened to a lead. Both go through the routing
//! thread, one state transaction each (see [`crate::distribute::pool`]).

use super::app::{body_error, App};
use super::error::ApiError;
use super::state::{ClaimJob, Job, OutcomeJob};
use crate::distribute::date::format_instant;
use crate::distribute::pool::{self, Claim, ClaimError, OUTCOMES};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::json;
use tokio::sync::oneshot;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ClaimBody {
    rep: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OutcomeBody {
    outcome: String,
}

/// `POST /v1/queues/{queue}/claim`: 200 with the lead, or 204 with a
/// `route-claim` header saying why there is none (`empty`, `at-limit`).
pub async fn claim(
    State(app): State<App>,
    Path(queue): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let body: ClaimBody = read(&app, body, r#"{"rep": "pat@acme.example"}"#)?;
    let rules = app.rules();
    let q = pool::claimable(&rules.program, &queue).map_err(|e| claim_error(&rules, &queue, e))?;
    let rep = body.rep.trim().to_lowercase();
    if !pool::known_rep(&rules.program, q, &rep) {
        return Err(claim_error(&rules, &queue, ClaimError::UnknownRep));
    }
    let (reply, answer) = oneshot::channel();
    app.worker.send(Job::Claim(ClaimJob {
        rules,
        queue: q,
        rep,
        reply,
    }))?;
    let answer = answer.await.map_err(|_| ApiError::internal())??;
    let why = match answer.claim {
        Claim::Got(held) => {
            let doc = json!({
                "key": held.key,
                "queue": held.queue,
                "owner": held.owner,
                "claimed_at": format_instant(held.since),
                "decision_id": answer.decision_id,
            });
            return Ok(Json(doc).into_response());
        }
        Claim::Empty => "empty",
        Claim::AtLimit(_) => "at-limit",
    };
    let mut response = StatusCode::NO_CONTENT.into_response();
    response
        .headers_mut()
        .insert("route-claim", HeaderValue::from_static(why));
    Ok(response)
}

/// `POST /v1/leads/{key}/outcome`.
pub async fn outcome(
    State(app): State<App>,
    Path(key): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let body: OutcomeBody = read(&app, body, r#"{"outcome": "worked"}"#)?;
    let Some(outcome) = OUTCOMES.into_iter().find(|o| *o == body.outcome.trim()) else {
        return Err(ApiError::bad_request(
            "unknown-outcome",
            format!("{:?} is not an outcome", body.outcome),
            "the outcomes are worked, dead and callback",
        ));
    };
    let (reply, answer) = oneshot::channel();
    app.worker.send(Job::Outcome(OutcomeJob {
        rules: app.rules(),
        key: key.clone(),
        outcome,
        reply,
    }))?;
    let answer = answer.await.map_err(|_| ApiError::internal())??;
    let doc = json!({
        "key": key,
        "outcome": outcome,
        "recorded_at": format_instant(answer.recorded_at),
        "decision_id": answer.decision_id,
    });
    Ok(Json(doc).into_response())
}

/// The JSON body as `T`, or a 400 that shows the form expected.
fn read<T: DeserializeOwned>(
    app: &App,
    body: Result<Bytes, BytesRejection>,
    example: &str,
) -> Result<T, ApiError> {
    let body = body.map_err(|e| body_error(e.status(), app.max_body, e.body_text()))?;
    serde_json::from_slice(&body).map_err(|e| {
        ApiError::bad_request(
            "invalid-json",
            format!("the body is not the JSON object expected: {e}"),
            format!("send {example}"),
        )
    })
}

fn claim_error(rules: &super::rules::Rules, queue: &str, e: ClaimError) -> ApiError {
    let tanks: Vec<&str> = (rules.program.queues.iter())
        .filter(|q| q.method == crate::ir::Method::SharkTank)
        .map(|q| q.name.as_str())
        .collect();
    let tanks = if tanks.is_empty() {
        "the rules declare no shark_tank queue".to_string()
    } else {
        format!("the shark tanks are: {}", tanks.join(", "))
    };
    match e {
        ClaimError::UnknownQueue => ApiError::new(
            StatusCode::NOT_FOUND,
            "unknown-queue",
            format!("the rules declare no queue {queue:?}"),
            format!("claim from a shark_tank queue; {tanks}"),
        ),
        ClaimError::NotAPool => ApiError::new(
            StatusCode::CONFLICT,
            "not-a-pool",
            format!("queue {queue:?} gives its leads out itself; reps do not claim them"),
            format!("claim from a shark_tank queue; {tanks}"),
        ),
        ClaimError::UnknownRep => ApiError::bad_request(
            "unknown-rep",
            format!("the rep is not one who may claim from {queue:?}"),
            "name a member of the queue (or, for a queue without members, a rep of the reps file), as an email",
        ),
    }
}
