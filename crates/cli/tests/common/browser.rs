//! A real headless Chromium over WebDriver (Debian's `chromium` and `chromium-driver`, with
//! chromedriver on 127.0.0.1), for the tests of the HTML reports.

use super::http;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Where Debian's `chromium` and `chromium-driver` put them, else on PATH.
pub fn find(program: &str) -> PathBuf {
    let on_path = std::env::var_os("PATH")
        .map(|p| {
            std::env::split_paths(&p)
                .map(|d| d.join(program))
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    on_path
        .into_iter()
        .chain([PathBuf::from("/usr/bin").join(program)])
        .find(|p| p.is_file())
        .unwrap_or_else(|| {
            panic!(
                "`{program}` is not installed, and the HTML report must be tested in a real browser: install it with `apt-get install -y chromium chromium-driver` (Debian; .ci/run does this)"
            )
        })
}

/// chromedriver on a free loopback port, killed (by its own handle) when dropped.
pub struct Driver {
    child: Child,
    url: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn start_driver() -> Driver {
    let chromedriver = find("chromedriver");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(chromedriver)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver starts");
    let driver = Driver {
        child,
        url: format!("http://127.0.0.1:{port}"),
    };
    // Ready when /status answers (it starts in well under a second; the bound is generous).
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            let (status, body) = http::request("GET", &format!("{}/status", driver.url), None);
            if status == 200 && body.contains("\"ready\":true") {
                return driver;
            }
        }
        assert!(Instant::now() < deadline, "chromedriver did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// One WebDriver command; panics with the driver's answer unless it succeeds.
pub fn webdriver(method: &str, url: &str, body: Option<Value>) -> Value {
    let (status, answer) = http::request(method, url, body.map(|b| b.to_string()).as_deref());
    assert_eq!(status, 200, "{method} {url}: {answer}");
    serde_json::from_str::<Value>(&answer).unwrap()["value"].clone()
}

pub struct Session {
    pub url: String,
}

impl Session {
    pub fn new(driver: &Driver) -> Session {
        let chromium = find("chromium");
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": chromium,
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,900"],
            },
            "goog:loggingPrefs": {"browser": "ALL"},
        }}});
        let value = webdriver("POST", &format!("{}/session", driver.url), Some(caps));
        let id = value["sessionId"].as_str().expect("a session id");
        Session {
            url: format!("{}/session/{id}", driver.url),
        }
    }

    pub fn open(&self, path: &Path) {
        let url = format!("file://{}", path.display());
        webdriver(
            "POST",
            &format!("{}/url", self.url),
            Some(json!({"url": url})),
        );
    }

    pub fn script(&self, script: &str) -> Value {
        webdriver(
            "POST",
            &format!("{}/execute/sync", self.url),
            Some(json!({"script": script, "args": []})),
        )
    }

    /// The browser's console since the last call.
    pub fn console(&self) -> Vec<Value> {
        webdriver(
            "POST",
            &format!("{}/se/log", self.url),
            Some(json!({"type": "browser"})),
        )
        .as_array()
        .cloned()
        .unwrap_or_default()
    }

    pub fn screenshot(&self, name: &str) -> PathBuf {
        let png = webdriver("GET", &format!("{}/screenshot", self.url), None);
        let bytes = base64_decode(png.as_str().unwrap());
        assert!(bytes.starts_with(b"\x89PNG"), "a PNG");
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
            .parent()
            .unwrap()
            .join("report-screenshots");
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    }

    pub fn resize(&self, width: u32, height: u32) {
        webdriver(
            "POST",
            &format!("{}/window/rect", self.url),
            Some(json!({"width": width, "height": height})),
        );
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        let _ = http::request("DELETE", &self.url, None);
    }
}

fn base64_decode(s: &str) -> Vec<u8> {
    let value = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => panic!("not base64: {c}"),
    };
    let clean: Vec<u8> = s
        .bytes()
        .filter(|c| !c.is_ascii_whitespace() && *c != b'=')
        .collect();
    let mut out = Vec::with_capacity(clean.len() * 3 / 4);
    for chunk in clean.chunks(4) {
        let mut n = 0u32;
        for (i, &c) in chunk.iter().enumerate() {
            n |= u32::from(value(c)) << (18 - 6 * i);
        }
        let bytes = n.to_be_bytes();
        out.extend_from_slice(&bytes[1..chunk.len()]);
    }
    out
}
