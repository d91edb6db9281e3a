//! The page's addresses: its three files, embedded in the program, and its two actions.
//!
//! Every route sits behind [`security::guard`]; the upload size limit of the whole request is
//! set here, each file's own limit in [`jobs`].

use std::sync::Arc;

use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use super::shared::Shared;
use super::{jobs, security};

const INDEX: &str = include_str!("assets/index.html");
const SCRIPT: &str = include_str!("assets/app.js");
const STYLE: &str = include_str!("assets/style.css");

/// The page's router, guarded.
pub(crate) fn router(state: Arc<Shared>) -> Router {
    Router::new()
        .route("/", get(index))
        .route("/app.js", get(script))
        .route("/style.css", get(style))
        .route("/api/process", post(jobs::process))
        .route("/api/quit", post(quit))
        .layer(DefaultBodyLimit::max(jobs::MAX_REQUEST_BYTES))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            security::guard,
        ))
        .with_state(state)
}

/// The page, with the token its own requests carry.
async fn index(State(state): State<Arc<Shared>>) -> Response {
    let html = INDEX.replace("{{TOKEN}}", &state.token);
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response()
}

async fn script() -> Response {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        SCRIPT,
    )
        .into_response()
}

async fn style() -> Response {
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8")], STYLE).into_response()
}

/// The Quit button: the server stops once this answer is sent.
async fn quit(State(state): State<Arc<Shared>>) -> Response {
    state.quit.notify_one();
    (
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        "icare-fix has stopped. You can close this page.",
    )
        .into_response()
}
