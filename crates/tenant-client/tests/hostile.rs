//! The client against hostile servers on 127.0.0.1: endless paging, huge bodies, silence, slow
//! drips, absurd `Retry-After`s, 429 storms, operations that never end, echoed secrets, links
//! to other origins, duplicate ids across pages, and a TLS certificate nobody trusts. Every one
//! must end within the configured limits with an error that says what happened.

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use ppgov_tenant_client::{
    AuthConfig, Client, ClientConfig, Cloud, ErrorKind, Limits, ObserveOptions, Secret, WaitEvent,
    WaitObserver, WaitReason,
};
use serde_json::json;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const ENVIRONMENTS: &str = "/providers/Microsoft.BusinessAppPlatform/scopes/admin/environments";
const TOKEN: &str = "canary-token-6c1f0b7e9a2d4f30";

/// What the hostile server does with a request: `None` falls back to an empty, valid tenant.
type Behaviour = Arc<dyn Fn(&Request, u32) -> Option<Response> + Send + Sync>;

#[derive(Clone)]
struct Hostile {
    behaviour: Behaviour,
    requests: Arc<AtomicU32>,
}

/// A server that answers every listing with an empty page and the tenant with an id, except
/// where `behaviour` says otherwise. Returns its base URL and its request counter.
async fn serve(
    behaviour: impl Fn(&Request, u32, u16) -> Option<Response> + Send + Sync + 'static,
) -> (String, Arc<AtomicU32>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let requests = Arc::new(AtomicU32::new(0));
    let state = Hostile {
        behaviour: Arc::new(move |r, n| behaviour(r, n, port)),
        requests: requests.clone(),
    };
    let app = Router::new().fallback(handle).with_state(state);
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://127.0.0.1:{port}"), requests)
}

async fn handle(State(s): State<Hostile>, req: Request) -> Response {
    let n = s.requests.fetch_add(1, Ordering::SeqCst) + 1;
    if let Some(r) = (s.behaviour)(&req, n) {
        return r;
    }
    let path = req.uri().path();
    if path.ends_with("listTenantSettings") {
        return axum::Json(json!({})).into_response();
    }
    axum::Json(json!({"value": [], "tenantId": "00000000-0000-0000-0000-0000000000aa"}))
        .into_response()
}

fn config(base: &str) -> ClientConfig {
    let mut c = ClientConfig::new(Cloud::Public, AuthConfig::Static(Secret::new(TOKEN)))
        .with_single_base_url(base);
    c.retry.base_backoff = Duration::from_millis(5);
    c.retry.max_backoff = Duration::from_millis(20);
    c
}

async fn observe(config: ClientConfig) -> Result<(), ppgov_tenant_client::ClientError> {
    Client::new(config)
        .unwrap()
        .observe(&ObserveOptions::default())
        .await
        .map(|_| ())
}

fn environment(name: &str) -> serde_json::Value {
    json!({"name": name, "id": format!("/providers/x/environments/{name}"), "properties": {"displayName": name}})
}

fn is_environments(req: &Request) -> bool {
    req.uri().path() == ENVIRONMENTS
}

#[tokio::test]
async fn paging_that_never_ends_is_cut_at_max_pages() {
    let (base, requests) = serve(|req, n, port| {
        is_environments(req).then(|| {
            axum::Json(json!({
                "value": [environment(&format!("env-{n}"))],
                "nextLink": format!("http://127.0.0.1:{port}{ENVIRONMENTS}?page={n}")
            }))
            .into_response()
        })
    })
    .await;
    let mut c = config(&base);
    c.limits.max_pages = 25;
    let e = observe(c).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::InvalidResponse, "{e}");
    assert!(e.to_string().contains("past 25 pages"), "{e}");
    assert!(e.to_string().contains(ENVIRONMENTS), "{e}");
    assert!(requests.load(Ordering::SeqCst) < 40);
}

#[tokio::test]
async fn a_huge_body_is_refused_while_it_streams() {
    // 400 MB, streamed in 1 MB chunks without a Content-Length: never held by the test.
    let (base, _) = serve(|req, _, _| {
        is_environments(req).then(|| {
            let chunk = bytes_of_mb();
            let stream = futures::stream::iter(
                (0..400).map(move |_| Ok::<_, std::io::Error>(chunk.clone())),
            );
            Response::new(Body::from_stream(stream))
        })
    })
    .await;
    let mut c = config(&base);
    c.limits.max_response_bytes = 8 * 1024 * 1024;
    let e = observe(c).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::InvalidResponse, "{e}");
    assert!(e.to_string().contains("larger than 8388608 bytes"), "{e}");
}

fn bytes_of_mb() -> axum::body::Bytes {
    axum::body::Bytes::from(vec![b' '; 1024 * 1024])
}

#[tokio::test]
async fn a_silent_server_fails_a_read_within_the_read_timeout() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let accepted = Arc::new(AtomicU32::new(0));
    let counter = accepted.clone();
    tokio::spawn(async move {
        let mut open = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            counter.fetch_add(1, Ordering::SeqCst);
            open.push(socket); // held open, never answered
        }
    });
    let mut c = config(&base);
    c.limits.read_timeout = Duration::from_millis(600);
    let e = observe(c).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Timeout, "{e}");
    assert!(e.to_string().contains("read_timeout"), "{e}");
}

#[tokio::test]
async fn a_slow_drip_fails_a_read_within_the_read_timeout() {
    let (base, _) = serve(|req, _, _| {
        is_environments(req).then(|| {
            let stream = futures::stream::unfold(0u32, |i| async move {
                tokio::time::sleep(Duration::from_millis(100)).await;
                Some((
                    Ok::<_, std::io::Error>(axum::body::Bytes::from_static(b" ")),
                    i + 1,
                ))
            });
            Response::new(Body::from_stream(stream))
        })
    })
    .await;
    let mut c = config(&base);
    c.limits.read_timeout = Duration::from_millis(700);
    let e = observe(c).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Timeout, "{e}");
}

#[test]
fn reads_fail_within_about_a_minute_by_default() {
    let limits = Limits::default();
    assert_eq!(limits.read_timeout, Duration::from_secs(60));
    let c = ClientConfig::new(Cloud::Public, AuthConfig::Static(Secret::new(TOKEN)));
    assert!(c.request_timeout <= limits.read_timeout);
}

#[tokio::test]
async fn an_absurd_retry_after_fails_at_once() {
    let (base, requests) = serve(|req, _, _| {
        is_environments(req).then(|| {
            (
                StatusCode::TOO_MANY_REQUESTS,
                [("retry-after", "999999")],
                "slow down",
            )
                .into_response()
        })
    })
    .await;
    let e = observe(config(&base)).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Throttled, "{e}");
    assert!(e.to_string().contains("999999s"), "{e}");
    assert!(e.to_string().contains("retry_after_cap"), "{e}");
    // The environments listing was asked once; the other listings once each.
    assert!(requests.load(Ordering::SeqCst) <= 9);
}

#[tokio::test]
async fn throttling_does_not_use_up_the_attempts() {
    // Eight 429s in a row are more than the 5 attempts, but well within the time budget.
    let throttled = Arc::new(AtomicU32::new(0));
    let seen = throttled.clone();
    let (base, _) = serve(move |req, _, _| {
        if is_environments(req) && seen.fetch_add(1, Ordering::SeqCst) < 8 {
            return Some(
                (
                    StatusCode::TOO_MANY_REQUESTS,
                    [("retry-after", "0.01")],
                    "slow down",
                )
                    .into_response(),
            );
        }
        None
    })
    .await;
    let events = Arc::new(Mutex::new(Vec::<WaitEvent>::new()));
    let sink = events.clone();
    let mut c = config(&base);
    c.on_wait = Some(WaitObserver(Arc::new(move |e| {
        sink.lock().unwrap().push(e.clone())
    })));
    observe(c).await.unwrap();
    assert_eq!(throttled.load(Ordering::SeqCst), 9);
    let events = events.lock().unwrap();
    assert_eq!(events.len(), 8);
    assert!(events.iter().all(|e| e.reason == WaitReason::Throttled
        && e.wait == Duration::from_millis(10)
        && e.request.contains(ENVIRONMENTS)));
}

#[tokio::test]
async fn a_429_storm_ends_at_the_throttling_budget() {
    let (base, requests) = serve(|req, _, _| {
        is_environments(req).then(|| {
            (
                StatusCode::TOO_MANY_REQUESTS,
                [("retry-after", "0.02")],
                "slow down",
            )
                .into_response()
        })
    })
    .await;
    let mut c = config(&base);
    c.limits.throttle_budget = Duration::from_millis(400);
    let e = observe(c).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Throttled, "{e}");
    assert!(e.to_string().contains("throttle_budget"), "{e}");
    // More than the 5 attempts: throttled requests are budgeted by time, not counted.
    assert!(requests.load(Ordering::SeqCst) > 5);
}

#[tokio::test]
async fn an_operation_that_never_ends_is_reported_while_waiting_and_times_out() {
    let env = "00000000-0000-0000-0000-00000000e001";
    let (base, _) = serve(move |req, _, port| {
        let path = req.uri().path();
        if path.ends_with("/governanceConfiguration") {
            let location = format!("http://127.0.0.1:{port}/operations/forever");
            return Some((StatusCode::ACCEPTED, [("location", location)], "").into_response());
        }
        if path == "/operations/forever" {
            return Some(axum::Json(json!({"status": "Running"})).into_response());
        }
        None
    })
    .await;
    let events = Arc::new(Mutex::new(Vec::<WaitEvent>::new()));
    let sink = events.clone();
    let mut c = config(&base);
    c.lro.deadline = Duration::from_millis(800);
    c.lro.poll_interval = Duration::from_millis(100);
    c.on_wait = Some(WaitObserver(Arc::new(move |e| {
        sink.lock().unwrap().push(e.clone())
    })));
    let client = Client::new(c).unwrap();
    let e = client.set_managed(env, true).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Timeout, "{e}");
    assert!(e.to_string().contains("did not finish"), "{e}");
    assert!(e.to_string().contains("Running"), "{e}");
    let events = events.lock().unwrap();
    assert!(!events.is_empty());
    assert!(events.iter().all(|e| e.reason
        == WaitReason::Operation {
            state: "Running".into()
        }
        && e.wait <= Duration::from_millis(100)
        && e.limit == Duration::from_millis(800)));
    // The polls back off: each wait at least as long as the one before.
    assert!(events.windows(2).all(|w| w[0].wait <= w[1].wait));
    assert!(
        events[0]
            .to_string()
            .contains("operation running (state: Running)"),
        "{}",
        events[0]
    );
}

#[tokio::test]
async fn the_first_poll_of_an_operation_comes_at_once() {
    // The server hints 5 s; the operation is already done. Polling only after the hint would
    // take 5 s: the client polls first after a few milliseconds, so this ends long before the
    // 2 s LRO deadline set here.
    let env = "00000000-0000-0000-0000-00000000e001";
    let (base, _) = serve(move |req, _, port| {
        let path = req.uri().path();
        if path.ends_with("/governanceConfiguration") {
            let location = format!("http://127.0.0.1:{port}/operations/done");
            return Some(
                (
                    StatusCode::ACCEPTED,
                    [("location", location), ("retry-after", "5".to_owned())],
                    "",
                )
                    .into_response(),
            );
        }
        if path == "/operations/done" {
            return Some(axum::Json(json!({"status": "Succeeded"})).into_response());
        }
        if path.ends_with(env) {
            return Some(
                axum::Json(json!({"name": env, "properties": {
                    "governanceConfiguration": {"protectionLevel": "Standard"}
                }}))
                .into_response(),
            );
        }
        None
    })
    .await;
    let mut c = config(&base);
    c.lro.deadline = Duration::from_secs(2);
    let client = Client::new(c).unwrap();
    let e = client.set_managed(env, true).await.unwrap();
    assert!(e.managed);
}

#[tokio::test]
async fn an_echoed_token_is_masked_in_errors() {
    let (base, _) = serve(|req, _, _| {
        let auth = req
            .headers()
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        is_environments(req).then(|| {
            (
                StatusCode::BAD_REQUEST,
                axum::Json(
                    json!({"error": {"code": "Echo", "message": format!("you sent {auth}")}}),
                ),
            )
                .into_response()
        })
    })
    .await;
    let e = observe(config(&base)).await.unwrap_err();
    let text = format!("{e} {e:?}");
    assert!(text.contains("you sent Bearer ***"), "{text}");
    assert!(!text.contains(TOKEN), "{text}");
}

#[tokio::test]
async fn an_echoed_token_in_an_unparsable_2xx_body_is_masked() {
    let (base, _) = serve(|req, _, _| {
        let auth = req
            .headers()
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        is_environments(req).then(|| format!("not json {auth}").into_response())
    })
    .await;
    let e = observe(config(&base)).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::InvalidResponse, "{e}");
    assert!(!format!("{e} {e:?}").contains(TOKEN), "{e}");
}

#[tokio::test]
async fn a_token_endpoint_echoing_the_client_secret_is_masked() {
    const CLIENT_SECRET: &str = "canary-secret~with+special/chars=9f";
    let (base, _) = serve(|req, _, _| {
        req.uri().path().ends_with("/oauth2/v2.0/token").then(|| {
            // The form body is not available here; echo the secret as a careless authority
            // would, form-encoded and raw.
            let encoded = "canary-secret%7Ewith%2Bspecial%2Fchars%3D9f";
            (
                StatusCode::BAD_REQUEST,
                axum::Json(json!({
                    "error": "invalid_client",
                    "error_description": format!("bad request client_secret={encoded} ({CLIENT_SECRET})")
                })),
            )
                .into_response()
        })
    })
    .await;
    let auth = AuthConfig::ClientSecret {
        authority: Some(base.clone()),
        tenant_id: "t".into(),
        client_id: "c".into(),
        client_secret: Secret::new(CLIENT_SECRET),
    };
    let c = ClientConfig::new(Cloud::Public, auth).with_single_base_url(&base);
    let e = observe(c).await.unwrap_err();
    let text = format!("{e} {e:?}");
    assert_eq!(e.kind, ErrorKind::Auth, "{text}");
    assert!(text.contains("client_secret=***"), "{text}");
    assert!(!text.contains("canary-secret"), "{text}");
}

#[tokio::test]
async fn links_to_another_origin_are_not_followed() {
    for evil in [
        "https://evil.localhost:{other}/x",
        "http://localhost:{other}/x",
        "http://127.0.0.1:{other}/x",
        "https://localhost:{port}/x",
    ] {
        let (other, other_requests) = serve(|_, _, _| None).await;
        let other_port = other.rsplit(':').next().unwrap().to_owned();
        let evil_link = evil.replace("{other}", &other_port);
        let (base, _) = serve(move |req, _, port| {
            is_environments(req).then(|| {
                axum::Json(json!({
                    "value": [environment("a")],
                    "nextLink": evil_link.replace("{port}", &port.to_string()),
                }))
                .into_response()
            })
        })
        .await;
        // The issue's case: a base URL on `localhost`.
        let base = base.replace("127.0.0.1", "localhost");
        let e = observe(config(&base)).await.unwrap_err();
        assert_eq!(e.kind, ErrorKind::InvalidResponse, "{evil}: {e}");
        assert!(
            e.to_string().contains("not a configured API origin"),
            "{evil}: {e}"
        );
        assert_eq!(other_requests.load(Ordering::SeqCst), 0, "{evil}");
    }
}

#[tokio::test]
async fn links_to_the_same_origin_are_followed() {
    let (base, _) = serve(|req, _, port| {
        is_environments(req).then(|| {
            if req.uri().query().is_some_and(|q| q.contains("page=2")) {
                axum::Json(json!({"value": [environment("b")]})).into_response()
            } else {
                axum::Json(json!({
                    "value": [environment("a")],
                    "nextLink": format!("http://localhost:{port}{ENVIRONMENTS}?page=2"),
                }))
                .into_response()
            }
        })
    })
    .await;
    let base = base.replace("127.0.0.1", "localhost");
    let observed = Client::new(config(&base))
        .unwrap()
        .observe(&ObserveOptions::default())
        .await
        .unwrap();
    assert_eq!(observed.environments.len(), 2);
}

#[tokio::test]
async fn duplicate_ids_across_pages_are_refused_naming_the_listing() {
    let (base, _) = serve(|req, _, port| {
        is_environments(req).then(|| {
            if req.uri().query().is_some_and(|q| q.contains("page=2")) {
                axum::Json(json!({"value": [environment("C"), environment("B")]})).into_response()
            } else {
                axum::Json(json!({
                    "value": [environment("a"), environment("b")],
                    "nextLink": format!("http://127.0.0.1:{port}{ENVIRONMENTS}?page=2"),
                }))
                .into_response()
            }
        })
    })
    .await;
    let e = observe(config(&base)).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::InvalidResponse, "{e}");
    let text = e.to_string();
    assert!(text.contains(&format!("GET bap {ENVIRONMENTS}")), "{text}");
    assert!(text.contains("`b` twice (pages 1 and 2)"), "{text}");
}

#[tokio::test]
async fn a_tls_certificate_error_is_not_retried() {
    use tokio_rustls::rustls;
    let cert = rustls::pki_types::CertificateDer::from(
        include_bytes!("fixtures/self-signed-cert.der").to_vec(),
    );
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(
        include_bytes!("fixtures/self-signed-key.der")
            .to_vec()
            .into(),
    );
    let tls = rustls::ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(vec![cert], key)
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(tls));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let handshakes = Arc::new(AtomicU32::new(0));
    let counter = handshakes.clone();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            counter.fetch_add(1, Ordering::SeqCst);
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                // The client refuses the certificate: the handshake fails on its side.
                let _ = acceptor.accept(socket).await;
            });
        }
    });
    let mut c = config(&format!("https://localhost:{port}"));
    c.retry.max_attempts = 5;
    let client = Client::new(c).unwrap();
    let e = client.tenant_id().await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Connection, "{e}");
    let text = e.to_string();
    assert!(text.contains("certificate"), "{text}");
    assert!(text.contains("not retried"), "{text}");
    assert_eq!(handshakes.load(Ordering::SeqCst), 1, "{text}");
    assert_eq!(client.stats().retries, 0);
}

const FLOWS: &str = "/providers/Microsoft.ProcessSimple/scopes/admin/environments/env-1/v2/flows";

fn flow(name: &str) -> serde_json::Value {
    json!({"name": name, "properties": {"environment": {"name": "env-1"}}})
}

#[tokio::test]
async fn an_inventory_listing_that_pages_forever_is_cut_at_max_pages() {
    let (base, requests) = serve(|req, n, port| {
        (req.uri().path() == FLOWS).then(|| {
            axum::Json(json!({
                "value": [flow(&format!("flow-{n}"))],
                "nextLink": format!("http://127.0.0.1:{port}{FLOWS}?api-version=2016-11-01&page={n}")
            }))
            .into_response()
        })
    })
    .await;
    let mut c = config(&base);
    c.limits.max_pages = 25;
    let e = Client::new(c)
        .unwrap()
        .read_inventory(&["ENV-1".to_owned()].into())
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::InvalidResponse, "{e}");
    assert!(e.to_string().contains("past 25 pages"), "{e}");
    assert!(e.to_string().contains(FLOWS), "{e}");
    // The flows already listed may be read one by one meanwhile; nothing goes on past the cap.
    assert!(requests.load(Ordering::SeqCst) < 80);
}

#[tokio::test]
async fn an_inventory_listing_that_repeats_a_page_is_an_error() {
    let (base, _) = serve(|req, _, port| {
        (req.uri().path() == FLOWS).then(|| {
            axum::Json(json!({
                "value": [],
                "nextLink": format!("http://127.0.0.1:{port}{FLOWS}?api-version=2016-11-01&page=again")
            }))
            .into_response()
        })
    })
    .await;
    let e = Client::new(config(&base))
        .unwrap()
        .read_inventory(&["env-1".to_owned()].into())
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::InvalidResponse, "{e}");
    assert!(e.to_string().contains("repeats an earlier one"), "{e}");
}

#[tokio::test]
async fn an_inventory_read_that_outlasts_the_deadline_fails_in_bounded_time() {
    let (base, _) = serve(|req, _, _| {
        req.uri()
            .path()
            .ends_with("/apps")
            .then(|| StatusCode::SERVICE_UNAVAILABLE.into_response())
    })
    .await;
    let mut c = config(&base);
    c.retry.max_attempts = 1000;
    c.limits.observe_deadline = Duration::from_millis(300);
    let started = std::time::Instant::now();
    let e = Client::new(c)
        .unwrap()
        .read_inventory(&["env-1".to_owned()].into())
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Timeout, "{e}");
    assert!(e.to_string().contains("observe_deadline"), "{e}");
    assert!(started.elapsed() < Duration::from_secs(10));
}

// ---- Power Platform Advisor ---------------------------------------------------------------

const ADVISOR: &str = "/analytics/advisorRecommendations";

/// An Advisor with one scenario, `Shared`, whose listings `resources` answers (with the
/// request number and port); every other request gets the default answer.
async fn serve_advisor(
    resources: impl Fn(u32, u16) -> Response + Send + Sync + 'static,
) -> (String, Arc<AtomicU32>) {
    serve(move |req, n, port| match req.uri().path() {
        p if p == format!("{ADVISOR}/scenarios") => Some(
            axum::Json(
                json!([{"scenario": "Shared", "scenarioName": "Apps shared with everyone"}]),
            )
            .into_response(),
        ),
        ADVISOR => Some(
            axum::Json(json!({"value": [{"scenario": "Shared", "details": {"resourceCount": 2}}]}))
                .into_response(),
        ),
        p if p == format!("{ADVISOR}/Shared/resources") => Some(resources(n, port)),
        _ => None,
    })
    .await
}

fn advisor_resource(id: &str) -> serde_json::Value {
    json!({"resourceId": id, "resourceName": format!("App {id}"), "resourceType": "PowerApp",
           "environmentId": "env-1", "resourceUsage": 12.0})
}

#[tokio::test]
async fn advisor_resources_that_page_forever_are_cut_at_max_pages() {
    let (base, requests) = serve_advisor(|n, port| {
        axum::Json(json!({
            "value": [advisor_resource(&format!("app-{n}"))],
            "nextLink": format!("http://127.0.0.1:{port}{ADVISOR}/Shared/resources?api-version=2024-10-01&$skipToken={n}")
        }))
        .into_response()
    })
    .await;
    let mut c = config(&base);
    c.limits.max_pages = 25;
    let e = Client::new(c).unwrap().read_advisor().await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::InvalidResponse, "{e}");
    assert!(e.to_string().contains("past 25 pages"), "{e}");
    assert!(e.to_string().contains("/Shared/resources"), "{e}");
    assert!(requests.load(Ordering::SeqCst) < 40);
}

#[tokio::test]
async fn advisor_resources_repeating_a_next_link_are_an_error() {
    let (base, _) = serve_advisor(|_, port| {
        axum::Json(json!({
            "value": [],
            "nextLink": format!("http://127.0.0.1:{port}{ADVISOR}/Shared/resources?$skipToken=same")
        }))
        .into_response()
    })
    .await;
    let e = Client::new(config(&base))
        .unwrap()
        .read_advisor()
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::InvalidResponse, "{e}");
    assert!(e.to_string().contains("repeats an earlier one"), "{e}");
}

#[tokio::test]
async fn advisor_throttling_is_retried_then_the_resources_are_read() {
    let throttled = Arc::new(AtomicU32::new(0));
    let seen = throttled.clone();
    let (base, _) = serve_advisor(move |_, port| {
        if seen.fetch_add(1, Ordering::SeqCst) < 2 {
            return (
                StatusCode::TOO_MANY_REQUESTS,
                [("retry-after", "0.01")],
                "slow down",
            )
                .into_response();
        }
        let second_page = seen.load(Ordering::SeqCst) > 3;
        if second_page {
            axum::Json(json!({"value": [advisor_resource("app-2")]})).into_response()
        } else {
            axum::Json(json!({
                "value": [advisor_resource("app-1")],
                "nextLink": format!("http://127.0.0.1:{port}{ADVISOR}/Shared/resources?api-version=2024-10-01&$skipToken=1")
            }))
            .into_response()
        }
    })
    .await;
    let advisor = Client::new(config(&base))
        .unwrap()
        .read_advisor()
        .await
        .unwrap();
    assert_eq!(throttled.load(Ordering::SeqCst), 4);
    let [r] = advisor.recommendations.as_slice() else {
        panic!("{advisor:?}")
    };
    assert_eq!(r.scenario, "Shared");
    assert_eq!(r.name, "Apps shared with everyone");
    assert_eq!(r.category, ppgov_core::advisor::Category::Security);
    let ids: Vec<&str> = r.resources.iter().map(|x| x.id.as_str()).collect();
    assert_eq!(ids, ["app-1", "app-2"]);
}

#[tokio::test]
async fn advisor_garbage_is_an_error_naming_the_request() {
    for (body, says) in [
        ("<html>maintenance</html>", "/Shared/resources"),
        (r#"{"value": "nope"}"#, "/Shared/resources"),
        (
            r#"{"value": [{"resourceName": "No id"}]}"#,
            "scenario `Shared` has no resourceId (resourceName `No id`)",
        ),
    ] {
        let (base, _) = serve_advisor(move |_, _| {
            (StatusCode::OK, [("content-type", "application/json")], body).into_response()
        })
        .await;
        let e = Client::new(config(&base))
            .unwrap()
            .read_advisor()
            .await
            .unwrap_err();
        assert_eq!(e.kind, ErrorKind::InvalidResponse, "{e}");
        assert!(e.to_string().contains(says), "{body}: {e}");
    }
}

#[tokio::test]
async fn an_advisor_read_that_outlasts_the_deadline_fails_in_bounded_time() {
    let (base, _) = serve_advisor(|_, _| StatusCode::SERVICE_UNAVAILABLE.into_response()).await;
    let mut c = config(&base);
    c.retry.max_attempts = 1000;
    c.limits.observe_deadline = Duration::from_millis(300);
    let started = std::time::Instant::now();
    let e = Client::new(c).unwrap().read_advisor().await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Timeout, "{e}");
    assert!(e.to_string().contains("Advisor"), "{e}");
    assert!(started.elapsed() < Duration::from_secs(10));
}
