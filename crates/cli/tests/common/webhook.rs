//! A webhook receiver on 127.0.0.1 (axum) for the tests of `--notify`: it logs every message
//! and answers as scripted per path.

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// A webhook URL's path is its credential: it must never be printed.
pub const HOOK_KEY: &str = "sig-hook-key-0a1b2c3d";

#[derive(Clone, Debug)]
pub struct Received {
    pub path: String,
    pub body: String,
    pub content_type: String,
    pub at: Instant,
}

/// A status, and the `Retry-After` that comes with it.
pub type Reply = (u16, Option<&'static str>);

/// Replies per path, in order; once they run out, `200 ok`. A path starting with `/down`
/// always answers 503.
#[derive(Clone, Default)]
pub struct Receiver {
    log: Arc<Mutex<Vec<Received>>>,
    script: Arc<Mutex<BTreeMap<String, VecDeque<Reply>>>>,
}

impl Receiver {
    pub fn received(&self, path: &str) -> Vec<Received> {
        self.log
            .lock()
            .unwrap()
            .iter()
            .filter(|r| r.path == path)
            .cloned()
            .collect()
    }

    pub fn script(&self, path: &str, replies: &[Reply]) {
        self.script
            .lock()
            .unwrap()
            .insert(path.to_owned(), replies.iter().copied().collect());
    }
}

async fn hook(State(r): State<Receiver>, uri: Uri, headers: HeaderMap, body: String) -> Response {
    let path = uri.path().to_owned();
    r.log.lock().unwrap().push(Received {
        path: path.clone(),
        body,
        content_type: headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned(),
        at: Instant::now(),
    });
    if path.starts_with("/down") {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            [("retry-after", "0")],
            "down",
        )
            .into_response();
    }
    let next = r
        .script
        .lock()
        .unwrap()
        .get_mut(&path)
        .and_then(VecDeque::pop_front);
    match next {
        Some((status, retry_after)) => {
            let status = StatusCode::from_u16(status).unwrap();
            match retry_after {
                Some(s) => (status, [("retry-after", s)], "busy").into_response(),
                // A hostile receiver: the URL it was called with, in its error.
                None => (status, format!("rejected: bad payload at {uri}")).into_response(),
            }
        }
        None => (StatusCode::OK, "ok").into_response(),
    }
}

pub struct Harness {
    pub rt: tokio::runtime::Runtime,
    pub receiver: Receiver,
    pub base: String,
}

/// A receiver on 127.0.0.1, served on its own runtime.
pub fn start() -> Harness {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let receiver = Receiver::default();
    let app = Router::new()
        .route("/{*path}", axum::routing::post(hook))
        .with_state(receiver.clone());
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    rt.spawn(async move { axum::serve(listener, app).await });
    Harness { rt, receiver, base }
}

impl Harness {
    /// `prefix+http://127.0.0.1:PORT/path/prefix/HOOK_KEY` and the path the receiver sees.
    pub fn target(&self, prefix: &str, path: &str) -> (String, String) {
        let path = format!("/{path}/{prefix}/{HOOK_KEY}");
        (format!("{prefix}+{}{path}?sig={HOOK_KEY}", self.base), path)
    }
}
