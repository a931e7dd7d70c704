//! The static files the pages use, compiled into the binary: no CDN, nothing to install.

use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

/// Name, content type and bytes of each file; htmx is vendored from npm `htmx.org` 2.0.11 (0BSD licence).
const FILES: &[(&str, &str, &[u8])] = &[
    ("helpdesk.css", "text/css; charset=utf-8", include_bytes!("../assets/helpdesk.css")),
    ("htmx-2.0.11.min.js", "text/javascript; charset=utf-8", include_bytes!("../assets/htmx-2.0.11.min.js")),
    ("helpdesk.js", "text/javascript; charset=utf-8", include_bytes!("../assets/helpdesk.js")),
    ("favicon.ico", "image/x-icon", include_bytes!("../assets/favicon.ico")),
];

/// The icon browsers ask for at `/favicon.ico`.
pub async fn favicon() -> Response {
    asset(Path("favicon.ico".to_owned())).await
}

/// Serves one asset; they change only with the binary, so browsers may keep them for a day.
pub async fn asset(Path(name): Path<String>) -> Response {
    match FILES.iter().find(|(file, _, _)| *file == name) {
        Some((_, content_type, bytes)) => {
            ([(header::CONTENT_TYPE, *content_type), (header::CACHE_CONTROL, "public, max-age=86400")], *bytes)
                .into_response()
        }
        None => (StatusCode::NOT_FOUND, "no such asset\n").into_response(),
    }
}
