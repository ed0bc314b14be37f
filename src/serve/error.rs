//! What a request that could not be answered gets: a status and
//! `{"error": {"code", "message", "help"}}`, the code stable (clients
//! branch on it), the message saying what is wrong, the help how to fix it.

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub help: String,
}

/// Seconds a client should wait before retrying a 503.
const RETRY_AFTER_SECONDS: &str = "1";

impl ApiError {
    pub fn new(
        status: StatusCode,
        code: &'static str,
        message: impl Into<String>,
        help: impl Into<String>,
    ) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
            help: help.into(),
        }
    }

    /// A 400: the request itself is wrong.
    pub fn bad_request(
        code: &'static str,
        message: impl Into<String>,
        help: impl Into<String>,
    ) -> Self {
        ApiError::new(StatusCode::BAD_REQUEST, code, message, help)
    }

    /// A 503: the request was fine; try it again shortly.
    pub fn unavailable(
        code: &'static str,
        message: impl Into<String>,
        help: impl Into<String>,
    ) -> Self {
        ApiError::new(StatusCode::SERVICE_UNAVAILABLE, code, message, help)
    }

    /// The routing thread stopped in the middle of this request.
    pub fn internal() -> Self {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal-error",
            "the server failed while routing this request; nothing it changed was kept",
            "retry the request; if it fails again, report it with the request body",
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = json!({
            "error": { "code": self.code, "message": self.message, "help": self.help }
        });
        let mut response = (self.status, axum::Json(body)).into_response();
        if self.status == StatusCode::SERVICE_UNAVAILABLE {
            response.headers_mut().insert(
                header::RETRY_AFTER,
                header::HeaderValue::from_static(RETRY_AFTER_SECONDS),
            );
        }
        response
    }
}
