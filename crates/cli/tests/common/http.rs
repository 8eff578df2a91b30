//! A minimal HTTP/1.1 client over 127.0.0.1 for tests (the emulator's control routes,
//! chromedriver's WebDriver API): one request per connection, `Connection: close`.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

/// `(status, body)` of `METHOD url` (`http://127.0.0.1:PORT/path`) with an optional JSON body.
pub fn request(method: &str, url: &str, body: Option<&str>) -> (u16, String) {
    let rest = url.strip_prefix("http://").expect("an http:// URL");
    let (host, path) = rest
        .split_once('/')
        .map_or((rest, "/".to_owned()), |(h, p)| (h, format!("/{p}")));
    let mut stream = TcpStream::connect(host).unwrap_or_else(|e| panic!("connect {host}: {e}"));
    stream
        .set_read_timeout(Some(Duration::from_secs(120)))
        .unwrap();
    let body = body.unwrap_or("");
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(body.as_bytes()).unwrap();
    // Read the head, then exactly Content-Length bytes (chromedriver keeps the connection
    // open whatever `Connection: close` says), else to the end.
    let mut raw = Vec::new();
    let mut buf = [0u8; 8192];
    let (head, body_start) = loop {
        let n = stream.read(&mut buf).unwrap();
        raw.extend_from_slice(&buf[..n]);
        if let Some(at) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
            break (String::from_utf8_lossy(&raw[..at]).into_owned(), at + 4);
        }
        assert!(
            n > 0,
            "the connection closed before the response head ended"
        );
    };
    let header = |name: &str| {
        head.lines().find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.trim()
                .eq_ignore_ascii_case(name)
                .then(|| v.trim().to_owned())
        })
    };
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let mut body = raw[body_start..].to_vec();
    match header("content-length").and_then(|v| v.parse::<usize>().ok()) {
        Some(len) => {
            while body.len() < len {
                let n = stream.read(&mut buf).unwrap();
                assert!(n > 0, "the connection closed before the body ended");
                body.extend_from_slice(&buf[..n]);
            }
            body.truncate(len);
        }
        None => {
            stream.read_to_end(&mut body).unwrap();
        }
    }
    let body = String::from_utf8_lossy(&body).into_owned();
    let chunked = header("transfer-encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked"));
    let body = if chunked { dechunk(&body) } else { body };
    (status, body)
}

fn dechunk(mut body: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = body.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 {
            break;
        }
        out.push_str(&rest[..n]);
        body = rest[n..].trim_start_matches("\r\n");
    }
    out
}
