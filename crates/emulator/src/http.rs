//! Request plumbing shared by the routes: the request context (absolute base URL, query),
//! JSON bodies with API-shaped errors, paging, timestamps and ids.

use crate::error::{ApiError, ApiResult, Flavor};
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::{StatusCode, header, request::Parts};
use serde::de::DeserializeOwned;
use std::time::{SystemTime, UNIX_EPOCH};

/// What every handler needs to know about the request besides its body.
#[derive(Clone, Debug)]
pub struct Ctx {
    /// `http://host:port` as the client addressed us (absolute links point back here).
    pub base_url: String,
    pub path: String,
    /// Decoded query pairs, in order.
    pub query: Vec<(String, String)>,
}

impl Ctx {
    pub fn flavor(&self) -> Flavor {
        Flavor::for_path(&self.path)
    }

    pub fn param(&self, key: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v.as_str())
    }

    pub fn url(&self, path_and_query: &str) -> String {
        format!("{}{path_and_query}", self.base_url)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Ctx {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ctx_from_parts(parts))
    }
}

pub fn ctx_from_parts(parts: &Parts) -> Ctx {
    let host = parts
        .headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .or_else(|| parts.uri.authority().map(|a| a.as_str()))
        .unwrap_or("127.0.0.1");
    Ctx {
        base_url: format!("http://{host}"),
        path: parts.uri.path().to_owned(),
        query: parse_query(parts.uri.query().unwrap_or("")),
    }
}

/// Parses `a=b&c=d` (also form bodies), percent- and plus-decoding.
pub fn parse_query(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(k), decode(v))
        })
        .collect()
}

fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(b) => {
                        out.push(b);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A JSON request body whose errors are API-shaped 400s.
pub struct Body<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Body<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let flavor = Flavor::for_path(req.uri().path());
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|e| ApiError::bad_request(flavor, format!("cannot read the body: {e}")))?;
        parse_body(flavor, &bytes).map(Body)
    }
}

pub fn parse_body<T: DeserializeOwned>(flavor: Flavor, bytes: &[u8]) -> ApiResult<T> {
    let text = if bytes.iter().all(u8::is_ascii_whitespace) {
        b"null".as_slice()
    } else {
        bytes
    };
    serde_json::from_slice(text).map_err(|e| {
        ApiError::new(
            flavor,
            StatusCode::BAD_REQUEST,
            ppgov_tenant_api::errors::codes::BAD_REQUEST,
            format!("The request body is invalid: {e}"),
        )
    })
}

/// Cuts one page out of `items` by `$skiptoken` (an offset) and `$top` (default `page_size`),
/// and builds the absolute continuation link: the request URL with its query kept and
/// `$skiptoken` replaced.
pub fn paginate<T>(
    items: Vec<T>,
    ctx: &Ctx,
    page_size: usize,
) -> ApiResult<(Vec<T>, Option<String>)> {
    paginate_by("$skiptoken", items, ctx, page_size)
}

/// [`paginate`] with the continuation parameter spelled `token` (read without case; Advisor
/// writes `$skipToken`).
pub fn paginate_by<T>(
    token: &str,
    items: Vec<T>,
    ctx: &Ctx,
    page_size: usize,
) -> ApiResult<(Vec<T>, Option<String>)> {
    let flavor = ctx.flavor();
    let skip = match ctx.param(token) {
        None => 0,
        Some(t) => t
            .parse::<usize>()
            .map_err(|_| ApiError::bad_request(flavor, format!("invalid {token} {t:?}")))?,
    };
    let top = match ctx.param("$top") {
        None => page_size,
        Some(t) => t
            .parse::<usize>()
            .ok()
            .filter(|n| *n > 0)
            .ok_or_else(|| ApiError::bad_request(flavor, format!("invalid $top {t:?}")))?,
    };
    let total = items.len();
    let page: Vec<T> = items.into_iter().skip(skip).take(top).collect();
    let next = skip.saturating_add(top);
    let link = (next < total).then(|| {
        let mut query: Vec<String> = ctx
            .query
            .iter()
            .filter(|(k, _)| !k.eq_ignore_ascii_case(token))
            .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
            .collect();
        query.push(format!("{token}={next}"));
        ctx.url(&format!("{}?{}", ctx.path, query.join("&")))
    });
    Ok((page, link))
}

fn encode(s: &str) -> String {
    ppgov_tenant_api::paths::encode(s)
}

/// Now as ISO 8601 UTC with 7 fractional digits, like the service.
pub fn now_iso() -> String {
    let d = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    iso_from_unix(d.as_secs() as i64, d.subsec_nanos() / 100)
}

/// `secs` since the epoch plus `ticks` of 100 ns as `YYYY-MM-DDTHH:MM:SS.fffffffZ`.
pub fn iso_from_unix(secs: i64, ticks: u32) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{ticks:07}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Howard Hinnant's days-to-civil algorithm.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

pub fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_dates() {
        assert_eq!(iso_from_unix(0, 0), "1970-01-01T00:00:00.0000000Z");
        assert_eq!(
            iso_from_unix(1_790_000_000, 1_234_567),
            "2026-09-21T14:13:20.1234567Z"
        );
    }

    #[test]
    fn query_decoding() {
        assert_eq!(
            parse_query("$filter=environment%20eq%20%27~Default%27&a=b+c&flag"),
            vec![
                ("$filter".into(), "environment eq '~Default'".into()),
                ("a".into(), "b c".into()),
                ("flag".into(), "".into())
            ]
        );
        assert_eq!(parse_query("x=%zz%4"), vec![("x".into(), "%zz%4".into())]);
    }
}
