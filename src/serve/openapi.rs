//! `/v1/openapi.json`: an OpenAPI 3.1 description of every endpoint. The
//! lead's schema lists the columns of the loaded rules.

use super::app::{CLAIM, HEALTH, METRICS, OPENAPI, OUTCOME, ROUTE};
use crate::ir::Program;
use serde_json::{json, Map, Value as Json};

pub fn document(program: &Program) -> Json {
    let columns: Map<String, Json> = program
        .fields
        .iter()
        .map(|f| {
            let about = format!("field `{}` ({:?})", f.name, f.ty).to_lowercase();
            let schema = json!({ "type": ["string", "number", "null"], "description": about });
            (f.column.clone(), schema)
        })
        .collect();
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "route serve",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Routes leads with a .route rule file: one lead as JSON, or many as CSV, with the same answers as `route run`.",
        },
        "paths": {
            ROUTE: { "post": route_operation() },
            CLAIM: { "post": claim_operation() },
            OUTCOME: { "post": outcome_operation() },
            HEALTH: { "get": {
                "summary": "Liveness, and the SHA-256 of the loaded rules and data files",
                "responses": { "200": { "description": "The server is up", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Health" } } } } },
            }},
            METRICS: { "get": {
                "summary": "Counters and latency in the Prometheus text format",
                "responses": { "200": { "description": "Prometheus text exposition format 0.0.4", "content": { "text/plain": { "schema": { "type": "string" } } } } },
            }},
            OPENAPI: { "get": {
                "summary": "This document",
                "responses": { "200": { "description": "OpenAPI 3.1", "content": { "application/json": { "schema": { "type": "object" } } } } },
            }},
        },
        "components": { "schemas": {
            "Lead": {
                "type": "object",
                "description": "The lead's CSV columns. Strings are cells as in a CSV file; numbers are read as their text; null or a left-out column is a missing value. Column names match exactly, else ignoring case. Other columns are passed over, unless one is close to a column left out (a typo: unknown-column).",
                "properties": columns,
                "additionalProperties": { "type": ["string", "number", "null"] },
            },
            "Routed": {
                "type": "object",
                "required": ["queue", "owner", "rule", "decision_id", "elapsed_us", "repeated", "dry_run", "unreadable"],
                "properties": {
                    "queue": { "type": ["string", "null"], "description": "route_queue; null when no rule matched" },
                    "owner": { "type": ["string", "null"], "description": "route_owner; null when the queue gives no owner" },
                    "rule": { "type": ["string", "null"], "description": "route_rule: the rule's name or `default`; null when no rule matched" },
                    "decision_id": { "type": ["string", "null"], "description": "RUN:N, unique per server run; null for a dry run. The decision log (--decision-log) has a line with this id" },
                    "elapsed_us": { "type": "integer", "description": "microseconds the server spent on the request" },
                    "repeated": { "type": "boolean", "description": "the lead's key was in the ledger (--state): its earlier assignment was given again" },
                    "dry_run": { "type": "boolean" },
                    "unreadable": { "type": "array", "items": { "type": "string" }, "description": "columns whose value could not be read as their type (treated as missing)" },
                    "explain": { "type": "object", "description": "with ?explain=true: the trace `route explain --format json` gives" },
                },
            },
            "Error": {
                "type": "object",
                "required": ["error"],
                "properties": { "error": {
                    "type": "object",
                    "required": ["code", "message", "help"],
                    "properties": {
                        "code": { "type": "string", "enum": ERROR_CODES },
                        "message": { "type": "string" },
                        "help": { "type": "string" },
                    },
                }},
            },
            "Health": {
                "type": "object",
                "properties": {
                    "status": { "const": "ok" },
                    "version": { "type": "string" },
                    "rules": { "type": "object", "description": "name, file and sha256 of the rule file, data_files with theirs, and sha256 of all of them together" },
                    "state": { "type": "object", "description": "mode: memory or sqlite (with the file)" },
                    "now": { "type": ["string", "null"], "description": "the fixed run date (--now), or null for today (UTC)" },
                },
            },
        }},
    })
}

/// Every `code` an error response may carry.
pub const ERROR_CODES: [&str; 23] = [
    "invalid-json",
    "wrong-type",
    "unknown-column",
    "duplicate-column",
    "invalid-csv",
    "unknown-queue",
    "not-a-pool",
    "unknown-rep",
    "unknown-lead",
    "unknown-outcome",
    "state-required",
    "bad-parameter",
    "body-too-large",
    "invalid-body",
    "unsupported-media-type",
    "not-found",
    "method-not-allowed",
    "timeout",
    "overloaded",
    "state-busy",
    "state-failed",
    "shutting-down",
    "internal-error",
];

fn error(what: &str) -> Json {
    json!({ "description": what, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } })
}

/// A JSON request body of one string property.
fn one_string_body(name: &str, schema: Json) -> Json {
    json!({ "required": true, "content": { "application/json": { "schema": {
        "type": "object", "required": [name], "additionalProperties": false,
        "properties": { name: schema },
    }}}})
}

fn path_parameter(name: &str, what: &str) -> Json {
    json!({ "name": name, "in": "path", "required": true, "schema": { "type": "string" }, "description": what })
}

fn claim_operation() -> Json {
    json!({
        "summary": "A rep claims the oldest open unowned lead of a shark_tank queue",
        "parameters": [path_parameter("queue", "a shark_tank queue of the rules")],
        "requestBody": one_string_body("rep", json!({ "type": "string", "description": "the rep's email: a member of the queue, or for a queue without members a rep of the reps file" })),
        "responses": {
            "200": { "description": "The lead is the rep's now", "content": { "application/json": { "schema": {
                "type": "object",
                "required": ["key", "queue", "owner", "claimed_at", "decision_id"],
                "properties": {
                    "key": { "type": "string", "description": "the lead's key (its `key` field)" },
                    "queue": { "type": "string" },
                    "owner": { "type": "string", "description": "the rep who claimed it" },
                    "claimed_at": { "type": "string", "format": "date-time" },
                    "decision_id": { "type": "string", "description": "RUN:N, as /v1/route answers it, and in the decision log" },
                },
            }}}},
            "204": { "description": "Nothing to claim; the route-claim header says why: `empty` (no open lead the rep may take) or `at-limit` (the rep holds `claim limit` open leads of the queue)",
                "headers": { "route-claim": { "schema": { "type": "string", "enum": ["empty", "at-limit"] } } } },
            "400": error("invalid-json, unknown-rep"),
            "404": error("unknown-queue"),
            "409": error("not-a-pool: the queue gives its leads out itself; state-required: the server has no --state"),
            "503": error("Try again after Retry-After: timeout, overloaded, state-busy, state-failed, shutting-down"),
        },
    })
}

fn outcome_operation() -> Json {
    json!({
        "summary": "Record what happened to a lead; it is no longer open (a dead lead is kept, tagged)",
        "parameters": [path_parameter("key", "the lead's key, as routed")],
        "requestBody": one_string_body("outcome", json!({ "type": "string", "enum": ["worked", "dead", "callback"] })),
        "responses": {
            "200": { "description": "Recorded", "content": { "application/json": { "schema": {
                "type": "object",
                "required": ["key", "outcome", "recorded_at", "decision_id"],
                "properties": {
                    "key": { "type": "string" },
                    "outcome": { "type": "string" },
                    "recorded_at": { "type": "string", "format": "date-time" },
                    "decision_id": { "type": "string", "description": "RUN:N, as /v1/route answers it, and in the decision log" },
                },
            }}}},
            "400": error("invalid-json, unknown-outcome"),
            "404": error("unknown-lead: no lead with that key was routed"),
            "409": error("state-required: the server has no --state"),
            "503": error("Try again after Retry-After: timeout, overloaded, state-busy, state-failed, shutting-down"),
        },
    })
}

fn route_operation() -> Json {
    let flag = |name: &str, what: &str| json!({ "name": name, "in": "query", "required": false, "schema": { "type": "boolean", "default": false }, "description": what });
    json!({
        "summary": "Route one lead (JSON) or many (CSV)",
        "parameters": [
            flag("explain", "add the explain trace (one JSON lead only)"),
            flag("dry_run", "answer without changing any state: who would get the lead now"),
            { "name": "why_not", "in": "query", "required": false, "schema": { "type": "string" }, "description": "with explain=true: how the lead could reach this queue" },
        ],
        "requestBody": { "required": true, "content": {
            "application/json": { "schema": { "$ref": "#/components/schemas/Lead" } },
            "text/csv": { "schema": { "type": "string" }, "description": "a lead file with its header row; charset=windows-1252 (or latin1) reads files saved by older spreadsheets" },
        }},
        "responses": {
            "200": {
                "description": "Routed. A CSV body is answered with the CSV `route run` writes; rejected rows are counted in the route-rejected header and listed, up to 100, in route-reject headers (`LINE: REASON`).",
                "headers": {
                    "route-leads-in": { "schema": { "type": "integer" }, "description": "CSV: rows read" },
                    "route-routed": { "schema": { "type": "integer" }, "description": "CSV: rows routed" },
                    "route-rejected": { "schema": { "type": "integer" }, "description": "CSV: rows rejected" },
                    "route-reject": { "schema": { "type": "string" }, "description": "CSV: one per rejected row, `LINE: REASON` (the header is line 1)" },
                },
                "content": {
                    "application/json": { "schema": { "$ref": "#/components/schemas/Routed" } },
                    "text/csv": { "schema": { "type": "string" } },
                },
            },
            "400": error("The lead or the parameters are wrong: invalid-json, wrong-type, unknown-column, duplicate-column, invalid-csv, unknown-queue, bad-parameter"),
            "413": error("The body is over --max-body: body-too-large"),
            "415": error("Neither application/json nor text/csv: unsupported-media-type"),
            "500": error("The server failed while routing this request and kept nothing of it: internal-error"),
            "503": error("Try again after Retry-After: timeout, overloaded, state-busy, state-failed, shutting-down"),
        },
    })
}
