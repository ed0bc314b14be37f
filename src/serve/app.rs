//! The HTTP application: endpoints, the request body limit, a time limit
//! per request, and the request metrics around all of them.

use super::error::ApiError;
use super::handlers;
use super::metrics::Metrics;
use super::rules::Rules;
use super::state::Worker;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde_json::Value as Json;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

pub const ROUTE: &str = "/v1/route";
pub const HEALTH: &str = "/v1/health";
pub const METRICS: &str = "/metrics";
pub const OPENAPI: &str = "/v1/openapi.json";
pub const CLAIM: &str = "/v1/queues/{queue}/claim";
pub const OUTCOME: &str = "/v1/leads/{key}/outcome";

/// What every request can reach.
pub struct Shared {
    /// The rules new requests are read and routed with; a reload swaps
    /// them whole, and a request keeps the version it started with.
    rules: RwLock<Arc<Rules>>,
    pub worker: Worker,
    pub metrics: Metrics,
    /// `/v1/health` but for the rules: the state and the date.
    pub setup: Json,
    pub max_body: usize,
    pub timeout: Duration,
}

impl Shared {
    pub fn new(
        rules: Arc<Rules>,
        worker: Worker,
        setup: Json,
        max_body: usize,
        timeout: Duration,
    ) -> Self {
        Shared {
            rules: RwLock::new(rules),
            worker,
            metrics: Metrics::default(),
            setup,
            max_body,
            timeout,
        }
    }

    pub fn rules(&self) -> Arc<Rules> {
        self.rules.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    pub fn swap_rules(&self, rules: Arc<Rules>) {
        *self.rules.write().unwrap_or_else(|e| e.into_inner()) = rules;
    }
}

pub type App = Arc<Shared>;

pub fn router(app: App) -> Router {
    Router::new()
        .route(ROUTE, post(handlers::route))
        .route(HEALTH, get(handlers::health))
        .route(METRICS, get(handlers::metrics))
        .route(OPENAPI, get(handlers::openapi))
        .route(CLAIM, post(super::pools::claim))
        .route(OUTCOME, post(super::pools::outcome))
        .fallback(handlers::not_found)
        .method_not_allowed_fallback(handlers::method_not_allowed)
        .layer(middleware::from_fn_with_state(app.clone(), time_limit))
        .layer(middleware::from_fn_with_state(app.clone(), observe))
        .layer(DefaultBodyLimit::max(app.max_body))
        .with_state(app)
}

/// Answers 503 `timeout` when a request (reading its body included) takes
/// longer than `--timeout`: a slow client cannot hold a request forever.
async fn time_limit(State(app): State<App>, request: Request, next: Next) -> Response {
    match tokio::time::timeout(app.timeout, next.run(request)).await {
        Ok(response) => response,
        Err(_) => ApiError::unavailable(
            "timeout",
            format!(
                "the request took longer than {} s",
                app.timeout.as_secs_f64()
            ),
            "send a smaller CSV body, or raise --timeout; a lead with a key may be sent again safely",
        )
        .into_response(),
    }
}

/// Counts each request and its latency by endpoint (the route's pattern,
/// so unknown paths cannot grow the label set).
async fn observe(State(app): State<App>, request: Request, next: Next) -> Response {
    let endpoint = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", MatchedPath::as_str)
        .to_string();
    let start = Instant::now();
    let response = next.run(request).await;
    let status = response.status();
    app.metrics
        .request(&endpoint, status.as_u16(), start.elapsed().as_secs_f64());
    response
}

/// The status of a body extractor's rejection as our error.
pub fn body_error(status: StatusCode, max_body: usize, detail: String) -> ApiError {
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        return ApiError::new(
            status,
            "body-too-large",
            format!("the body is over the limit of {max_body} bytes"),
            "send fewer leads per request, or start the server with a larger --max-body",
        );
    }
    ApiError::bad_request(
        "invalid-body",
        format!("the body could not be read: {detail}"),
        "send the whole body, with a correct Content-Length",
    )
}
