//! `serve`: the live preview. Builds the handbook into a private folder (so `site/` stays a pure
//! publish build), serves it on loopback, watches the inputs, rebuilds what a change touches,
//! and tells open pages to reload — or, when a rebuild fails, to show the error over the page
//! while the last good build keeps being served.
//!
//! The HTTP side serves files only from the build folder: every path is decoded and checked
//! component by component, so `..`, encoded `%2e%2e`, backslashes and absolute paths never
//! reach the file system. Each connection is HTTP/1.1 with bounded request heads and a deadline
//! for sending them, and request bodies are refused, so a stuck or hostile client holds neither
//! memory nor a connection for long.

use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode, Uri};
use axum::middleware::{self, Next};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::sync::broadcast;
use tokio_stream::wrappers::BroadcastStream;
use tokio_stream::StreamExt;

/// Where pages find the live-reload script.
pub const LIVE_SCRIPT: &str = "/__procbook/live.js";
const EVENTS: &str = "/__procbook/events";

/// How long a client has to send a request's head, from connecting or from the end of its
/// previous response; then the connection is closed. A page's event stream is a response in
/// progress, so it is not cut.
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// The most a request's head (request line and headers) may take; a longer one gets 431.
/// A browser's is well under 8 KiB, and hyper needs at least 8 KiB of buffer.
const MAX_HEAD_BYTES: usize = 64 * 1024;
/// The most headers a request may have (431 beyond).
const MAX_HEADERS: usize = 100;

/// What open pages are told after a rebuild.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    /// The site changed: reload.
    Reload,
    /// The last rebuild failed: show this text over the page.
    Failed(String),
}

/// Shared between the server and the watcher.
#[derive(Clone)]
pub struct Live {
    pub site_dir: PathBuf,
    notices: broadcast::Sender<Notice>,
    /// The error currently shown, for pages opened while it lasts.
    failure: Arc<Mutex<Option<String>>>,
}

impl Live {
    pub fn new(site_dir: PathBuf) -> Live {
        let (notices, _) = broadcast::channel(64);
        Live {
            site_dir,
            notices,
            failure: Arc::new(Mutex::new(None)),
        }
    }

    /// Tells every open page about a rebuild.
    pub fn notify(&self, notice: Notice) {
        if let Ok(mut f) = self.failure.lock() {
            *f = match &notice {
                Notice::Reload => None,
                Notice::Failed(text) => Some(text.clone()),
            };
        }
        let _ = self.notices.send(notice);
    }

    fn current_failure(&self) -> Option<String> {
        self.failure.lock().ok().and_then(|f| f.clone())
    }
}

/// The HTTP application: files of the site, the live-reload script and its event stream.
pub fn router(live: Live) -> Router {
    Router::new()
        .route(LIVE_SCRIPT, get(live_script))
        .route(EVENTS, get(events))
        .fallback(file)
        .layer(middleware::from_fn(refuse_bodies))
        .with_state(live)
}

/// Serves `app` on `listener` until the runtime stops: one task per connection, each with the
/// limits above. (`axum::serve` sets no header deadline, so idle connections would stay open.)
pub async fn run(listener: tokio::net::TcpListener, app: Router) {
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(HEADER_READ_TIMEOUT)
        .max_buf_size(MAX_HEAD_BYTES)
        .max_headers(MAX_HEADERS);
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            // Out of file descriptors, or a connection reset before it was accepted: wait a
            // moment rather than spin; idle connections time out and free descriptors.
            Err(_) => {
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let connection =
            http.serve_connection(TokioIo::new(stream), TowerToHyperService::new(app.clone()));
        tokio::spawn(async move {
            // A client that goes away or breaks the protocol ends only its own connection.
            let _ = connection.await;
        });
    }
}

/// The preview only answers GET and HEAD, which have no body: a request that announces one is
/// answered 413 and its connection closed, before any of the body is read.
async fn refuse_bodies(request: Request, next: Next) -> Response {
    let headers = request.headers();
    let announces_body = headers.contains_key(header::TRANSFER_ENCODING)
        || headers
            .get(header::CONTENT_LENGTH)
            .is_some_and(|length| length.as_bytes() != b"0");
    if announces_body {
        return (
            StatusCode::PAYLOAD_TOO_LARGE,
            [(header::CONNECTION, "close")],
            "this preview server accepts no request bodies\n",
        )
            .into_response();
    }
    next.run(request).await
}

/// Binds `addr`'s address at its port or, when that is taken, one of the next 20.
pub async fn bind(ip: IpAddr, port: u16) -> std::io::Result<tokio::net::TcpListener> {
    let mut last = None;
    for p in port..port.saturating_add(20) {
        match tokio::net::TcpListener::bind(SocketAddr::new(ip, p)).await {
            Ok(l) => return Ok(l),
            Err(e) => last = Some(e),
        }
    }
    Err(last.unwrap_or_else(|| std::io::Error::other("no port to try")))
}

async fn live_script() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        LIVE_JS,
    )
        .into_response()
}

async fn events(
    State(live): State<Live>,
) -> Sse<impl tokio_stream::Stream<Item = Result<Event, std::convert::Infallible>>> {
    let first = live.current_failure().map(Notice::Failed);
    let updates = BroadcastStream::new(live.notices.subscribe()).filter_map(|n| n.ok());
    let stream = tokio_stream::iter(first).chain(updates).map(|notice| {
        Ok(match notice {
            Notice::Reload => Event::default().event("reload").data("reload"),
            Notice::Failed(text) => Event::default()
                .event("failed")
                .data(serde_json::to_string(&text).unwrap_or_default()),
        })
    });
    Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}

async fn file(State(live): State<Live>, method: Method, uri: Uri) -> Response {
    if method != Method::GET && method != Method::HEAD {
        return (StatusCode::METHOD_NOT_ALLOWED, "only GET and HEAD\n").into_response();
    }
    let Some(relative) = site_path(uri.path()) else {
        return (StatusCode::FORBIDDEN, "this address is outside the site\n").into_response();
    };
    let mut path = live.site_dir.join(&relative);
    if uri.path().ends_with('/') || relative.as_os_str().is_empty() {
        path = path.join("index.html");
    } else if path.is_dir() {
        let location = format!("{}/", uri.path());
        return (
            StatusCode::MOVED_PERMANENTLY,
            [(header::LOCATION, location)],
        )
            .into_response();
    }
    match tokio::fs::read(&path).await {
        Ok(bytes) => respond(StatusCode::OK, &path, bytes, method),
        Err(_) if !live.site_dir.join("index.html").exists() => {
            // No build has succeeded yet: say why, and reload when one does.
            let text = live
                .current_failure()
                .unwrap_or_else(|| "The handbook is being built…".into());
            let page = format!(
                "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>The handbook could not be built</title></head>\n<body><h1>The handbook could not be built</h1><pre>{}</pre>\n<script src=\"{LIVE_SCRIPT}\"></script></body></html>\n",
                crate::theme::escape_html(&text)
            );
            let mut r = respond(
                StatusCode::SERVICE_UNAVAILABLE,
                Path::new("x.html"),
                page.into_bytes(),
                method,
            );
            r.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            r
        }
        Err(_) => {
            let not_found = live.site_dir.join("404.html");
            match tokio::fs::read(&not_found).await {
                Ok(bytes) => respond(StatusCode::NOT_FOUND, &not_found, bytes, method),
                Err(_) => (StatusCode::NOT_FOUND, "not found\n").into_response(),
            }
        }
    }
}

fn respond(status: StatusCode, path: &Path, bytes: Vec<u8>, method: Method) -> Response {
    let body = if method == Method::HEAD {
        Body::empty()
    } else {
        Body::from(bytes)
    };
    let mut r = Response::new(body);
    *r.status_mut() = status;
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(content_type(path)),
    );
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r.headers_mut().insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    r
}

/// The site-relative path of a request path, or `None` if it would leave the site: any `..`
/// or `.` component, a backslash, a NUL, a drive letter — after percent-decoding.
pub fn site_path(request: &str) -> Option<PathBuf> {
    let decoded = percent_encoding::percent_decode_str(request)
        .decode_utf8()
        .ok()?;
    let mut out = PathBuf::new();
    for part in decoded.split('/') {
        match part {
            "" => continue,
            "." | ".." => return None,
            p if p.contains(['\\', '\0', ':']) => return None,
            p => out.push(p),
        }
    }
    Some(out)
}

/// Content types of the files a handbook site has.
pub fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" | "htm" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "json" => "application/json",
        "xml" => "application/atom+xml",
        "csv" => "text/csv; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "txt" | "md" => "text/plain; charset=utf-8",
        "pdf" => "application/pdf",
        _ => "application/octet-stream",
    }
}

/// Reloads the page after a rebuild; shows a failed rebuild's error over the page until the
/// next good one.
const LIVE_JS: &str = r#"(function () {
  "use strict";
  var overlay = null;
  function show(text) {
    if (!overlay) {
      overlay = document.createElement("div");
      overlay.id = "procbook-error";
      overlay.setAttribute("role", "alert");
      overlay.style.cssText = "position:fixed;inset:0;z-index:2147483647;overflow:auto;background:rgba(20,20,20,.94);color:#fff;font:15px/1.5 ui-monospace,monospace;padding:2rem";
      var title = document.createElement("h2");
      title.textContent = "The last change could not be built";
      title.style.cssText = "font:bold 20px/1.3 system-ui,sans-serif;margin:0 0 1rem;color:#ffb4a9";
      var note = document.createElement("p");
      note.textContent = "Fix the file and save: this page reloads by itself. Until then the last good build is shown underneath.";
      note.style.cssText = "font:15px/1.5 system-ui,sans-serif;margin:0 0 1rem";
      var pre = document.createElement("pre");
      pre.style.cssText = "white-space:pre-wrap;margin:0";
      overlay.appendChild(title);
      overlay.appendChild(note);
      overlay.appendChild(pre);
      document.body.appendChild(overlay);
    }
    overlay.querySelector("pre").textContent = text;
  }
  var source = new EventSource("/__procbook/events");
  source.addEventListener("reload", function () { location.reload(); });
  source.addEventListener("failed", function (e) { show(JSON.parse(e.data)); });
})();
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_cannot_leave_the_site() {
        assert_eq!(
            site_path("/projects/a.html"),
            Some(PathBuf::from("projects/a.html"))
        );
        assert_eq!(site_path("/"), Some(PathBuf::new()));
        assert_eq!(
            site_path("/guide/caf%C3%A9.html"),
            Some(PathBuf::from("guide/café.html"))
        );
        for bad in [
            "/../etc/passwd",
            "/a/../../b",
            "/%2e%2e/etc/passwd",
            "/%2E%2E%2Fetc",
            "/..%5c..%5cwindows",
            "/C:/x",
            "/a/%00b",
            "/./a",
            "/%ff",
        ] {
            assert_eq!(site_path(bad), None, "{bad}");
        }
    }
}
