//! Which requests the page's server lets in, and the headers every answer carries.
//!
//! The server holds personal information and listens where any program of the computer, and
//! any web page open in the browser, could reach it. So every request must carry the secret
//! token printed with the address (otherwise 403); its `Host` must be the loopback address
//! and port (a web site that points its own name at 127.0.0.1, DNS rebinding, is refused);
//! a request that changes something (a POST) must come from the page itself (`Origin`). Every
//! answer, refusals included, forbids caching, sniffing, framing and outside resources.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::header::{self, HeaderMap, HeaderValue};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::shared::Shared;

/// What the page may load: only its own files; styles inline too (the checklist opened from
/// the page carries its own), pictures from data and blob addresses, nothing from outside.
pub(crate) const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// Lets a request in or refuses it, then adds the protective headers to the answer.
pub(crate) async fn guard(State(state): State<Arc<Shared>>, req: Request, next: Next) -> Response {
    let mut response = match refusal(&state, &req) {
        Some(refused) => refused,
        None => {
            state.touch();
            next.run(req).await
        }
    };
    protect(response.headers_mut());
    response
}

/// Why a request is refused, as its answer, or `None` to let it in.
fn refusal(state: &Shared, req: &Request) -> Option<Response> {
    let allowed = [
        format!("127.0.0.1:{}", state.port),
        format!("localhost:{}", state.port),
    ];
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok());
    if !host.is_some_and(|h| allowed.iter().any(|a| a.eq_ignore_ascii_case(h))) {
        return Some(forbidden(
            "This page answers only at the address icare-fix printed (http://127.0.0.1:PORT/...).",
        ));
    }
    if !token_matches(req.uri().query(), &state.token) {
        return Some(forbidden(
            "This address lacks icare-fix's secret: open the page with the whole address icare-fix printed, or start icare-fix again.",
        ));
    }
    if req.method() != Method::GET && req.method() != Method::HEAD {
        let origin = req
            .headers()
            .get(header::ORIGIN)
            .and_then(|h| h.to_str().ok());
        let from_page = origin.is_some_and(|o| {
            allowed
                .iter()
                .any(|a| o.eq_ignore_ascii_case(&format!("http://{a}")))
        });
        if !from_page {
            return Some(forbidden(
                "Only icare-fix's own page may send files or stop it.",
            ));
        }
    }
    None
}

/// True when the query holds `token=` with the server's token, compared in constant time.
fn token_matches(query: Option<&str>, token: &str) -> bool {
    let Some(given) = query
        .unwrap_or_default()
        .split('&')
        .find_map(|pair| pair.strip_prefix("token="))
    else {
        return false;
    };
    given.len() == token.len()
        && given
            .bytes()
            .zip(token.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

fn forbidden(message: &'static str) -> Response {
    (StatusCode::FORBIDDEN, message).into_response()
}

/// The headers every answer carries.
fn protect(headers: &mut HeaderMap) {
    let set = [
        (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::CACHE_CONTROL, "no-store"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::X_FRAME_OPTIONS, "DENY"),
    ];
    for (name, value) in set {
        headers.insert(name, HeaderValue::from_static(value));
    }
}

#[cfg(test)]
mod tests {
    use super::token_matches;

    #[test]
    fn the_token_must_be_given_whole() {
        assert!(token_matches(Some("token=abc"), "abc"));
        assert!(token_matches(Some("x=1&token=abc"), "abc"));
        assert!(!token_matches(Some("token=ab"), "abc"));
        assert!(!token_matches(Some("token=abd"), "abc"));
        assert!(!token_matches(Some("xtoken=abc"), "abc"));
        assert!(!token_matches(None, "abc"));
    }
}
