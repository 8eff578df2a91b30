//! ppgov knows its secrets (the token, the client secret, the federated assertion): a hostile
//! server that echoes them back must not get them into stdout, stderr, the journal or a plan
//! file. The server is a proxy on 127.0.0.1 in front of the emulator that answers every write,
//! and every request when there is no emulator, with a 400 echoing the request's
//! `Authorization` header and body.

mod common;

use common::{ALLOW, fresh_dir, ppgov_command, root};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::Output;

const CANARY_TOKEN: &str = "canary-token-3f9d1c7b5a";
const CANARY_SECRET: &str = "canary-secret~7e2/b+c=";
const CANARY_ASSERTION: &str = "canary-assertion.eyJ4IjoxfQ.sig";

/// Starts the echoing proxy; returns its base URL.
fn echo_proxy(upstream: Option<String>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let upstream = upstream.clone();
            std::thread::spawn(move || serve(stream, upstream.as_deref()));
        }
    });
    base
}

fn serve(stream: TcpStream, upstream: Option<&str>) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut head = Vec::new();
    let mut length = 0usize;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        if line == "\r\n" {
            break;
        }
        if let Some((name, value)) = line.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse().unwrap_or(0);
        }
        head.push(line);
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).unwrap();
    let request_line = head.first().cloned().unwrap_or_default();
    let is_read = request_line.starts_with("GET ") || request_line.contains("listTenantSettings");
    let mut stream = stream;
    match upstream {
        Some(up) if is_read => {
            // Forwarded as is, one request per connection.
            let mut to = TcpStream::connect(up.trim_start_matches("http://")).unwrap();
            for line in &head {
                if !line.to_ascii_lowercase().starts_with("connection:") {
                    to.write_all(line.as_bytes()).unwrap();
                }
            }
            to.write_all(b"connection: close\r\n\r\n").unwrap();
            to.write_all(&body).unwrap();
            let mut answer = Vec::new();
            let _ = to.read_to_end(&mut answer);
            let _ = stream.write_all(&answer);
        }
        _ => {
            let auth = head
                .iter()
                .find(|l| l.to_ascii_lowercase().starts_with("authorization:"))
                .map(|l| l.trim_end().to_owned())
                .unwrap_or_default();
            // The form's last fields first, so the credential is within the error excerpt.
            let body = String::from_utf8_lossy(&body);
            let fields: Vec<&str> = body.rsplit('&').collect();
            let echo = format!("{} {auth}", fields.join("&"));
            let json = serde_json::json!({
                "error": {"code": "Echo", "message": format!("you sent: {echo}")},
                "error_description": format!("you sent: {echo}"),
            })
            .to_string();
            let _ = write!(
                stream,
                "HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{json}",
                json.len()
            );
        }
    }
}

fn scratch(name: &str) -> PathBuf {
    fresh_dir("secrets", name)
}

/// Everything ppgov produced: its output and the files it wrote in `dir`.
fn everything(out: &Output, dir: &PathBuf) -> String {
    let mut all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        if let Ok(text) = std::fs::read_to_string(entry.path()) {
            all.push_str(&text);
        }
    }
    all
}

fn assert_masked(all: &str, canary: &str) {
    assert!(all.contains("you sent"), "the echo never arrived: {all}");
    assert!(all.contains("***"), "{all}");
    for part in [canary, &canary[..16]] {
        assert!(!all.contains(part), "`{part}` leaked: {all}");
    }
}

#[test]
fn a_token_echoed_by_the_server_never_reaches_output_journal_or_plan() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let snapshot = std::fs::read_to_string(root().join("examples/tenant-snapshot.json")).unwrap();
    let emu = rt
        .block_on(ppgov_emulator::Emulator::start(ppgov_emulator::Config {
            tenant: ppgov_emulator::Tenant::from_json(&snapshot).unwrap(),
            static_token: Some(CANARY_TOKEN.to_owned()),
            ..Default::default()
        }))
        .unwrap();
    let proxy = echo_proxy(Some(emu.base_url()));
    let dir = scratch("token");
    let envs = [
        ("PPGOV_BASE_URL", proxy.as_str()),
        ("PPGOV_TOKEN", CANARY_TOKEN),
    ];
    // Reads pass through: the plan is made and saved.
    let plan_file = dir.join("plan.json");
    let plan = ppgov_command(
        &["plan", "policies", "--out", plan_file.to_str().unwrap()],
        &envs,
    )
    .output()
    .unwrap();
    assert_eq!(plan.status.code(), Some(0), "{}", everything(&plan, &dir));
    // Every write is answered with the echo.
    let journal = dir.join("journal.jsonl");
    let mut apply_args = vec!["apply", "--journal", journal.to_str().unwrap()];
    apply_args.extend(ALLOW);
    let apply = ppgov_command(&apply_args, &envs).output().unwrap();
    assert_eq!(apply.status.code(), Some(1), "{}", everything(&apply, &dir));
    let all = format!("{}{}", everything(&plan, &dir), everything(&apply, &dir));
    assert!(journal.exists(), "{all}");
    assert_masked(&all, CANARY_TOKEN);
}

#[test]
fn a_client_secret_echoed_by_the_token_endpoint_never_reaches_output() {
    let proxy = echo_proxy(None);
    let dir = scratch("client-secret");
    let out = ppgov_command(
        &["plan", "policies"],
        &[
            ("PPGOV_BASE_URL", proxy.as_str()),
            ("PPGOV_AUTHORITY", proxy.as_str()),
            ("PPGOV_TENANT_ID", "00000000-0000-0000-0000-000000000001"),
            ("PPGOV_CLIENT_ID", "11111111-0000-0000-0000-000000000001"),
            ("PPGOV_CLIENT_SECRET", CANARY_SECRET),
        ],
    )
    .output()
    .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let all = everything(&out, &dir);
    assert!(all.contains("client_secret=***"), "{all}");
    assert_masked(&all, CANARY_SECRET);
}

#[test]
fn a_federated_assertion_echoed_by_the_token_endpoint_never_reaches_output() {
    let proxy = echo_proxy(None);
    let dir = scratch("assertion");
    let token_file = dir.join("federated-token");
    std::fs::write(&token_file, CANARY_ASSERTION).unwrap();
    let out = ppgov_command(
        &["plan", "policies"],
        &[
            ("PPGOV_BASE_URL", proxy.as_str()),
            ("PPGOV_AUTHORITY", proxy.as_str()),
            ("PPGOV_TENANT_ID", "00000000-0000-0000-0000-000000000001"),
            ("PPGOV_CLIENT_ID", "11111111-0000-0000-0000-000000000001"),
            ("AZURE_FEDERATED_TOKEN_FILE", token_file.to_str().unwrap()),
        ],
    )
    .output()
    .unwrap();
    assert_eq!(out.status.code(), Some(1));
    std::fs::remove_file(&token_file).unwrap();
    assert_masked(&everything(&out, &dir), CANARY_ASSERTION);
}
